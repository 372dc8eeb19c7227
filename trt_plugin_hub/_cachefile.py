"""The hub's cache files: the state of the environment they are written for, and how they are read.

Two kinds of file live in the cache directory, one of each per environment (interpreter +
``sys.path`` + import finders): the discovery cache (:mod:`trt_plugin_hub._discovery.cache`) and
the activation plan (:mod:`trt_plugin_hub._warm`). Both are keyed by :func:`cache_key` and read
through :func:`read_private` (:func:`read_private_json`); this module owns those rules.

The key is O(len(sys.path)): for each ``sys.path`` entry, its path and the ``mtime_ns`` of the
directory. Installers add or remove a ``.dist-info`` folder for every install, upgrade and
uninstall, which changes that directory's mtime. The interpreter, the hub's version, the key's
schema, the import finders and the ``mtime_ns`` of the hub's own code that wrote the file are
part of it too. The module is imported at ``import torch_tensorrt`` by the warm path: it imports
nothing of the hub.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from ._version import __version__

__all__ = ["KEY_SCHEMA", "SETTLE_NS", "CacheKey", "cache_key", "check_text", "file_identity", "read_private",
           "read_private_json", "settled"]

log = logging.getLogger("trt_plugin_hub")

#: Bumped whenever the key's layout changes; files written for another schema are ignored.
KEY_SCHEMA = 3
#: A file or directory changed this recently is not trusted to have settled: a second change
#: within one tick of the filesystem's clock could leave its timestamps unchanged.
SETTLE_NS = 2_000_000_000
_HERE = os.path.dirname(os.path.abspath(__file__))


class CacheKey:
    """Where this environment's cache files are, and the state they must have been written for."""

    __slots__ = ("identity", "newest_ns", "state")

    def __init__(self, identity: str, state: tuple[Any, ...], newest_ns: int) -> None:
        #: Names this environment's files: processes that differ in anything but mtimes keep separate files.
        self.identity = identity
        #: What a file must have been written for (plain JSON values, as a reader loads them).
        self.state = state
        #: The newest directory mtime in the key: a file is only written once it has settled.
        self.newest_ns = newest_ns

    def filename(self, prefix: str) -> str:
        """The name of this environment's file of one kind (``prefix``: ``discovery-``, ``plan-``)."""
        return f"{prefix}{self.identity}.json"

    def settled(self, now_ns: int) -> bool:
        """Whether every directory in the key changed long enough ago to write a file for it."""
        return not self.newest_ns or now_ns - self.newest_ns >= SETTLE_NS

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CacheKey):
            return NotImplemented
        return (self.identity, self.state, self.newest_ns) == (other.identity, other.state, other.newest_ns)

    def __hash__(self) -> int:
        return hash(self.identity)

    def __repr__(self) -> str:
        return f"CacheKey(identity={self.identity!r}, newest_ns={self.newest_ns})"


def _stamp(path: str) -> int | list[int] | None:
    """A directory's mtime_ns; a file's [mtime_ns, size] (zips on sys.path); None if absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(st.st_mode):
        return st.st_mtime_ns
    return [st.st_mtime_ns, st.st_size]


def code_stamps(modules: Iterable[str]) -> list[int | list[int] | None]:
    """The stamps of the hub's own source files (``"_discovery/scan.py"``...): an edited checkout is new code."""
    return [_stamp(os.path.join(_HERE, name)) for name in modules]


def _finder_names() -> list[str]:
    # A finder that serves modules or metadata changes what discovery sees; finders marked
    # ``transient`` (the autoload hook's, which find nothing) come and go, so they are left out.
    names = []
    for finder in sys.meta_path:
        kind = finder if isinstance(finder, type) else type(finder)
        # Where the finder's attributes are defined: its class, or the class or module that is the finder.
        defined_by = finder if isinstance(finder, ModuleType) else kind
        if getattr(defined_by, "transient", False) is True:
            continue
        names.append(f"{kind.__module__}.{kind.__qualname__}")
    return names


