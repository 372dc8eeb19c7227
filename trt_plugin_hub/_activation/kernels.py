"""Kernels ops: the hub registers each through ``torch_tensorrt.kernels.ptx_op``, once, with verified PTX.

``ptx_op`` defines the torch op, the QDP definition, its AOT implementation and the converter in
one call that cannot be undone or repeated: a failure after its QDP step leaves the op
half-registered for the life of the process, and an op that already exists is silently adopted
(torch) or refused (QDP). So everything is checked before the call: the op exists neither before
nor after its module is imported (the module provides functions and registers nothing),
``ptx_op`` is there with the signature the hub calls and QDP is on, the functions resolve and the
PTX chosen for this GPU is verified. Then one guarded call, recorded so it is never retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trt_plugin_hub import _adapter, _guard, _upstream
from trt_plugin_hub._adapter import launch as upstream_launch
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._reasons import Check, Reason
from trt_plugin_hub.aot import launch_params

from .plan import PlannedOp
from .steps import REGISTERED, bind_verified_ptx, confirm_converter, resolve_validator

if TYPE_CHECKING:
    from .steps import Failed, Outcome

__all__ = ["ATTEMPTED", "activate_kernels_op"]

#: Op ids whose ``ptx_op`` call was made in this process (whatever it did): never made twice.
ATTEMPTED: set[str] = set()


def _present(op: PlannedOp) -> str | None:
    """What already defines the op: ``"torch op"``, ``"TensorRT QDP plugin"``, or ``None``."""
    exists, _ = _guard.call("torch op lookup", _adapter.torch_op_exists, op.namespace, op.name)
    if exists:
        return "torch op"
    return "TensorRT QDP plugin" if _adapter.plugin_def_or_none(op.id) is not None else None


def activate_kernels_op(plugin: str, op: PlannedOp, imported: dict[str, Failure | None],  # noqa: C901, PLR0911 - a return per step
                        checks: list[Check], failed: Failed) -> tuple[Outcome, Failure | None]:
    """Register one accepted kernels op through ``ptx_op``, with the values and PTX its manifest declares."""
    key = (op.id, op.overload_name)

    def rejected(code: str, message: str, failure: Failure | None = None) -> tuple[Outcome, Failure | None]:
        return failed(code, message, failure, status="rejected")

    # 1. Never twice: registered already, or a call that raised earlier in this process.
    if key in REGISTERED:
        note = Reason("ALREADY_REGISTERED", f"{op.id} was registered through torch_tensorrt.kernels.ptx_op earlier "
                      f"in this process by {REGISTERED[key]}")
        return ("active", (note,), tuple(checks)), None
    if op.id in ATTEMPTED:
        return failed("KERNELS_REGISTER_FAILED", f"torch_tensorrt.kernels.ptx_op for {op.id} raised earlier in this "
                      "process, which may have left it half-registered; it is not called twice: restart the process")

    # 2. The op must not exist before its module is imported, whoever imported the module.
    before = _present(op)
    if before is not None:
        return rejected("OP_ALREADY_DEFINED", f"{op.id} is already defined as a {before} before the hub registers it "
                        f"through torch_tensorrt.kernels.ptx_op: ptx_op would adopt it (torch op) or fail half-way "
                        f"(QDP); a kernels op's module must not define or register it")

    # 3. torch_tensorrt.kernels.ptx_op as the hub calls it, and QDP switched on where ptx_op looks.
    try:
        ptx_op = _ptx_op(op, checks, failed)
    except _Ended as ended:
        return ended.result

    # 4. The module that provides the op's functions; it must register nothing itself.
    if op.module not in imported:
        imported[op.module] = _guard.import_module(op.module)
    error = imported[op.module]
    if error is not None:
        return failed("IMPORT_FAILED", f"importing {op.module} for {op.id} failed", error)
    checks.append(Check("import", True, op.module))
    after = _present(op)
    if after is not None:
        return failed("KERNELS_SELF_REGISTERED", f"importing {op.module} defined {op.id} as a {after} itself; the hub "
                      "registers kernels ops through torch_tensorrt.kernels.ptx_op with the PTX it verified, so it "
                      "registers nothing: remove the module's own ptx_op, torch.library or @trtp.register call")

    # 5. The functions and the validator.
    try:
        functions = _functions(op, checks, failed)
        validator = _validator(op, checks, failed)
    except _Ended as ended:
        return ended.result

    # 6. The verified PTX, bound as for aot ops (trt_plugin_hub.aot.launch_params reads it).
    artifact = op.ptx
    if artifact is None or op.schema is None:
        raise ValueError(f"{op.id} was accepted as a kernels op without verified PTX or a schema")
    data, unbound = bind_verified_ptx(op, checks, failed)
    if unbound is not None or data is None:
        return unbound or failed("PTX_MISSING", f"{op.id}: no PTX bytes to hand over", status="rejected")

    # 7. The one call.
    ATTEMPTED.add(op.id)
    _, failure = _guard.call(
        f"torch_tensorrt.kernels.ptx_op for {op.id}", upstream_launch.register_ptx_op, ptx_op, op.id, data,
        artifact.kernel, functions, schema=op.schema, capability_validator=validator,
        high_priority=op.priority == "high", supports_dynamic_shapes=op.supports_dynamic_shapes,
        requires_output_allocator=op.requires_output_allocator)
    if failure is not None:
        return failed("KERNELS_REGISTER_FAILED", f"torch_tensorrt.kernels.ptx_op for {op.id} raised; what it "
                      "registered before raising stays for the life of this process (restart it after fixing the "
                      "cause)", failure)
    REGISTERED[key] = plugin
    definition = _adapter.plugin_def_or_none(op.id)
    if definition is None or getattr(definition, "aot_impl_func", None) is None:
        return failed("QDP_NOT_REGISTERED", f"torch_tensorrt.kernels.ptx_op returned but {op.id} has no AOT "
                      "implementation in TensorRT's QDP registry")
    checks.append(Check("qdp registry", True, f"{op.id} in QDP_REGISTRY with its aot_impl"))
    # 8. The formats the kernel takes: ptx_op restricts none.
    if op.formats:
        tensors = list(getattr(definition, "input_tensor_names", None) or ())
        _, failure = _guard.call(f"trtp.autotune for {op.id}", upstream_launch.register_formats, op.id, tensors,
                                 op.formats)
        if failure is not None:
            return failed("KERNELS_FORMATS_FAILED", f"registering the formats of {op.id} raised; its converter "
                          "exists but TensorRT may hand the kernel any data type", failure)
        checks.append(Check("formats", True, "; ".join(f"{types} ({layouts})" for types, layouts in op.formats)))
    return confirm_converter(op, checks, failed, mode="aot")


_Functions = tuple[Callable[..., Any], Callable[..., Any] | None, Callable[..., Any]]


class _Ended(Exception):  # noqa: N818 - not an error: how an activation ended early
    def __init__(self, result: tuple[Outcome, Failure | None]) -> None:
        super().__init__(result)
        self.result = result


def _ptx_op(op: PlannedOp, checks: list[Check], failed: Failed) -> Callable[..., Any]:
    """``torch_tensorrt.kernels.ptx_op``, callable as the hub calls it, with QDP on; raises :class:`_Ended`."""
    ptx_op, failure = _guard.call("import torch_tensorrt.kernels", upstream_launch.kernels_ptx_op)
    if failure is not None:
        raise _Ended(failed("KERNELS_UNSUPPORTED", f"{op.id} needs torch_tensorrt.kernels.ptx_op (Torch-TensorRT "
                            ">=2.13), which does not import here", failure, status="rejected"))
    problem = _upstream.ptx_op_signature_problem(ptx_op)
    if problem is not None or ptx_op is None:
        raise _Ended(failed("KERNELS_UNSUPPORTED", f"{op.id}: this torch_tensorrt.kernels cannot be called as the "
                            f"hub calls it: {problem}", status="rejected"))
    enabled, _ = _guard.call("torch_tensorrt.kernels feature flags", upstream_launch.kernels_qdp_enabled)
    if enabled is False:
        raise _Ended(failed("TENSORRT_NO_QDP", "Torch-TensorRT reports QDP plugins unavailable "
                            f"(ENABLED_FEATURES.qdp_plugin is False), so torch_tensorrt.kernels.ptx_op refuses "
                            f"{op.id}", status="rejected"))
    checks.append(Check("torch_tensorrt.kernels", True, "ptx_op present, QDP on"))
    return ptx_op  # type: ignore[no-any-return]


def _validator(op: PlannedOp, checks: list[Check], failed: Failed) -> Callable[..., bool] | None:
    """The op's capability validator, guarded; ``None`` when none is declared; raises :class:`_Ended`."""
    validator, ended = resolve_validator(op, checks, failed)
    if ended is not None:
        raise _Ended(ended)
    return validator


