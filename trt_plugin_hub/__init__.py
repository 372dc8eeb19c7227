"""trt-plugin-hub: install a TensorRT plugin wheel, `import torch_tensorrt`, and its ops convert.

The package imports nothing: names (``__version__`` included) are resolved on first use. The
``torch.backends`` autoload hook is not here but in the top-level module
``_trt_plugin_hub_autoload``, so that ``import torch`` does not load this package at all;
``_autoload`` follows only when ``torch_tensorrt`` is imported.

Public API::

    trt_plugin_hub.load()      # activate every compatible installed plugin (once per process)
    trt_plugin_hub.report()    # the same report, deciding only (no plugin code runs)

``__all__`` lists every name a user meets: the two calls, the report they return and the words
in it, the environment and settings they decide against, the manifest model and every exception.
The public modules are this package, :mod:`trt_plugin_hub.aot`, :mod:`trt_plugin_hub.cli`,
:mod:`trt_plugin_hub.authoring` (with :mod:`trt_plugin_hub.authoring.backend`) and
:mod:`trt_plugin_hub.verify`; every other module is private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._codes import CODES, CodeKind, Status, describe
    from ._environment import Environment, parse_target, probe_environment
    from ._errors import (
        Finding,
        HubError,
        LockError,
        ManifestError,
        PtxBuildError,
        PtxFormatError,
        ScaffoldError,
        StrictModeError,
        TargetError,
        ValidationTargetError,
    )
    from ._manifest import (
        MANIFEST_FILENAME,
        CapabilityRange,
        LaunchSpec,
        ManifestDraft,
        NvrtcRecipe,
        OpKind,
        OpSpec,
        PluginManifest,
        Priority,
        PtxArtifact,
        Requirements,
        TritonRecipe,
        parse_manifest,
        read_manifest,
    )
    from ._pipeline import load, report
    from ._ptx import BuildRecord
    from ._reasons import Check, Reason
    from ._report import OpReport, PluginReport, Report
    from ._settings import ENV_VARS, Settings, read_settings
    from ._version import __version__

__all__ = [
    "CODES",
    "ENV_VARS",
    "MANIFEST_FILENAME",
    "BuildRecord",
    "CapabilityRange",
    "Check",
    "CodeKind",
    "Environment",
    "Finding",
    "HubError",
    "LaunchSpec",
    "LockError",
    "ManifestDraft",
    "ManifestError",
    "NvrtcRecipe",
    "OpKind",
    "OpReport",
    "OpSpec",
    "PluginManifest",
    "PluginReport",
    "Priority",
    "PtxArtifact",
    "PtxBuildError",
    "PtxFormatError",
    "Reason",
    "Report",
    "Requirements",
    "ScaffoldError",
    "Settings",
    "Status",
    "StrictModeError",
    "TargetError",
    "TritonRecipe",
    "ValidationTargetError",
    "__version__",
    "describe",
    "load",
    "parse_manifest",
    "parse_target",
    "probe_environment",
    "read_manifest",
    "read_settings",
    "report",
]

#: Each public name -> the private module that defines it, imported on first use.
_LAZY = {
    "__version__": "_version",
    # run the hub
    "load": "_pipeline",
    "report": "_pipeline",
    # what it reports
    "Report": "_report",
    "PluginReport": "_report",
    "OpReport": "_report",
    "Reason": "_reasons",
    "Check": "_reasons",
    "Status": "_codes",
    "CodeKind": "_codes",
    "CODES": "_codes",
    "describe": "_codes",
    # where it decides
    "Environment": "_environment",
    "probe_environment": "_environment",
    "parse_target": "_environment",
    # the controls
    "Settings": "_settings",
    "read_settings": "_settings",
    "ENV_VARS": "_settings",
    # the manifest
    "MANIFEST_FILENAME": "_manifest",
    "PluginManifest": "_manifest",
    "OpSpec": "_manifest",
    "OpKind": "_manifest",
    "Priority": "_manifest",
    "Requirements": "_manifest",
    "CapabilityRange": "_manifest",
    "PtxArtifact": "_manifest",
    "BuildRecord": "_ptx",
    "LaunchSpec": "_manifest",
    "TritonRecipe": "_manifest",
    "NvrtcRecipe": "_manifest",
    "ManifestDraft": "_manifest",
    "read_manifest": "_manifest",
    "parse_manifest": "_manifest",
    # errors, and what strict mode carries
    "HubError": "_errors",
    "ManifestError": "_errors",
    "TargetError": "_errors",
    "LockError": "_errors",
    "StrictModeError": "_errors",
    "Finding": "_errors",
    "PtxFormatError": "_errors",
    "PtxBuildError": "_errors",
    "ValidationTargetError": "_errors",
    "ScaffoldError": "_errors",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'trt_plugin_hub' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
