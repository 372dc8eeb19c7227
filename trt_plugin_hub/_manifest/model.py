"""What a manifest holds, once read: the plugin, its requirements and its ops.

Schema version 1. The reader (:mod:`.reader`) builds these objects; nothing else does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._ptx import PtxArtifact

from .ids import OpIdentity
from .kinds import OpKind, Priority
from .recipes import Recipe

__all__ = [
    "MANIFEST_FILENAME",
    "MAX_DESCRIPTION_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_MANIFEST_BYTES",
    "REQUIREMENT_KEYS",
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
]

#: The manifest file at the root of a plugin package.
MANIFEST_FILENAME = "trt_plugin.json"
#: A manifest is a few kilobytes; anything far larger is a mistake or an attack on start-up time.
MAX_MANIFEST_BYTES = 1 << 20
#: The longest name, op id, module, path or reference a manifest may hold; it ends up in every
#: report line and log message about the plugin.
MAX_FIELD_CHARS = 200
#: The longest description (of the plugin or of an op).
MAX_DESCRIPTION_CHARS = 2000
SUPPORTED_SCHEMA_VERSIONS = (1,)
#: Namespaces TensorRT's QDP reserves for itself.
RESERVED_NAMESPACES = frozenset({"", "trt", "tensorrt", "std"})
#: The version requirements a plugin may declare, in the order they are read.
REQUIREMENT_KEYS = ("tensorrt", "torch", "torch_tensorrt", "python", "cuda_driver")


@dataclass(frozen=True)
class CapabilityRange:
    """Inclusive range of GPU compute capabilities, as ``(major, minor)`` tuples."""

    min: tuple[int, int] | None = None
    max: tuple[int, int] | None = None

    def contains(self, cc: tuple[int, int]) -> bool:
        """Whether ``cc`` lies inside the range."""
        if self.min is not None and cc < self.min:
            return False
        return not (self.max is not None and cc > self.max)

    def __str__(self) -> str:
        low = f"{self.min[0]}.{self.min[1]}" if self.min else "any"
        high = f"{self.max[0]}.{self.max[1]}" if self.max else "any"
        return f"{low} to {high}"


@dataclass(frozen=True)
class Requirements:
    """Version constraints a plugin declares (PEP 440 specifier strings, ``None`` when absent)."""

    tensorrt: str | None = None
    torch: str | None = None
    torch_tensorrt: str | None = None
    python: str | None = None
    cuda_driver: str | None = None
    compute_capability: CapabilityRange = field(default_factory=CapabilityRange)

    def specifiers(self) -> dict[str, str]:
        """The declared specifiers by requirement name, absent ones left out."""
        return {key: value for key in REQUIREMENT_KEYS if (value := getattr(self, key))}


@dataclass(frozen=True)
class OpSpec(OpIdentity):
    """One op a plugin provides.

    ``extensions`` holds the op's ``x-`` keys (``x-verify``, ``x-reference``...) as read;
    ``recipe`` the typed ``build`` section of an AOT op, read in draft mode only. ``schema``,
    ``meta``, ``eager`` and ``aot`` belong to kernels ops: the torch schema the hub defines the op
    with, the ``module:function`` references it hands ``torch_tensorrt.kernels.ptx_op``, and the
    ``(types, layouts)`` combinations the hub restricts the plugin to (``trtp.AutoTuneCombination``).
    """

    id: str
    kind: OpKind
    module: str
    overload: str | None = None
    priority: Priority = Priority.STANDARD
    supports_dynamic_shapes: bool = False
    requires_output_allocator: bool = False
    use_aot_if_available: bool = True
    jit_fallback: bool = False
    capability_validator: str | None = None
    register: str | None = None
    ptx: tuple[PtxArtifact, ...] = ()
    launch: LaunchSpec | None = None
    build: Mapping[str, Any] | None = None
    schema: str | None = None
    meta: str | None = None
    eager: str | None = None
    aot: str | None = None
    formats: tuple[tuple[str, str], ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    recipe: Recipe | None = field(default=None, compare=False, repr=False)



@dataclass(frozen=True)
class PluginManifest:
    """A parsed, validated manifest; ``extensions`` holds its top-level ``x-`` keys."""

    schema_version: int
    name: str
    ops: tuple[OpSpec, ...]
    description: str = ""
    requires: Requirements = field(default_factory=Requirements)
    sha256: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
