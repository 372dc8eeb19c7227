"""Activation: import accepted plugins' QDP definitions, bind their PTX, generate converters.

Per accepted op, in this order: refuse an op that already exists before its plugin's module is
imported (a PyTorch op, or another package's); import the defining module; check the torch op
and the QDP registration; refuse what TensorRT could not convert or build here; for AOT ops bind
the verified PTX; resolve the capability validator; call ``_generate_plugin_converter`` with the
declared values (legacy ops call the package's own registration function); confirm the
overload is in ``DYNAMO_CONVERTERS``. Every call into plugin code goes through
:mod:`trt_plugin_hub._guard`: nothing raises out of here except ``KeyboardInterrupt``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace

from . import _guard, _upstream, aot
from ._decisions import OpDecision, PluginDecision
from ._guard import Failure
from ._reasons import Check, Reason, Status
from .manifest import OpSpec
from .reporting import PluginReport

__all__ = ["activate", "ActivationContext", "ActivationResult", "registered_ops"]

log = logging.getLogger(__name__)

# (op id, overload) pairs this process has registered converters for: upstream neither
# de-duplicates nor unregisters, so the hub must never register one twice.
_REGISTERED: dict[tuple[str, str], str] = {}
_LEGACY_DONE: dict[str, str] = {}


def registered_ops() -> dict[tuple[str, str], str]:
    """(op id, overload) -> plugin name, for every converter the hub registered in this process."""
    return dict(_REGISTERED)


@dataclass(frozen=True)
class ActivationContext:
    """What activating one plugin needs to know about the others and the user's settings.

    ``owners`` maps every op id a plugin declares to that plugin's name; ``allowed_ops`` are the
    op ids the user lets a plugin claim although they exist already (``TRT_PLUGIN_HUB_ALLOW_OPS``).
    """

    owners: Mapping[str, str] = field(default_factory=dict)
    allowed_ops: Collection[str] = ()


@dataclass(frozen=True)
class ActivationResult:
    """A plugin's report after activation, and the exceptions behind its failures."""

    report: PluginReport
    exceptions: tuple[tuple[str, BaseException], ...]


def activate(decision: PluginDecision, context: ActivationContext | None = None) -> ActivationResult:
    """Activate the accepted ops of one plugin; returns its report."""
    from .loader import plugin_report

    context = context or ActivationContext()
    base = plugin_report(decision)
    if decision.status is not Status.AVAILABLE:
        return ActivationResult(base, ())
    started = time.perf_counter()
    exceptions: list[tuple[str, BaseException]] = []
    imported: dict[str, Failure | None] = {}
    plugin = decision.candidate.name
    before = _qdp_ids()
    preexisting = _preexisting_ops(decision, context)
    declared = {op.op.id for op in decision.ops}
    op_reports = []
    for op_report, op_decision in zip(base.ops, decision.ops):
        if not op_decision.accepted:
            op_reports.append(op_report)
            continue
        op_started = time.perf_counter()
        if op_decision.op.id in preexisting:
            outcome: _Outcome = (Status.REJECTED, (preexisting[op_decision.op.id],), ())
            failure = None
        else:
            outcome, failure = _activate_op(plugin, op_decision, imported, context)
        elapsed = (time.perf_counter() - op_started) * 1000
        if failure is not None:
            exceptions.append((op_decision.op.id, failure.exception))
        op_reports.append(replace(op_report, status=outcome[0], reasons=op_report.reasons + outcome[1],
                                  checks=op_report.checks + outcome[2], activation_ms=elapsed))
    plugin_reasons = list(base.reasons)
    plugin_reasons += _undeclared(plugin, before, declared, context)
    statuses = {op.status for op in op_reports}
    status: Status
    if Status.ACTIVE in statuses:
        status = Status.ACTIVE
    elif Status.FAILED in statuses:
        status = Status.FAILED
    else:
        status = Status.REJECTED
    for op in op_reports:
        if op.status is Status.FAILED or (op.status is Status.REJECTED and status is not Status.ACTIVE):
            plugin_reasons.extend(r for r in op.reasons if not r.is_note and r not in plugin_reasons)
    report = replace(base, status=status, ops=tuple(op_reports), reasons=tuple(plugin_reasons),
                     activation_ms=(time.perf_counter() - started) * 1000)
    return ActivationResult(report, tuple(exceptions))


def _qdp_ids() -> set[str] | None:
    try:
        from . import _adapter

        return set(_adapter.qdp_registry())
    except Exception:
        return None


