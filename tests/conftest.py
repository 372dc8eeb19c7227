"""Shared fixtures: isolated site directories, the TensorRT double, and built fixture wheels."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


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
