"""Old path of :mod:`trt_plugin_hub._manifest`, kept while modules still import it from here."""

from __future__ import annotations

from ._manifest import (
    MANIFEST_FILENAME,
    MAX_DESCRIPTION_CHARS,
    MAX_FIELD_CHARS,
    MAX_MANIFEST_BYTES,
    RESERVED_NAMESPACES,
    SUPPORTED_SCHEMA_VERSIONS,
    CapabilityRange,
    LaunchSpec,
    OpKind,
    OpSpec,
    PluginManifest,
    Priority,
    PtxArtifact,
    Requirements,
    parse_manifest,
    read_manifest,
)

__all__ = [
    "MANIFEST_FILENAME",
    "MAX_DESCRIPTION_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_MANIFEST_BYTES",
    "RESERVED_NAMESPACES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "CapabilityRange",
    "LaunchSpec",
    "OpKind",
    "OpSpec",
    "PluginManifest",
    "Priority",
    "PtxArtifact",
    "Requirements",
    "parse_manifest",
    "read_manifest",
]
