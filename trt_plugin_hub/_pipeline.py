"""The pipeline end to end: discover -> decide -> activate -> report, once per process.

``load()`` is thread-safe and re-entrant: a plugin that imports ``torch_tensorrt`` while being
activated (which would trigger the autoload hook again) gets the report in progress instead of a
second activation, and other threads wait for the first activation to finish.

A process finds the activation plan an earlier one left (:mod:`._warm`) and, while it holds,
activates from it without discovering or deciding; the report is then built when first asked for,
from the plugins' reports as the plan keeps them and what this process's activation did. The
stages' modules are imported when a step needs them, so that path imports none of them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ._settings import Settings, configure_logging, read_settings

if TYPE_CHECKING:
    from ._activation import ActivationContext, PlannedPlugin, PluginActivation
    from ._decisions import LockCheck, PluginDecision
    from ._environment import Environment
    from ._errors import Finding
    from ._report import PluginReport, Report
    from ._warm import WarmPlan

__all__ = ["load", "load_on_import", "loaded_report", "report", "reset_for_tests"]

log = logging.getLogger("trt_plugin_hub")

_lock = threading.RLock()
_loaded: Report | None = None
#: Activated from a plan, report not built yet: (settings, the plan, what activating each plugin did, its ms,
#: whether it ended as the plan's activation did).
_warm_run: tuple[Settings, WarmPlan, list[_Activated], float, bool] | None = None
_active_thread: int | None = None

#: What activating one plugin did, or the hub's own exception while activating it.
_Activated = tuple["PluginActivation | None", "Exception | None"]


def _lock_check(settings: Settings) -> LockCheck | None:
    if not settings.lock:
        return None
    from ._lock import lock_checker  # only when a lock is set: it imports tempfile for writing locks

    return lock_checker(settings.lock)


def _decide(settings: Settings, target: str | Environment | None,
            ) -> tuple[tuple[PluginDecision, ...], Environment, float, float]:
    """Discover and decide for this host, or for ``target`` (a ``--target`` text read over this host's probe)."""
    from . import _gpu as gpu
    from ._decisions import decide
    from ._discovery import discover, remember, remembered, save_checked_ptx
    from ._environment import (
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


def report(*, target: str | Environment | None = None, settings: Settings | None = None) -> Report:
    """What the hub would do here (or on ``target``), without running any plugin code.

    In a process where :func:`load` already ran and no target is given, the activation report.
    """
    if target is None and settings is None and (_loaded is not None or _warm_run is not None):
        loaded = loaded_report()
        if loaded is not None:
            return loaded
    from ._report import Report, mark_disabled, note_autoload_off, plugin_report

    settings = settings or read_settings()
    decisions, env, discovery_ms, decision_ms = _decide(settings, target)
    plugins = tuple(plugin_report(d) for d in decisions)
    log.debug("trt-plugin-hub: %d plugin(s) discovered in %.1f ms and decided in %.1f ms for %s", len(plugins),
              discovery_ms, decision_ms, env)
    if settings.disabled:
        plugins = tuple(mark_disabled(p) for p in plugins)
    elif not settings.autoload:
        plugins = tuple(note_autoload_off(p) for p in plugins)
    return Report(plugins, env, activated=False, discovery_ms=discovery_ms, decision_ms=decision_ms,
                  settings=settings.to_dict())


def load(*, strict: bool | None = None, refresh: bool = False, settings: Settings | None = None) -> Report:
    """Activate every compatible installed plugin in this process and return the report.

    Runs once per process; later calls return the same report unless ``refresh`` is true, in
    which case newly installed plugins are activated too (nothing is registered twice). After an
    activation from the activation plan, the report is built when it is first read: a program
    that never reads it does not pay for it.
    ``strict`` (default: ``TRT_PLUGIN_HUB_STRICT``) raises one
    :class:`~trt_plugin_hub.StrictModeError` listing every rejected or failed plugin.
    """
    settings = settings or read_settings()
    strict = settings.strict if strict is None else strict
    if _active_thread == threading.get_ident():
        # Re-entered from inside an activation (a plugin imported torch_tensorrt): do not recurse.
        return _loaded if _loaded is not None else report(settings=settings)
    with _lock:
        # From the plan when one holds: the report is then built from the reports the plan keeps.
        _activate_once(settings, refresh=refresh, from_plan=True)
        result = loaded_report()
    if result is None:  # pragma: no cover - _activate_once leaves a report or a warm run
        raise RuntimeError("trt-plugin-hub: activation left no report")
    if strict:
        _raise_if_findings(result)
    return result


def load_on_import() -> None:
    """The automatic path: activate once, unless another thread is loading right now.

    The hook runs while Python holds ``torch_tensorrt``'s import lock. If another thread is
    inside :func:`load`, its activation may itself be waiting for that import to finish, so
    waiting here for the loader lock would deadlock both threads. That thread completes the same
    activation; this one returns at once. The report is not built here unless strict mode needs it.
    """
    if _active_thread == threading.get_ident():
        return
    if not _lock.acquire(blocking=False):
        log.debug("trt-plugin-hub: another thread is activating plugins; not waiting inside an import")
        return
    try:
        settings = read_settings()
        _activate_once(settings, refresh=False, from_plan=True)
        if settings.strict:
            result = loaded_report()
            if result is not None:
                _raise_if_findings(result)
    finally:
        _lock.release()


def _activate_once(settings: Settings, *, refresh: bool, from_plan: bool) -> None:
    """Activate unless done already: from the plan when one holds and ``from_plan``, else through every stage.

    The caller holds ``_lock``.
    """
    global _loaded, _warm_run, _active_thread  # noqa: PLW0603 - the activation of this process, once
    if (_loaded is not None or _warm_run is not None) and not refresh:
        return
    _active_thread = threading.get_ident()
    try:
        if from_plan and not refresh and _loaded is None and _warm_run is None:
            from ._warm import load_plan

            configure_logging(settings)
            plan = load_plan(settings)
            if plan is not None:
                _run_warm(settings, plan)
                return
        _loaded = _run(settings)
        _warm_run = None
    finally:
        _active_thread = None


def _activate_all(plans: list[PlannedPlugin], context: ActivationContext) -> list[_Activated]:
    """Activate each planned plugin; a bug in the hub while activating one costs only that one."""
    from ._activation import activate

    results: list[_Activated] = []
    for planned in plans:
        try:
            results.append((activate(planned, context), None))
        except Exception as exc:  # noqa: PERF203 - the hub's own bug must not cost the other plugins
            log.exception("trt-plugin-hub: internal error while activating %s", planned.name)
            results.append((None, exc))
    return results


def _run_warm(settings: Settings, plan: WarmPlan) -> None:
    """Activate from a plan that holds; the report is built when first asked for."""
    global _warm_run  # noqa: PLW0603 - the activation of this process, once
    from ._activation import ActivationContext
    from ._warm import outcome_of

    started = time.perf_counter()
    context = ActivationContext(owners=plan.owners, allowed_ops=settings.allow_ops)
    results = _activate_all(plan.plugins, context)
    activation_ms = (time.perf_counter() - started) * 1000
    same = outcome_of([a if e is None else None for a, e in results]) == plan.outcome
    _warm_run = (settings, plan, results, activation_ms, same)
    log.debug("trt-plugin-hub: activated %d plugin(s) from the activation plan in %.1f ms%s", len(plan.plugins),
              activation_ms, "" if same else "; the activation ended differently from the plan's")
    if same and plan.summary is not None:
        level, message = plan.summary
        log.log(int(level), "%s", message)
    elif not same:
        result = loaded_report()  # built now: the summary (and strict mode) must say what happened here
        if result is not None:
            _log_summary(result)


def _run(settings: Settings) -> Report:
    from ._activation import ActivationContext, plan_of

    configure_logging(settings)
    if settings.disabled:
        return report(settings=settings)
    decisions, env, discovery_ms, decision_ms = _decide(settings, None)
    started = time.perf_counter()
    owners = {op.id: d.candidate.name for d in decisions if d.candidate.manifest for op in d.candidate.manifest.ops}
    context = ActivationContext(owners=owners, allowed_ops=settings.allow_ops)
    available = [d for d in decisions if d.status == "available"]
    plans = [plan_of(d) for d in available]
    results = _activate_all(plans, context)
    activation_ms = (time.perf_counter() - started) * 1000
    from ._report import plugin_report

    bases = [plugin_report(d) for d in decisions]
    result_report = _assemble(settings, _paired(bases, results), env, discovery_ms, decision_ms, activation_ms)
    summary = _log_summary(result_report)
    from ._warm import outcome_of, save_plan

    save_plan(settings, decisions, [env.tensorrt, env.torch, env.torch_tensorrt, env.numpy], plans,
              outcome_of([a if e is None else None for a, e in results]), summary, bool(result_report.findings),
              [base.to_dict() for base in bases], env.to_dict())
    return result_report


def _paired(bases: list[PluginReport], results: list[_Activated]) -> list[tuple[PluginReport, _Activated | None]]:
    """Each plugin's report as decided with what activating it did: ``results`` follows the available ones."""
    from ._codes import Status

    pending = iter(results)
    pairs = [(base, next(pending) if base.status == Status.AVAILABLE else None) for base in bases]
    if next(pending, None) is not None:
        raise ValueError("more activations than plugins made available")
    return pairs


def _assemble(settings: Settings, pairs: list[tuple[PluginReport, _Activated | None]], env: Environment,
              discovery_ms: float, decision_ms: float, activation_ms: float) -> Report:
    """The activation report: each plugin's report as decided, with what activating it did (``None``: nothing)."""
    from ._report import Report, activated, findings_of

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


def _report_of_warm_run(settings: Settings, plan: WarmPlan, results: list[_Activated], activation_ms: float,
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


def _report_from_plan(settings: Settings, plan: WarmPlan, results: list[_Activated],
                      activation_ms: float) -> Report:
    from ._codes import Status
    from ._environment.model import environment_from_dict
    from ._report import plugin_from_dict

    bases = [plugin_from_dict(item) for item in plan.reports]
    available = [base.name for base in bases if base.status == Status.AVAILABLE]
    if available != [planned.name for planned in plan.plugins]:
        raise ValueError("the plan's reports do not match its plugins")
    return _assemble(settings, _paired(bases, results), environment_from_dict(plan.environment), plan.check_ms, 0.0,
                     activation_ms)


def _report_by_deciding(settings: Settings, plans: list[PlannedPlugin], results: list[_Activated],
                        activation_ms: float) -> Report:
    """The decisions, run now, with what activating each plugin did (matched by name and plan).

    One whose plan the decisions would no longer give (the environment changed since) is reported
    as decided.
    """
    from ._activation import plan_of, to_plain
    from ._report import plugin_report

    decisions, env, discovery_ms, decision_ms = _decide(settings, None)
    executed = {planned.name: (to_plain(planned), result) for planned, result in zip(plans, results, strict=True)}
    pairs: list[tuple[PluginReport, _Activated | None]] = []
    for decision in decisions:
        ran = executed.get(decision.candidate.name) if decision.status == "available" else None
        if ran is not None and ran[0] != to_plain(plan_of(decision)):
            log.debug("trt-plugin-hub: %s: decided differently since it was activated", decision.candidate.name)
            ran = None
        pairs.append((plugin_report(decision), None if ran is None else ran[1]))
    return _assemble(settings, pairs, env, discovery_ms, decision_ms, activation_ms)


def _internal_error(base: PluginReport, exc: Exception) -> PluginReport:
    """The report of a plugin whose activation hit a bug in the hub: failed, saying so."""
    from ._codes import Status
    from ._guard import describe
    from ._reasons import Reason
    from ._record import replace

    kind, message, _ = describe(exc)
    reason = Reason("INTERNAL_ERROR", f"trt-plugin-hub failed while activating {base.name}: {kind}: "
                    f"{message} (a bug in trt-plugin-hub; the log has the traceback)")
    return replace(base, status=Status.FAILED, reasons=(*base.reasons, reason),
                   ops=tuple(replace(op, status=Status.FAILED) if op.status is Status.AVAILABLE else op
                             for op in base.ops))


def _log_summary(result: Report) -> list[Any] | None:
    """Log the one-line summary of an activation; returns ``[level, message]`` (``None``: nothing logged)."""
    from ._codes import Status

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


def _raise_if_findings(result: Report) -> None:
    from ._errors import StrictModeError
    from ._report import findings_from

    findings = result.findings or findings_from(result.plugins)
    if not findings:
        return
    error = StrictModeError(findings)
    cause = next((f.exception for f in findings if f.exception is not None), None)
    raise error from cause


def loaded_report() -> Report | None:
    """The activation report of this process, if :func:`load` ran.

    After an activation from a plan, a report built when it is first read
    (:func:`~trt_plugin_hub._pending.pending_report`):
    ``load()`` returns it unbuilt, so a process that never reads it never builds it.
    """
    global _loaded, _warm_run  # noqa: PLW0603 - the report of this process
    if _loaded is None and _warm_run is not None:
        with _lock:
            if _loaded is None and _warm_run is not None:
                from ._pending import pending_report

                run = _warm_run
                _loaded = pending_report(lambda: _report_of_warm_run(*run))
                _warm_run = None
    return _loaded


def reset_for_tests() -> None:
    """Forget the loaded report (the registrations themselves cannot be undone upstream)."""
    global _loaded, _warm_run  # noqa: PLW0603 - the report of this process
    with _lock:
        _loaded = None
        _warm_run = None
