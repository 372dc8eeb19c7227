"""The activation stage: import accepted plugins' QDP definitions, bind their PTX, generate converters.

Per accepted op, in this order: refuse an op that already exists before its plugin's module is
imported (a PyTorch op, or another package's); import the defining module; check the torch op
and the QDP registration; refuse what TensorRT could not convert or build here; for AOT ops bind
the verified PTX; resolve the capability validator; call ``_generate_plugin_converter`` with the
declared values (legacy ops call the package's own registration function); confirm the
overload is in ``DYNAMO_CONVERTERS``. A kernels op is registered by the hub itself, through one
call of ``torch_tensorrt.kernels.ptx_op`` (:mod:`.kernels`). Every call into plugin code goes through
:mod:`trt_plugin_hub._guard`: nothing raises out of here except ``KeyboardInterrupt``.

:func:`activate` returns what happened to each op (:class:`PluginActivation`); the report stage
merges it into the plugin's report.

QDP ops, the kind a warm ``import torch_tensorrt`` activates, are activated here; legacy and
kernels ops in their own modules, imported when an op of that kind activates; what every kind
shares in :mod:`.steps`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from trt_plugin_hub import _adapter, _guard, _upstream
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._reasons import Check, Reason

from .plan import PlannedOp, PlannedPlugin, from_plain, plan_of, to_plain
from .steps import (
    REGISTERED,
    bind_verified_ptx,
    confirm_converter,
    log,
    registered_ops,
    resolve_validator,
    scalar_attribute_problem,
    upstream_check,
)

if TYPE_CHECKING:
    from .steps import Failed, OpStatus, Outcome

    #: What activating one plugin did, or the hub's own exception while activating it.
    Activated = tuple["PluginActivation | None", "Exception | None"]

__all__ = ["ActivationContext", "OpActivation", "PlannedOp", "PlannedPlugin", "PluginActivation", "activate",
           "activate_all", "from_plain", "plan_of", "registered_ops", "to_plain"]


# The records below are plain slotted classes, not NamedTuples or dataclasses: they are made on
# every ``import torch_tensorrt``, and a class statement is ~10 us where a NamedTuple is ~100 us.


class ActivationContext:
    """What activating one plugin needs to know about the others and the user's settings.

    ``owners`` maps every op id a plugin declares to that plugin's name; ``allowed_ops`` are the
    op ids the user lets a plugin claim although they exist already (``TRT_PLUGIN_HUB_ALLOW_OPS``).
    """

    __slots__ = ("allowed_ops", "owners")

    def __init__(self, owners: Mapping[str, str] = MappingProxyType({}), allowed_ops: Collection[str] = ()) -> None:
        self.owners = owners
        self.allowed_ops = allowed_ops


class OpActivation:
    """What activating one accepted op did: the status it ends in, and the reasons and checks it adds."""

    __slots__ = ("activation_ms", "checks", "reasons", "status")

    def __init__(self, status: OpStatus, reasons: tuple[Reason, ...] = (), checks: tuple[Check, ...] = (),
                 activation_ms: float | None = None) -> None:
        self.status = status
        self.reasons = reasons
        self.checks = checks
        self.activation_ms = activation_ms

    def __repr__(self) -> str:
        return f"OpActivation({self.status!r}, reasons={self.reasons!r}, activation_ms={self.activation_ms!r})"


class PluginActivation:
    """What activating one plugin did, op by op, and the exceptions behind its failures.

    ``ops`` follows the decision's ops; ``None`` for an op the decision did not accept (nothing
    was tried). ``reasons`` are what activation found about the plugin as a whole (QDP ops it
    registered without declaring them).
    """

    __slots__ = ("activation_ms", "exceptions", "ops", "reasons")

    def __init__(self, ops: tuple[OpActivation | None, ...], reasons: tuple[Reason, ...] = (),
                 activation_ms: float | None = None, exceptions: tuple[tuple[str, BaseException], ...] = ()) -> None:
        self.ops = ops
        self.reasons = reasons
        self.activation_ms = activation_ms
        self.exceptions = exceptions

    def __repr__(self) -> str:
        return f"PluginActivation(ops={self.ops!r}, reasons={self.reasons!r})"


def activate(planned: PlannedPlugin, context: ActivationContext | None = None) -> PluginActivation:
    """Activate the accepted ops of one plugin the decisions made available (its plan: :func:`plan_of`)."""
    context = context or ActivationContext()
    started = time.perf_counter()
    exceptions: list[tuple[str, BaseException]] = []
    imported: dict[str, Failure | None] = {}
    plugin = planned.name
    before = _adapter.qdp_ids()
    preexisting = _preexisting_ops(planned, context)
    declared = {op.id for op in planned.ops if op is not None}
    ops: list[OpActivation | None] = []
    for op in planned.ops:
        if op is None:
            ops.append(None)
            continue
        op_started = time.perf_counter()
        if op.id in preexisting:
            outcome: Outcome = ("rejected", (preexisting[op.id],), ())
            failure = None
        else:
            outcome, failure = _activate_op(plugin, op, imported)
        elapsed = (time.perf_counter() - op_started) * 1000
        if failure is not None:
            exceptions.append((op.id, failure.exception))
        ops.append(OpActivation(outcome[0], outcome[1], outcome[2], elapsed))
    undeclared = _undeclared(plugin, before, declared, context)
    return PluginActivation(tuple(ops), tuple(undeclared), (time.perf_counter() - started) * 1000, tuple(exceptions))


def activate_all(plans: list[PlannedPlugin], context: ActivationContext) -> list[Activated]:
    """Activate each planned plugin; a bug in the hub while activating one costs only that one."""
    results: list[Activated] = []
    for planned in plans:
        try:
            results.append((activate(planned, context), None))
        except Exception as exc:  # noqa: BLE001, PERF203 - the hub's own bug must not cost the other plugins
            log.exception("trt-plugin-hub: internal error while activating %s", planned.name)
            results.append((None, exc))
    return results


def _preexisting_ops(planned: PlannedPlugin, context: ActivationContext) -> dict[str, Reason]:
    """Accepted ops that exist before the module declared to define them is imported.

    A plugin may only provide ops it brings: an op PyTorch already has (``aten::relu``), or one
    another package defined, is refused unless the user allows that exact op id. An op whose
    module is already imported (by the user, or by this plugin's own package) is not judged here:
    its module has run already and cannot be told apart from the op's real definer.
    """
    found: dict[str, Reason] = {}
    for op in planned.ops:
        if op is None or op.id in context.allowed_ops or op.module in sys.modules:
            continue
        if (op.id, op.overload_name) in REGISTERED:
            continue
        try:
            exists = _adapter.torch_op_exists(op.namespace, op.name)
            qdp = _adapter.plugin_def(op.id) is not None if op.kind != "legacy" else False
        except Exception:  # noqa: BLE001, S112 - an upstream that cannot be asked: the later steps report it
            continue
        if exists or qdp:
            what = "torch op" if exists else "TensorRT QDP plugin"
            found[op.id] = Reason("OP_ALREADY_DEFINED", (
                f"{op.id} is already defined as a {what} before {planned.name} imports {op.module}: a "
                "plugin may only provide ops it defines itself, not take over PyTorch's or another package's; "
                f"if this is intended, allow it with TRT_PLUGIN_HUB_ALLOW_OPS={op.id}"))
    return found


def _undeclared(plugin: str, before: set[str] | None, declared: set[str], context: ActivationContext) -> list[Reason]:
    """QDP ops the plugin registered without declaring them; those in another plugin's name are undone."""
    after = _adapter.qdp_ids()
    if before is None or after is None:
        return []
    reasons = []
    for extra in sorted(after - before - declared):
        owner = context.owners.get(extra)
        if owner is not None and owner != plugin:
            removed, _ = _guard.call(f"unregister {extra}", _adapter.unregister_qdp, extra)
            tail = (f"; it belongs to {owner}, so the hub removed it from TensorRT's QDP registry"
                    if removed else f"; it belongs to {owner}, which cannot register it now")
        else:
            tail = "; no converter was generated for it"
        reasons.append(Reason("UNDECLARED_OP", f"{plugin} registered QDP op {extra}, which its manifest does not "
                              f"declare{tail}"))
    return reasons


def _activate_op(plugin: str, op: PlannedOp, imported: dict[str, Failure | None]) -> tuple[Outcome, Failure | None]:
    """Import the op's module (once per plugin), then activate the op the way its kind needs."""
    checks: list[Check] = []

    def failed(code: str, message: str, failure: Failure | None = None,
               status: OpStatus = "failed") -> tuple[Outcome, Failure | None]:
        if failure is not None:
            message = f"{message}: {failure}"
        log.warning("trt-plugin-hub: %s: %s", plugin, message)
        checks.append(Check(code.lower(), False, message))
        return (status, (Reason(code, message),), tuple(checks)), failure

    if op.kind == "kernels":  # checked before and after its module is imported: see .kernels
        from .kernels import activate_kernels_op  # each kind's code is loaded when an op of that kind activates

        return activate_kernels_op(plugin, op, imported, checks, failed)
    # 1. The module that defines the torch op and its QDP (or legacy converter).
    module_name = op.module
    if module_name not in imported:
        imported[module_name] = _guard.import_module(module_name)
    error = imported[module_name]
    if error is not None:
        return failed("IMPORT_FAILED", f"importing {module_name} for {op.id} failed", error)
    checks.append(Check("import", True, module_name))
    if op.kind == "legacy":
        from .legacy import activate_legacy_op

        return activate_legacy_op(plugin, op, checks, failed)
    return activate_qdp_op(plugin, op, checks, failed)


# QDP ops (jit and aot), the kind most ops are: the torch op and its QDP registration, the PTX
# binding, the generated converter. Kernels and legacy ops have their own modules.


def activate_qdp_op(plugin: str, op: PlannedOp, checks: list[Check],  # noqa: PLR0911 - a return per step
                    failed: Failed) -> tuple[Outcome, Failure | None]:
    """Generate the converter of a QDP op whose module imported, with the values its manifest declares."""
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
