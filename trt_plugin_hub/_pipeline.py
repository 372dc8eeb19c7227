"""The pipeline end to end: discover -> decide -> activate -> report, once per process.

``load()`` is thread-safe and re-entrant: a plugin that imports ``torch_tensorrt`` while being
activated (which would trigger the autoload hook again) gets the report in progress instead of a
second activation, and other threads wait for the first activation to finish.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from ._activation import ActivationContext, activate, plan_of
from ._decisions import LockCheck, PluginDecision, decide
from ._discovery import discover, remember, remembered, save_checked_ptx
from ._environment import (
    Environment,
    answers_unsaved,
    current_environment,
    exported_answers,
    parse_target,
    probe_environment,
    seed_answers,
)
from ._errors import Finding, StrictModeError
from ._reasons import Reason, Status
from ._report import (
    PluginReport,
    Report,
    findings_from,
    findings_of,
    mark_disabled,
    note_autoload_off,
    plugin_report,
)
from ._settings import Settings, configure_logging, read_settings

__all__ = ["load", "load_on_import", "loaded_report", "report", "reset_for_tests"]

log = logging.getLogger("trt_plugin_hub")

_lock = threading.RLock()
_loaded: Report | None = None
_active_thread: int | None = None


def _lock_check(settings: Settings) -> LockCheck | None:
    if not settings.lock:
        return None
    from ._lock import lock_checker  # only when a lock is set: it imports tempfile for writing locks

    return lock_checker(settings.lock)


def _decide(settings: Settings, target: str | Environment | None,
            ) -> tuple[tuple[PluginDecision, ...], Environment, float, float]:
    """Discover and decide for this host, or for ``target`` (a ``--target`` text read over this host's probe)."""
    started = time.perf_counter()
    candidates = discover(settings)
    discovered = time.perf_counter()
    # The probe's installed versions, kept in the discovery cache file (each checked before use):
    # seeded before any probe, a target's included.
    seed_answers(remembered("versions"))
    if isinstance(target, str):
        env = parse_target(target, probe_environment(settings))
    else:
        env = target or current_environment(settings)
    if answers_unsaved():
        remember("versions", exported_answers())
    decisions = decide(candidates, env, settings, lock_check=_lock_check(settings))
    save_checked_ptx()
    return decisions, env, (discovered - started) * 1000, (time.perf_counter() - discovered) * 1000


def report(*, target: str | Environment | None = None, settings: Settings | None = None) -> Report:
    """What the hub would do here (or on ``target``), without running any plugin code.

    In a process where :func:`load` already ran and no target is given, the activation report.
    """
    if target is None and _loaded is not None and settings is None:
        return _loaded
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
    which case newly installed plugins are activated too (nothing is registered twice).
    ``strict`` (default: ``TRT_PLUGIN_HUB_STRICT``) raises one
    :class:`~trt_plugin_hub.StrictModeError` listing every rejected or failed plugin.
    """
    global _loaded, _active_thread  # noqa: PLW0603 - the report and the loading thread of this process
    settings = settings or read_settings()
    strict = settings.strict if strict is None else strict
    me = threading.get_ident()
    if _active_thread == me:
        # Re-entered from inside an activation (a plugin imported torch_tensorrt): do not recurse.
        return _loaded if _loaded is not None else report(settings=settings)
    with _lock:
        if _loaded is not None and not refresh:
            result = _loaded
        else:
            _active_thread = me
            try:
                result = _run(settings)
            finally:
                _active_thread = None
            _loaded = result
    if strict:
        _raise_if_findings(result)
    return result


def load_on_import() -> Report | None:
    """The automatic path: :func:`load`, unless another thread is loading right now.

    The hook runs while Python holds ``torch_tensorrt``'s import lock. If another thread is
    inside :func:`load`, its activation may itself be waiting for that import to finish, so
    waiting here for the loader lock would deadlock both threads. That thread completes the same
    activation; this one returns at once.
    """
    if _active_thread == threading.get_ident():
        return _loaded
    if not _lock.acquire(blocking=False):
        log.debug("trt-plugin-hub: another thread is activating plugins; not waiting inside an import")
        return None
    try:
        return load()
    finally:
        _lock.release()


def _run(settings: Settings) -> Report:
    configure_logging(settings)

    if settings.disabled:
        return report(settings=settings)
    decisions, env, discovery_ms, decision_ms = _decide(settings, None)
    started = time.perf_counter()
    plugins: list[PluginReport] = []
    findings: list[Finding] = []
    owners = {op.id: d.candidate.name for d in decisions if d.candidate.manifest for op in d.candidate.manifest.ops}
    context = ActivationContext(owners=owners, allowed_ops=settings.allow_ops)
    for decision in decisions:
        exceptions: dict[str, BaseException] = {}
        try:
            activation = activate(plan_of(decision), context) if decision.status is Status.AVAILABLE else None
            plugin = plugin_report(decision, activation)
            if activation is not None:
                exceptions = dict(activation.exceptions)
        except Exception as exc:  # the hub's own bug must not cost the other plugins
            log.exception("trt-plugin-hub: internal error while activating %s", decision.candidate.name)
            plugin = _internal_error(decision, exc)
        plugins.append(plugin)
        findings.extend(findings_of(plugin, exceptions))
    activation_ms = (time.perf_counter() - started) * 1000
    result_report = Report(tuple(plugins), env, activated=True, discovery_ms=discovery_ms, decision_ms=decision_ms,
                           activation_ms=activation_ms, settings=settings.to_dict(), findings=tuple(findings))
    _log_summary(result_report)
    return result_report


def _internal_error(decision: PluginDecision, exc: Exception) -> PluginReport:
    """The report of a plugin whose activation hit a bug in the hub: failed, saying so."""
    from ._guard import describe

    kind, message, _ = describe(exc)
    reason = Reason("INTERNAL_ERROR", f"trt-plugin-hub failed while activating {decision.candidate.name}: {kind}: "
                    f"{message} (a bug in trt-plugin-hub; the log has the traceback)")
    base = plugin_report(decision)
    return replace(base, status=Status.FAILED, reasons=(*base.reasons, reason),
                   ops=tuple(replace(op, status=Status.FAILED) if op.status is Status.AVAILABLE else op
                             for op in base.ops))


def _log_summary(result: Report) -> None:
    counts: dict[str, int] = {}
    for plugin in result.plugins:
        counts[plugin.status] = counts.get(plugin.status, 0) + 1
    if not result.plugins:
        log.debug("trt-plugin-hub: no plugins installed")
        return
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    level = logging.WARNING if counts.get(Status.FAILED) else logging.INFO
    log.log(level, "trt-plugin-hub: %d plugin(s): %s; %d op(s) active (run `trt-plugin-hub list` for reasons)",
            len(result.plugins), summary, len(result.active_ops))


def _raise_if_findings(result: Report) -> None:
    findings = result.findings or findings_from(result.plugins)
    if not findings:
        return
    error = StrictModeError(findings)
    cause = next((f.exception for f in findings if f.exception is not None), None)
    raise error from cause


def loaded_report() -> Report | None:
    """The activation report of this process, if :func:`load` ran."""
    return _loaded


def reset_for_tests() -> None:
    """Forget the loaded report (the registrations themselves cannot be undone upstream)."""
    global _loaded  # noqa: PLW0603 - the report of this process
    with _lock:
        _loaded = None
