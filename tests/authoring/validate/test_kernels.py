"""AOT kernels: the launch section and every PTX file of the built example. Deliberately broken copies
are caught with exactly the matching finding, file and field; ptxas assembles where one is found.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.manifests import rehash, sha256
from _support.validate import PACKAGE, ptxas_available, qdp_package

from trt_plugin_hub.authoring import VALIDATION_CODES, validate

pytestmark = pytest.mark.slow


def test_float_attribute_passed_to_the_aot_kernel_is_reported_as_its_int32_bits(example_wheel: Path):
    report = validate(example_wheel)
    scale = next(op for op in report.packages[0].ops if op.id == "example_plugin::scale_nvrtc")
    assert any("attr:scale" in line and "bit pattern" in line for line in scale.checked)
    assert any(line.startswith("kernel parameters: x (input pointer), numel (int32), attr:scale (int32), outputs[0]")
               for line in scale.checked)


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
    if not ptxas_available():
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
    assert "12 PTX file(s) were not assembled" in finding["message"]
    assert data["packages"][0]["assembled"] == 0


def test_aot_launch_extra_naming_an_unknown_attribute_is_an_error(installed_copy: Path):
    path = installed_copy / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    manifest["ops"][2]["launch"]["extras"] = ["numel", "attr:factor"]
    path.write_text(json.dumps(manifest))
    report = validate(installed_copy)
    assert report.codes("error") == ["LAUNCH_ATTR_UNKNOWN"]
    assert report.findings[0].field == "ops[2].launch.extras[1]"


def test_aot_op_without_int32_extras_validates_clean(tmp_path: Path):
    # A Triton kernel taking (x, y) only: with no int32 extras the signature's pointers are split into
    # inputs and outputs by the plugin's own signature, not all taken for inputs.
    register = """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)


@trtp.aot_impl("acme::op")
def _aot(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc], tactic: int):
    return None
"""
    ops = """
@torch.library.custom_op("acme::op", mutates_args=())
def op(x: torch.Tensor) -> torch.Tensor:
    return x.clone()
"""
    package = qdp_package(tmp_path, register, ops)
    ptx = (b".version 8.7\n.target sm_90\n.address_size 64\n\n.visible .entry copy_kernel(\n"
           b"\t.param .u64 .ptr .global .align 1 copy_kernel_param_0,\n"
           b"\t.param .u64 .ptr .global .align 1 copy_kernel_param_1\n)\n{\n\tret;\n}\n")
    (package / "ptx").mkdir()
    (package / "ptx" / "op.sm_90.ptx").write_bytes(ptx)
    manifest = {"schema_version": 1, "name": "acme", "requires": {"cuda_driver": ">=570"}, "ops": [{
        "id": "acme::op", "kind": "aot", "module": "acme_ops.qdp",
        "build": {"compiler": "triton", "source": "acme_ops.kernels:copy_kernel",
                  "signature": {"x_ptr": "*fp32", "y_ptr": "*fp32"}, "archs": ["sm_90"]},
        "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": []},
        "ptx": [{"arch": "sm_90", "path": "ptx/op.sm_90.ptx", "kernel": "copy_kernel", "sha256": sha256(ptx),
                 "isa": "8.7"}]}]}
    (package / "trt_plugin.json").write_text(json.dumps(manifest))
    report = validate(package)
    assert report.ok and report.codes("error") == [] and report.codes("warning") == [], report.to_json()
    (op,) = report.packages[0].ops
    assert "kernel parameters: x (input pointer), outputs[0] (output pointer)" in op.checked
