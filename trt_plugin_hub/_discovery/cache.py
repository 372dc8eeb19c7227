"""The cross-process cache of the discovery scan, keyed by what is installed.

Scanning the ``torch_tensorrt.plugins`` entry points costs one parse of every installed
distribution's metadata (tens of milliseconds in environments of a thousand distributions). This
module keeps the result of that scan on disk so later processes skip it.

What is cached, and what is not:

* Cached: the entry-point records (name, value, distribution, version) and where each package
  was found (its directory and manifest path), or the locating problem (invalid entry point,
  package not found, manifest missing).
* Each manifest the reader accepted, in its trusted form (:func:`~trt_plugin_hub._manifest.trusted_form`:
  the reader's own result as plain JSON), with the identity its file had just before it was read
  - ``(device, inode, size, mtime_ns, ctime_ns)``. A warm process rebuilds the manifest from that
  form without validating it again only while one ``stat`` of the file gives the same identity;
  any write changes the ``ctime`` (``os.utime`` too), so an edited manifest - an editable
  install, a hand-patched file - is read and validated again, never served stale. As with PTX
  files, a manifest written in the last two seconds is not kept (a second write within one tick
  of the filesystem's clock could keep its ctime), and an entry that cannot be rebuilt is read
  from the file instead. Manifests the reader rejected are read again on every use.
* Entries other stages keep here under a name (:func:`remember`, :func:`remembered`): the
  environment probe's installed versions, each with the directory mtimes and METADATA file
  identity it was read from (:mod:`trt_plugin_hub._environment.metadata`), and NVML's answers,
  each with the kernel module's description of the driver and GPUs
  (:mod:`trt_plugin_hub._gpu`); both are checked before use.
* Not here: the decisions. A process that activated leaves its activation plan in a file of its
  own (:mod:`trt_plugin_hub._warm`); ``report()`` always decides afresh.
* Also kept: the PTX files the decisions checked, by file identity (:mod:`trt_plugin_hub._ptx.memo`),
  so that a warm decision does not read an unchanged file again; activation checks the bytes it
  hands to TensorRT in any case.

The key, the file identity and settle rules and which files are trusted are those of every cache
file (:mod:`trt_plugin_hub._cachefile`). Each environment (interpreter + ``sys.path``) has its
own file, replaced atomically (temporary file + ``os.replace``) so concurrent writers never leave
a torn file; nothing is written for a key whose directories have not settled.

Unwritable or missing locations are skipped silently: the cache is an optimisation only.
``TRT_PLUGIN_HUB_NO_CACHE=1`` bypasses it, ``TRT_PLUGIN_HUB_CACHE_DIR`` moves it, and
``trt-plugin-hub cache clear`` / ``cache info`` manage it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trt_plugin_hub._atomic import TMP_SUFFIX, write_atomic
from trt_plugin_hub._cachefile import KEY_SCHEMA, CacheKey, cache_key, read_private_json
from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import MANIFEST_FILENAME, PluginManifest, from_trusted_form, read_manifest, trusted_form
from trt_plugin_hub._ptx import memo
from trt_plugin_hub._reasons import Reason
from trt_plugin_hub._settings import Settings
from trt_plugin_hub._version import __version__

from .scan import Candidate, EntryPointRecord, foreign_reason, locate_package, scan_candidates

__all__ = [
    "CACHE_SCHEMA",
    "PREFIXES",
    "CacheInfo",
    "CacheKey",
    "cache_info",
    "cache_key",
    "cached_discover",
    "clear_cache",
    "prune",
    "remember",
    "remembered",
    "save_checked_ptx",
]

log = logging.getLogger("trt_plugin_hub")

#: Bumped whenever the file layout or the meaning of a field changes; old files are then ignored.
CACHE_SCHEMA = KEY_SCHEMA
_PREFIX = "discovery-"
_SUFFIX = ".json"
#: Every kind of file the cache directory holds: the discovery cache, and the activation plan
#: (:mod:`trt_plugin_hub._warm`). ``cache clear`` removes both; each kind is pruned on its own.
PREFIXES = (_PREFIX, "plan-")
# A writer's temporary file (``write_atomic``'s ``.NAME.<hex>.tmp``) starts with ``.`` + _PREFIX and
# ends with TMP_SUFFIX. A directory modified less than memo.SETTLE_NS ago may change again within one
# timestamp tick unnoticed: the settle rule of every file identity the cache keeps.
#: Each environment has one file; beyond this many the least recently written are removed.
_MAX_FILES = 64
#: Temporary files of writers that died are removed after this long.
_STALE_TMP_S = 3600.0
#: This process's cache file and what it holds, once discovery used or wrote it: (directory, path, key, candidates).
_current: tuple[Path, Path, CacheKey, tuple[Candidate, ...]] | None = None
#: Whether this process read a manifest again that the cache file could keep and does not yet.
_manifests_unsaved = False
#: Entries other stages keep in this environment's cache file, by name; and whether one changed.
_extras: dict[str, Any] = {}
_extras_unsaved = False
#: Problems found while locating a package: they depend only on the entry point and sys.path.
_LOCATING = ("ENTRY_POINT_INVALID", "ENTRY_POINT_NOT_FOUND", "MANIFEST_MISSING", "ENTRY_POINT_FOREIGN")


@dataclass(frozen=True)
class CacheInfo:
    """What ``trt-plugin-hub cache info`` reports."""

    directory: str | None
    bypassed: bool
    writable: bool
    files: int
    size_bytes: int
    current_file: str | None
    current_valid: bool
    current_plugins: int | None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "directory": self.directory,
            "bypassed": self.bypassed,
            "writable": self.writable,
            "files": self.files,
            "size_bytes": self.size_bytes,
            "current_file": self.current_file,
            "current_valid": self.current_valid,
            "current_plugins": self.current_plugins,
        }


# ----------------------------------------------------------------------------------------------
# Reading and writing


def cached_discover(settings: Settings) -> tuple[Candidate, ...]:
    """:func:`.scan_candidates`, served from the cache in ``settings.cache_dir`` when it is current.

    Never raises for a cache problem: a missing, unreadable, corrupt, foreign or outdated file
    means a fresh discovery (and, where the location is writable, a new file). Without a cache
    directory, or with the cache bypassed (``TRT_PLUGIN_HUB_NO_CACHE``), always a fresh one.
    """
    global _current, _manifests_unsaved, _extras_unsaved  # noqa: PLW0603 - the cache file this process may add to
    _current = None
    _manifests_unsaved = _extras_unsaved = False
    _extras.clear()
    directory = settings.cache_dir
    if not settings.use_cache or directory is None:
        memo.reset(enabled=False)
        return scan_candidates()
    memo.reset(enabled=True)
    try:
        key = cache_key()
        path = directory / key.filename(_PREFIX)
        hit = _load(path, key)
    except Exception as exc:  # noqa: BLE001 - e.g. the cwd was removed: nothing to key on
        log.debug("trt-plugin-hub: discovery cache unavailable: %s", exc)
        memo.reset(enabled=False)
        return scan_candidates()
    if hit is not None:
        _current = (directory, path, key, hit)
        return hit
    candidates = scan_candidates()
    try:
        if _store(directory, path, key, candidates):
            _current = (directory, path, key, candidates)
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - _store handles OSError; else a bug
        log.debug("trt-plugin-hub: not caching discovery: %s", exc)
    return candidates


def save_checked_ptx() -> None:
    """Add the PTX files the decisions checked (:mod:`trt_plugin_hub._ptx.memo`) to this environment's cache file.

    Called once the decisions are made; writes only when a file was checked that the cache file
    does not list yet, a manifest was read that it does not keep yet, or an entry given to
    :func:`remember` changed (a warm process writes nothing). Never raises.
    """
    global _manifests_unsaved, _extras_unsaved  # noqa: PLW0603 - see cached_discover
    if _current is None or not (memo.unsaved() or _manifests_unsaved or _extras_unsaved):
        return
    directory, path, key, candidates = _current
    _manifests_unsaved = _extras_unsaved = False
    try:
        _store(directory, path, key, candidates)
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - _store handles OSError; else a bug
        log.debug("trt-plugin-hub: not caching checked PTX files: %s", exc)


def remembered(name: str) -> object:
    """What :func:`remember` kept under ``name`` in this environment's current cache file, or ``None``.

    Plain JSON, as written: the stage that kept it checks it before use.
    """
    return _extras.get(name)


def remember(name: str, value: object) -> None:
    """Keep ``value`` (plain JSON) under ``name`` in this environment's cache file, written by :func:`save_checked_ptx`.

    Nothing is kept without a current cache file (cache bypassed, or not written yet).
    """
    global _extras_unsaved  # noqa: PLW0603 - see cached_discover
    if _current is None or _extras.get(name) == value:
        return
    _extras[name] = value
    _extras_unsaved = True


def _load(path: Path, key: CacheKey) -> tuple[Candidate, ...] | None:
    data = read_private_json(path)  # entry points name modules to import: a file private to this user
    if data is None:
        return None
    try:
        if data["schema"] != CACHE_SCHEMA or tuple(data["state"]) != key.state:
            return None
        candidates = _revive(data["candidates"])
        if candidates is not None:
            memo.seed(data.get("ptx"))
            extras = data.get("extras")
            if isinstance(extras, dict):
                _extras.update(extras)
    except Exception as exc:  # noqa: BLE001 - any shape a damaged or foreign file may have: rebuild
        log.debug("trt-plugin-hub: ignoring corrupt discovery cache %s: %s", path, exc)
        return None
    if candidates is None:
        log.debug("trt-plugin-hub: discovery cache %s is outdated by a changed package", path)
    return candidates


def _record(item: Sequence[Any]) -> EntryPointRecord:
    name, value, distribution, version, manifest_file, editable, problem = item
    if not isinstance(name, str) or not isinstance(value, str) or not isinstance(editable, bool):
        raise TypeError("entry point name and value must be strings")
    if not all(v is None or isinstance(v, str) for v in (distribution, version, manifest_file, problem)):
        raise TypeError("distribution, version, manifest file and problem must be strings or null")
    return EntryPointRecord(name, value, distribution, version, manifest_file, editable, problem)


def _optional_path(value: Any) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a path must be a string")
    return Path(value)


def _served(entry: Any, key: memo.FileKey | None) -> PluginManifest | None:
    """The manifest a cache entry ``[identity, trusted form]`` keeps, if the file still has that identity."""
    if key is None or not isinstance(entry, list) or len(entry) != 2 or entry[0] != list(key):
        return None
    try:
        return from_trusted_form(entry[1])
    except Exception as exc:  # noqa: BLE001 - a damaged entry: the file is read instead
        log.debug("trt-plugin-hub: reading a manifest again (cache entry unusable: %r)", exc)
        return None


def _revive(items: list[Any]) -> tuple[Candidate, ...] | None:
    """Candidates from the cached scan, each manifest served by file identity or read again; None if outdated.

    Mirrors :func:`.scan_candidates` step by step (the test suite checks
    that both give equal results), re-checking each package's part of the filesystem that
    the key does not cover: the manifest files and the package directories they live in.
    """
    global _manifests_unsaved  # noqa: PLW0603 - see cached_discover
    candidates: list[Candidate] = []
    for item in items:
        record = _record(item["ep"])
        package_dir = _optional_path(item["dir"])
        manifest_path = _optional_path(item["manifest"])
        owner = record.distribution or record.name
        if manifest_path is None:
            code, message = item["problem"]
            if code not in _LOCATING or not isinstance(message, str):
                raise ValueError(f"unexpected cached problem {code!r}")
            if code == "ENTRY_POINT_NOT_FOUND" and locate_package(record.value.partition(":")[0].strip()):
                return None  # the package has appeared (e.g. an editable checkout came back)
            if code == "MANIFEST_MISSING" and (
                package_dir is None or not package_dir.is_dir() or (package_dir / MANIFEST_FILENAME).exists()
            ):
                return None
            candidates.append(Candidate(record, package_dir, None, None, Reason(code, message)))
            continue
        foreign = foreign_reason(record, record.value.partition(":")[0].strip(), manifest_path)
        if foreign is not None:
            candidates.append(Candidate(record, None, None, None, foreign))
            continue
        key = memo.file_key(manifest_path)  # before any read, as the scan takes it
        manifest = _served(item.get("m"), key)
        if manifest is None:
            try:
                manifest = read_manifest(manifest_path, owner)
            except ManifestError as exc:
                if isinstance(exc.__cause__, (FileNotFoundError, NotADirectoryError)):
                    return None  # the package moved or went away: rediscover
                candidates.append(Candidate(record, package_dir, manifest_path, None, Reason(exc.code, str(exc))))
                continue
            if _keepable(manifest, key) is not None:
                _manifests_unsaved = True
        candidates.append(Candidate(record, package_dir, manifest_path, manifest, None, key))
    return tuple(candidates)


def _keepable(manifest: PluginManifest | None, key: memo.FileKey | None) -> list[Any] | None:
    """The cache entry ``[identity, trusted form]`` of a manifest read with identity ``key``; None: not to be kept."""
    if manifest is None or key is None or not memo.settled(key):
        return None
    form = trusted_form(manifest)
    return None if form is None else [list(key), form]


def _serialise(candidates: Sequence[Candidate]) -> list[dict[str, Any]] | None:
    items = []
    for candidate in candidates:
        record = candidate.entry_point
        problem = None
        if candidate.manifest_path is None:
            if candidate.problem is None or candidate.problem.code not in _LOCATING:
                return None  # a state this cache does not know how to re-check: do not cache
            problem = [candidate.problem.code, candidate.problem.message]
        items.append({
            "ep": [record.name, record.value, record.distribution, record.version, record.manifest_file,
                   record.editable, record.problem],
            "dir": str(candidate.package_dir) if candidate.package_dir is not None else None,
            "manifest": str(candidate.manifest_path) if candidate.manifest_path is not None else None,
            "problem": problem,
            "m": _keepable(candidate.manifest, candidate.manifest_key),
        })
    return items


def _store(directory: Path, path: Path, key: CacheKey, candidates: Sequence[Candidate]) -> bool:
    """Write the file atomically; skip silently where that is not possible or not yet safe. Whether it was written."""
    if not key.settled(time.time_ns()):
        log.debug("trt-plugin-hub: not caching discovery: a sys.path directory changed under 2 s ago")
        return False
    items = _serialise(candidates)
    if items is None:
        return False
    payload = json.dumps({"schema": CACHE_SCHEMA, "hub": __version__, "state": list(key.state),
                          "candidates": items, "ptx": memo.exported(),
                          "extras": dict(_extras)}, separators=(",", ":")).encode("utf-8")
    try:
        # Private to this user (entry points name modules to import); readers see the old file or the new one.
        write_atomic(path, payload, mode=0o600, dir_mode=0o700)
        prune(directory)
    except OSError as exc:  # read-only, full, permission denied...: the cache is optional
        log.debug("trt-plugin-hub: not caching discovery in %s: %s", directory, exc)
        return False
    return True


def _cache_files(directory: Path, prefixes: tuple[str, ...] = (_PREFIX,)) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if p.name.startswith(prefixes) and p.name.endswith(_SUFFIX)]
    except OSError:
        return []


def prune(directory: Path, prefix: str = _PREFIX) -> None:
    """Keep at most ``_MAX_FILES`` files of one kind (one per environment) and no dead writers' leftovers."""
    files = _cache_files(directory, (prefix,))
    if len(files) > _MAX_FILES:
        def written(p: Path) -> float:
            try:
                return p.stat().st_mtime
            except OSError:
                return 0.0
        for old in sorted(files, key=written)[: len(files) - _MAX_FILES]:
            with contextlib.suppress(OSError):
                old.unlink()
    now = time.time()
    try:
        leftovers = [p for p in directory.iterdir()
                     if p.name.startswith(f".{prefix}") and p.name.endswith(TMP_SUFFIX)]
    except OSError:
        return
    for tmp in leftovers:
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_TMP_S:
                tmp.unlink()


