"""The PEP 517 build backend: an sdist without PTX, and a wheel built from it with PTX and manifest."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("triton", reason="the Triton build path needs triton")

from _support.example import EXAMPLE_PROJECT, PACKAGE, copy_example_project

from trt_plugin_hub._manifest import MANIFEST_FILENAME
from trt_plugin_hub.authoring import KINDS, render_project
from trt_plugin_hub.authoring._project import load_toml

pytestmark = pytest.mark.slow


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def test_sdist_has_no_ptx_and_the_wheel_built_from_it_ships_ptx_and_manifest(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    from trt_plugin_hub.authoring import backend

    project = copy_example_project(tmp_path)
    dist = tmp_path / "dist"
    dist.mkdir()
    with _cwd(project):
        sdist = backend.build_sdist(str(dist))
    assert not (project / PACKAGE / "ptx").exists()
    with tarfile.open(dist / sdist) as archive:
        assert not [n for n in archive.getnames() if n.endswith(".ptx")]
        archive.extractall(tmp_path / "unpacked", filter="data")
    unpacked = next((tmp_path / "unpacked").iterdir())
    with _cwd(unpacked):
        wheel = backend.build_wheel(str(dist))
    with zipfile.ZipFile(dist / wheel) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(f"{PACKAGE}/{MANIFEST_FILENAME}"))
        for op in manifest["ops"]:
            if op["kind"] != "aot":
                continue
            assert op["ptx"], op["id"]
            for entry in op["ptx"]:
                member = f"{PACKAGE}/{entry['path']}"
                assert member in names
                assert hashlib.sha256(archive.read(member)).hexdigest() == entry["sha256"]
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "[torch_tensorrt.plugins]" in archive.read(entry_points).decode()



def test_the_example_and_every_new_project_build_with_this_backend_and_require_the_hub(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    from trt_plugin_hub.authoring import backend

    assert backend.BACKEND == backend.__name__ == "trt_plugin_hub.authoring.backend"
    generated = tmp_path / "pyproject.toml"
    generated.write_text(render_project("acme", KINDS)["pyproject.toml"], encoding="utf-8")
    for pyproject in (EXAMPLE_PROJECT / "pyproject.toml", generated):
        build_system = load_toml(pyproject)["build-system"]
        assert build_system["build-backend"] == backend.BACKEND, pyproject
        assert "trt-plugin-hub" in build_system["requires"], pyproject
