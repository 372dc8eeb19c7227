"""What activation takes from the decisions: the plan, as plain records a later process can reuse.

The decisions stage produces rich models (``PluginDecision``, ``OpSpec``...); activation needs a
few fields of each accepted op. :func:`plan_of` takes them, and :func:`to_plain` /
:func:`from_plain` turn a plan into JSON values and back, so that a warm process
(:mod:`trt_plugin_hub._warm`) activates from the plan an earlier process decided, through the
same activation code, without importing the decision models or the manifest's. This module
imports nothing of the hub but the launch contract and the cache files' checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from trt_plugin_hub._cachefile import FileIdentity, check_text
from trt_plugin_hub._launch import LaunchSpec

if TYPE_CHECKING:
    from trt_plugin_hub._decisions import OpDecision, PluginDecision

__all__ = ["PlannedOp", "PlannedPlugin", "PlannedPtx", "from_plain", "plan_of", "to_plain"]


class PlannedPtx:
    """The verified PTX file an AOT or kernels op hands to TensorRT."""

    __slots__ = ("arch", "kernel", "path", "sha256")

    def __init__(self, path: str, sha256: str, kernel: str, arch: str) -> None:
        self.path = path  # as the manifest writes it, relative to the package
        self.sha256 = sha256
        self.kernel = kernel
        self.arch = arch


#: The fields of an op that activation reads, named as in ``OpSpec`` (``namespace``, ``name`` and
#: ``overload_name`` are its answers from the id, copied so that a warm process needs no manifest
#: module to split an id).
_SPEC_FIELDS = ("id", "namespace", "name", "overload_name", "kind", "module", "overload", "priority",
                "supports_dynamic_shapes", "requires_output_allocator", "capability_validator",
                "register", "schema", "meta", "eager", "aot")


class PlannedOp:
    """One accepted op, as activation needs it: the manifest's values and what the decisions chose.

    ``mode`` is ``"jit"``, ``"aot"`` or ``None`` (legacy); ``ptx`` and ``ptx_path`` the verified
    file for this GPU (``ptx_path`` as text, as the plan holds it: it is only opened); ``ptx_bytes``
    its bytes when the decision read them (``None`` when it trusted the memo of checked files or
    the plan: the bytes are then read and hashed when they are handed on);
    ``ptx_key`` the file's identity (device, inode, size, mtime_ns, ctime_ns) when its checked
    bytes were read, if it had settled then: while the file still has it, an AOT op's bytes can be
    read when TensorRT asks for them (and are hashed then) rather than at activation.
    """

    __slots__ = (*_SPEC_FIELDS, "formats", "launch", "mode", "ptx", "ptx_bytes", "ptx_key", "ptx_path")

    def __init__(self, values: Mapping[str, Any]) -> None:
        for name in _SPEC_FIELDS:
            setattr(self, name, values[name])
        self.formats: tuple[tuple[str, str], ...] = tuple((str(t), str(layout)) for t, layout in values["formats"])
        self.launch: LaunchSpec | None = values["launch"]
        self.mode: str | None = values["mode"]
        self.ptx: PlannedPtx | None = values["ptx"]
        self.ptx_path: str | None = values["ptx_path"]
        self.ptx_bytes: bytes | None = values.get("ptx_bytes")
        self.ptx_key: FileIdentity | None = values.get("ptx_key")

    id: str
    namespace: str
    name: str
    overload_name: str
    kind: str
    module: str
    overload: str | None
    priority: str
    supports_dynamic_shapes: bool
    requires_output_allocator: bool
    capability_validator: str | None
    register: str | None
    schema: str | None
    meta: str | None
    eager: str | None
    aot: str | None


class PlannedPlugin:
    """One plugin the decisions made available; ``ops`` follows its decision's ops (``None``: not accepted)."""

    __slots__ = ("name", "ops")

    def __init__(self, name: str, ops: Sequence[PlannedOp | None]) -> None:
        self.name = name
        self.ops = tuple(ops)


