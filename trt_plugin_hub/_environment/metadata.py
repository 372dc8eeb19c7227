"""Installed versions from the ``.dist-info`` folders on ``sys.path``, read without importlib.metadata.

The fast path of the environment probe: each ``sys.path`` directory is listed once per process
(until its mtime changes) and only the METADATA headers of the few matching folders are read.
``None`` from :func:`scan_dist_version` means "cannot be exact here": the caller then asks
``importlib.metadata``.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from typing import cast

from trt_plugin_hub._settings import canonical_name

__all__ = ["scan_dist_version"]

_METADATA_SUFFIXES = (".dist-info", ".egg-info")
#: Per directory: (mtime_ns, its listing joined by newlines, the same in lower case).
_LISTINGS: dict[str, tuple[int, str, str]] = {}


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
    listings: list[tuple[str, tuple[str, str]]] = []
    for entry in cast("list[object]", sys.path):  # a real sys.path may hold other objects
        if not isinstance(entry, str):
            return None
        directory = entry or "."
        try:
            st = os.stat(directory)
        except (OSError, ValueError):
            continue  # importlib.metadata finds nothing in a missing entry either
        if not stat.S_ISDIR(st.st_mode) or entry.lower().endswith(".egg"):
            return None  # zips and eggs have their own layouts: let importlib.metadata read them
        listing = _listing(directory, st.st_mtime_ns)
        if listing is None:
            return None
        listings.append((directory, listing))
    for name in names:
        normalized = _folder_name(name)
        for directory, listing in listings:
            folders = _metadata_folders(listing, normalized)
            if folders:
                version = _header_version(os.path.join(directory, folders[0]))
                return None if version is None else (version, name)
    return None, None


def _folder_name(name: str) -> str:
    # importlib.metadata's rule for metadata folder names: PEP 503, with '_' for the separator.
    return canonical_name(name).replace("-", "_")


def _header_version(folder: str) -> str | None:
    """The ``Version`` header of a metadata folder (or egg-info file); ``None`` if not plain."""
    if folder.lower().endswith(".dist-info"):
        path = os.path.join(folder, "METADATA")
    elif os.path.isdir(folder):
        path = os.path.join(folder, "PKG-INFO")
    else:
        path = folder
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
