"""``trt-plugin-hub validate``: the example wheel (built for real, PTX compiled by Triton and NVRTC)
passes; deliberately broken copies of it, and small packages breaking one QDP rule each, are caught
with the right finding, file and field."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from _support.dists import REPO, run_python
from _support.manifests import rehash
from trt_plugin_hub.authoring import (
    VALIDATION_CODES,
    ValidationReport,
    ValidationTargetError,
    validate,
)
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow

PACKAGE = "example_plugin_pkg"


@pytest.fixture
def installed_copy(example_site: Path, tmp_path: Path) -> Path:
    """A private copy of the pip-installed example package, free to break."""
    target = tmp_path / "copy" / PACKAGE
    shutil.copytree(example_site / PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _ptxas_available() -> bool:
    from trt_plugin_hub.authoring._validate.kernels import _find_ptxas

    return _find_ptxas((8, 7)) is not None


# ---- the example passes ------------------------------------------------------------------------


def test_built_example_wheel_validates_clean_with_every_ptx_assembled(example_wheel: Path):
    report = validate(example_wheel)
    assert report.kind == "wheel"
    assert report.findings == (), [f.to_dict() for f in report.findings]
    (package,) = report.packages
    assert package.package == PACKAGE and package.plugin == "example"
    assert [(op.id, op.kind) for op in package.ops] == [
        ("example_plugin::scaled_add", "jit"), ("example_plugin::relu_aot", "aot"),
        ("example_plugin::scale_nvrtc", "aot"), ("example_plugin::leaky_relu_legacy", "legacy")]
    assert package.ptx_files == 8
    if _ptxas_available():
        assert package.assembled == 8 and report.ptxas


def test_float_attribute_passed_to_the_aot_kernel_is_reported_as_its_int32_bits(example_wheel: Path):
    report = validate(example_wheel)
    scale = next(op for op in report.packages[0].ops if op.id == "example_plugin::scale_nvrtc")
    assert any("attr:scale" in line and "bit pattern" in line for line in scale.checked)
    assert any(line.startswith("kernel parameters: x (input pointer), numel (int32), attr:scale (int32), outputs[0]")
               for line in scale.checked)


def test_installed_distribution_validates_by_distribution_and_plugin_name(example_site: Path):
    for name in ("example-trt-plugins", "example"):
        proc = run_python("from trt_plugin_hub.cli import main; raise SystemExit(main(['validate', "
                          f"{name!r}, '--json']))", paths=[example_site])
        data = json.loads(proc.stdout)
        assert data["kind"] == "distribution" and data["ok"] is True
        assert data["summary"] == {"error": 0, "warning": 0, "info": 0}
        assert data["packages"][0]["plugin"] == "example"


def test_source_project_and_package_directory_validate_clean():
    for target in (REPO / "example_plugin_pkg", REPO / "example_plugin_pkg" / PACKAGE):
        report = validate(target)
        assert report.findings == (), [f.to_dict() for f in report.findings]
    assert validate(REPO / "example_plugin_pkg").kind == "project"


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


def test_unknown_target_is_a_usage_error_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["validate", "no-such-plugin-distribution"]) == 2
    assert "neither a path nor an installed plugin" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValidationTargetError):
        validate(tmp_path / "notes.txt")


# ---- deliberately broken copies of the built example -------------------------------------------


def _swap_output_first(package: Path) -> str:
    # A hand-written kernel taking (y, x, n, scale) instead of TensorRT's (x, n, scale, y).
    relative = "ptx/scale_nvrtc.sm_80.ptx"
    path = package / relative
    text = path.read_text()
    match = re.search(r"\.entry scale_kernel\(\n(.*?)\n\)", text, re.DOTALL)
    assert match
    params = match.group(1).split(",\n")
    path.write_text(text[:match.start(1)] + ",\n".join([params[-1], *params[:-1]]) + text[match.end(1):])
    rehash(package, relative)
    return relative


def _wrong_target(package: Path) -> str:
    relative = "ptx/relu_aot.sm_86.ptx"
    path = package / relative
    path.write_text(path.read_text().replace(".target sm_86", ".target sm_80"))
    rehash(package, relative)
    return relative


def _altered_bytes(package: Path) -> str:
    relative = "ptx/relu_aot.sm_89.ptx"
    path = package / relative
    path.write_text(path.read_text().replace("mov.u32", "mov.u32 ", 1))
    return relative


def _isa_too_new(package: Path) -> str:
    # ISA 9.0 (a CUDA 13.0 compiler), while requires.cuda_driver ">=570" promises drivers loading <= 8.7.
    relative = "ptx/scale_nvrtc.sm_90.ptx"
    path = package / relative
    path.write_text(path.read_text().replace(".version 8.7", ".version 9.0"))
    rehash(package, relative, isa="9.0")
    return relative


def _kernel_renamed_in_manifest(package: Path) -> str:
    path = package / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    manifest["ops"][1]["ptx"][3]["kernel"] = "relu_kernel_v2"
    path.write_text(json.dumps(manifest, indent=2))
    return "ptx/relu_aot.sm_90a.ptx"


def _path_outside_package(package: Path) -> str:
    path = package / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    manifest["ops"][2]["ptx"][1]["path"] = "../elsewhere/scale.ptx"
    path.write_text(json.dumps(manifest, indent=2))
    return "trt_plugin.json"


BROKEN: list[tuple[str, Callable[[Path], str], str, str]] = [
    ("wrong argument order", _swap_output_first, "PTX_PARAMS_MISMATCH", "ops[2].ptx[0].kernel"),
    ("wrong target", _wrong_target, "PTX_TARGET_MISMATCH", "ops[1].ptx[1].arch"),
    ("altered bytes", _altered_bytes, "PTX_HASH_MISMATCH", "ops[1].ptx[2].sha256"),
    ("isa too new", _isa_too_new, "PTX_ISA_TOO_NEW", "ops[2].ptx[3].isa"),
    ("kernel renamed", _kernel_renamed_in_manifest, "PTX_KERNEL_MISSING", "ops[1].ptx[3].kernel"),
    ("path outside package", _path_outside_package, "PTX_PATH_ESCAPES", "ops[2].ptx[1].path"),
]


@pytest.mark.parametrize("name, breaker, code, field_name", BROKEN, ids=[case[0] for case in BROKEN])
def test_broken_copy_is_caught_with_exactly_the_matching_finding(
        installed_copy: Path, name: str, breaker: Callable[[Path], str], code: str, field_name: str):
    relative = breaker(installed_copy)
    report = validate(installed_copy)
    assert not report.ok
    errors = [f for f in report.findings if f.severity == "error"]
    assert [f.code for f in errors] == [code], [f.to_dict() for f in report.findings]
    (finding,) = errors
    assert finding.file.endswith(relative) and finding.field == field_name
    assert finding.fix and "example_plugin::" in finding.message
    assert code in VALIDATION_CODES


def test_wrong_argument_order_message_spells_out_tensorrts_order(installed_copy: Path):
    _swap_output_first(installed_copy)
    (finding,) = validate(installed_copy).findings
    assert "x (input pointer) .u64, numel (int32) .u32/.s32, attr:scale (int32) .u32/.s32, outputs[0]" in finding.message


def test_ptx_that_ptxas_rejects_is_an_error(installed_copy: Path):
    if not _ptxas_available():
        pytest.skip("no ptxas that reads PTX ISA 8.7 on this machine")
    relative = "ptx/scale_nvrtc.sm_86.ptx"
    path = installed_copy / relative
    path.write_text(path.read_text().replace("\tret;", "\tfrobnicate.u32 %r1;\n\tret;", 1))
    rehash(installed_copy, relative)
    report = validate(installed_copy)
    assert report.codes("error") == ["PTXAS_FAILED"]
    assert "frobnicate" in report.findings[0].message


def test_without_any_ptxas_validation_passes_and_says_nothing_was_assembled(example_site: Path, tmp_path: Path):
    # No Triton (so no bundled ptxas) and a PATH without ptxas: what an author's laptop may have.
    code = ("import sys; sys.modules['triton'] = None\n"
            "from trt_plugin_hub.cli import main\n"
            f"raise SystemExit(main(['validate', {str(example_site / PACKAGE)!r}, '--json']))")
    env = {k: v for k, v in os.environ.items() if k != "TRT_PLUGIN_HUB_PTXAS"}
    env["PATH"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["ptxas"] == []
    (finding,) = data["findings"]
    assert finding["severity"] == "info" and finding["code"] == "PTXAS_UNAVAILABLE"
    assert "8 PTX file(s) were not assembled" in finding["message"]
    assert data["packages"][0]["assembled"] == 0


# ---- QDP rules and torch schemas, read from source --------------------------------------------

QDP_HEADER = "from typing import Tuple\nimport numpy as np\nimport numpy.typing as npt\nimport tensorrt.plugin as trtp\n"
OPS_HEADER = "import torch\n"


def _package(root: Path, qdp: str, ops: str = "", ops_entries: list[dict] | None = None,
             extra: dict[str, str] | None = None) -> Path:
    package = root / "acme_ops"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "qdp.py").write_text(QDP_HEADER + textwrap.dedent(qdp))
    (package / "ops.py").write_text(OPS_HEADER + textwrap.dedent(ops))
    for name, text in (extra or {}).items():
        (package / name).write_text(textwrap.dedent(text))
    entries = ops_entries or [{"id": "acme::op", "kind": "jit", "module": "acme_ops.qdp"}]
    (package / "trt_plugin.json").write_text(json.dumps({"schema_version": 1, "name": "acme", "ops": entries}))
    return package


GOOD_OPS = """
@torch.library.custom_op("acme::op", mutates_args=())
def op(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return x + alpha * y
"""


def _jit(register: str, impl: str = "") -> str:
    return register + (impl or """
@trtp.impl("acme::op")
def _impl(x: trtp.Tensor, y: trtp.Tensor, alpha: float, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
""")


GOOD_REGISTER = """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
"""


def _findings(report: ValidationReport) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in report.findings]


def test_package_following_every_rule_has_no_findings(tmp_path: Path):
    package = _package(tmp_path, _jit(GOOD_REGISTER), GOOD_OPS)
    report = validate(package)
    assert report.findings == ()
    assert report.packages[0].ops[0].checked[0].startswith("@trtp.register acme_ops/qdp.py:")


RULES: list[tuple[str, str, str, str, str]] = [
    ("reserved attribute name", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, stream: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_RESERVED", "_desc(stream)", "rename"),
    ("default in register signature", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float = 1.0) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_DEFAULT", "_desc(alpha)", "torch op's schema"),
    ("tensor after attribute", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, alpha: float, y: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_TENSORS_NOT_FIRST", "_desc(y)", "before the attributes"),
    ("unsupported attribute type", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: list) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_TYPE", "_desc(alpha)", "int, float, str, bool, bytes"),
    ("numpy array without dtype", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: np.ndarray) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_TYPE", "_desc(alpha)", "NDArray"),
    ("no return annotation", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float):
    return (x.like(),)
""", "QDP_SIGNATURE_INVALID", "_desc -> ?", "Tuple[trtp.TensorDesc]"),
]


