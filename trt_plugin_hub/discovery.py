"""Discovery: the ``torch_tensorrt.plugins`` entry points and their manifests.

Each entry point's value names a package (``example_plugin_pkg``); its manifest is
``trt_plugin.json`` in that package's directory. The directory is found through the import
system's finders WITHOUT executing the package (no ``__init__`` runs), so a broken or hostile
package cannot affect discovery. Results are sorted, so the order never depends on ``sys.path``
or directory listing order.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import ManifestError
from .manifest import MANIFEST_FILENAME, PluginManifest, read_manifest
from .reporting import Reason

if sys.version_info >= (3, 10):
    from importlib import metadata as _metadata
else:  # pragma: no cover
    import importlib_metadata as _metadata

__all__ = ["ENTRY_POINT_GROUP", "Candidate", "discover", "scan_entry_points", "locate_package"]

ENTRY_POINT_GROUP = "torch_tensorrt.plugins"
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


@dataclass(frozen=True)
class EntryPointRecord:
    """An entry point as discovered: the fields the hub needs, without the importlib object."""

    name: str
    value: str
    distribution: str | None
    version: str | None


@dataclass(frozen=True)
class Candidate:
    """A plugin package as discovered: where it came from, its manifest, or why it has none."""

    entry_point: EntryPointRecord
    package_dir: Path | None
    manifest_path: Path | None
    manifest: PluginManifest | None
    problem: Reason | None

    @property
    def name(self) -> str:
        """The plugin name: the manifest's, else the entry point's."""
        return self.manifest.name if self.manifest else self.entry_point.name

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a user may use for this plugin."""
        return tuple(n for n in (self.name, self.entry_point.distribution, self.entry_point.name) if n)

    @property
    def module(self) -> str:
        """The package the entry point names (without any ``:attr`` part)."""
        return self.entry_point.value.partition(":")[0].strip()


def scan_entry_points() -> tuple[EntryPointRecord, ...]:
    """One scan of the entry-point group, sorted by (name, distribution, value)."""
    records = []
    for ep in _metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = version = None
        if dist is not None:
            try:
                meta = dist.metadata  # parsed once: Name and Version from the same read
                dist_name, version = meta["Name"], meta["Version"]
            except Exception:  # unreadable METADATA: keep the plugin, report what we know
                dist_name = None
        records.append(EntryPointRecord(ep.name, ep.value, dist_name, version))
    records.sort(key=lambda r: (r.name, r.distribution or "", r.value))
    return tuple(records)


def locate_package(module: str) -> Path | None:
    """The directory of package ``module``, found without executing any of its code."""
    if not _MODULE.match(module):
        return None
    parts = module.split(".")
    try:
        # find_spec of a top-level name consults every finder (editable installs included) but
        # runs no package code; deeper levels use PathFinder on the parent's locations for the
        # same reason (importlib.util.find_spec would import the parents).
        spec = importlib.util.find_spec(parts[0])
        for part in parts[1:]:
            if spec is None or not spec.submodule_search_locations:
                return None
            spec = importlib.machinery.PathFinder.find_spec(part, list(spec.submodule_search_locations))
    except (ImportError, ValueError, AttributeError, OSError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location)
        if (path / MANIFEST_FILENAME).exists():
            return path
    return Path(next(iter(spec.submodule_search_locations)))


def _candidate(record: EntryPointRecord) -> Candidate:
    module = record.value.partition(":")[0].strip()
    owner = record.distribution or record.name
    if not _MODULE.match(module):
        return Candidate(record, None, None, None, Reason(
            "ENTRY_POINT_INVALID",
            f"entry point {record.name} = {record.value!r} of {owner} is not a package path such as 'my_pkg'",
        ))
    package_dir = locate_package(module)
    if package_dir is None:
        return Candidate(record, None, None, None, Reason(
            "ENTRY_POINT_NOT_FOUND",
            f"entry point {record.name} of {owner} names package {module!r}, which is not on sys.path "
            "(reinstall the distribution)",
        ))
    path = package_dir / MANIFEST_FILENAME
    if not path.exists():
        return Candidate(record, package_dir, None, None, Reason(
            "MANIFEST_MISSING", f"package {module} of {owner} has no {MANIFEST_FILENAME}",
        ))
    try:
        manifest = read_manifest(path, owner)
    except ManifestError as exc:
        return Candidate(record, package_dir, path, None, Reason(exc.code, str(exc)))
    return Candidate(record, package_dir, path, manifest, None)


def mark_duplicates(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    """Two distributions must not both claim one plugin name: the first in sorted order keeps it."""
    from .settings import normalize_name

    owners: dict[str, Candidate] = {}
    result = []
    for candidate in candidates:
        if candidate.manifest is not None:
            key = normalize_name(candidate.name)
            first = owners.get(key)
            if first is not None:
                candidate = Candidate(candidate.entry_point, candidate.package_dir, candidate.manifest_path,
                                      candidate.manifest, Reason(
                                          "DUPLICATE_PLUGIN",
                                          f"{candidate.entry_point.distribution} {candidate.entry_point.version} "
                                          f"declares plugin name {candidate.name!r}, which "
                                          f"{first.entry_point.distribution} {first.entry_point.version} "
                                          "already provides; rename one of them",
                                      ))
            else:
                owners[key] = candidate
        result.append(candidate)
    return tuple(result)


def discover() -> tuple[Candidate, ...]:
    """Scan the entry points and read every manifest. Never raises for a plugin's fault."""
    return mark_duplicates([_candidate(record) for record in scan_entry_points()])
