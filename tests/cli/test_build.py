"""``trt-plugin-hub build PACKAGE_DIR``: the PTX build by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("triton", reason="the Triton build path needs triton")

from _support.example import PACKAGE, RELU, copy_example_project, op_of, read_json

from trt_plugin_hub._manifest import MANIFEST_FILENAME
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow


def test_cli_exits_1_with_the_reason_and_0_on_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = copy_example_project(tmp_path, with_nvrtc=False) / PACKAGE
    assert main(["build", str(package), "--arch", "sm_75"]) == 1
    assert "no AOT op declares ['sm_75']" in capsys.readouterr().err
    assert main(["build", str(package), "--arch", "sm_86"]) == 0
    assert "for sm_86 with triton" in capsys.readouterr().out
    assert [e["arch"] for e in op_of(read_json(package / MANIFEST_FILENAME), RELU)["ptx"]] == ["sm_86"]

