"""Shared fixtures: isolated site directories, the private discovery cache, the built example wheel and
the real upstream layers, the benchmark module. Shared builders live in :mod:`_support`.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the discovery cache of in-process tests out of the user's cache directory."""
    import os

    old = os.environ.get("TRT_PLUGIN_HUB_CACHE_DIR")
    os.environ["TRT_PLUGIN_HUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("hub-cache"))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TRT_PLUGIN_HUB_CACHE_DIR", None)
        else:
            os.environ["TRT_PLUGIN_HUB_CACHE_DIR"] = old


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """An empty site directory on ``sys.path`` for the duration of the test."""
    path = tmp_path / "site"
    path.mkdir()
    sys.path.insert(0, str(path))
    try:
        yield path
    finally:
        sys.path.remove(str(path))
        for name in [m for m, mod in sys.modules.items() if str(path) in str(getattr(mod, "__file__", "") or "")]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def example_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel`` of a fresh copy of example_plugin_pkg: the hub's build backend compiles every PTX."""
    import shutil

    from _support.dists import REPO, build_wheel

    root = tmp_path_factory.mktemp("example")
    source = root / "src"
    shutil.copytree(REPO / "example_plugin_pkg", source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    for ptx in (source / "example_plugin_pkg" / "ptx").glob("*.ptx"):
        ptx.unlink()  # the wheel build must produce them itself
    return build_wheel(source, root / "dist")


@pytest.fixture(scope="session")
def example_site(example_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example wheel installed with pip into a site directory of its own."""
    from _support.dists import pip_install

    site = tmp_path_factory.mktemp("example-site")
    pip_install([example_wheel], site)
    return site


@pytest.fixture(scope="session")
def upstream_paths() -> list[Path]:
    """``sys.path`` entries giving a process the real Torch-TensorRT / TensorRT Python layers.

    The default cell of :mod:`_support.upstream` (downloaded once, cached outside the repository). When the
    package registry cannot be reached, the tests that need it are skipped with one line saying so.
    """
    from _support.upstream import DEFAULT_CELL, RegistryUnavailable, cell_paths

    try:
        return cell_paths(DEFAULT_CELL)
    except RegistryUnavailable as exc:
        pytest.skip(f"real upstream unavailable: {exc}")


@pytest.fixture(scope="session")
def failure_matrix_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One site directory with the good plugin, every case of the failure matrix and a plugin whose
    capability validator raises (built once: several test modules read it).
    """
    from _support.cases import build_site, validator_raising_plugin

    return build_site(tmp_path_factory.mktemp("matrix"), extra=[validator_raising_plugin()])


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    """``benchmarks/discovery.py`` as a module (its statistics and its children's code), loaded once."""
    spec = importlib.util.spec_from_file_location("benchmark_discovery",
                                                  Path(__file__).resolve().parents[1] / "benchmarks" / "discovery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--write-support-matrix", action="store_true", default=False,
                     help="write docs/support_matrix.rst from the version-matrix run")
    parser.addoption("--write-golden-reports", action="store_true", default=False,
                     help="record tests/golden/ from this run's JSON output")