def _preexisting_ops(decision: PluginDecision, context: ActivationContext) -> dict[str, Reason]:
    """Accepted ops that exist before the module declared to define them is imported.

    A plugin may only provide ops it brings: an op PyTorch already has (``aten::relu``), or one
    another package defined, is refused unless the user allows that exact op id. An op whose
    module is already imported (by the user, or by this plugin's own package) is not judged here:
    its module has run already and cannot be told apart from the op's real definer.
    """
    from . import _adapter

    found: dict[str, Reason] = {}
    for op_decision in decision.ops:
        op = op_decision.op
        if not op_decision.accepted or op.id in context.allowed_ops or op.module in sys.modules:
            continue
        if (op.id, op.overload_name) in _REGISTERED:
            continue
        try:
            exists = _adapter.torch_op_exists(op.namespace, op.name)
            qdp = _adapter.plugin_def(op.id) is not None if op.kind != "legacy" else False
        except Exception:
            continue
        if exists or qdp:
            what = "torch op" if exists else "TensorRT QDP plugin"
            found[op.id] = Reason("OP_ALREADY_DEFINED", (
                f"{op.id} is already defined as a {what} before {decision.candidate.name} imports {op.module}: a "
                "plugin may only provide ops it defines itself, not take over PyTorch's or another package's; "
                f"if this is intended, allow it with TRT_PLUGIN_HUB_ALLOW_OPS={op.id}"))
    return found


def _undeclared(plugin: str, before: set[str] | None, declared: set[str], context: ActivationContext) -> list[Reason]:
    """QDP ops the plugin registered without declaring them; those in another plugin's name are undone."""
    from . import _adapter

    after = _qdp_ids()
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


_Outcome = tuple[Status, tuple[Reason, ...], tuple[Check, ...]]


def _activate_op(plugin: str, op_decision: OpDecision, imported: dict[str, Failure | None],
                 context: ActivationContext) -> tuple[_Outcome, Failure | None]:
    from . import _adapter

    op = op_decision.op
    checks: list[Check] = []

    def failed(code: str, message: str, failure: Failure | None = None,
               status: Status = Status.FAILED) -> tuple[_Outcome, Failure | None]:
        if failure is not None:
            message = f"{message}: {failure}"
        log.warning("trt-plugin-hub: %s: %s", plugin, message)
        checks.append(Check(code.lower(), False, message))
        return (status, (Reason(code, message),), tuple(checks)), failure

    def rejected(code: str, message: str) -> tuple[_Outcome, Failure | None]:
        return failed(code, message, status=Status.REJECTED)

    # 1. The module that defines the torch op and its QDP (or legacy converter).
    module_name = op.module
    if module_name not in imported:
        imported[module_name] = _guard.import_module(module_name)
    error = imported[module_name]
    if error is not None:
        return failed("IMPORT_FAILED", f"importing {module_name} for {op.id} failed", error)
    checks.append(Check("import", True, module_name))

    key = (op.id, op.overload_name)
    if op.kind == "legacy":
        assert op.register is not None
        if op.register in _LEGACY_DONE.values() or key in _REGISTERED:
            note = Reason("ALREADY_REGISTERED", f"{op.register} already ran in this process")
            return (Status.ACTIVE, (note,), tuple(checks)), None
        function, failure = _guard.resolve(op.register)
        if failure is not None or not callable(function):
            return failed("LEGACY_REGISTER_FAILED", f"register function {op.register} does not resolve to a "
                          "callable", failure)
        _, failure = _guard.call(f"{op.register}()", function)
        if failure is not None:
            return failed("LEGACY_REGISTER_FAILED", f"{op.register}() raised", failure)
        _LEGACY_DONE[op.id] = op.register
        _REGISTERED[key] = plugin
        problem = _scalar_attribute_problem(op.id, _safe_plugin_def(op.id))
        if problem is not None:
            return failed("NUMPY_SCALAR_ATTRIBUTES", f"{problem}; {op.register} registered a converter that will "
                          "fail when it runs")
        return _confirm_converter(op, checks, failed)

    # 2. Already registered by the hub in this process: never twice (upstream keeps duplicates).
    if key in _REGISTERED:
        note = Reason("ALREADY_REGISTERED", f"converter for {op.id}.{op.overload_name} was registered earlier "
                      f"in this process by {_REGISTERED[key]}")
        return (Status.ACTIVE, (note,), tuple(checks)), None

    # 3. The torch op must exist, and the QDP definition must be registered (debugging step 1).
    _, failure = _guard.call("torch op lookup", _adapter.torch_overload, op.namespace, op.name, op.overload_name)
    if failure is not None:
        return failed("OP_NOT_DEFINED", f"{module_name} did not define torch.ops.{op.namespace}.{op.name}."
                      f"{op.overload_name}", failure)
    definition, failure = _guard.call("QDP registry lookup", _adapter.plugin_def, op.id)
    if failure is not None:
        return failed("QDP_NOT_REGISTERED", "TensorRT's QDP registry cannot be read", failure)
    if definition is None:
        return failed("QDP_NOT_REGISTERED", f"{module_name} did not register {op.id} with @trtp.register")
    checks.append(Check("qdp registry", True, f"{op.id} in QDP_REGISTRY"))

    switched_off = _qdp_switched_off()
    if switched_off:
        return rejected("TENSORRT_NO_QDP", switched_off)
    problem = _scalar_attribute_problem(op.id, definition)
    if problem is not None:
        return rejected("NUMPY_SCALAR_ATTRIBUTES", problem)

    use_aot = op_decision.mode == "aot"
    if use_aot:
        if getattr(definition, "aot_impl_func", None) is None:
            return failed("QDP_NOT_REGISTERED", f"{op.id} is declared aot but {module_name} registers no @trtp.aot_impl")
        call_problem, failure = _guard.call(
            f"signature of the aot_impl of {op.id}", _upstream.aot_impl_call_problem, definition.aot_impl_func,
            list(getattr(definition, "input_tensor_names", None) or ()),
            dict(getattr(definition, "input_attrs", None) or {}))
        if failure is not None:
            return failed("AOT_IMPL_SIGNATURE", f"the aot_impl of {op.id} cannot be inspected", failure,
                          status=Status.REJECTED)
        if call_problem is not None:
            return rejected("AOT_IMPL_SIGNATURE", f"the aot_impl of {op.id} cannot be called by TensorRT's engine "
                            f"build: {call_problem}; give it every attribute the op registers, in order")
        # 4. Bind the verified PTX BEFORE generating: upstream decides AOT vs JIT right then.
        artifact = op_decision.ptx
        assert artifact is not None and op_decision.ptx_bytes is not None
        aot.bind(aot.PackagedKernel(op.id, artifact.kernel, op_decision.ptx_bytes, artifact.arch, artifact.path,
                                    artifact.sha256, op.launch))
        checks.append(Check("ptx bound", True, f"{artifact.path} ({artifact.arch}, sha256 verified)"))
    elif getattr(definition, "impl_func", None) is None:
        return failed("QDP_NOT_REGISTERED", f"{op.id} runs as JIT here but {module_name} registers no @trtp.impl")

    # 5. The capability validator, if declared: wrapped so a raising validator declines the node.
    validator: Callable[..., bool] | None = None
    if op.capability_validator:
        found, failure = _guard.resolve(op.capability_validator)
        if failure is not None or not callable(found):
            return failed("VALIDATOR_UNRESOLVED", f"capability validator {op.capability_validator} does not resolve "
                          "to a callable", failure)
        validator = _guard.guarded_validator(op.capability_validator, found)
        checks.append(Check("capability validator", True, op.capability_validator))

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
    _REGISTERED[key] = plugin
    return _confirm_converter(op, checks, failed, mode=op_decision.mode)


