"""PTX files checked earlier, by file identity; and the check of the bytes handed to TensorRT.

Deciding an AOT op reads its PTX file, hashes it and parses its header. A warm process need not
do that again for a file that has not changed since: the discovery cache keeps, for each file
that passed, the identity it had when it was read - ``(device, inode, size, mtime_ns,
ctime_ns)`` - with what was checked (recorded sha256, architecture, kernel) and the ISA found.
Every write to a file changes its ``ctime`` (``os.utime`` too: a file altered and then given its
old size and mtime back still has a new ``ctime``), so a remembered identity never vouches for
altered bytes. The identity is taken *before* the bytes are read, so a change during the read
leaves an identity that no longer matches, and a file written in the last two seconds is not
remembered at all (a second write within one tick of the filesystem's clock could keep its
ctime).

The memo only spares the decision. The bytes TensorRT receives are read when they are handed on
and their sha256 compared with the manifest's right then (:func:`read_verified`): a file altered
in a way no ``stat`` shows, or after it was checked, is refused there with ``PTX_HASH_MISMATCH``.
A decision passes on the identity that vouched for the file (:attr:`.PtxResolution.key`), so
activation can tell whether the file is still the one that was checked.

The memo is on only while the discovery cache is (``_discovery.cache`` seeds it from the cache
file and saves what was added); without the cache every decision reads every file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

# The identity of a file and when it has settled: the rules of every cache file (one owner).
from trt_plugin_hub._cachefile import SETTLE_NS, settled
from trt_plugin_hub._cachefile import FileIdentity as FileKey
from trt_plugin_hub._cachefile import file_identity as file_key

__all__ = ["SETTLE_NS", "FileKey", "exported", "file_key", "read_verified", "recall", "remember", "reset", "seed",
           "settled", "unsaved"]

#: (path, recorded sha256, declared arch, kernel) -> (file identity, ISA major, ISA minor, ISA text).
_Entry = tuple[FileKey, int, int, str]

_memo: dict[tuple[str, str, str, str], _Entry] = {}
_used: set[tuple[str, str, str, str]] = set()
_enabled = False
_changed = False


def reset(*, enabled: bool) -> None:
    """Forget every entry; remember from now on only if ``enabled`` (the discovery cache is on)."""
    global _enabled, _changed  # noqa: PLW0603 - the memo of this process
    _memo.clear()
    _used.clear()
    _enabled = enabled
    _changed = False


def seed(entries: object) -> None:
    """Load the entries a cache file holds (as :func:`exported` wrote them); malformed ones are skipped."""
    if not _enabled or not isinstance(entries, list):
        return
    for item in entries:
        try:
            path, sha256, arch, kernel, key, major, minor, isa_text = item
            fields = (path, sha256, arch, kernel, isa_text)
            if not all(isinstance(v, str) for v in fields) or len(key) != 5:
                continue
            numbers = (*key, major, minor)
            if not all(type(v) is int for v in numbers):
                continue
        except (TypeError, ValueError):
            continue
        _memo[(path, sha256, arch, kernel)] = ((key[0], key[1], key[2], key[3], key[4]), major, minor, isa_text)


def recall(path: Path, sha256: str, arch: str, kernel: str) -> tuple[tuple[int, int], str, FileKey] | None:
    """The ISA of a file that passed every check with these values and is unchanged since; else ``None``.

    Also returns the identity that vouches for it (the one the file had when it was read).
    """
    if not _enabled:
        return None
    name = (str(path), sha256, arch, kernel)
    entry = _memo.get(name)
    if entry is None or file_key(path) != entry[0]:
        return None
    _used.add(name)
    return (entry[1], entry[2]), entry[3], entry[0]


def remember(path: Path, key: FileKey | None, sha256: str, arch: str, kernel: str, isa: tuple[int, int],
             isa_text: str) -> None:
    """Record that the file at ``path``, with identity ``key`` taken before it was read, passed the checks."""
    global _changed  # noqa: PLW0603 - the memo of this process
    if not _enabled or key is None or not settled(key):
        return
    name = (str(path), sha256, arch, kernel)
    entry = (key, isa[0], isa[1], isa_text)
    _used.add(name)
    if _memo.get(name) != entry:
        _memo[name] = entry
        _changed = True


def unsaved() -> bool:
    """Whether entries were added since the memo was seeded or last exported."""
    return _changed


def exported() -> list[list[Any]]:
    """The entries used in this process, JSON-ready (entries of files no longer checked are dropped)."""
    global _changed  # noqa: PLW0603 - the memo of this process
    _changed = False
    entries, used = dict(_memo), set(_used)  # copies: another thread's decisions may be adding entries
    return [[*name, list(entry[0]), entry[1], entry[2], entry[3]] for name, entry in sorted(entries.items())
            if name in used]


def read_verified(path: str | Path | None, sha256: str) -> tuple[bytes | None, str | None]:
    """The bytes at ``path`` if their sha256 is ``sha256``: ``(data, None)``; else ``(None, problem code)``.

    What activation hands to TensorRT is read here, and only these bytes: a file altered after
    the decision never reaches TensorRT. The code is ``PTX_MISSING`` (unreadable) or
    ``PTX_HASH_MISMATCH``.
    """
    if path is None:
        return None, "PTX_MISSING"
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None, "PTX_MISSING"
    if hashlib.sha256(data).hexdigest() != sha256:
        return None, "PTX_HASH_MISMATCH"
    return data, None