@pytest.mark.parametrize("name, register, code, field_name, fix", RULES, ids=[rule[0] for rule in RULES])
def test_register_function_breaking_a_qdp_rule_is_an_error_naming_the_parameter(
        tmp_path: Path, name: str, register: str, code: str, field_name: str, fix: str):
    report = validate(_package(tmp_path, _jit(register), GOOD_OPS))
    matching = [f for f in report.findings if f.code == code]
    assert matching and matching[0].severity == "error", _findings(report)
    assert matching[0].field == field_name and re.match(r"acme_ops/qdp\.py:\d+", matching[0].file)
    assert fix in matching[0].fix
    assert not report.ok


def test_numpy_array_attribute_with_a_supported_dtype_is_accepted(tmp_path: Path):
    register = GOOD_REGISTER.replace("alpha: float", "alpha: npt.NDArray[np.float32]")
    impl = """
@trtp.impl("acme::op")
def _impl(x: trtp.Tensor, y: trtp.Tensor, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
"""
    report = validate(_package(tmp_path, _jit(register, impl), GOOD_OPS))
    assert "QDP_ATTR_TYPE" not in report.codes()
    assert "alpha: ndarray" in report.packages[0].ops[0].checked[0]


def test_future_annotations_in_the_qdp_module_is_an_error(tmp_path: Path):
    package = _package(tmp_path, _jit(GOOD_REGISTER), GOOD_OPS)
    qdp = package / "qdp.py"
    qdp.write_text("from __future__ import annotations\n" + qdp.read_text())
    report = validate(package)
    assert report.codes("error") == ["QDP_STRING_ANNOTATIONS"]
    assert report.findings[0].file == "acme_ops/qdp.py:1"


