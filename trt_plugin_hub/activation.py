"""Activation: import accepted plugins' QDP definitions, bind their PTX, generate converters.

Per accepted op, in this order: import the defining module; for AOT ops bind the verified PTX;
check the torch op and the QDP registration; resolve the capability validator; call
``_generate_plugin_converter`` with the declared values (legacy ops call the package's own
registration function); confirm the id is in the QDP registry and the overload in
``DYNAMO_CONVERTERS``. Every failure is caught and recorded; nothing raises out of here except
``KeyboardInterrupt``.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from dataclasses import dataclass, replace

from . import _upstream, aot
from .decisions import OpDecision, PluginDecision
from .reporting import Check, PluginReport, Reason, Status

__all__ = ["activate", "ActivationResult", "registered_ops"]

log = logging.getLogger(__name__)

# (op id, overload) pairs this process has registered converters for: upstream neither
# de-duplicates nor unregisters, so the hub must never register one twice.
_REGISTERED: dict[tuple[str, str], str] = {}
_LEGACY_DONE: dict[str, str] = {}


def registered_ops() -> dict[tuple[str, str], str]:
    """(op id, overload) -> plugin name, for every converter the hub registered in this process."""
    return dict(_REGISTERED)


@dataclass(frozen=True)
class ActivationResult:
    """A plugin's report after activation, and the exceptions behind its failures."""

    report: PluginReport
    exceptions: tuple[tuple[str, BaseException], ...]


def activate(decision: PluginDecision) -> ActivationResult:
    """Activate the accepted ops of one plugin; returns its report."""
    from .loader import plugin_report

    base = plugin_report(decision)
    if decision.status != "available":
        return ActivationResult(base, ())
    started = time.perf_counter()
    exceptions: list[tuple[str, BaseException]] = []
    imported: dict[str, BaseException | None] = {}
    before = _qdp_ids()
    declared = {op.op.id for op in decision.ops}
    op_reports = []
    for op_report, op_decision in zip(base.ops, decision.ops):
        if not op_decision.accepted:
            op_reports.append(op_report)
            continue
        op_started = time.perf_counter()
        result, exc = _activate_op(decision, op_decision, imported)
        elapsed = (time.perf_counter() - op_started) * 1000
        if exc is not None:
            exceptions.append((op_decision.op.id, exc))
        op_reports.append(replace(op_report, status=result[0], reasons=op_report.reasons + result[1],
                                  checks=op_report.checks + result[2], activation_ms=elapsed))
    plugin_reasons = list(base.reasons)
    after = _qdp_ids()
    if before is not None and after is not None:
        for extra in sorted(after - before - declared):
            plugin_reasons.append(Reason("UNDECLARED_OP", f"{decision.candidate.name} registered QDP op {extra}, "
                                         "which its manifest does not declare; no converter was generated for it"))
    statuses = {op.status for op in op_reports}
    status: Status
    if "active" in statuses:
        status = "active"
    elif "failed" in statuses:
        status = "failed"
    else:
        status = base.status
    for op in op_reports:
        if op.status == "failed":
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


_Outcome = tuple[Status, tuple[Reason, ...], tuple[Check, ...]]


