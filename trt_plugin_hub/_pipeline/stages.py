"""Every stage of the pipeline beyond an activation from a plan that holds.

Discover and decide (:func:`discover_and_decide`), activate what was decided and leave the plan
(:func:`run`), and the reports: deciding only (:func:`decided_report`), of an activation
(:func:`assemble`), of an activation from a plan (:func:`report_of_warm_run`); the log summary
and strict mode's error. :mod:`trt_plugin_hub._pipeline` keeps the process's activation and
calls these; each stage's own modules are imported when a step needs them.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from trt_plugin_hub._settings import Settings, configure_logging, read_settings

if TYPE_CHECKING:
    from trt_plugin_hub._activation import Activated, PlannedPlugin
    from trt_plugin_hub._decisions import LockCheck, PluginDecision
    from trt_plugin_hub._environment import Environment
    from trt_plugin_hub._errors import Finding
    from trt_plugin_hub._report import PluginReport, Report
    from trt_plugin_hub._warm import WarmPlan

__all__ = ["assemble", "decided_report", "discover_and_decide", "log_summary", "raise_if_findings",
           "report_of_warm_run", "run"]

log = logging.getLogger("trt_plugin_hub")


def _lock_check(settings: Settings) -> LockCheck | None:
    if not settings.lock:
        return None
    from trt_plugin_hub._lock import lock_checker  # only when a lock is set: it imports tempfile for writing locks

    return lock_checker(settings.lock)


def discover_and_decide(settings: Settings, target: str | Environment | None,
                        ) -> tuple[tuple[PluginDecision, ...], Environment, float, float]:
    """Discover and decide for this host, or for ``target`` (a ``--target`` text read over this host's probe)."""
    from trt_plugin_hub import _gpu as gpu
    from trt_plugin_hub._decisions import decide
    from trt_plugin_hub._discovery import discover, remember, remembered, save_checked_ptx
    from trt_plugin_hub._environment import (
        answers_unsaved,
        current_environment,
        exported_answers,
        parse_target,
        probe_environment,
        seed_answers,
    )

    started = time.perf_counter()
    candidates = discover(settings)
    discovered = time.perf_counter()
    # The probe's installed versions and NVML's answers, kept in the discovery cache file (each
    # checked before use): seeded before any probe, a target's included.
    seed_answers(remembered("versions"))
    gpu.seed_gpu(remembered("gpu"))
    if isinstance(target, str):
        env = parse_target(target, probe_environment(settings))
    else:
        env = target or current_environment(settings)
    if answers_unsaved():
        remember("versions", exported_answers())
    if gpu.gpu_unsaved():
        remember("gpu", gpu.exported_gpu())
    decisions = decide(candidates, env, settings, lock_check=_lock_check(settings))
    save_checked_ptx()
    return decisions, env, (discovered - started) * 1000, (time.perf_counter() - discovered) * 1000


def decided_report(*, target: str | Environment | None = None, settings: Settings | None = None) -> Report:
    """What the hub would do here (or on ``target``), without running any plugin code.

    The deciding half of :func:`trt_plugin_hub._pipeline.report`.
    """
    from trt_plugin_hub._report import Report, mark_disabled, note_autoload_off, plugin_report

    settings = settings or read_settings()
    decisions, env, discovery_ms, decision_ms = discover_and_decide(settings, target)
    plugins = tuple(plugin_report(d) for d in decisions)
    log.debug("trt-plugin-hub: %d plugin(s) discovered in %.1f ms and decided in %.1f ms for %s", len(plugins),
              discovery_ms, decision_ms, env)
    if settings.disabled:
        plugins = tuple(mark_disabled(p) for p in plugins)
    elif not settings.autoload:
        plugins = tuple(note_autoload_off(p) for p in plugins)
    return Report(plugins, env, activated=False, discovery_ms=discovery_ms, decision_ms=decision_ms,
                  settings=settings.to_dict())


def run(settings: Settings) -> Report:
    """Every stage: discover, decide, activate what was decided, report; leaves the plan for later processes."""
    from trt_plugin_hub._activation import ActivationContext, activate_all, plan_of

    configure_logging(settings)
    if settings.disabled:
        return decided_report(settings=settings)
    decisions, env, discovery_ms, decision_ms = discover_and_decide(settings, None)
    started = time.perf_counter()
    owners = {op.id: d.candidate.name for d in decisions if d.candidate.manifest for op in d.candidate.manifest.ops}
    context = ActivationContext(owners=owners, allowed_ops=settings.allow_ops)
    available = [d for d in decisions if d.status == "available"]
    plans = [plan_of(d) for d in available]
    results = activate_all(plans, context)
    activation_ms = (time.perf_counter() - started) * 1000
    from trt_plugin_hub._report import plugin_report

    bases = [plugin_report(d) for d in decisions]
    result_report = assemble(settings, _paired(bases, results), env, discovery_ms, decision_ms, activation_ms)
    summary = log_summary(result_report)
    from trt_plugin_hub._warm import outcome_of, save_plan

    save_plan(settings, decisions, [env.tensorrt, env.torch, env.torch_tensorrt, env.numpy], plans,
              outcome_of([a if e is None else None for a, e in results]), summary, bool(result_report.findings),
              [base.to_dict() for base in bases], env.to_dict())
    return result_report


def _paired(bases: list[PluginReport], results: list[Activated]) -> list[tuple[PluginReport, Activated | None]]:
    """Each plugin's report as decided with what activating it did: ``results`` follows the available ones."""
    from trt_plugin_hub._codes import Status

    pending = iter(results)
    pairs = [(base, next(pending) if base.status == Status.AVAILABLE else None) for base in bases]
    if next(pending, None) is not None:
        raise ValueError("more activations than plugins made available")
    return pairs


def assemble(settings: Settings, pairs: list[tuple[PluginReport, Activated | None]], env: Environment,
             discovery_ms: float, decision_ms: float, activation_ms: float) -> Report:
    """The activation report: each plugin's report as decided, with what activating it did (``None``: nothing)."""
    from trt_plugin_hub._report import Report, activated, findings_of

    plugins: list[PluginReport] = []
    findings: list[Finding] = []
    for base, result in pairs:
        activation, error = result if result is not None else (None, None)
        exceptions: dict[str, BaseException] = {}
        if error is not None:
            plugin = _internal_error(base, error)
        elif activation is not None:
            plugin = activated(base, activation)
            exceptions = dict(activation.exceptions)
        else:
            plugin = base
        plugins.append(plugin)
        findings.extend(findings_of(plugin, exceptions))
    return Report(tuple(plugins), env, activated=True, discovery_ms=discovery_ms, decision_ms=decision_ms,
                  activation_ms=activation_ms, settings=settings.to_dict(), findings=tuple(findings))


def report_of_warm_run(settings: Settings, plan: WarmPlan, results: list[Activated], activation_ms: float,
                       same: bool) -> Report:
    """The report of an activation from a plan: the reports the plan keeps, with what activating each did.

    The plan holds, so the decisions would be those it was written from: they are not run again
    (the report's ``decision_ms`` is 0 and its ``discovery_ms`` the time checking the plan took).
    An activation that ended otherwise than the plan's (a plugin's import fails now, a PTX file
    was altered) is reported with decisions run now, which see what changed; so are reports the
    plan cannot give back (a damaged file).
    """
    if same:
        try:
            return _report_from_plan(settings, plan, results, activation_ms)
        except Exception as exc:  # noqa: BLE001 - a damaged plan costs the deciding, never the report
            log.debug("trt-plugin-hub: the activation plan's reports cannot be read (%s); deciding", exc)
    return _report_by_deciding(settings, plan.plugins, results, activation_ms)


def _report_from_plan(settings: Settings, plan: WarmPlan, results: list[Activated],
                      activation_ms: float) -> Report:
    from trt_plugin_hub._codes import Status
    from trt_plugin_hub._environment.model import environment_from_dict
    from trt_plugin_hub._report import plugin_from_dict

    bases = [plugin_from_dict(item) for item in plan.reports]
    available = [base.name for base in bases if base.status == Status.AVAILABLE]
    if available != [planned.name for planned in plan.plugins]:
        raise ValueError("the plan's reports do not match its plugins")
    return assemble(settings, _paired(bases, results), environment_from_dict(plan.environment), plan.check_ms, 0.0,
                     activation_ms)


def _report_by_deciding(settings: Settings, plans: list[PlannedPlugin], results: list[Activated],
                        activation_ms: float) -> Report:
    """The decisions, run now, with what activating each plugin did (matched by name and plan).

    One whose plan the decisions would no longer give (the environment changed since) is reported
    as decided.
    """
    from trt_plugin_hub._activation import plan_of, to_plain
    from trt_plugin_hub._report import plugin_report

    decisions, env, discovery_ms, decision_ms = discover_and_decide(settings, None)
    executed = {planned.name: (to_plain(planned), result) for planned, result in zip(plans, results, strict=True)}
    pairs: list[tuple[PluginReport, Activated | None]] = []
    for decision in decisions:
        ran = executed.get(decision.candidate.name) if decision.status == "available" else None
        if ran is not None and ran[0] != to_plain(plan_of(decision)):
            log.debug("trt-plugin-hub: %s: decided differently since it was activated", decision.candidate.name)
            ran = None
        pairs.append((plugin_report(decision), None if ran is None else ran[1]))
    return assemble(settings, pairs, env, discovery_ms, decision_ms, activation_ms)


def _internal_error(base: PluginReport, exc: Exception) -> PluginReport:
    """The report of a plugin whose activation hit a bug in the hub: failed, saying so."""
    from trt_plugin_hub._codes import Status
    from trt_plugin_hub._guard import describe
    from trt_plugin_hub._reasons import Reason
    from trt_plugin_hub._record import replace

    kind, message, _ = describe(exc)
    reason = Reason("INTERNAL_ERROR", f"trt-plugin-hub failed while activating {base.name}: {kind}: "
                    f"{message} (a bug in trt-plugin-hub; the log has the traceback)")
    return replace(base, status=Status.FAILED, reasons=(*base.reasons, reason),
                   ops=tuple(replace(op, status=Status.FAILED) if op.status is Status.AVAILABLE else op
                             for op in base.ops))


def log_summary(result: Report) -> list[Any] | None:
    """Log the one-line summary of an activation; returns ``[level, message]`` (``None``: nothing logged)."""
    from trt_plugin_hub._codes import Status

    counts: dict[str, int] = {}
    for plugin in result.plugins:
        counts[plugin.status] = counts.get(plugin.status, 0) + 1
    if not result.plugins:
        log.debug("trt-plugin-hub: no plugins installed")
        return None
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    level = logging.WARNING if counts.get(Status.FAILED) else logging.INFO
    message = (f"trt-plugin-hub: {len(result.plugins)} plugin(s): {summary}; {len(result.active_ops)} op(s) active "
               "(run `trt-plugin-hub list` for reasons)")
    log.log(level, "%s", message)
    return [level, message]


def raise_if_findings(result: Report) -> None:
    from trt_plugin_hub._errors import StrictModeError
    from trt_plugin_hub._report import findings_from

    findings = result.findings or findings_from(result.plugins)
    if not findings:
        return
    error = StrictModeError(findings)
    cause = next((f.exception for f in findings if f.exception is not None), None)
    raise error from cause
