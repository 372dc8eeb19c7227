"""Plausible edits of a project from ``trt-plugin-hub new``, each failing later (at activation, conversion
or the engine build): ``validate`` reports each as an error with its own code, so a package with no
errors keeps the promise written in docs/writing_plugins.rst.

Each test works as an author would: ``new``, one edit, then ``validate`` (and the build where the
edit concerns what the build writes).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.dists import build_wheel

from trt_plugin_hub.authoring import ValidationReport, validate
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow


def _new(tmp_path: Path, *kinds: str, name: str = "acme-ops") -> Path:
    project = tmp_path / name
    args = ["new", name, "--dir", str(project)]
    for kind in kinds:
        args += ["--kind", kind]
    assert main(args) == 0
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _edit_manifest(project: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = project / "acme_ops" / "trt_plugin.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _errors(report: ValidationReport) -> list[tuple[str, str]]:
    return [(f.code, f.field) for f in report.findings if f.severity == "error"]


def test_the_unedited_jit_project_validates_with_no_findings(tmp_path: Path):
    assert validate(_new(tmp_path, "jit")).findings == ()


def test_renaming_the_torch_op_in_ops_py_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "jit")
    _edit(project / "acme_ops" / "ops.py", 'custom_op("acme_ops::scaled_add"', 'custom_op("acme_ops::scaled_sum"')
    report = validate(project)
    assert _errors(report) == [("SCHEMA_NOT_FOUND", "ops[0].id")]
    (finding,) = report.findings
    assert "OP_NOT_DEFINED" in finding.message and "'acme_ops::scaled_sum'" in finding.message
    assert not report.ok


def test_renaming_the_qdp_register_impl_and_autotune_together_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "jit")
    qdp = project / "acme_ops" / "qdp.py"
    _edit(qdp, '"acme_ops::scaled_add"', '"acme_ops::scaled_sum"')  # every decorator of the op
    report = validate(project)
    assert _errors(report) == [("QDP_REGISTER_NOT_FOUND", "ops[0].id")]
    assert "QDP_NOT_REGISTERED" in report.findings[0].message
    assert "'acme_ops::scaled_sum'" in report.findings[0].message


def test_renaming_only_the_manifest_op_id_is_an_error_twice(tmp_path: Path):
    project = _new(tmp_path, "jit")
    _edit_manifest(project, lambda m: m["ops"][0].update(id="acme_ops::scaled_sum"))
    report = validate(project)
    assert _errors(report) == [("QDP_REGISTER_NOT_FOUND", "ops[0].id"), ("SCHEMA_NOT_FOUND", "ops[0].id")]
    assert all("'acme_ops::scaled_add'" in f.message for f in report.findings)


def test_a_qdp_registered_with_a_computed_id_leaves_a_warning_not_an_error(tmp_path: Path):
    # A static reading cannot tell which op `trtp.register(OP)(fn)` registers: likely wrong, not sure.
    project = _new(tmp_path, "jit")
    qdp = project / "acme_ops" / "qdp.py"
    _edit(qdp, '"acme_ops::scaled_add"', '"acme_ops::scaled_sum"')
    qdp.write_text(qdp.read_text() + "\n\n_ID = '::'.join(['acme_ops', 'scaled_add'])\n"
                   "trtp.register(_ID)(_scaled_add_desc)\n")
    report = validate(project)
    assert [(f.severity, f.code) for f in report.findings] == [("warning", "QDP_REGISTER_NOT_FOUND")]
    assert "acme_ops/qdp.py" in report.findings[0].message


def test_a_capability_validator_naming_no_function_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "jit")
    _edit_manifest(project, lambda m: m["ops"][0].update(capability_validator="acme_ops.qdp:only_fp32"))
    report = validate(project)
    assert _errors(report) == [("VALIDATOR_NOT_FOUND", "ops[0].capability_validator")]
    assert "VALIDATOR_UNRESOLVED" in report.findings[0].message
    (project / "acme_ops" / "qdp.py").write_text((project / "acme_ops" / "qdp.py").read_text()
                                                 + "\n\ndef only_fp32(node, settings):\n    return True\n")
    fixed = validate(project)
    assert fixed.findings == ()
    assert "capability validator acme_ops.qdp:only_fp32 defined" in fixed.packages[0].ops[0].checked


def test_a_torch_attribute_without_default_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "jit")
    _edit(project / "acme_ops" / "ops.py",
          "def scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0)",
          "def scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float)")
    report = validate(project)
    assert [(f.severity, f.code) for f in report.findings] == [("error", "SCHEMA_ATTR_NO_DEFAULT")]


@pytest.mark.parametrize("section, value", [
    ("launch", {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}),
    ("build", {"compiler": "triton", "source": "acme_ops.kernels.triton_kernels:scaled_add_kernel",
               "signature": {"x_ptr": "*fp32"}, "archs": ["sm_80"]}),
])
def test_a_build_or_launch_section_on_a_jit_op_is_an_error(tmp_path: Path, section: str, value: dict[str, Any]):
    project = _new(tmp_path, "jit")
    _edit_manifest(project, lambda m: m["ops"][0].update({section: value}))
    report = validate(project)
    assert _errors(report) == [("MANIFEST_INVALID", f"ops[0].{section}")]
    assert "only on aot and kernels ops" in report.findings[0].message


def test_an_aot_impl_taking_only_some_attributes_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "aot-nvrtc")
    _edit(project / "acme_ops" / "qdp.py", "def _scale_aot_impl(x: trtp.TensorDesc, scale: float, outputs",
          "def _scale_aot_impl(x: trtp.TensorDesc, outputs")
    _edit(project / "acme_ops" / "qdp.py", 'attrs={"scale": scale}', 'attrs={"scale": 2.0}')
    report = validate(project)
    # The PTX is not built yet (PTX_NOT_BUILT); the aot_impl's signature is checked all the same.
    assert "AOT_IMPL_SIGNATURE" in [code for code, _ in _errors(report)]
    finding = next(f for f in report.findings if f.code == "AOT_IMPL_SIGNATURE")
    assert "(x, scale, outputs, tactic)" in finding.message


def test_removing_launch_from_an_op_whose_aot_impl_calls_the_hub_s_launch_is_an_error(tmp_path: Path):
    project = _new(tmp_path, "aot-triton")
    _edit_manifest(project, lambda m: m["ops"][0].pop("launch"))
    report = validate(project)
    finding = next(f for f in report.findings if f.code == "LAUNCH_MISSING")
    assert finding.severity == "error" and "engine build fails" in finding.message


def test_new_findings_appear_in_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    project = _new(tmp_path, "jit")
    capsys.readouterr()
    _edit_manifest(project, lambda m: m["ops"][0].update(capability_validator="acme_ops.qdp:only_fp32"))
    assert main(["validate", "--json", str(project)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(f["severity"], f["code"]) for f in data["findings"]] == [("error", "VALIDATOR_NOT_FOUND")]


def test_a_wheel_that_holds_no_plugin_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # The author drops the entry point and the manifest from the package data: a wheel, but no plugin.
    project = _new(tmp_path, "legacy")
    pyproject = project / "pyproject.toml"
    _edit(pyproject, '[project.entry-points."torch_tensorrt.plugins"]\nacme_ops = "acme_ops"\n', "")
    _edit(pyproject, '"trt_plugin.json", ', "")
    wheel = build_wheel(project, tmp_path / "dist")
    report = validate(wheel)
    assert [(f.severity, f.code) for f in report.findings] == [("error", "NO_PLUGIN")]
    capsys.readouterr()
    assert main(["validate", str(wheel)]) == 1
    assert capsys.readouterr().out.rstrip().endswith("FAILED")


def test_a_directory_or_distribution_that_holds_no_plugin_is_refused(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]):
    # A directory without trt_plugin.json or pyproject.toml, and an installed distribution that is no plugin:
    # exit code 2 and a sentence, never OK.
    project = _new(tmp_path, "legacy")
    (project / "acme_ops" / "trt_plugin.json").unlink()
    capsys.readouterr()
    assert main(["validate", str(project / "acme_ops")]) == 2
    assert "is not a plugin package" in capsys.readouterr().err
    assert main(["validate", "pytest"]) == 2
    assert "advertises no 'torch_tensorrt.plugins' entry point" in capsys.readouterr().err
