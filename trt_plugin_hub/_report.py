"""The report stage: what the hub found, decided and did, as typed, JSON-ready data.

The CLI, the Python API and the log messages all read this one structure. A plugin's report is
built from its decision and, when it was activated, from what activation did
(:func:`plugin_report`); strict mode's findings are read from the reports (:func:`findings_of`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from ._cachefile import check_text
from ._codes import Status
from ._environment import Environment
from ._manifest import OpKind, Priority
from ._reasons import Check, Reason
from ._record import FACTORY, Frozen, record, replace
from ._settings import canonical_name

if TYPE_CHECKING:
    from ._activation import PluginActivation
    from ._decisions import PluginDecision
    from ._errors import Finding
    from ._manifest import Requirements

__all__ = ["OpReport", "PluginReport", "Report", "Style", "activated", "findings_from", "findings_of",
           "format_plugins", "format_report", "mark_disabled", "note_autoload_off", "op_line", "plugin_from_dict",
           "plugin_report"]


@record
class OpReport(Frozen):
    """One op of a plugin (a frozen dataclass)."""

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

    def __init__(self, id: str, overload: str, kind: OpKind, priority: Priority, status: Status,  # noqa: A002
                 reasons: tuple[Reason, ...] = (), mode: str | None = None, ptx: str | None = None,
                 checks: tuple[Check, ...] = (), activation_ms: float | None = None) -> None:
        setting = object.__setattr__
        setting(self, "id", id)
        setting(self, "overload", overload)
        setting(self, "kind", kind)
        setting(self, "priority", priority)
        setting(self, "status", status)
        setting(self, "reasons", reasons)
        setting(self, "mode", mode)
        setting(self, "ptx", ptx)
        setting(self, "checks", checks)
        setting(self, "activation_ms", activation_ms)

    def __str__(self) -> str:
        return op_line(self)

    def __repr__(self) -> str:
        return f"<OpReport {self.id}.{self.overload} {self.status}>"

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


@record
class PluginReport(Frozen):
    """One installed plugin package (a frozen dataclass)."""

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

    def __init__(self, name: str, distribution: str | None, version: str | None, status: Status,
                 entry_point: str, location: str | None = None, description: str = "",
                 requires: dict[str, str] = FACTORY, reasons: tuple[Reason, ...] = (), ops: tuple[OpReport, ...] = (),
                 checks: tuple[Check, ...] = (), manifest_sha256: str | None = None,
                 activation_ms: float | None = None) -> None:
        setting = object.__setattr__
        setting(self, "name", name)
        setting(self, "distribution", distribution)
        setting(self, "version", version)
        setting(self, "status", status)
        setting(self, "entry_point", entry_point)
        setting(self, "location", location)
        setting(self, "description", description)
        setting(self, "requires", {} if requires is FACTORY else requires)
        setting(self, "reasons", reasons)
        setting(self, "ops", ops)
        setting(self, "checks", checks)
        setting(self, "manifest_sha256", manifest_sha256)
        setting(self, "activation_ms", activation_ms)

    def __str__(self) -> str:
        return format_plugins((self,))

    def __repr__(self) -> str:
        return f"<PluginReport {self.name} ({self.distribution} {self.version}): {self.status}>"

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


@record
class Report(Frozen):
    """Everything one discovery/decision/activation pass produced (a frozen dataclass)."""

    plugins: tuple[PluginReport, ...]
    environment: Environment
    activated: bool
    #: Discovery and manifests; in a process activated from the activation plan, checking the plan.
    discovery_ms: float = 0.0
    #: The decisions; 0 in a process activated from the activation plan (they were not run).
    decision_ms: float = 0.0
    activation_ms: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    def __init__(self, plugins: tuple[PluginReport, ...], environment: Environment, activated: bool,
                 discovery_ms: float = 0.0, decision_ms: float = 0.0, activation_ms: float = 0.0,
                 settings: dict[str, Any] = FACTORY, findings: tuple[Finding, ...] = ()) -> None:
        setting = object.__setattr__
        setting(self, "plugins", plugins)
        setting(self, "environment", environment)
        setting(self, "activated", activated)
        setting(self, "discovery_ms", discovery_ms)
        setting(self, "decision_ms", decision_ms)
        setting(self, "activation_ms", activation_ms)
        setting(self, "settings", {} if settings is FACTORY else settings)
        setting(self, "findings", findings)

    def __str__(self) -> str:
        return format_report(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in _status_counts(self.plugins).items()) or "no plugins"
        return f"<Report {'activated' if self.activated else 'decided'}: {counts}>"

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
        from ._envelope import envelope

        return envelope("report", {
            "activated": self.activated,
            "environment": self.environment.to_dict(),
            "settings": dict(self.settings),
            "timings_ms": {
                "discovery": _round(self.discovery_ms),
                "decision": _round(self.decision_ms),
                "activation": _round(self.activation_ms),
            },
            "plugins": [p.to_dict() for p in self.plugins],
        })

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# ----------------------------------------------------------------------------------------------
# Text: the table ``trt-plugin-hub list`` prints, and ``str()`` of a report and its parts


#: On a terminal: each status's colour (SGR code) and symbol.
_COLORS = {Status.ACTIVE: "32", Status.AVAILABLE: "32", Status.REJECTED: "33", Status.FAILED: "31",
           Status.DISABLED: "2"}
_SYMBOLS = {Status.ACTIVE: "\u2714", Status.AVAILABLE: "\u25cb", Status.REJECTED: "\u2718",
            Status.FAILED: "\u2718", Status.DISABLED: "\u2013"}


@record
class Style(Frozen):
    """How text output marks statuses: plain (``str()``, pipes, ``NO_COLOR``) or with colour and symbols."""

    color: bool = False

    def __init__(self, color: bool = False) -> None:
        object.__setattr__(self, "color", color)

    def status(self, status: Status, width: int = 0) -> str:
        """``status`` padded to ``width``; on a terminal with its symbol, in its colour."""
        text = str(status).ljust(width)
        if not self.color:
            return text
        return f"\033[{_COLORS[status]}m{_SYMBOLS[status]} {text}\033[0m"

    def code(self, code: str) -> str:
        """A reason's code in brackets, bold on a terminal."""
        return f"[\033[1m{code}\033[0m]" if self.color else f"[{code}]"

    def dim(self, text: str) -> str:
        """Secondary text, dimmed on a terminal."""
        return f"\033[2m{text}\033[0m" if self.color else text


