"""Fixtures of the ``validate`` tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _support.validate import PACKAGE


@pytest.fixture
def installed_copy(example_site: Path, tmp_path: Path) -> Path:
    """A private copy of the pip-installed example package, free to break."""
    target = tmp_path / "copy" / PACKAGE
    shutil.copytree(example_site / PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
