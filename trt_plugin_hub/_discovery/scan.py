"""The scan: the ``torch_tensorrt.plugins`` entry points and their manifests, read afresh.

Each entry point's value names a package (``example_plugin_pkg``); its manifest is
``trt_plugin.json`` in that package's directory. The directory is found through the import
system's finders WITHOUT executing the package (no ``__init__`` runs), so a broken or hostile
package cannot affect discovery. Results are sorted, so the order never depends on ``sys.path``
or directory listing order.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import os
import re
from dataclasses import dataclass, field
from importlib import metadata as _metadata
from pathlib import Path

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import MANIFEST_FILENAME, PluginManifest, read_manifest
from trt_plugin_hub._ptx.memo import FileKey, file_key
from trt_plugin_hub._reasons import Reason
from trt_plugin_hub._settings import canonical_name

__all__ = ["ENTRY_POINT_GROUP", "Candidate", "EntryPointRecord", "foreign_reason", "locate_package", "scan_candidates",
           "scan_entry_points"]

log = logging.getLogger("trt_plugin_hub.discovery")  # its name in logging configurations

ENTRY_POINT_GROUP = "torch_tensorrt.plugins"
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


@dataclass(frozen=True)
class EntryPointRecord:
    """An entry point as discovered: the fields the hub needs, without the importlib object.

    ``manifest_file`` is where the distribution's own RECORD says it installed the manifest of
    the package the entry point names (``None`` when its RECORD lists no such file), and
    ``editable`` whether the distribution is an editable install (its package lives in a source
    tree that a ``.pth`` file or an import finder points to, so RECORD cannot list it). ``problem``
    is set for an entry point whose distribution's metadata cannot be read.
    """

    name: str
    value: str
    distribution: str | None
    version: str | None
    manifest_file: str | None = None
    editable: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A plugin package as discovered: where it came from, its manifest, or why it has none.

    ``manifest_key`` is the identity ``(device, inode, size, mtime_ns, ctime_ns)`` the manifest
    file had just before it was read (``None`` when unknown): the discovery cache keeps the
    manifest by it.
    """

    entry_point: EntryPointRecord
    package_dir: Path | None
    manifest_path: Path | None
    manifest: PluginManifest | None
    problem: Reason | None
    manifest_key: FileKey | None = field(default=None, compare=False, repr=False)

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
    """One scan of the entry-point group, sorted by (name, distribution, value).

    Distributions are read one by one, so broken metadata anywhere (an ``entry_points.txt`` that
    does not parse, an unreadable METADATA) costs only that distribution, never the scan: a
    broken plugin distribution is reported, an unrelated one is skipped and logged at DEBUG.
    """
    records = []
    seen: set[str] = set()
    for dist in _metadata.distributions():
        name: str | None
        try:
            name = dist.metadata["Name"]
            key = canonical_name(name) if isinstance(name, str) else None
        except Exception:  # noqa: BLE001 - unreadable METADATA: look at its entry points anyway
            name = key = None
        if key is not None:
            if key in seen:
                continue  # shadowed by a copy earlier on sys.path, as importlib.metadata does
            seen.add(key)
        try:
            eps = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        except Exception as exc:  # noqa: BLE001 - a broken entry_points.txt of any distribution
            if _mentions_group(dist):
                records.append(EntryPointRecord(name or "?", "", name, None, problem=_describe(exc)))
            else:
                log.debug("trt-plugin-hub: skipping %s: its entry points cannot be read: %s", name, _describe(exc))
            continue
        if not eps:
            continue
        try:
            version = dist.metadata["Version"]
        except Exception:  # noqa: BLE001
            version = None
        for ep in eps:
            manifest_file, editable = _owned_manifest(dist, ep.value.partition(":")[0].strip())
            records.append(EntryPointRecord(ep.name, ep.value, name, version, manifest_file, editable))
    records.sort(key=lambda r: (r.name, r.distribution or "", r.value))
    return tuple(records)


def _describe(exc: BaseException) -> str:
    from trt_plugin_hub._guard import describe

    kind, message, _ = describe(exc)
    return f"{kind}: {message}"


def _mentions_group(dist: _metadata.Distribution) -> bool:
    try:
        text = dist.read_text("entry_points.txt") or ""
    except Exception:  # noqa: BLE001
        return False
    return f"[{ENTRY_POINT_GROUP}]" in text


def _owned_manifest(dist: _metadata.Distribution, module: str) -> tuple[str | None, bool]:
    """Where ``dist``'s RECORD installs package ``module``'s manifest, and whether it is editable."""
    if not _MODULE.match(module):
        return None, False
    wanted = f"{module.replace('.', '/')}/{MANIFEST_FILENAME}"
    try:
        files = dist.files or ()
    except Exception:  # noqa: BLE001 - an unreadable RECORD owns nothing
        return None, False
    editable = False
    for path in files:
        text = str(path).replace("\\", "/")
        if text == wanted:
            try:
                return os.path.normpath(str(dist.locate_file(path))), False
            except Exception:  # noqa: BLE001
                return None, False
        name = text.rsplit("/", 1)[-1]
        if "/" not in text and (name.endswith(".pth") or name.startswith("__editable__")):
            editable = True
    return None, editable


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
    if record.problem is not None:
        return Candidate(record, None, None, None, Reason(
            "ENTRY_POINT_INVALID", f"the entry points of {owner} cannot be read ({record.problem}); reinstall it"))
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
    foreign = foreign_reason(record, module, path)
    if foreign is not None:
        return Candidate(record, None, None, None, foreign)
    key = file_key(path)  # before the read: a change during it leaves a key that no longer matches
    try:
        manifest = read_manifest(path, owner)
    except ManifestError as exc:
        return Candidate(record, package_dir, path, None, Reason(exc.code, str(exc)))
    return Candidate(record, package_dir, path, manifest, None, key)


def foreign_reason(record: EntryPointRecord, module: str, manifest: Path) -> Reason | None:
    """Why the package the entry point names is not its own distribution's, or ``None``.

    A distribution may only advertise a package it installs: its RECORD must list the package's
    manifest, at the place the import system finds the package. An editable install (RECORD
    lists a ``.pth`` or ``__editable__`` finder, which already runs code at start-up) is trusted
    for the packages of its own project.
    """
    owner = f"{record.distribution} {record.version}" if record.distribution else "an unnamed distribution"
    if record.manifest_file is not None:
        if os.path.normpath(str(manifest)) == record.manifest_file:
            return None
        return Reason("ENTRY_POINT_FOREIGN", (
            f"entry point {record.name} of {owner} names package {module}, but "
            f"the {module} that Python imports ({manifest.parent}) is not the copy {record.distribution} installed "
            f"({os.path.dirname(record.manifest_file)}): remove the shadowing copy or reinstall {record.distribution}"))
    if record.editable:
        return None
    return Reason("ENTRY_POINT_FOREIGN", (
        f"entry point {record.name} of {owner} names package {module}, which "
        f"{record.distribution or 'it'} does not install (its RECORD lists no {module.replace('.', '/')}/"
        f"{MANIFEST_FILENAME}): a distribution may only advertise its own package; uninstall "
        f"{record.distribution} or deny it with TRT_PLUGIN_HUB_DENY={record.distribution}"))


def scan_candidates() -> tuple[Candidate, ...]:
    """Scan the entry points and read every manifest. Never raises for a plugin's fault.

    Two distributions claiming one plugin name are resolved by the decisions, after the user's
    controls, so that denying one of them leaves the other.
    """
    return tuple(_candidate(record) for record in scan_entry_points())
