"""QDP ops (jit and aot): the torch op and its QDP registration, the PTX binding, the generated converter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trt_plugin_hub import _guard, _upstream
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._reasons import Check, Reason

from .plan import PlannedOp
from .steps import REGISTERED, bind_verified_ptx, confirm_converter, resolve_validator, upstream_check

if TYPE_CHECKING:
    from .steps import Failed, Outcome

__all__ = ["activate_qdp_op", "scalar_attribute_problem"]


def activate_qdp_op(plugin: str, op: PlannedOp, checks: list[Check],  # noqa: PLR0911 - a return per step
                    failed: Failed) -> tuple[Outcome, Failure | None]:
    """Generate the converter of a QDP op whose module imported, with the values its manifest declares."""
    from trt_plugin_hub import _adapter

    module_name = op.module
    key = (op.id, op.overload_name)

    def rejected(code: str, message: str) -> tuple[Outcome, Failure | None]:
        return failed(code, message, status="rejected")

    # 2. Already registered by the hub in this process: never twice (upstream keeps duplicates).
    if key in REGISTERED:
        note = Reason("ALREADY_REGISTERED", f"converter for {op.id}.{op.overload_name} was registered earlier "
                      f"in this process by {REGISTERED[key]}")
        return ("active", (note,), tuple(checks)), None

    # 3. The torch op must exist, and the QDP definition must be registered (debugging step 1).
    _, failure = _guard.call("torch op lookup", _adapter.torch_overload, op.namespace, op.name, op.overload_name)
    if failure is not None:
        return failed("OP_NOT_DEFINED", f"{module_name} did not define torch.ops.{op.namespace}.{op.name}."
                      f"{op.overload_name}", failure)
    registry, failure = upstream_check("QDP registry lookup", _adapter.qdp_registry_check, op.namespace, op.name)
    if registry is None:
        return failed("QDP_NOT_REGISTERED", "TensorRT's QDP registry cannot be read", failure)
    if not registry.passed:
        return failed("QDP_NOT_REGISTERED", f"{module_name} did not register {op.id} with @trtp.register")
    definition = registry.found
    checks.append(Check("qdp registry", True, f"{op.id} in QDP_REGISTRY"))

    switched_off = _adapter.qdp_switched_off()
    if switched_off:
        return rejected("TENSORRT_NO_QDP", switched_off)
    problem = scalar_attribute_problem(op.id, definition)
    if problem is not None:
        return rejected("NUMPY_SCALAR_ATTRIBUTES", problem)

    use_aot = op.mode == "aot"
    if use_aot:
        ended = _bind_ptx(op, definition, checks, failed)
        if ended is not None:
            return ended
    elif getattr(definition, "impl_func", None) is None:
        return failed("QDP_NOT_REGISTERED", f"{op.id} runs as JIT here but {module_name} registers no @trtp.impl")

    # 5. The capability validator, if declared: wrapped so a raising validator declines the node.
    validator, ended = resolve_validator(op, checks, failed)
    if ended is not None:
        return ended

    # 6. Generate the converter with the declared values.
    _, failure = _guard.call(
        f"_generate_plugin_converter for {op.id}", _adapter.generate_converter,
        op.namespace, op.name, op.overload,
        capability_validator=validator,
        high_priority=op.priority == "high",
        supports_dynamic_shapes=op.supports_dynamic_shapes,
        requires_output_allocator=op.requires_output_allocator,
        use_aot_if_available=use_aot,
    )
    if failure is not None:
        return failed("CONVERTER_FAILED", f"_generate_plugin_converter for {op.id} raised", failure)
    REGISTERED[key] = plugin
    return confirm_converter(op, checks, failed, mode=op.mode)


def _bind_ptx(op: PlannedOp, definition: Any, checks: list[Check],
              failed: Failed) -> tuple[Outcome, Failure | None] | None:
    """An AOT op's aot_impl can be called by TensorRT; then bind its verified PTX. ``None`` when bound."""
    if getattr(definition, "aot_impl_func", None) is None:
        return failed("QDP_NOT_REGISTERED", f"{op.id} is declared aot but {op.module} registers no @trtp.aot_impl")
    call_problem, failure = _guard.call(
        f"signature of the aot_impl of {op.id}", _upstream.aot_impl_call_problem, definition.aot_impl_func,
        list(getattr(definition, "input_tensor_names", None) or ()),
        dict(getattr(definition, "input_attrs", None) or {}))
    if failure is not None:
        return failed("AOT_IMPL_SIGNATURE", f"the aot_impl of {op.id} cannot be inspected", failure,
                      status="rejected")
    if call_problem is not None:
        return failed("AOT_IMPL_SIGNATURE", f"the aot_impl of {op.id} cannot be called by TensorRT's engine "
                      f"build: {call_problem}; give it every attribute the op registers, in order",
                      status="rejected")
    # 4. Bind the verified PTX BEFORE generating: upstream decides AOT vs JIT right then.
    _, ended = bind_verified_ptx(op, checks, failed, deferred=True)
    return ended


def scalar_attribute_problem(op_id: str, definition: object | None) -> str | None:
    """Why TensorRT here cannot hand this QDP definition its int/float attributes, or ``None``."""
    from trt_plugin_hub import _adapter

    if definition is None:
        return None
    attrs = getattr(definition, "input_attrs", None)
    names = _upstream.scalar_attribute_names(attrs if isinstance(attrs, Mapping) else None)
    trt_version, numpy_version = _adapter.runtime_versions()
    if not names or not _upstream.scalar_attributes_broken(trt_version, numpy_version):
        return None
    listed = ", ".join(repr(n) for n in names)
    return (f"{op_id} has int/float attribute(s) {listed}, which TensorRT {trt_version} cannot pass with numpy "
            f"{numpy_version} (add_plugin raises TypeError; fixed in TensorRT 11.2.1): install 'numpy<2.4' or "
            "TensorRT >= 11.2.1")

