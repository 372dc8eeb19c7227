"""One package's manifest: op ids breaking TensorRT's naming rules, and AOT ops not built yet (the
sources are still checked).
"""

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
    assert report.codes() == ["PTX_NOT_BUILT", "PTX_NOT_BUILT", "PTX_NOT_BUILT"]  # two aot ops, one kernels op
    assert all("trt-plugin-hub build" in f.fix for f in report.findings)
    relu = report.packages[0].ops[1]
    assert any(line.startswith("@trtp.register") for line in relu.checked)
    assert report.packages[0].ptx_files == 0


def test_every_manifest_error_is_reported_not_only_the_first(tmp_path: Path):
    entries = [
        {"id": "acme::op", "kind": "jit", "module": "acme_ops.qdp", "priority": "urgent"},
        {"id": "trt::other", "kind": "jit", "module": "acme_ops.qdp"},
        {"id": "acme::third", "kind": "jit", "module": "acme ops", "jit_fallback": "yes"},
        {"id": "acme::fourth", "kind": "legacy", "module": "acme_ops.legacy"},
    ]
    package = qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS, ops_entries=entries)
    report = validate(package)
    assert [(f.code, f.field) for f in report.findings] == [
        ("MANIFEST_INVALID", "ops[0].priority"),
        ("QDP_NAMESPACE_RESERVED", "ops[1].id"),
        ("MANIFEST_INVALID", "ops[2].module"),
        ("MANIFEST_INVALID", "ops[2].jit_fallback"),
        ("MANIFEST_INVALID", "ops[3].register"),
    ]
    assert all(f.file == "acme_ops/trt_plugin.json" and f.fix for f in report.findings)
    assert report.packages[0].plugin is None and report.packages[0].ops == ()


def test_deeply_nested_json_is_an_invalid_manifest_not_a_crash(tmp_path: Path):
    package = qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS)
    (package / "trt_plugin.json").write_text('{"schema_version": 1, "ops": ' + "[" * 100_000 + "]" * 100_000 + "}")
    report = validate(package)
    (finding,) = report.findings
    assert (finding.code, finding.field) == ("MANIFEST_INVALID", "") and "valid JSON" in finding.message


def test_an_unbuilt_aot_op_gives_ptx_not_built_and_no_other_ptx_finding(installed_copy: Path):
    path = installed_copy / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    del manifest["ops"][1]["ptx"]
    path.write_text(json.dumps(manifest))
    report = validate(installed_copy)
    assert report.codes("error") == ["PTX_NOT_BUILT"]
    (finding,) = report.findings if not report.codes("info") else [f for f in report.findings if f.severity == "error"]
    assert finding.field == "ops[1].ptx" and finding.message.startswith("example_plugin::relu_aot: the AOT op has no")
    assert not [f for f in report.findings if f.code.startswith("PTX_") and f.code != "PTX_NOT_BUILT"]
