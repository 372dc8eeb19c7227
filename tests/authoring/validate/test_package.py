"""One package's manifest: op ids breaking TensorRT's naming rules, and AOT ops not built yet (the
sources are still checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _support.validate import GOOD_OPS, GOOD_REGISTER, PACKAGE, jit, project_copy, qdp_package
from trt_plugin_hub.authoring import validate

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("op_id, code", [("acme::op.v2", "QDP_NAME_INVALID"), ("trt::op", "QDP_NAMESPACE_RESERVED")])
def test_op_id_breaking_tensorrts_naming_rules_is_an_error_on_the_manifest_field(tmp_path: Path, op_id: str, code: str):
    package = qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS,
                          ops_entries=[{"id": op_id, "kind": "jit", "module": "acme_ops.qdp"}])
    report = validate(package)
    assert report.codes() == [code]
    assert report.findings[0].file == "acme_ops/trt_plugin.json" and report.findings[0].field == "ops[0].id"


def test_unbuilt_project_says_to_build_and_still_checks_its_sources(tmp_path: Path):
    project = project_copy(tmp_path)
    manifest_path = project / PACKAGE / "trt_plugin.json"
    manifest = json.loads(manifest_path.read_text())
    for op in manifest["ops"]:
        op.pop("ptx", None)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    report = validate(project)
    assert report.codes() == ["PTX_NOT_BUILT", "PTX_NOT_BUILT"]
    assert all("trt-plugin-hub build" in f.fix for f in report.findings)
    relu = report.packages[0].ops[1]
    assert any(line.startswith("@trtp.register") for line in relu.checked)
    assert report.packages[0].ptx_files == 0
