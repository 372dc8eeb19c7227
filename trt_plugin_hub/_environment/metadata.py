"""Installed versions from the ``.dist-info`` folders on ``sys.path``, read without importlib.metadata.

The fast path of the environment probe: each ``sys.path`` directory is listed once per process
(until its mtime changes) and only the METADATA headers of the few matching folders are read.
``None`` from :func:`scan_dist_version` means "cannot be exact here": the caller then asks
``importlib.metadata``.

Each exact answer is also remembered with what it was read from: the ``mtime_ns`` of every
``sys.path`` directory (installing, upgrading or uninstalling a distribution adds or removes a
metadata folder, which changes its directory's mtime) and the identity ``(device, inode, size,
mtime_ns, ctime_ns)`` of the METADATA file whose ``Version`` was read. While all of them are
unchanged the answer is given without listing any directory. The discovery cache keeps these
answers between processes (:func:`exported_answers`, :func:`seed_answers`); as for its other
entries, a directory or file changed in the last two seconds is not relied on (a second change
within one tick of the filesystem's clock could leave its timestamps unchanged).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
from typing import Any, cast

from trt_plugin_hub._cachefile import SETTLE_NS
from trt_plugin_hub._ptx.memo import file_key
from trt_plugin_hub._settings import canonical_name

__all__ = ["answers_unsaved", "exported_answers", "scan_dist_version", "seed_answers"]

_METADATA_SUFFIXES = (".dist-info", ".egg-info")
#: Per directory: (mtime_ns, its listing joined by newlines, the same in lower case).
_LISTINGS: dict[str, tuple[int, str, str]] = {}
#: Names asked -> (each sys.path directory and its mtime_ns, or None when absent; the METADATA file
#: read and its identity, or None; the answer).
_Answer = tuple[list[list[Any]], list[Any] | None, list[str | None]]
_ANSWERS: dict[tuple[str, ...], _Answer] = {}
_answers_changed = False


def _listing(directory: str, mtime_ns: int) -> tuple[str, str] | None:
    """A directory's listing (newline-joined, and lower-cased), read once while its mtime holds."""
    key = directory if os.path.isabs(directory) else os.path.abspath(directory)  # '' is the cwd
    cached = _LISTINGS.get(key)
    if cached is None or cached[0] != mtime_ns:
        listing = "\n" + "\n".join(os.listdir(key)) + "\n"
        cached = (mtime_ns, listing, listing.lower())
        _LISTINGS[key] = cached
    if len(cached[1]) != len(cached[2]):
        return None  # a name whose lower case changes length: offsets would not line up
    return cached[1], cached[2]


def _metadata_folders(listing: tuple[str, str], normalized: str) -> list[str]:
    """Metadata folders of project ``normalized`` in a listing, in listing order.

    Searching the joined lower-case listing for the name's first word is done in C, so a
    directory of thousands of distributions costs microseconds per name, not a Python loop.
    """
    original, low = listing
    needle = "\n" + normalized.partition("_")[0]
    found = []
    at = low.find(needle)
    while at >= 0:
        end = low.find("\n", at + 1)
        line = low[at + 1:end]
        if line.endswith(_METADATA_SUFFIXES):
            project = line.rpartition(".")[0].partition("-")[0]
            if "." in project or "__" in project:  # installers write most names normalised already
                project = _folder_name(project)
            if project == normalized:
                found.append(original[at + 1:end])
        at = low.find(needle, end)
    return found


