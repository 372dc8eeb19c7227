"""Replacing a file atomically: a reader sees the old content or the new one, never a torn file.

The one way the hub writes a file it may replace: lock files, the discovery cache and the PTX
build's files and manifest. The new content goes to a temporary file next to the target
(``.NAME.<16 hex digits>.tmp``), which then replaces it with :func:`os.replace` (atomic on POSIX
and Windows). If anything fails before that - a full disk, an interrupt - the temporary file is
removed and the target keeps its old content.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["TMP_SUFFIX", "write_atomic"]

#: How the temporary files end (``.NAME.<16 hex digits>.tmp``): a writer that died leaves one behind.
TMP_SUFFIX = ".tmp"

_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
          | getattr(os, "O_BINARY", 0))


def write_atomic(path: Path, data: bytes, *, mode: int | None = None, dir_mode: int | None = None,
                 skip_if_same: bool = False) -> bool:
    """Replace ``path`` with ``data``; return whether it wrote.

    ``mode``: the file's permission bits, exactly, whatever the umask; ``None`` gives what
    ``open()`` gives a new file: ``0o666`` less the umask. ``dir_mode``: the mode of missing
    parent directories, created on the way (``None``: ``0o777`` less the umask). ``skip_if_same``:
    leave a file that already holds exactly ``data`` alone (and return ``False``).

    Raises :class:`OSError` when the file cannot be written; ``path`` is then unchanged and no
    temporary file is left.
    """
    if skip_if_same:
        try:
            if path.read_bytes() == data:
                return False
        except OSError:
            pass
    directory = path.parent
    if dir_mode is None:
        directory.mkdir(parents=True, exist_ok=True)
    else:
        directory.mkdir(mode=dir_mode, parents=True, exist_ok=True)
    fd, tmp = _create(directory, path.name, 0o666 if mode is None else mode)
    try:
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # exactly ``mode``: the umask only ever removes bits
            _write_all(fd, data)
        finally:
            os.close(fd)
        if mode is not None and not hasattr(os, "fchmod"):  # pragma: no cover - Windows before Python 3.13
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


def _create(directory: Path, name: str, mode: int) -> tuple[int, str]:
    """A new temporary file next to ``name``, opened for writing; its name is unguessable."""
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{os.urandom(8).hex()}{TMP_SUFFIX}")
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue
    raise FileExistsError(f"no unused temporary name next to {directory / name}")  # pragma: no cover


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
