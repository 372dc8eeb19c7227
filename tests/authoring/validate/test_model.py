"""What ``validate`` reports: findings with file, field and fix as JSON (exit 1 on errors), the text
report, and a documented meaning for every finding code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.dists import REPO

from trt_plugin_hub.authoring import VALIDATION_CODES
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow


def test_json_output_lists_findings_with_file_field_and_fix_and_exits_1_on_errors(
        installed_copy: Path, capsys: pytest.CaptureFixture[str]):
    (installed_copy / "ptx" / "relu_aot.sm_80.ptx").unlink()
    assert main(["validate", str(installed_copy), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["summary"]["error"] == 1
    (finding,) = data["findings"]
    assert set(finding) == {"severity", "code", "file", "field", "message", "fix"}
    assert finding["code"] == "PTX_MISSING" and finding["file"].endswith("ptx/relu_aot.sm_80.ptx")
    assert finding["field"] == "ops[1].ptx[0].path" and "package data" in finding["fix"]


def test_text_output_names_each_op_and_the_result(example_wheel: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["validate", str(example_wheel)]) == 0
    out = capsys.readouterr().out
    assert "op example_plugin::leaky_relu_legacy (legacy)" in out
    assert "register function example_plugin_pkg.legacy:register defined" in out
    assert out.rstrip().endswith("OK")


def test_every_finding_code_is_documented_for_authors():
    text = (REPO / "docs" / "writing_plugins.rst").read_text()
    assert [code for code in VALIDATION_CODES if f"``{code}``" not in text] == []