def test_jit_op_without_impl_is_an_error(tmp_path: Path):
    report = validate(_package(tmp_path, GOOD_REGISTER, GOOD_OPS))
    assert report.codes("error") == ["QDP_IMPL_MISSING"]
    assert "@trtp.impl('acme::op')" in report.findings[0].fix


def test_torch_attribute_without_default_is_a_warning_giving_the_reason(tmp_path: Path):
    report = validate(_package(tmp_path, _jit(GOOD_REGISTER), GOOD_OPS.replace("alpha: float = 1.0", "alpha: float")))
    assert report.ok and _findings(report) == [("warning", "SCHEMA_ATTR_NO_DEFAULT")]
    assert "2.7-2.13" in report.findings[0].message and "alpha" in report.findings[0].fix


def test_torch_schema_and_plugin_attributes_must_match(tmp_path: Path):
    report = validate(_package(tmp_path, _jit(GOOD_REGISTER), GOOD_OPS.replace("alpha", "beta")))
    assert report.codes("error") == ["SCHEMA_PLUGIN_MISMATCH"]
    assert "['beta']" in report.findings[0].message and "['alpha']" in report.findings[0].message


def test_schema_string_with_tensor_after_attribute_is_an_error(tmp_path: Path):
    ops = 'torch.library.define("acme::op", "(Tensor x, float alpha=1.0, Tensor y) -> Tensor")\n'
    report = validate(_package(tmp_path, _jit(GOOD_REGISTER), ops))
    assert "SCHEMA_TENSORS_NOT_FIRST" in report.codes("error")


