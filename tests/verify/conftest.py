"""The example package as ``verify --package`` reads it, importable for its references."""

from __future__ import annotations

import pytest
from _support.verify import EXAMPLE

from trt_plugin_hub.verify._plan import Package, package_from_dir


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Package:
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    return package_from_dir(str(EXAMPLE))