def _activate_op(decision: PluginDecision, op_decision: OpDecision,
                 imported: dict[str, BaseException | None]) -> tuple[_Outcome, BaseException | None]:
    from . import _adapter

    op = op_decision.op
    plugin = decision.candidate.name
    checks: list[Check] = []

    def failed(code: str, message: str, exc: BaseException | None = None,
               status: Status = "failed") -> tuple[_Outcome, BaseException | None]:
        if exc is not None:
            message = f"{message}: {type(exc).__name__}: {exc}"
        log.warning("trt-plugin-hub: %s: %s", plugin, message)
        checks.append(Check(code.lower(), False, message))
        return (status, (Reason(code, message),), tuple(checks)), exc

    def rejected(code: str, message: str) -> tuple[_Outcome, BaseException | None]:
        return failed(code, message, status="rejected")

    # 1. The module that defines the torch op and its QDP (or legacy converter).
    module_name = op.module
    if module_name not in imported:
        imported[module_name] = _import(module_name)
    error = imported[module_name]
    if error is not None:
        return failed("IMPORT_FAILED", f"importing {module_name} for {op.id} failed", error)
    checks.append(Check("import", True, module_name))

    key = (op.id, op.overload_name)
    if op.kind == "legacy":
        assert op.register is not None
        if op.register in _LEGACY_DONE.values() or key in _REGISTERED:
            note = Reason("ALREADY_REGISTERED", f"{op.register} already ran in this process")
            return ("active", (note,), tuple(checks)), None
        function, exc = _resolve(op.register)
        if function is None:
            return failed("LEGACY_REGISTER_FAILED", f"register function {op.register} does not resolve", exc)
        try:
            function()
        except Exception as exc:  # a plugin's fault, recorded
            return failed("LEGACY_REGISTER_FAILED", f"{op.register}() raised", exc)
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
        return ("active", (note,), tuple(checks)), None

    # 3. The torch op must exist, and the QDP definition must be registered (debugging step 1).
    try:
        _adapter.torch_overload(op.namespace, op.name, op.overload_name)
    except Exception as exc:
        return failed("OP_NOT_DEFINED", f"{module_name} did not define torch.ops.{op.namespace}.{op.name}."
                      f"{op.overload_name}", exc)
    try:
        definition = _adapter.plugin_def(op.id)
    except Exception as exc:
        return failed("QDP_NOT_REGISTERED", "TensorRT's QDP registry cannot be read", exc)
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
        call_problem = _upstream.aot_impl_call_problem(definition.aot_impl_func,
                                                      list(getattr(definition, "input_tensor_names", None) or ()),
                                                      dict(getattr(definition, "input_attrs", None) or {}))
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

    # 5. The capability validator, if declared.
    validator = None
    if op.capability_validator:
        validator, problem = _resolve(op.capability_validator)
        if validator is None or not callable(validator):
            return failed("VALIDATOR_UNRESOLVED", f"capability validator {op.capability_validator} does not resolve "
                          "to a callable", problem)
        checks.append(Check("capability validator", True, op.capability_validator))

    # 6. Generate the converter with the declared values.
    try:
        _adapter.generate_converter(
            op.namespace, op.name, op.overload,
            capability_validator=validator,
            high_priority=op.priority == "high",
            supports_dynamic_shapes=op.supports_dynamic_shapes,
            requires_output_allocator=op.requires_output_allocator,
            use_aot_if_available=use_aot,
        )
    except Exception as exc:
        return failed("CONVERTER_FAILED", f"_generate_plugin_converter for {op.id} raised", exc)
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
    names = _upstream.scalar_attribute_names(getattr(definition, "input_attrs", None))
    trt_version, numpy_version = _runtime_versions()
    if not names or not _upstream.scalar_attributes_broken(trt_version, numpy_version):
        return None
    listed = ", ".join(repr(n) for n in names)
    return (f"{op_id} has int/float attribute(s) {listed}, which TensorRT {trt_version} cannot pass with numpy "
            f"{numpy_version} (add_plugin raises TypeError; fixed in TensorRT 11.2.1): install 'numpy<2.4' or "
            "TensorRT >= 11.2.1")


def _safe_plugin_def(op_id: str) -> object | None:
    from . import _adapter

    try:
        return _adapter.plugin_def(op_id)
    except Exception:
        return None


_SWITCHED_OFF: list[str | None] = []


def _qdp_switched_off() -> str | None:
    """Torch-TensorRT's own QDP switch, read once per process."""
    from . import _adapter

    if not _SWITCHED_OFF:
        try:
            _SWITCHED_OFF.append(_adapter.qdp_switched_off())
        except Exception:
            _SWITCHED_OFF.append(None)
    return _SWITCHED_OFF[0]


def _confirm_converter(op, checks, failed, mode=None):  # type: ignore[no-untyped-def]
    from . import _adapter

    # Debugging step 2 of the upstream page: the overload must now be in DYNAMO_CONVERTERS.
    try:
        overload = _adapter.torch_overload(op.namespace, op.name, op.overload_name)
        registered = _adapter.converter_registered(overload)
    except Exception as exc:
        return failed("CONVERTER_NOT_REGISTERED", f"cannot confirm the converter of {op.id}", exc)
    if not registered:
        return failed("CONVERTER_NOT_REGISTERED", f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} is not in "
                      "DYNAMO_CONVERTERS after registration")
    checks.append(Check("converter registered", True, f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} in "
                        f"DYNAMO_CONVERTERS{f' ({mode})' if mode else ''}"))
    return ("active", (), tuple(checks)), None


def _import(module_name: str) -> BaseException | None:
    try:
        importlib.import_module(module_name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from a plugin must not end the host process
        sys.modules.pop(module_name, None)
        return exc
    return None


def _resolve(reference: str):  # type: ignore[no-untyped-def]
    module_name, _, attr = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr), None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return None, exc