#: The code behind the discovery cache's contents: its key covers these files.
DISCOVERY_CODE = ("_discovery/scan.py", "_discovery/cache.py", "_manifest/reader.py", "_manifest/model.py")


def cache_key() -> CacheKey:
    """The key of this process's environment: one ``stat`` per ``sys.path`` entry, plus a few."""
    import hashlib

    cwd: str | None = None
    paths: list[str] = []
    stamps: list[Any] = []
    for entry in cast("list[object]", sys.path):  # a real sys.path may hold other objects
        if not isinstance(entry, str):
            continue  # the path finder ignores non-str entries too
        path = entry
        if not os.path.isabs(entry):  # '' and relative entries are resolved against the cwd
            cwd = cwd if cwd is not None else os.getcwd()
            path = os.path.join(cwd, entry) if entry else cwd
        paths.append(path)
        stamps.append(_stamp(path))
    # The hub's own discovery and manifest-reading code: an edited checkout (editable install)
    # must not reuse a file written by other code of the same version.
    code = code_stamps(DISCOVERY_CODE)
    finders = _finder_names()
    identity_parts = [KEY_SCHEMA, __version__, sys.version, sys.executable, paths, finders]
    identity = hashlib.sha256(json.dumps(identity_parts).encode("utf-8")).hexdigest()[:32]
    state = (KEY_SCHEMA, __version__, sys.version, sys.executable, paths, stamps, code, finders)
    newest = max((s if isinstance(s, int) else s[0] for s in stamps if s is not None), default=0)
    # Normalise through JSON once so the state compares equal to what a reader loads.
    return CacheKey(identity, tuple(json.loads(json.dumps(list(state)))), newest)


#: ``(device, inode, size, mtime_ns, ctime_ns)`` of a file.
FileIdentity = tuple[int, int, int, int, int]


def file_identity(path: Path | str) -> FileIdentity | None:
    """The identity of the file at ``path`` (links followed), or ``None`` if it cannot be read.

    Every write to a file changes its ``ctime`` (``os.utime`` too), so an unchanged identity
    means unchanged bytes, once the file has settled (:func:`settled`).
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(identity: FileIdentity, now_ns: int | None = None) -> bool:
    """Whether a file with this identity was last written long enough ago to be trusted by it."""
    import time

    return (now_ns if now_ns is not None else time.time_ns()) - max(identity[3], identity[4]) >= SETTLE_NS


def read_private(path: Path) -> bytes | None:
    """The bytes of ``path``, or ``None`` if it is missing, unreadable or not private to this user.

    Cache files name modules to import: only a file this user wrote and nobody else may change is
    trusted. Never raises for the file's state.
    """
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                log.debug("trt-plugin-hub: ignoring cache file %s (not private to this user)", path)
                return None
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("trt-plugin-hub: ignoring unreadable cache file %s: %s", path, exc)
        return None


def read_private_json(path: Path) -> Any:
    """The JSON in ``path`` (:func:`read_private`), or ``None`` if it is not readable, private JSON. Never raises."""
    data = read_private(path)
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        log.debug("trt-plugin-hub: ignoring unreadable cache file %s: %s", path, exc)
        return None


def check_text(data: Mapping[str, Any], required: Iterable[str] = (), optional: Iterable[str] = ()) -> None:
    """Check the text fields of a record read back from a cache file.

    ``TypeError`` unless each ``required`` key holds text and each ``optional`` one text or null;
    ``KeyError`` for a missing key. The caller then treats the whole file as unreadable.
    """
    for key in required:
        if not isinstance(data[key], str):
            raise TypeError(f"{key}: expected text, found {data[key]!r}")
    for key in optional:
        if data[key] is not None and not isinstance(data[key], str):
            raise TypeError(f"{key}: expected text or null, found {data[key]!r}")
