"""The pipeline end to end: discover -> decide -> activate -> report, once per process.

``load()`` is thread-safe and re-entrant: a plugin that imports ``torch_tensorrt`` while being
activated (which would trigger the autoload hook again) gets the report in progress instead of a
second activation, and other threads wait for the first activation to finish.

A process finds the activation plan an earlier one left (:mod:`trt_plugin_hub._warm`) and, while
it holds, activates from it without discovering or deciding; the report is then built when first
asked for, from the plugins' reports as the plan keeps them and what this process's activation
did. This module holds the entry points, the process's activation and that warm path; every
stage beyond it - discovering, deciding, activating what was decided, assembling a report - is
in :mod:`trt_plugin_hub._pipeline.stages`, imported when a step needs it, so that the warm path
imports none of it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from trt_plugin_hub._settings import Settings, configure_logging, read_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from trt_plugin_hub._activation import Activated
    from trt_plugin_hub._environment import Environment
    from trt_plugin_hub._report import Report
    from trt_plugin_hub._warm import WarmPlan


__all__ = ["load", "load_on_import", "loaded_report", "report", "reset_for_tests"]

log = logging.getLogger("trt_plugin_hub")

_lock = threading.RLock()
_loaded: Report | None = None
#: Activated from a plan, report not built yet: (settings, the plan, what activating each plugin did, its ms,
#: whether it ended as the plan's activation did).
_warm_run: tuple[Settings, WarmPlan, list[Activated], float, bool] | None = None
_active_thread: int | None = None


def report(*, target: str | Environment | None = None, settings: Settings | None = None) -> Report:
    """What the hub would do here (or on ``target``), without running any plugin code.

    In a process where :func:`load` already ran and no target is given, the activation report.
    """
    if target is None and settings is None and (_loaded is not None or _warm_run is not None):
        loaded = loaded_report()
        if loaded is not None:
            return loaded
    from .stages import decided_report

    return decided_report(target=target, settings=settings)


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
        from .stages import raise_if_findings

        raise_if_findings(result)
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
                from .stages import raise_if_findings

                raise_if_findings(result)
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
            from trt_plugin_hub._warm import load_plan

            configure_logging(settings)
            plan = load_plan(settings)
            if plan is not None:
                _run_warm(settings, plan)
                return
        from .stages import run

        _loaded = run(settings)
        _warm_run = None
    finally:
        _active_thread = None


def _run_warm(settings: Settings, plan: WarmPlan) -> None:
    """Activate from a plan that holds; the report is built when first asked for."""
    global _warm_run  # noqa: PLW0603 - the activation of this process, once
    from trt_plugin_hub._activation import ActivationContext, activate_all
    from trt_plugin_hub._warm import outcome_of

    started = time.perf_counter()
    context = ActivationContext(owners=plan.owners, allowed_ops=settings.allow_ops)
    results = activate_all(plan.plugins, context)
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
            from .stages import log_summary

            log_summary(result)


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
                from trt_plugin_hub._pending import pending_report

                _loaded = pending_report(_report_of(_warm_run))
                _warm_run = None
    return _loaded


def _report_of(run: tuple[Settings, WarmPlan, list[Activated], float, bool]) -> Callable[[], Report]:
    """What builds the report of the activation from a plan ``run`` is, when it is first read."""

    def build() -> Report:
        from .stages import report_of_warm_run

        return report_of_warm_run(*run)

    return build


def reset_for_tests() -> None:
    """Forget the loaded report (the registrations themselves cannot be undone upstream)."""
    global _loaded, _warm_run  # noqa: PLW0603 - the report of this process
    with _lock:
        _loaded = None
        _warm_run = None
