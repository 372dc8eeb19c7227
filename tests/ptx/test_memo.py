"""The memo of checked PTX files: a warm decision skips reading a file only while its identity is unchanged.

The identity is ``(device, inode, size, mtime_ns, ctime_ns)``; any write changes the ctime, so a
file altered and given back its size and mtime (``os.utime``) is read and checked again. The
bytes handed on are checked again by ``read_verified`` whatever the memo said.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.manifests import aot_op

from trt_plugin_hub import _cachefile
from trt_plugin_hub._manifest import OpSpec, read_manifest
from trt_plugin_hub._ptx import PtxResolution, memo, resolve_ptx

RELATIVE = "ptx/op.sm_90.ptx"


def _package(root: Path) -> Path:
    files: dict[str, str | bytes] = {"acme/__init__.py": ""}
    op = aot_op("acme::op", "acme.qdp", files)
    files["acme/trt_plugin.json"] = json.dumps({"schema_version": 1, "name": "acme", "ops": [op]})
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root / "acme"


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    memo.reset(enabled=True)
    yield
    memo.reset(enabled=False)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written now count as settled (the memo otherwise waits until their ctime is 2 s old)."""
    monkeypatch.setattr(_cachefile, "SETTLE_NS", -10**9)


def _settled(package: Path) -> OpSpec:
    """The package's op, its PTX dated an hour back."""
    past = time.time() - 3600
    os.utime(package / RELATIVE, (past, past))
    return read_manifest(package / "trt_plugin.json", "acme").ops[0]


def _resolve(op: OpSpec, package: Path) -> PtxResolution:
    return resolve_ptx(op.id, op.ptx, package, cc=(9, 0), max_isa=(8, 7), driver="570.86", recall=True)


@pytest.mark.usefixtures("settled")
def test_a_checked_unchanged_file_is_not_read_again(tmp_path: Path):
    package = _package(tmp_path)
    op = _settled(package)
    first = _resolve(op, package)
    assert first.problem is None and first.data is not None and memo.unsaved()
    saved = memo.exported()
    assert len(saved) == 1 and saved[0][:4] == [str(package / RELATIVE), op.ptx[0].sha256, "sm_90", op.ptx[0].kernel]
    warm = _resolve(op, package)
    # Same decision and checks, without the bytes: whoever hands them on reads and checks them.
    assert warm.problem is None and warm.data is None and warm.path == first.path
    assert warm.checks == first.checks
    # A new process: the memo comes from the cache file.
    memo.reset(enabled=True)
    memo.seed(saved)
    assert _resolve(op, package).data is None


@pytest.mark.usefixtures("settled")
def test_an_alteration_that_keeps_size_and_mtime_is_caught(tmp_path: Path):
    package = _package(tmp_path)
    op = _settled(package)
    assert _resolve(op, package).problem is None
    path = package / RELATIVE
    before = os.stat(path)
    original = path.read_bytes()
    altered = original.replace(b"ret;", b"ret ")
    assert altered != original and len(altered) == len(original)
    path.write_bytes(altered)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and mtime as before
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    resolution = _resolve(op, package)
    assert resolution.problem is not None and resolution.problem.code == "PTX_HASH_MISMATCH"
    # And the hand-over check refuses the bytes whatever a memo says.
    assert memo.read_verified(path, op.ptx[0].sha256) == (None, "PTX_HASH_MISMATCH")
    path.write_bytes(original)
    assert memo.read_verified(path, op.ptx[0].sha256) == (original, None)
    assert memo.read_verified(package / "ptx" / "gone.ptx", op.ptx[0].sha256) == (None, "PTX_MISSING")


def test_a_recently_written_file_is_not_remembered(tmp_path: Path):
    package = _package(tmp_path)
    op = read_manifest(package / "trt_plugin.json", "acme").ops[0]
    assert _resolve(op, package).data is not None
    assert not memo.unsaved() and memo.exported() == []
    assert _resolve(op, package).data is not None  # read again


@pytest.mark.usefixtures("settled")
def test_off_without_the_cache_and_robust_to_damaged_entries(tmp_path: Path):
    package = _package(tmp_path)
    op = _settled(package)
    memo.reset(enabled=False)
    assert _resolve(op, package).data is not None and _resolve(op, package).data is not None
    assert memo.exported() == []
    memo.reset(enabled=True)
    digest = hashlib.sha256(b"x").hexdigest()
    memo.seed([None, [1, 2], ["p", digest, "sm_90", "k", [1, 2, 3], 8, 7, "8.7"], "text",
               ["p", digest, "sm_90", "k", [1, 2, 3, 4, "5"], 8, 7, "8.7"]])
    assert memo.exported() == [] and _resolve(op, package).data is not None
    # An entry for another identity of the file (what a stale cache holds) is not trusted.
    key = memo.file_key(package / RELATIVE)
    assert key is not None
    stale = [str(package / RELATIVE), op.ptx[0].sha256, "sm_90", op.ptx[0].kernel, [*key[:4], key[4] - 1], 8, 7,
             "8.7"]
    memo.reset(enabled=True)
    memo.seed([stale])
    assert _resolve(op, package).data is not None
