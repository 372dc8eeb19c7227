"""Atomic file replacement: the new content or the old, never half, never a leftover temporary file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from trt_plugin_hub import _atomic
from trt_plugin_hub._atomic import write_atomic


@pytest.fixture
def umask() -> Iterator[None]:
    """Run under umask 022, the usual one; restored afterwards."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_a_new_file_in_new_directories(tmp_path: Path, umask: None):
    path = tmp_path / "a" / "b" / "file.json"
    assert write_atomic(path, b"new") is True
    assert path.read_bytes() == b"new" and os.listdir(path.parent) == ["file.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_without_a_mode_the_umask_decides_as_for_open(tmp_path: Path):
    for mask, expected in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(mask)
        try:
            write_atomic(tmp_path / f"{mask:o}", b"x")
        finally:
            os.umask(old)
        assert mode_of(tmp_path / f"{mask:o}") == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_an_explicit_mode_is_exact_whatever_the_umask(tmp_path: Path, mode: int):
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "private" / "file", b"x", mode=mode, dir_mode=0o700)
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "private" / "file") == mode
    assert mode_of(tmp_path / "private") == 0o700


def test_replacing_keeps_one_file(tmp_path: Path, umask: None):
    path = tmp_path / "file"
    write_atomic(path, b"old")
    assert write_atomic(path, b"new") is True
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["file"]


def test_skip_if_same_leaves_an_identical_file_alone(tmp_path: Path, umask: None):
    path = tmp_path / "file"
    write_atomic(path, b"same")
    before = path.stat()
    assert write_atomic(path, b"same", skip_if_same=True) is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert write_atomic(path, b"other", skip_if_same=True) is True and path.read_bytes() == b"other"


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "interrupt"])
def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, umask: None,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       failure: BaseException):
    path = tmp_path / "file"
    write_atomic(path, b"old content")
    written = []

    def half_then_fail(fd: int, data: bytes) -> None:
        written.append(os.write(fd, data[: len(data) // 2]))
        raise failure

    monkeypatch.setattr(_atomic, "_write_all", half_then_fail)
    with pytest.raises(type(failure)):
        write_atomic(path, b"new content that never lands")
    assert written and written[0] > 0  # the temporary file did get part of it
    assert path.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["file"]


def test_a_failed_replace_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, umask: None,
                                                                    monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "dir"
    target.mkdir()  # os.replace cannot put a file in place of a directory
    (target / "keep").write_bytes(b"x")
    with pytest.raises(OSError):
        write_atomic(target, b"data")
    assert sorted(os.listdir(tmp_path)) == ["dir"] and os.listdir(target) == ["keep"]


def test_temporary_files_are_named_for_their_target(tmp_path: Path, umask: None, monkeypatch: pytest.MonkeyPatch):
    seen = []

    def record(fd: int, data: bytes) -> None:
        seen.extend(os.listdir(tmp_path))
        os.write(fd, data)

    monkeypatch.setattr(_atomic, "_write_all", record)
    write_atomic(tmp_path / "discovery-abc.json", b"{}")
    (name,) = seen
    assert name.startswith(".discovery-abc.json.") and name.endswith(_atomic.TMP_SUFFIX)