def _planned_op(decision: OpDecision) -> PlannedOp:
    op = decision.op
    artifact = decision.ptx
    values: dict[str, Any] = {name: getattr(op, name) for name in _SPEC_FIELDS}
    values["priority"] = str(op.priority.value if hasattr(op.priority, "value") else op.priority)
    values["kind"] = str(op.kind.value if hasattr(op.kind, "value") else op.kind)
    values.update(formats=op.formats, launch=op.launch, mode=decision.mode,
                  ptx_path=None if decision.ptx_path is None else str(decision.ptx_path),
                  ptx_bytes=decision.ptx_bytes, ptx_key=decision.ptx_key,
                  ptx=None if artifact is None else PlannedPtx(artifact.path, artifact.sha256, artifact.kernel,
                                                               artifact.arch))
    return PlannedOp(values)


def plan_of(decision: PluginDecision) -> PlannedPlugin:
    """The plan of one plugin the decisions made available."""
    return PlannedPlugin(decision.candidate.name,
                         [_planned_op(op) if op.accepted else None for op in decision.ops])


#: A planned op as the plan file holds it: one JSON array of these fields, in this order (an
#: array rather than an object: the warm path reads it at every ``import torch_tensorrt``).
ROW = (*_SPEC_FIELDS, "formats", "mode", "ptx_path", "ptx", "ptx_key", "launch")


def to_plain(plugin: PlannedPlugin) -> dict[str, Any]:
    """The plan of one plugin as JSON values, each op a :data:`ROW`.

    The PTX bytes are left out: they are read when handed on.
    """
    ops: list[list[Any] | None] = []
    for op in plugin.ops:
        if op is None:
            ops.append(None)
            continue
        launch = op.launch
        ops.append([
            *(getattr(op, name) for name in _SPEC_FIELDS),
            [list(pair) for pair in op.formats], op.mode, op.ptx_path,
            None if op.ptx is None else [op.ptx.path, op.ptx.sha256, op.ptx.kernel, op.ptx.arch],
            None if op.ptx_key is None else list(op.ptx_key),
            None if launch is None else [launch.block_threads, launch.elements_per_block, list(launch.extras),
                                         launch.shared_mem]])
    return {"name": plugin.name, "ops": ops}


_TEXT_OR_NONE = ("overload", "capability_validator", "register", "schema", "meta", "eager", "aot", "mode", "ptx_path")


def from_plain(data: Any) -> PlannedPlugin:
    """The plan :func:`to_plain` wrote. Raises ``TypeError`` / ``ValueError`` / ``KeyError`` for anything else."""
    name = data["name"]
    if not isinstance(name, str):
        raise TypeError("a planned plugin's name must be a string")
    ops: list[PlannedOp | None] = []
    for item in data["ops"]:
        if item is None:
            ops.append(None)
            continue
        if not isinstance(item, list) or len(item) != len(ROW):
            raise TypeError(f"a planned op is a list of {len(ROW)} values")
        values = dict(zip(ROW, item, strict=True))
        check_text(values, ("id", "namespace", "name", "overload_name", "kind", "module", "priority"), _TEXT_OR_NONE)
        for key in ("supports_dynamic_shapes", "requires_output_allocator"):
            if not isinstance(values[key], bool):
                raise TypeError(f"{key} must be a boolean")
        ptx = values["ptx"]
        if ptx is not None:
            path, sha256, kernel, arch = ptx
            if not all(isinstance(v, str) for v in (path, sha256, kernel, arch)):
                raise TypeError("a planned PTX file is four strings")
            values["ptx"] = PlannedPtx(path, sha256, kernel, arch)
        launch = values["launch"]
        if launch is not None:
            block, per_block, extras, shared = launch
            if not all(type(v) is int for v in (block, per_block, shared)) or not all(
                    isinstance(e, str) for e in extras):
                raise TypeError("a planned launch is three integers and a list of strings")
            values["launch"] = LaunchSpec(block, per_block, tuple(extras), shared)
        identity = values.get("ptx_key")
        if identity is not None:
            if len(identity) != 5 or not all(type(v) is int for v in identity):
                raise TypeError("a planned PTX file identity is five integers")
            values["ptx_key"] = tuple(identity)
        ops.append(PlannedOp(values))
    return PlannedPlugin(name, ops)
