"""The plugin manifest, ``trt_plugin.json``: its model and its one reader (strict and draft).

The manifest is read without importing any of the package's code, so the hub can decide whether
a plugin can activate before running it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kinds import OpKind, Priority
    from .model import (
        MANIFEST_FILENAME,
        MAX_DESCRIPTION_CHARS,
        MAX_FIELD_CHARS,
        MAX_MANIFEST_BYTES,
        REQUIREMENT_KEYS,
        RESERVED_NAMESPACES,
        SUPPORTED_SCHEMA_VERSIONS,
        CapabilityRange,
        LaunchSpec,
        OpSpec,
        PluginManifest,
        PtxArtifact,
        Requirements,
    )
    from .reader import (
        NOT_BUILT,
        TABLES,
        Field,
        ManifestDraft,
        from_trusted_form,
        op_id_problem,
        parse_manifest,
        read_manifest,
        trusted_form,
    )
    from .recipes import GEOMETRY_CODE, NvrtcRecipe, Recipe, TritonRecipe, recipe_options
    from .signature import OpSignature, parse_signature

__all__ = [
    "GEOMETRY_CODE",
    "MANIFEST_FILENAME",
    "MAX_DESCRIPTION_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_MANIFEST_BYTES",
    "NOT_BUILT",
    "REQUIREMENT_KEYS",
    "RESERVED_NAMESPACES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "TABLES",
    "CapabilityRange",
    "Field",
    "LaunchSpec",
    "ManifestDraft",
    "NvrtcRecipe",
    "OpKind",
    "OpSignature",
    "OpSpec",
    "PluginManifest",
    "Priority",
    "PtxArtifact",
    "Recipe",
    "Requirements",
    "TritonRecipe",
    "from_trusted_form",
    "op_id_problem",
    "parse_manifest",
    "parse_signature",
    "read_manifest",
    "recipe_options",
    "trusted_form",
]

#: Each name -> the submodule that defines it, imported on first use.
_LAZY = {
    "MANIFEST_FILENAME": "model",
    "MAX_DESCRIPTION_CHARS": "model",
    "MAX_FIELD_CHARS": "model",
    "MAX_MANIFEST_BYTES": "model",
    "REQUIREMENT_KEYS": "model",
    "RESERVED_NAMESPACES": "model",
    "SUPPORTED_SCHEMA_VERSIONS": "model",
    "CapabilityRange": "model",
    "LaunchSpec": "model",
    "OpKind": "kinds",
    "OpSpec": "model",
    "PluginManifest": "model",
    "Priority": "kinds",
    "PtxArtifact": "model",
    "Requirements": "model",
    "NOT_BUILT": "reader",
    "TABLES": "reader",
    "Field": "reader",
    "ManifestDraft": "reader",
    "from_trusted_form": "reader",
    "op_id_problem": "reader",
    "parse_manifest": "reader",
    "read_manifest": "reader",
    "trusted_form": "reader",
    "GEOMETRY_CODE": "recipes",
    "NvrtcRecipe": "recipes",
    "Recipe": "recipes",
    "TritonRecipe": "recipes",
    "recipe_options": "recipes",
    "OpSignature": "signature",
    "parse_signature": "signature",
}


def __getattr__(name: str) -> Any:
    """Each name of ``_LAZY`` from its submodule, on first use.

    The lazy-export helper too: importing one of its submodules alone imports neither the rest nor ``_lazy``.
    """
    if name not in _LAZY:  # a submodule not imported yet (``from . import ids`` asks here first), or none
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from trt_plugin_hub._lazy import export

    return export(__name__, _LAZY[name], name)