@pytest.mark.parametrize("op_id, code", [("acme::op.v2", "QDP_NAME_INVALID"), ("trt::op", "QDP_NAMESPACE_RESERVED")])
def test_op_id_breaking_tensorrts_naming_rules_is_an_error_on_the_manifest_field(tmp_path: Path, op_id: str, code: str):
    package = _package(tmp_path, _jit(GOOD_REGISTER), GOOD_OPS,
                       ops_entries=[{"id": op_id, "kind": "jit", "module": "acme_ops.qdp"}])
    report = validate(package)
    assert report.codes() == [code]
    assert report.findings[0].file == "acme_ops/trt_plugin.json" and report.findings[0].field == "ops[0].id"


def test_legacy_op_whose_register_function_is_missing_is_an_error(tmp_path: Path):
    entries = [{"id": "acme::op", "kind": "legacy", "module": "acme_ops.legacy", "register": "acme_ops.legacy:setup"}]
    package = _package(tmp_path, "", GOOD_OPS, ops_entries=entries,
                       extra={"legacy.py": "def register() -> None:\n    pass\n"})
    report = validate(package)
    assert report.codes("error") == ["LEGACY_REGISTER_NOT_FOUND"]
    assert report.findings[0].field == "ops[0].register"


def test_aot_launch_extra_naming_an_unknown_attribute_is_an_error(installed_copy: Path):
    path = installed_copy / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    manifest["ops"][2]["launch"]["extras"] = ["numel", "attr:factor"]
    path.write_text(json.dumps(manifest))
    report = validate(installed_copy)
    assert report.codes("error") == ["LAUNCH_ATTR_UNKNOWN"]
    assert report.findings[0].field == "ops[2].launch.extras[1]"


def test_aot_impl_that_does_not_take_every_attribute_is_an_error(installed_copy: Path):
    # Registration accepts it; TensorRT's engine build calls aot_impl(x, scale, outputs, tactic).
    qdp = installed_copy / "qdp.py"
    text = qdp.read_text()
    old = "def _scale_aot_impl(x: trtp.TensorDesc, scale: float, outputs"
    assert old in text
    qdp.write_text(text.replace(old, "def _scale_aot_impl(x: trtp.TensorDesc, outputs").replace(
        'attrs={"scale": scale}', 'attrs={"scale": 1.0}'))
    report = validate(installed_copy)
    assert report.codes("error") == ["AOT_IMPL_SIGNATURE"]
    (finding,) = report.findings
    assert "(x, scale, outputs, tactic)" in finding.message and "example_plugin::scale_nvrtc" in finding.message
    assert finding.file.startswith("example_plugin_pkg/qdp.py:")


# ---- projects --------------------------------------------------------------------------------


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(REPO / "example_plugin_pkg", project,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    return project


def test_project_without_the_entry_point_is_an_error_pointing_at_pyproject(tmp_path: Path):
    project = _project_copy(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('example = "example_plugin_pkg"', ""))
    report = validate(project)
    assert report.codes("error") == ["ENTRY_POINT_MISSING"]
    finding = report.findings[0]
    assert finding.file == "pyproject.toml" and "torch_tensorrt.plugins" in finding.field


def test_unbuilt_project_says_to_build_and_still_checks_its_sources(tmp_path: Path):
    project = _project_copy(tmp_path)
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


def test_every_finding_code_is_documented_for_authors():
    text = (REPO / "docs" / "writing_plugins.rst").read_text()
    assert [code for code in VALIDATION_CODES if f"``{code}``" not in text] == []


def test_a_module_wide_problem_is_reported_once_for_all_its_ops(tmp_path: Path):
    second = GOOD_REGISTER.replace("acme::op", "acme::op2") + """
@trtp.impl("acme::op2")
def _impl2(x: trtp.Tensor, y: trtp.Tensor, alpha: float, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
"""
    entries = [{"id": "acme::op", "kind": "jit", "module": "acme_ops.qdp"},
               {"id": "acme::op2", "kind": "jit", "module": "acme_ops.qdp"}]
    package = _package(tmp_path, _jit(GOOD_REGISTER) + second, GOOD_OPS + GOOD_OPS.replace("acme::op", "acme::op2")
                       .replace("def op(", "def op2("), ops_entries=entries)
    qdp = package / "qdp.py"
    qdp.write_text("from __future__ import annotations\n" + qdp.read_text())
    assert validate(package).codes() == ["QDP_STRING_ANNOTATIONS"]