def _functions(op: PlannedOp, checks: list[Check], failed: Failed) -> _Functions:
    """The op's meta, eager and aot functions (``aot`` defaults to the manifest's launch); raises :class:`_Ended`."""
    resolved: dict[str, Callable[..., Any] | None] = {}
    for role in ("meta", "eager", "aot"):
        reference = getattr(op, role)
        if reference is None:
            resolved[role] = None
            continue
        found, failure = _guard.resolve(reference)
        if failure is not None or not callable(found):
            raise _Ended(failed("FUNCTION_UNRESOLVED", f"{role} function {reference} of {op.id} does not resolve "
                                       "to a callable", failure))
        resolved[role] = found
    meta, eager, aot_fn = resolved["meta"], resolved["eager"], resolved["aot"]
    if meta is None:
        raise ValueError(f"{op.id} was accepted as a kernels op without a meta function")
    if aot_fn is not None:
        problem, failure = _guard.call(f"signature of {op.aot}", _upstream.ptx_op_aot_problem, aot_fn)
        if failure is not None or problem is not None:
            raise _Ended(failed("AOT_IMPL_SIGNATURE", f"aot function {op.aot} of {op.id} cannot be called by the "
                                 f"engine build: {problem or failure}", status="rejected"))
    else:
        aot_fn = _launch_from_manifest(op.id)
    checks.append(Check("functions", True, ", ".join(
        f"{role} {getattr(op, role) or ('launch' if role == 'aot' else 'none')}" for role in ("meta", "eager", "aot"))))
    return meta, eager, aot_fn


def _launch_from_manifest(op_id: str) -> Callable[..., Any]:
    """A kernels op's ``aot`` function built from its manifest's ``launch`` section."""

    def aot(inputs: Any, outputs: Any, tactic: int) -> tuple[Any, Any]:  # noqa: ARG001 - ptx_op's call
        return launch_params(op_id, inputs)

    aot.__qualname__ = f"launch_params[{op_id}]"
    return aot
