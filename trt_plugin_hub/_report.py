"""The report stage: what the hub found, decided and did, as typed, JSON-ready data.

The CLI, the Python API and the log messages all read this one structure. A plugin's report is
built from its decision and, when it was activated, from what activation did
(:func:`plugin_report`); strict mode's findings are read from the reports (:func:`findings_of`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._environment import Environment
from ._errors import Finding
from ._manifest import OpKind, Priority
from ._reasons import Check, Reason, Status
from ._settings import canonical_name

if TYPE_CHECKING:
    from ._activation import PluginActivation
    from ._decisions import PluginDecision

__all__ = ["OpReport", "PluginReport", "Report", "findings_from", "findings_of", "mark_disabled", "note_autoload_off",
           "plugin_report"]


@dataclass(frozen=True)
class OpReport:
    """One op of a plugin."""

    id: str
    overload: str
    kind: OpKind
    priority: Priority
    status: Status
    reasons: tuple[Reason, ...] = ()
    mode: str | None = None  # what runs: "aot", "jit" or "legacy"
    ptx: str | None = None  # the packaged PTX chosen for the GPU
    checks: tuple[Check, ...] = ()
    activation_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "id": self.id,
            "overload": self.overload,
            "kind": OpKind(self.kind).value,
            "priority": Priority(self.priority).value,
            "status": Status(self.status).value,
            "mode": self.mode,
            "ptx": self.ptx,
            "reasons": [r.to_dict() for r in self.reasons],
            "checks": [c.to_dict() for c in self.checks],
            "activation_ms": _round(self.activation_ms),
        }


@dataclass(frozen=True)
class PluginReport:
    """One installed plugin package."""

    name: str
    distribution: str | None
    version: str | None
    status: Status
    entry_point: str
    location: str | None = None
    description: str = ""
    requires: dict[str, str] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    ops: tuple[OpReport, ...] = ()
    checks: tuple[Check, ...] = ()
    manifest_sha256: str | None = None
    activation_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": Status(self.status).value,
            "entry_point": self.entry_point,
            "location": self.location,
            "description": self.description,
            "requires": dict(self.requires),
            "manifest_sha256": self.manifest_sha256,
            "reasons": [r.to_dict() for r in self.reasons],
            "checks": [c.to_dict() for c in self.checks],
            "ops": [op.to_dict() for op in self.ops],
            "activation_ms": _round(self.activation_ms),
        }


@dataclass(frozen=True)
class Report:
    """Everything one discovery/decision/activation pass produced."""

    plugins: tuple[PluginReport, ...]
    environment: Environment
    activated: bool
    discovery_ms: float = 0.0
    decision_ms: float = 0.0
    activation_ms: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    def plugin(self, name: str) -> PluginReport | None:
        """Find a plugin by plugin name, distribution name or entry point name."""
        wanted = canonical_name(name)
        for plugin in self.plugins:
            names = {plugin.name, plugin.distribution or "", plugin.entry_point.split("=")[0].strip()}
            if wanted in {canonical_name(n) for n in names if n}:
                return plugin
        return None

    @property
    def active_ops(self) -> tuple[str, ...]:
        """Ids of the ops activated in this process."""
        return tuple(op.id for p in self.plugins for op in p.ops if op.status == Status.ACTIVE)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "schema": 1,
            "activated": self.activated,
            "environment": self.environment.to_dict(),
            "settings": dict(self.settings),
            "timings_ms": {
                "discovery": _round(self.discovery_ms),
                "decision": _round(self.decision_ms),
                "activation": _round(self.activation_ms),
            },
            "plugins": [p.to_dict() for p in self.plugins],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ----------------------------------------------------------------------------------------------
# Building reports


def plugin_report(decision: PluginDecision, activation: PluginActivation | None = None) -> PluginReport:
    """The report of a decision, with what activation did to it when it was activated."""
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
    base = PluginReport(
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
    if activation is None:
        return base
    return _activated(base, activation)


def _activated(base: PluginReport, activation: PluginActivation) -> PluginReport:
    """``base`` after activation: each op's outcome, then the plugin's status and reasons from its ops."""
    op_reports = []
    for op_report, outcome in zip(base.ops, activation.ops, strict=True):
        if outcome is None:
            op_reports.append(op_report)
            continue
        op_reports.append(replace(op_report, status=outcome.status, reasons=op_report.reasons + outcome.reasons,
                                  checks=op_report.checks + outcome.checks, activation_ms=outcome.activation_ms))
    plugin_reasons = list(base.reasons)
    plugin_reasons += activation.reasons
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
    return replace(base, status=status, ops=tuple(op_reports), reasons=tuple(plugin_reasons),
                   activation_ms=activation.activation_ms)


def mark_disabled(plugin: PluginReport) -> PluginReport:
    """``plugin`` as the hub switched off (``TRT_PLUGIN_HUB_DISABLE``) reports it; a rejection stays."""
    if plugin.status is Status.REJECTED:
        return plugin
    reason = Reason("HUB_DISABLED", "TRT_PLUGIN_HUB_DISABLE=1 turns the hub off")
    return replace(plugin, status=Status.DISABLED, reasons=(reason, *plugin.reasons),
                   ops=tuple(replace(op, status=Status.DISABLED) for op in plugin.ops))


def note_autoload_off(plugin: PluginReport) -> PluginReport:
    """``plugin`` with the note ``AUTOLOAD_DISABLED`` if it would activate; its status stays."""
    if plugin.status is not Status.AVAILABLE:
        return plugin
    reason = Reason("AUTOLOAD_DISABLED", "TRT_PLUGIN_HUB_AUTOLOAD=0: plugins activate only when "
                    "trt_plugin_hub.load() is called")
    return replace(plugin, reasons=(*plugin.reasons, reason))


def findings_of(plugin: PluginReport, exceptions: dict[str, BaseException]) -> list[Finding]:
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


def findings_from(plugins: Iterable[PluginReport]) -> tuple[Finding, ...]:
    """Strict mode's findings of reports that carry none (a report made without activating)."""
    return tuple(f for plugin in plugins for f in findings_of(plugin, {}))
