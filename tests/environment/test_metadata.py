"""The environment probe's metadata lookup gives importlib.metadata's answer, at a fraction of the cost."""

from __future__ import annotations

import json
import sys

import pytest
from _support.dists import make_dist

from trt_plugin_hub._environment import metadata, probe


@pytest.mark.parametrize("names", [
    ("torch",), ("pytest",), ("PyTest",), ("not-installed", "packaging"), ("not-installed",),
    ("importlib-metadata",), ("importlib_metadata",), ("Jinja2",), ("typing-extensions",),
])
def test_fast_distribution_version_matches_importlib_metadata(names):
    from importlib import metadata as importlib_metadata

    expected: tuple[str | None, str | None] = (None, None)
    for name in names:
        try:
            expected = (importlib_metadata.version(name), name)
            break
        except importlib_metadata.PackageNotFoundError:
            continue
    assert metadata.scan_dist_version(names) == expected
    assert probe._dist_version(names) == expected


def test_fast_distribution_version_follows_sys_path_order(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(second, "tensorrt-cu12", "10.9.0")
    make_dist(first, "tensorrt_cu12", "10.13.3.9")
    make_dist(first, "Torch.TensorRT", "2.9.0")  # un-normalised folder names are matched too
    monkeypatch.setattr(sys, "path", [str(first), str(second), *sys.path])
    assert probe._dist_version(probe.TENSORRT_DISTRIBUTIONS) == ("10.13.3.9", "tensorrt-cu12")
    assert probe._dist_version(("torch-tensorrt",)) == ("2.9.0", "torch-tensorrt")
    (first / "tensorrt_cu12-10.13.3.9.dist-info" / "METADATA").write_text("Name: tensorrt-cu12\n\nno version\n")
    # An unusual METADATA falls back to importlib.metadata, which gives the same answer as before.
    from importlib import metadata as importlib_metadata

    assert probe._dist_version(("tensorrt-cu12",)) == (importlib_metadata.version("tensorrt-cu12"), "tensorrt-cu12")


# ----------------------------------------------------------------------------------------------
# Answers remembered with what they were read from


def _site(tmp_path, monkeypatch):
    """One settled directory first on sys.path holding tensorrt-cu12 10.13.3.9; answers count as settled."""
    import os
    import time

    site = tmp_path / "site"
    make_dist(site, "tensorrt_cu12", "10.13.3.9")
    past = time.time() - 3600
    os.utime(site, (past, past))
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setattr(metadata, "_ANSWERS", {})
    monkeypatch.setattr(metadata, "_answers_changed", False)
    monkeypatch.setattr(metadata, "SETTLE_NS", -10**9)
    return site


def _no_listing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a directory was listed")
    monkeypatch.setattr(metadata, "_listing", refuse)


def test_an_answer_is_given_again_without_listing_while_nothing_changed(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch)
    names = probe.TENSORRT_DISTRIBUTIONS
    assert metadata.scan_dist_version(names) == ("10.13.3.9", "tensorrt-cu12")
    assert metadata.scan_dist_version(("not-installed-anywhere",)) == (None, None)
    assert metadata.answers_unsaved()
    saved = metadata.exported_answers()
    assert not metadata.answers_unsaved() and len(saved) == 2
    with monkeypatch.context() as patched:
        _no_listing(patched)
        assert metadata.scan_dist_version(names) == ("10.13.3.9", "tensorrt-cu12")
        assert metadata.scan_dist_version(("not-installed-anywhere",)) == (None, None)
        # Another process: the answers come from the cache file.
        patched.setattr(metadata, "_ANSWERS", {})
        metadata.seed_answers(json.loads(json.dumps(saved)))
        assert metadata.scan_dist_version(names) == ("10.13.3.9", "tensorrt-cu12")
    assert not metadata.answers_unsaved()


def test_a_changed_directory_or_metadata_file_is_read_again(tmp_path, monkeypatch):
    import os

    site = _site(tmp_path, monkeypatch)
    names = ("tensorrt-cu12",)
    assert metadata.scan_dist_version(names) == ("10.13.3.9", "tensorrt-cu12")
    # METADATA edited in place, with its old size and mtime: the directory's mtime does not change,
    # the file's ctime does.
    path = site / "tensorrt_cu12-10.13.3.9.dist-info" / "METADATA"
    before = os.stat(path)
    text = path.read_text()
    altered = text.replace("10.13.3.9", "10.13.3.8")
    assert len(altered) == len(text)
    path.write_text(altered)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert metadata.scan_dist_version(names) == ("10.13.3.8", "tensorrt-cu12")
    # An install adds a metadata folder: the directory's mtime changes.
    make_dist(site, "torch", "2.9.0")
    assert metadata.scan_dist_version(("torch",)) == ("2.9.0", "torch")


def test_recent_changes_are_not_remembered_and_damaged_entries_are_skipped(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch)
    monkeypatch.setattr(metadata, "SETTLE_NS", 2_000_000_000)
    make_dist(tmp_path / "site", "torch", "2.9.0")  # the directory changed just now
    assert metadata.scan_dist_version(("torch",)) == ("2.9.0", "torch")
    assert not metadata.answers_unsaved() and metadata.exported_answers() == []
    metadata.seed_answers([None, 3, "x", [["torch"], [["/nowhere", "mtime"]], None, ["1", "torch"]],
                           [["torch"], [], ["/m", [1, 2, 3]], ["1", "torch"]], ["torch", [], None, ["1", "torch"]],
                           [["torch"], [], None, ["1"]]])
    assert metadata.exported_answers() == []
    # A well-formed entry for another state of sys.path is not given.
    metadata.seed_answers([[["torch"], [["/nowhere", 1]], None, ["1.0", "torch"]]])
    assert metadata.scan_dist_version(("torch",)) == ("2.9.0", "torch")
