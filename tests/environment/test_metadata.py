"""The environment probe's metadata lookup gives importlib.metadata's answer, at a fraction of the cost."""

from __future__ import annotations

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