def _runtime_versions() -> tuple[str | None, str | None]:
    """The TensorRT and numpy this process really imported."""
    versions = []
    for name in ("tensorrt", "numpy"):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None) if module is not None else None
        versions.append(str(version) if version else None)
    return versions[0], versions[1]


def _scalar_attribute_problem(op_id: str, definition: object | None) -> str | None:
    """Why TensorRT here cannot hand this QDP definition its int/float attributes, or ``None``."""
    if definition is None:
        return None
    attrs = getattr(definition, "input_attrs", None)
    names = _upstream.scalar_attribute_names(attrs if isinstance(attrs, Mapping) else None)
    trt_version, numpy_version = _runtime_versions()
    if not names or not _upstream.scalar_attributes_broken(trt_version, numpy_version):
        return None
    listed = ", ".join(repr(n) for n in names)
    return (f"{op_id} has int/float attribute(s) {listed}, which TensorRT {trt_version} cannot pass with numpy "
            f"{numpy_version} (add_plugin raises TypeError; fixed in TensorRT 11.2.1): install 'numpy<2.4' or "
            "TensorRT >= 11.2.1")


def _safe_plugin_def(op_id: str) -> object | None:
    from . import _adapter

    definition, _ = _guard.call("QDP registry lookup", _adapter.plugin_def, op_id)
    return definition


_SWITCHED_OFF: list[str | None] = []


def _qdp_switched_off() -> str | None:
    """Torch-TensorRT's own QDP switch, read once per process."""
    from . import _adapter

    if not _SWITCHED_OFF:
        verdict, _ = _guard.call("Torch-TensorRT feature flags", _adapter.qdp_switched_off)
        _SWITCHED_OFF.append(verdict)
    return _SWITCHED_OFF[0]


def _confirm_converter(op: OpSpec, checks: list[Check], failed: Callable[..., tuple[_Outcome, Failure | None]],
                       mode: str | None = None) -> tuple[_Outcome, Failure | None]:
    from . import _adapter

    # Debugging step 2 of the upstream page: the overload must now be in DYNAMO_CONVERTERS.
    def registered() -> bool:
        overload = _adapter.torch_overload(op.namespace, op.name, op.overload_name)
        return bool(_adapter.converter_registered(overload))

    found, failure = _guard.call("converter registry lookup", registered)
    if failure is not None:
        return failed("CONVERTER_NOT_REGISTERED", f"cannot confirm the converter of {op.id}", failure)
    if not found:
        return failed("CONVERTER_NOT_REGISTERED", f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} is not in "
                      "DYNAMO_CONVERTERS after registration")
    checks.append(Check("converter registered", True, f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} in "
                        f"DYNAMO_CONVERTERS{f' ({mode})' if mode else ''}"))
    return (Status.ACTIVE, (), tuple(checks)), None