PLAIN = Style()


def _status_counts(plugins: Iterable[PluginReport]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plugin in plugins:
        counts[plugin.status] = counts.get(plugin.status, 0) + 1
    return dict(sorted(counts.items()))


def op_line(op: OpReport, style: Style = PLAIN) -> str:
    """One op as ``list`` shows it: ``op ns::name.overload (kind, priority[, runs mode]): status``."""
    mode = f", runs {op.mode}" if op.mode and op.status.usable else ""
    return f"op {op.id}.{op.overload} ({op.kind}, {op.priority}{mode}): {style.status(op.status)}"


def format_plugins(plugins: Iterable[PluginReport], style: Style = PLAIN) -> str:
    """The table of ``list``: one row per plugin, then its requirements, ops, reasons and notes."""
    plugins = tuple(plugins)
    header = ("PLUGIN", "DISTRIBUTION", "VERSION", "STATUS", "OPS")
    rows = [(p.name, p.distribution or "?", p.version or "?", str(p.status),
             f"{sum(op.status.usable for op in p.ops)}/{len(p.ops)}") for p in plugins]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if style.color:  # the symbol before the status takes two columns
        widths[3] += 2
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for plugin, row in zip(plugins, rows, strict=True):
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        cells[3] = style.status(plugin.status, widths[3] - (2 if style.color else 0))
        lines.append("  ".join(cells).rstrip())
        if plugin.requires:
            lines.append("    requires: " + ", ".join(f"{k}{v}" for k, v in plugin.requires.items()))
        for op in plugin.ops:
            lines.append(f"    {op_line(op, style)}")
            lines.extend(f"      {style.code(r.code)} {r.message}" for r in op.reasons if r not in plugin.reasons)
        lines.extend(f"    why: {style.code(reason.code)} {reason.message}" for reason in plugin.reasons)
    return "\n".join(lines)


def format_report(report: Report, style: Style = PLAIN) -> str:
    """What ``trt-plugin-hub list`` prints: the environment and its notes, the table, a summary."""
    lines = [str(report.environment)]
    lines.extend(f"  note: {note}" for note in report.environment.notes)
    if report.settings.get("disabled"):
        lines.append("  note: the hub is off (TRT_PLUGIN_HUB_DISABLE=1): no plugin activates, not even with load()")
    lines.append("")
    if not report.plugins:
        lines.append("No plugins installed (no distribution advertises the 'torch_tensorrt.plugins' entry point).")
        return "\n".join(lines)
    lines.append(format_plugins(report.plugins, style))
    lines.append("")
    summary = ", ".join(f"{n} {s}" for s, n in _status_counts(report.plugins).items())
    lines.append(f"{summary}. Run `trt-plugin-hub explain NAME` for every check.")
    return "\n".join(lines)


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
        requires=_requires(manifest.requires) if manifest else {},
        reasons=decision.reasons,
        ops=ops,
        checks=decision.checks,
        manifest_sha256=manifest.sha256 if manifest else None,
    )
    if activation is None:
        return base
    return activated(base, activation)


