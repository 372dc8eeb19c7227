"""Lock files for reproducible deployments.

``trt-plugin-hub lock`` records, for every installed plugin, its distribution, version, manifest
sha256 and the sha256 of each packaged PTX file. With ``TRT_PLUGIN_HUB_LOCK=path`` set, only
plugins that match the lock exactly activate; anything else is rejected with a reason naming the
difference. An unreadable lock rejects every plugin (fail closed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._atomic import write_atomic
from ._discovery import Candidate
from ._envelope import envelope, schema_id
from ._errors import LockError
from ._reasons import Reason
from ._settings import canonical_name

__all__ = [
    "DEFAULT_LOCK_FILE",
    "LOCK_SCHEMA",
    "LockedPlugin",
    "build_lock",
    "checker_for",
    "lock_checker",
    "read_lock",
    "write_lock",
]

#: The ``schema`` a lock file is written with.
LOCK_SCHEMA = schema_id("lock")
#: What :func:`read_lock` accepts: this layout, and the bare ``1`` of earlier releases (the same
#: plugin entries, before the envelope's ``trt_plugin_hub`` key).
_READABLE_SCHEMAS = (LOCK_SCHEMA, 1)
#: Where ``trt-plugin-hub lock`` writes, and ``lock --check`` reads, by default.
DEFAULT_LOCK_FILE = "trt-plugin-hub.lock"


@dataclass(frozen=True)
class LockedPlugin:
    """What a lock records of one plugin."""

    name: str
    distribution: str
    version: str
    manifest_sha256: str
    ptx: dict[str, str]  # path -> sha256

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"name": self.name, "distribution": self.distribution, "version": self.version,
                "manifest_sha256": self.manifest_sha256, "ptx": dict(sorted(self.ptx.items()))}


def _locked(candidate: Candidate) -> LockedPlugin | None:
    manifest = candidate.manifest
    if manifest is None or candidate.problem is not None or manifest.sha256 is None:
        return None
    ptx = {artifact.path: artifact.sha256 for op in manifest.ops for artifact in op.ptx}
    return LockedPlugin(candidate.name, candidate.entry_point.distribution or "", candidate.entry_point.version or "",
                        manifest.sha256, ptx)


def build_lock(candidates: Sequence[Candidate]) -> dict[str, Any]:
    """The lock document for ``candidates`` (plugins with a valid manifest)."""
    plugins = [p.to_dict() for c in candidates if (p := _locked(c)) is not None]
    return envelope("lock", {"plugins": plugins})


def write_lock(document: dict[str, Any], path: Path) -> None:
    """Write atomically, so a reader never sees half a lock; the mode is what the umask gives a new file."""
    write_atomic(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))


def read_lock(path: str | Path) -> dict[str, LockedPlugin]:
    """Read a lock: normalised plugin name -> :class:`LockedPlugin`. Raises :class:`LockError`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LockError(f"cannot read lock file {path}: {exc.strerror or exc}; write it with "
                        f"`trt-plugin-hub lock -o {path}`") from exc
    except (ValueError, RecursionError) as exc:
        raise LockError(f"cannot read lock file {path}: not JSON ({exc}); write it again with "
                        f"`trt-plugin-hub lock -o {path}`") from exc
    schema = data.get("schema") if isinstance(data, dict) else None
    if (isinstance(schema, bool) or schema not in _READABLE_SCHEMAS or not isinstance(data, dict)
            or not isinstance(data.get("plugins"), list)):
        raise LockError(f"{path} is not a trt-plugin-hub lock file ({LOCK_SCHEMA}); write it again with "
                        f"`trt-plugin-hub lock -o {path}`")
    result = {}
    for item in data["plugins"]:
        try:
            plugin = LockedPlugin(str(item["name"]), str(item["distribution"]), str(item["version"]),
                                  str(item["manifest_sha256"]), {str(k): str(v) for k, v in dict(item["ptx"]).items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise LockError(f"{path}: malformed plugin entry {item!r}") from exc
        result[canonical_name(plugin.name)] = plugin
    return result


def lock_checker(path: str | Path) -> Callable[[Candidate], Reason | None]:
    """A check for :func:`trt_plugin_hub._decisions.decide`: ``None`` when a candidate matches."""
    try:
        locked = read_lock(path)
    except LockError as exc:
        message = str(exc)

        def unreadable(_candidate: Candidate) -> Reason | None:
            return Reason("LOCK_MISMATCH", f"{message}; no plugin activates until the lock is fixed")

        return unreadable
    return checker_for(locked, path)


def checker_for(locked: Mapping[str, LockedPlugin], path: str | Path) -> Callable[[Candidate], Reason | None]:
    """The check of :func:`lock_checker` against a lock already read (by :func:`read_lock`) from ``path``."""

    def check(candidate: Candidate) -> Reason | None:
        entry = locked.get(canonical_name(candidate.name))
        if entry is None:
            return Reason("NOT_IN_LOCK", f"{candidate.name} ({candidate.entry_point.distribution} "
                          f"{candidate.entry_point.version}) is not in the lock file {path}")
        current = _locked(candidate)
        if current is None:  # pragma: no cover - decisions only ask about valid candidates
            return Reason("LOCK_MISMATCH", f"{candidate.name} has no valid manifest")
        differences = []
        if canonical_name(current.distribution) != canonical_name(entry.distribution):
            differences.append(f"distribution {current.distribution}, lock has {entry.distribution}")
        if current.version != entry.version:
            differences.append(f"version {current.version}, lock has {entry.version}")
        if current.manifest_sha256 != entry.manifest_sha256:
            differences.append(f"manifest sha256 {current.manifest_sha256[:12]}..., lock has "
                               f"{entry.manifest_sha256[:12]}...")
        for ptx_path in sorted(set(current.ptx) | set(entry.ptx)):
            mine, theirs = current.ptx.get(ptx_path), entry.ptx.get(ptx_path)
            if mine != theirs:
                differences.append(f"PTX {ptx_path}: {(mine or 'absent')[:12]}, lock has {(theirs or 'absent')[:12]}")
        if differences:
            return Reason("LOCK_MISMATCH", f"{candidate.name} differs from the lock {path}: " + "; ".join(differences))
        return None

    return check