def scan_dist_version(names: tuple[str, ...]) -> tuple[str | None, str | None] | None:
    """The version of the first of ``names`` installed, and that name, by listing ``sys.path`` directories.

    ``(None, None)`` when none is installed; ``None`` when this scan cannot be exact (an unusual
    ``sys.path`` entry or metadata finder, a METADATA file without a plain ``Version`` header).
    """
    import stat

    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder:
            return None
    directories: list[tuple[str, int]] = []
    state: list[list[Any]] = []
    for entry in cast("list[object]", sys.path):  # a real sys.path may hold other objects
        if not isinstance(entry, str):
            return None
        directory = entry or "."
        try:
            st = os.stat(directory)
        except (OSError, ValueError):
            state.append([os.path.abspath(directory), None])
            continue  # importlib.metadata finds nothing in a missing entry either
        if not stat.S_ISDIR(st.st_mode) or entry.lower().endswith(".egg"):
            return None  # zips and eggs have their own layouts: let importlib.metadata read them
        directories.append((directory, st.st_mtime_ns))
        state.append([os.path.abspath(directory), st.st_mtime_ns])
    remembered = _ANSWERS.get(names)
    if remembered is not None and remembered[0] == state and (
            remembered[1] is None or list(file_key(remembered[1][0]) or ()) == remembered[1][1]):
        version, name = remembered[2]
        return version, name
    listings: list[tuple[str, tuple[str, str]]] = []
    for directory, mtime_ns in directories:
        listing = _listing(directory, mtime_ns)
        if listing is None:
            return None
        listings.append((directory, listing))
    for name in names:
        normalized = _folder_name(name)
        for directory, listing in listings:
            folders = _metadata_folders(listing, normalized)
            if folders:
                path = _metadata_file(os.path.join(directory, folders[0]))
                key = file_key(path)  # before the read: a change during it leaves a key that no longer matches
                version = _header_version(path)
                if version is None:
                    return None
                if key is not None:
                    _remember(names, state, [os.path.abspath(path), list(key)], [version, name])
                return version, name
    _remember(names, state, None, [None, None])
    return None, None


def _remember(names: tuple[str, ...], state: list[list[Any]], source: list[Any] | None,
              answer: list[str | None]) -> None:
    global _answers_changed  # noqa: PLW0603 - the answers of this process
    stamps = [mtime for _, mtime in state if mtime is not None]
    if source is not None:
        stamps += source[1][3:5]
    if time.time_ns() - max(stamps, default=0) < SETTLE_NS:
        return
    entry = (state, source, answer)
    if _ANSWERS.get(names) != entry:
        _ANSWERS[names] = entry
        _answers_changed = True


def seed_answers(entries: object) -> None:
    """Add the answers a cache file holds (as :func:`exported_answers` wrote them); malformed ones are skipped.

    Each answer is checked against the directories and file it was read from before it is given.
    """
    if not isinstance(entries, list):
        return
    for item in entries:
        try:
            names, state, source, answer = item
            ok = (all(isinstance(n, str) for n in names) and all(
                isinstance(d, str) and (m is None or type(m) is int) for d, m in state)
                and (source is None or (isinstance(source[0], str) and len(source[1]) == 5
                                        and all(type(v) is int for v in source[1])))
                and len(answer) == 2 and all(v is None or isinstance(v, str) for v in answer))
        except (TypeError, ValueError):
            continue
        if ok and isinstance(names, list) and names:
            _ANSWERS.setdefault(tuple(names), ([[d, m] for d, m in state],
                                               None if source is None else [source[0], list(source[1])],
                                               [answer[0], answer[1]]))


def answers_unsaved() -> bool:
    """Whether answers were added since the last :func:`exported_answers`."""
    return _answers_changed


def exported_answers() -> list[list[Any]]:
    """The remembered answers, JSON-ready."""
    global _answers_changed  # noqa: PLW0603 - the answers of this process
    _answers_changed = False
    return [[list(names), state, source, answer] for names, (state, source, answer) in sorted(_ANSWERS.items())]


def _folder_name(name: str) -> str:
    # importlib.metadata's rule for metadata folder names: PEP 503, with '_' for the separator.
    return canonical_name(name).replace("-", "_")


def _metadata_file(folder: str) -> str:
    """The file holding a metadata folder's headers (an egg-info file is its own)."""
    if folder.lower().endswith(".dist-info"):
        return os.path.join(folder, "METADATA")
    if os.path.isdir(folder):
        return os.path.join(folder, "PKG-INFO")
    return folder


def _header_version(path: str) -> str | None:
    """The ``Version`` header of a metadata file (:func:`_metadata_file`); ``None`` if not plain."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = iter(handle)
            for line in lines:
                if not line.strip():
                    return None  # end of the headers: no Version
                if line[:8].lower() == "version:":
                    value = line[8:].strip()
                    following = next(lines, "")
                    # A folded header continues on an indented line: leave that to the email parser.
                    return None if following[:1] in (" ", "\t") or not value else value
    except (OSError, UnicodeDecodeError):
        return None
    return None
