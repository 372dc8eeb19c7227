"""The pipeline end to end: discover -> decide -> activate -> report, once per process.

``load()`` is thread-safe and re-entrant: a plugin that imports ``torch_tensorrt`` while being
activated (which would trigger the autoload hook again) gets the report in progress instead of a
second activation, and other threads wait for the first activation to finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from ._decisions import LockCheck, PluginDecision, decide
from ._discovery import discover
from ._environment import Environment, parse_target, probe_environment
from ._errors import Finding, StrictModeError
from ._reasons import Reason, Status
from .activation import ActivationResult
from .reporting import OpReport, PluginReport, Report
from .settings import Settings, read_settings

__all__ = ["load", "load_on_import", "report", "plugin_report", "current_environment", "reset_for_tests"]

log = logging.getLogger("trt_plugin_hub")

_lock = threading.RLock()
_loaded: Report | None = None
_active_thread: int | None = None


def plugin_report(decision: PluginDecision) -> PluginReport:
    """The report of a decision, before activation."""
    candidate = decision.candidate
    manifest = candidate.manifest
    record = candidate.entry_point
    ops = tuple(
        OpReport(
            id=d.op.id, overload=d.op.overload_name, kind=d.op.kind, priority=d.op.priority, status=d.status,
            reasons=d.reasons, mode=d.mode, ptx=d.ptx.path if d.ptx else None, checks=d.checks,
        )
        for d in decision.ops
    )
    return PluginReport(
        name=candidate.name,
        distribution=record.distribution,
        version=record.version,
        status=decision.status,
        entry_point=f"{record.name} = {record.value}",
        location=str(candidate.package_dir) if candidate.package_dir else None,
        description=manifest.description if manifest else "",
        requires=manifest.requires.specifiers() if manifest else {},
        reasons=decision.reasons,
        ops=ops,
        checks=decision.checks,
        manifest_sha256=manifest.sha256 if manifest else None,
    )


def _lock_check(settings: Settings) -> LockCheck | None:
    if not settings.lock:
        return None
    from .lock import lock_checker

    return lock_checker(settings.lock)


def _decide(settings: Settings, env: Environment | None) -> tuple[tuple[PluginDecision, ...], Environment, float, float]:
    started = time.perf_counter()
    candidates = discover(settings)
    discovered = time.perf_counter()
    env = env or current_environment()
    decisions = decide(candidates, env, settings, lock_check=_lock_check(settings))
    return decisions, env, (discovered - started) * 1000, (time.perf_counter() - discovered) * 1000


def current_environment() -> Environment:
    """This host, or the host ``TRT_PLUGIN_HUB_TARGET`` describes on top of it.

    The variable takes the ``--target`` syntax; it serves build containers that cannot see the
    GPU they build for. An unreadable value is logged and ignored, never raised from autoload.
    """
    import os

    from ._errors import TargetError

    env = probe_environment()
    text = os.environ.get("TRT_PLUGIN_HUB_TARGET", "").strip()
    if not text:
        return env
    try:
        return parse_target(text, base=env)
    except TargetError as exc:
        log.warning("trt-plugin-hub: ignoring TRT_PLUGIN_HUB_TARGET: %s", exc)
        return env


def report(*, target: str | Environment | None = None, settings: Settings | None = None) -> Report:
    """What the hub would do here (or on ``target``), without running any plugin code.

    In a process where :func:`load` already ran and no target is given, the activation report.
    """
    if target is None and _loaded is not None and settings is None:
        return _loaded
    settings = settings or read_settings()
    env = parse_target(target) if isinstance(target, str) else target
    decisions, env, discovery_ms, decision_ms = _decide(settings, env)
    plugins = tuple(plugin_report(d) for d in decisions)
    if settings.disabled:
        plugins = tuple(_disabled(p, "HUB_DISABLED") for p in plugins)
    return Report(plugins, env, activated=False, discovery_ms=discovery_ms, decision_ms=decision_ms,
                  settings=settings.to_dict())


def _disabled(plugin: PluginReport, code: str) -> PluginReport:
    from dataclasses import replace

    message = {
        "HUB_DISABLED": "TRT_PLUGIN_HUB_DISABLE=1 turns the hub off",
        "AUTOLOAD_DISABLED": "TRT_PLUGIN_HUB_AUTOLOAD=0: call trt_plugin_hub.load() to activate plugins",
    }[code]
    if plugin.status is Status.REJECTED:
        return plugin
    return replace(plugin, status=Status.DISABLED, reasons=(Reason(code, message),) + plugin.reasons,
                   ops=tuple(replace(op, status=Status.DISABLED) for op in plugin.ops))


def load(*, strict: bool | None = None, refresh: bool = False, settings: Settings | None = None) -> Report:
    """Activate every compatible installed plugin in this process and return the report.

    Runs once per process; later calls return the same report unless ``refresh`` is true, in
    which case newly installed plugins are activated too (nothing is registered twice).
    ``strict`` (default: ``TRT_PLUGIN_HUB_STRICT``) raises one
    :class:`~trt_plugin_hub.StrictModeError` listing every rejected or failed plugin.
    """
    global _loaded, _active_thread
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


def _configure_logging() -> None:
    """Honour ``TRT_PLUGIN_HUB_LOG`` (a level name) with a stderr handler, once."""
    import os

    level_name = os.environ.get("TRT_PLUGIN_HUB_LOG", "").strip().upper()
    if not level_name or getattr(log, "_hub_configured", False):
        return
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log._hub_configured = True  # type: ignore[attr-defined]


def _run(settings: Settings) -> Report:
    from .activation import ActivationContext, activate

    _configure_logging()

    if settings.disabled:
        disabled = report(settings=settings)
        return disabled
    decisions, env, discovery_ms, decision_ms = _decide(settings, None)
    started = time.perf_counter()
    plugins: list[PluginReport] = []
    findings: list[Finding] = []
    owners = {op.id: d.candidate.name for d in decisions if d.candidate.manifest for op in d.candidate.manifest.ops}
    context = ActivationContext(owners=owners, allowed_ops=settings.allow_ops)
    for decision in decisions:
        try:
            result = activate(decision, context)
        except Exception as exc:  # the hub's own bug must not cost the other plugins
            result = _internal_error(decision, exc)
        plugins.append(result.report)
        findings.extend(_plugin_findings(result.report, dict(result.exceptions)))
    activation_ms = (time.perf_counter() - started) * 1000
    result_report = Report(tuple(plugins), env, activated=True, discovery_ms=discovery_ms, decision_ms=decision_ms,
                           activation_ms=activation_ms, settings=settings.to_dict(), findings=tuple(findings))
    _log_summary(result_report)
    return result_report


def _internal_error(decision: PluginDecision, exc: Exception) -> ActivationResult:
    from dataclasses import replace

    from ._guard import describe

    log.exception("trt-plugin-hub: internal error while activating %s", decision.candidate.name)
    kind, message, _ = describe(exc)
    reason = Reason("INTERNAL_ERROR", f"trt-plugin-hub failed while activating {decision.candidate.name}: {kind}: "
                    f"{message} (a bug in trt-plugin-hub; the log has the traceback)")
    base = plugin_report(decision)
    report = replace(base, status=Status.FAILED, reasons=base.reasons + (reason,),
                     ops=tuple(replace(op, status=Status.FAILED) if op.status is Status.AVAILABLE else op for op in base.ops))
    return ActivationResult(report, (("", exc),))


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


def _plugin_findings(plugin: PluginReport, exceptions: dict[str, BaseException]) -> list[Finding]:
    """What strict mode reports of one plugin: every blocking reason and every warning."""
    if plugin.status is Status.DISABLED:
        return []
    found: list[Finding] = []
    seen: set[Reason] = set()
    # A plugin rejected for sharing its name with another is named by its distribution.
    subject = plugin.name
    if any(r.code == "DUPLICATE_PLUGIN" for r in plugin.reasons) and plugin.distribution:
        subject = plugin.distribution
    for op in plugin.ops:
        if op.status.problem:
            for reason in op.reasons:
                if not reason.is_note and reason not in seen:
                    seen.add(reason)
                    found.append(Finding(f"{subject} / {op.id}",
                                         reason.code, reason.message, exceptions.get(op.id)))
    for reason in plugin.reasons:
        blocking = plugin.status.problem and not reason.is_note
        if (blocking or reason.is_warning) and reason not in seen:
            seen.add(reason)
            found.append(Finding(subject, reason.code, reason.message))
    return found


def _raise_if_findings(result: Report) -> None:
    findings = result.findings or _findings_from(result.plugins)
    if not findings:
        return
    error = StrictModeError(findings)
    cause = next((f.exception for f in findings if f.exception is not None), None)
    raise error from cause


def _findings_from(plugins: Iterable[PluginReport]) -> tuple[Finding, ...]:
    return tuple(f for plugin in plugins for f in _plugin_findings(plugin, {}))


def loaded_report() -> Report | None:
    """The activation report of this process, if :func:`load` ran."""
    return _loaded


def reset_for_tests() -> None:
    """Forget the loaded report (the registrations themselves cannot be undone upstream)."""
    global _loaded
    with _lock:
        _loaded = None
