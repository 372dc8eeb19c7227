"""The report: what the hub found, decided and did, as typed, JSON-ready data.

The CLI, the Python API and the log messages all read this one structure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ._environment import Environment
from ._errors import Finding
from ._reasons import Check, Reason, Status
from .manifest import OpKind, Priority

__all__ = ["OpReport", "PluginReport", "Report"]


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
        from .settings import normalize_name

        wanted = normalize_name(name)
        for plugin in self.plugins:
            names = {plugin.name, plugin.distribution or "", plugin.entry_point.split("=")[0].strip()}
            if wanted in {normalize_name(n) for n in names if n}:
                return plugin
        return None

    @property
    def active_ops(self) -> tuple[str, ...]:
        """Ids of the ops activated in this process."""
        return tuple(op.id for p in self.plugins for op in p.ops if op.status == Status.ACTIVE)

    def to_dict(self) -> dict[str, Any]:
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
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