def plugin_from_dict(data: dict[str, Any]) -> PluginReport:
    """The :class:`PluginReport` whose :meth:`~PluginReport.to_dict` is ``data``.

    An exact inverse for a report not yet activated (``to_dict`` rounds activation times): the
    activation plan keeps each plugin's report so, and a later process rebuilds it without
    deciding. Raises ``TypeError``, ``ValueError`` or ``KeyError`` on anything ``to_dict`` does not write.
    """
    check_text(data, ("name", "entry_point", "description"), ("distribution", "version", "location", "manifest_sha256"))
    requires = data["requires"]
    if not isinstance(requires, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in requires.items()):
        raise TypeError("requires: expected an object of text")
    return PluginReport(
        name=data["name"], distribution=data["distribution"], version=data["version"], status=Status(data["status"]),
        entry_point=data["entry_point"], location=data["location"], description=data["description"],
        requires=dict(requires), reasons=tuple(_reason(r) for r in _items(data, "reasons")),
        ops=tuple(_op_from_dict(op) for op in _items(data, "ops")),
        checks=tuple(_check(c) for c in _items(data, "checks")), manifest_sha256=data["manifest_sha256"],
        activation_ms=_number(data["activation_ms"]))


def _op_from_dict(data: object) -> OpReport:
    if not isinstance(data, dict):
        raise TypeError(f"an op: expected an object, found {data!r}")
    check_text(data, ("id", "overload"), ("mode", "ptx"))
    return OpReport(id=data["id"], overload=data["overload"], kind=OpKind(data["kind"]),
                    priority=Priority(data["priority"]), status=Status(data["status"]),
                    reasons=tuple(_reason(r) for r in _items(data, "reasons")), mode=data["mode"], ptx=data["ptx"],
                    checks=tuple(_check(c) for c in _items(data, "checks")),
                    activation_ms=_number(data["activation_ms"]))


def _items(data: dict[str, Any], name: str) -> list[Any]:
    items = data[name]
    if not isinstance(items, list):
        raise TypeError(f"{name}: expected a list, found {items!r}")
    return items


def _reason(data: object) -> Reason:
    if not isinstance(data, dict) or not isinstance(data["code"], str) or not isinstance(data["message"], str):
        raise TypeError(f"a reason: expected code and message, found {data!r}")
    return Reason(data["code"], data["message"])


def _check(data: object) -> Check:
    if (not isinstance(data, dict) or not isinstance(data["name"], str) or not isinstance(data["detail"], str)
            or data["passed"] not in (True, False, None)):
        raise TypeError(f"a check: expected name, passed and detail, found {data!r}")
    return Check(data["name"], data["passed"], data["detail"])


def _number(value: object) -> float | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(f"expected a number or null, found {value!r}")
    return value


def _requires(requires: Requirements) -> dict[str, str]:
    """The declared specifiers, and the compute capability range as one (``>=8.0,<=12.0``)."""
    found = requires.specifiers()
    cc = requires.compute_capability
    bounds = [f"{op}{v[0]}.{v[1]}" for op, v in ((">=", cc.min), ("<=", cc.max)) if v is not None]
    if bounds:
        found["compute_capability"] = ",".join(bounds)
    return found


def activated(base: PluginReport, activation: PluginActivation) -> PluginReport:
    """``base`` after activation: each op's outcome, then the plugin's status and reasons from its ops."""
    op_reports = []
    for op_report, outcome in zip(base.ops, activation.ops, strict=True):
        if outcome is None:
            op_reports.append(op_report)
            continue
        op_reports.append(replace(op_report, status=Status(outcome.status), reasons=op_report.reasons + outcome.reasons,
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
    """``plugin`` as the hub switched off (``TRT_PLUGIN_HUB_DISABLE``) reports it.

    Every plugin is ``disabled`` with ``HUB_DISABLED`` first; the reasons it would have been
    rejected for follow, so turning the hub back on holds no surprise.
    """
    reason = Reason("HUB_DISABLED", "TRT_PLUGIN_HUB_DISABLE=1 turns the hub off: no plugin activates")
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
    found: list[tuple[str, Reason, BaseException | None]] = []
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
                    found.append((f"{subject} / {op.id}", reason, exceptions.get(op.id)))
    for reason in plugin.reasons:
        blocking = plugin.status.problem and not reason.is_note
        if (blocking or reason.is_warning) and reason not in seen:
            seen.add(reason)
            found.append((subject, reason, None))
    if not found:
        return []
    from ._errors import Finding  # loaded only when there is something to report

    return [Finding(where, reason.code, reason.message, exception) for where, reason, exception in found]


def findings_from(plugins: Iterable[PluginReport]) -> tuple[Finding, ...]:
    """Strict mode's findings of reports that carry none (a report made without activating)."""
    return tuple(f for plugin in plugins for f in findings_of(plugin, {}))
