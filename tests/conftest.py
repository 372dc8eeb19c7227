"""Shared fixtures: isolated site directories, the TensorRT double, and built fixture wheels."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


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
