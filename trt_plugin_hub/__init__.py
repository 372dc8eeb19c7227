"""trt-plugin-hub: install a TensorRT plugin wheel, `import torch_tensorrt`, and its ops convert.

The package imports nothing: names (``__version__`` included) are resolved on first use, so the
``torch.backends`` autoload hook, which imports this package at ``import torch``, loads two
modules (this one and ``_autoload``) and costs a fraction of a millisecond.

Public API::

    trt_plugin_hub.load()      # activate every compatible installed plugin (once per process)
    trt_plugin_hub.report()    # the same report, deciding only (no plugin code runs)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._environment import Environment, parse_target, probe_environment
    from ._errors import HubError, LockError, ManifestError, StrictModeError, TargetError
    from ._manifest import PluginManifest, read_manifest
    from ._pipeline import load, report
    from ._reasons import Check, Reason
    from ._report import OpReport, PluginReport, Report
    from ._version import __version__

__all__ = [
    "__version__",
    "load",
    "report",
    "Report",
    "PluginReport",
    "OpReport",
    "Reason",
    "Check",
    "Environment",
    "probe_environment",
    "parse_target",
    "PluginManifest",
    "read_manifest",
    "HubError",
    "ManifestError",
    "StrictModeError",
    "TargetError",
    "LockError",
]

_LAZY = {
    "__version__": "_version",
    "load": "_pipeline",
    "report": "_pipeline",
    "Report": "_report",
    "PluginReport": "_report",
    "OpReport": "_report",
    "Reason": "_reasons",
    "Check": "_reasons",
    "Environment": "_environment",
    "probe_environment": "_environment",
    "parse_target": "_environment",
    "PluginManifest": "_manifest",
    "read_manifest": "_manifest",
    "HubError": "_errors",
    "ManifestError": "_errors",
    "StrictModeError": "_errors",
    "TargetError": "_errors",
    "LockError": "_errors",
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