# ----------------------------------------------------------------------------------------------
# Management


def clear_cache(directory: Path) -> int:
    """Remove every cache file of either kind (and leftover temporary file) in ``directory``; how many were removed."""
    removed = 0
    try:
        entries = list(directory.iterdir())
    except OSError:
        return 0
    for entry in entries:
        is_file = entry.name.startswith(PREFIXES) and entry.name.endswith(_SUFFIX)
        is_tmp = entry.name.startswith(tuple(f".{p}" for p in PREFIXES)) and entry.name.endswith(TMP_SUFFIX)
        if is_file or is_tmp:
            try:
                entry.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def _writable(directory: Path) -> bool:
    """Whether a cache file can be created there: tried for real (a directory made and removed).

    Permission bits are not enough: root may write anywhere they allow, and kernel filesystems
    (``/proc``, ``/sys``) refuse files whatever the bits say.
    """
    probe = directory
    while not probe.exists():  # the directory is created on the first write
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        return False
    try:
        made = tempfile.mkdtemp(prefix=".trt-plugin-hub-probe-", dir=probe)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.rmdir(made)
    return True


def cache_info(settings: Settings) -> CacheInfo:
    """Where the cache of ``settings`` is, how big, and whether this environment's file is current."""
    directory = settings.cache_dir
    bypassed = not settings.use_cache
    if directory is None:
        return CacheInfo(None, bypassed, False, 0, 0, None, False, None)
    files = _cache_files(directory, PREFIXES)
    size = 0
    for file in files:
        with contextlib.suppress(OSError):
            size += file.stat().st_size
    key = cache_key()
    current = directory / key.filename(_PREFIX)
    hit = _load(current, key) if current.exists() else None
    return CacheInfo(str(directory), bypassed, _writable(directory), len(files), size,
                     str(current), hit is not None, len(hit) if hit is not None else None)
