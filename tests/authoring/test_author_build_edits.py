"""Plausible edits of a project from ``trt-plugin-hub new``, as an author makes them: scaffold, edit,
build (real Triton and NVRTC compiles, real ``ptxas`` where one is found), ``validate``, and the specific
code each edit gets. The build refuses what it can see itself.

Covers the launch geometry the build derives (``LAUNCH_GEOMETRY_MISMATCH``), autotune types against
``build.signature`` (``AUTOTUNE_TYPE_MISMATCH``) and stale PTX (``PTX_STALE``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("triton", reason="the Triton build path needs triton")

from _support.example import NVRTC, NVRTC_FITS_DRIVER

from trt_plugin_hub.authoring import ValidationReport, create_project, validate
from trt_plugin_hub.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not NVRTC_FITS_DRIVER, reason=f"NVRTC {NVRTC} writes PTX newer than ISA 8.7; install "
                       "'nvidia-cuda-nvrtc-cu12==12.8.*' 'cuda-bindings>=12.9,<13' to build the NVRTC op"),
]

PACKAGE = "edit_ops"
RELU, SCALE = 0, 1  # the ops' positions in the scaffolded manifest


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``trt-plugin-hub new edit-ops`` with a Triton and an NVRTC AOT op, built once."""
    project = tmp_path_factory.mktemp("scaffold") / "edit-ops"
    create_project("edit-ops", project, ["aot-triton", "aot-nvrtc"])
    assert main(["build", "-q", str(project / PACKAGE)]) == 0
    return project


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built project to edit."""
    return Path(shutil.copytree(built_project, tmp_path / "edit-ops"))


def _manifest_path(project: Path) -> Path:
    return project / PACKAGE / "trt_plugin.json"


def _edit_op(project: Path, index: int, edit: Callable[[dict[str, Any]], None]) -> None:
    path = _manifest_path(project)
    data = json.loads(path.read_text())
    edit(data["ops"][index])
    path.write_text(json.dumps(data, indent=2) + "\n")


def _edit_source(project: Path, relative: str, old: str, new: str) -> None:
    """Replace the first ``old`` in the package's file ``relative`` (the relu op's come first)."""
    path = project / PACKAGE / relative
    text = path.read_text()
    assert old in text, f"{old!r} is not in {relative}"
    path.write_text(text.replace(old, new, 1))


def _problems(report: ValidationReport) -> list[tuple[str, str, str]]:
    """(severity, code, field) of every error and warning."""
    return [(str(f.severity), f.code, f.field) for f in report.findings if f.severity != "info"]


def _build(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["build", "-q", str(project / PACKAGE)])
    return code, capsys.readouterr().err


def test_the_scaffold_leaves_the_triton_geometry_to_the_build_which_records_what_it_built_from(built_project: Path):
    relu, scale = json.loads(_manifest_path(built_project).read_text())["ops"]
    # Written by the build: num_warps * 32 and BLOCK_SIZE; the author wrote only the extras.
    assert relu["launch"] == {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}
    assert scale["launch"]["block_threads"] == 256  # a CUDA kernel's geometry is the author's
    for op, source in ((relu, "kernels/triton_kernels.py"), (scale, "kernels/scale.cu")):
        for entry in op["ptx"]:
            assert list(entry["built_from"]["sources"]) == [source]
            assert entry["built_from"]["compiler"].split()[0] == op["build"]["compiler"]
    assert _problems(validate(built_project)) == []


def test_block_threads_other_than_num_warps_times_32(project: Path, capsys: pytest.CaptureFixture[str]):
    _edit_op(project, RELU, lambda op: op["launch"].update(block_threads=256))
    report = validate(project)
    assert _problems(report) == [("error", "LAUNCH_GEOMETRY_MISMATCH", "ops[0].launch.block_threads")]
    assert "expected 128 (a Triton kernel with build.num_warps=4 runs 4 warps of 32" in report.findings[0].message
    code, err = _build(project, capsys)
    assert code == 1 and "'ops[0].launch.block_threads': expected 128" in err


def test_elements_per_block_larger_than_block_size(project: Path, capsys: pytest.CaptureFixture[str]):
    _edit_op(project, RELU, lambda op: op["launch"].update(elements_per_block=2048))
    report = validate(project)
    assert _problems(report) == [("error", "LAUNCH_GEOMETRY_MISMATCH", "ops[0].launch.elements_per_block")]
    assert "at most 1024 (build.constexprs.BLOCK_SIZE" in report.findings[0].message
    code, err = _build(project, capsys)
    assert code == 1 and "'ops[0].launch.elements_per_block': expected at most 1024" in err


def test_a_smaller_block_size_with_the_geometry_left_out_is_rebuilt_consistently(project: Path,
                                                                                 capsys: pytest.CaptureFixture[str]):
    def smaller(op: dict[str, Any]) -> None:
        op["build"]["constexprs"]["BLOCK_SIZE"] = 512
        op["build"]["num_warps"] = 2
        op["launch"] = {"extras": ["numel"]}

    _edit_op(project, RELU, smaller)
    assert _build(project, capsys)[0] == 0
    relu = json.loads(_manifest_path(project).read_text())["ops"][RELU]
    assert relu["launch"] == {"block_threads": 64, "elements_per_block": 512, "extras": ["numel"]}
    assert "\n.reqntid 64\n" in (project / PACKAGE / relu["ptx"][0]["path"]).read_text()
    assert _problems(validate(project)) == []


def test_block_threads_above_the_cuda_kernels_launch_bounds(project: Path, capsys: pytest.CaptureFixture[str]):
    _edit_op(project, SCALE, lambda op: op["launch"].update(block_threads=512))
    report = validate(project)  # the shipped PTX says .maxntid 256 (__launch_bounds__)
    assert _problems(report) == [("error", "LAUNCH_GEOMETRY_MISMATCH", "ops[1].launch.block_threads")]
    assert "at most 256" in report.findings[0].message and ".maxntid 256" in report.findings[0].message
    code, err = _build(project, capsys)
    assert code == 1 and "launch.block_threads is 512, expected at most 256" in err


def test_signature_fp16_while_autotune_offers_fp32(project: Path, capsys: pytest.CaptureFixture[str]):
    def fp16(op: dict[str, Any]) -> None:
        op["build"]["signature"].update(x_ptr="*fp16", y_ptr="*fp16")

    _edit_op(project, RELU, fp16)
    assert _build(project, capsys)[0] == 0  # the compiler is content: it builds an fp16 kernel
    report = validate(project)
    assert _problems(report) == [("error", "AUTOTUNE_TYPE_MISMATCH", "ops[0].build.signature.x_ptr"),
                                 ("error", "AUTOTUNE_TYPE_MISMATCH", "ops[0].build.signature.y_ptr")]
    first = report.findings[0]
    assert first.file.startswith(f"{PACKAGE}/qdp.py:") and "offers FP32 for x" in first.message
    assert "offer only FP16" in first.fix
    # The author's fix: the autotune offers what the kernel is built for.
    _edit_source(project, "qdp.py", 'AutoTuneCombination("FP32, FP32", "LINEAR")',
                 'AutoTuneCombination("FP16, FP16", "LINEAR")')
    assert _problems(validate(project)) == []


def test_autotune_offering_fp16_for_an_fp32_kernel(project: Path):
    _edit_source(project, "qdp.py", 'AutoTuneCombination("FP32, FP32", "LINEAR")',
                 'AutoTuneCombination("FP32|FP16, FP32|FP16", "LINEAR")')
    assert [code for _, code, _ in _problems(validate(project))] == ["AUTOTUNE_TYPE_MISMATCH"] * 2


def test_autotune_offering_fp16_for_a_cuda_kernel_taking_float(project: Path):
    _edit_source(project, "qdp.py", 'return [trtp.AutoTuneCombination("FP32, FP32", "LINEAR")]\n\n\n@trtp.aot_impl("edit_ops::scale")',
                 'return [trtp.AutoTuneCombination("FP32, FP32|FP16", "LINEAR")]\n\n\n@trtp.aot_impl("edit_ops::scale")')
    report = validate(project)
    assert _problems(report) == [("error", "AUTOTUNE_TYPE_MISMATCH", "ops[1].build.source")]
    assert "offers FP16 for outputs[0] (I/O position 1), but the kernel is compiled with y as float*" in \
        report.findings[0].message


def test_triton_kernel_edited_after_its_ptx_was_built(project: Path, capsys: pytest.CaptureFixture[str]):
    _edit_source(project, "kernels/triton_kernels.py", "tl.where(x < 0, 0.0, x)", "tl.where(x < 0, 0.0, x * 2)")
    report = validate(project)
    assert _problems(report) == [("error", "PTX_STALE", "ops[0].ptx[0].built_from.sources")]
    stale = report.findings[0]
    assert stale.file == f"{PACKAGE}/kernels/triton_kernels.py"
    assert "kernels/triton_kernels.py changed after its PTX was built" in stale.message
    assert f"`trt-plugin-hub build {PACKAGE}`" in stale.fix
    assert _build(project, capsys)[0] == 0
    assert _problems(validate(project)) == []


def test_cuda_kernel_edited_after_its_ptx_was_built(project: Path):
    _edit_source(project, "kernels/scale.cu", "y[i] = values[k] * scale;", "y[i] = values[k] * scale + 1.0f;")
    assert _problems(validate(project)) == [("error", "PTX_STALE", "ops[1].ptx[0].built_from.sources")]


def test_build_option_changed_after_the_ptx_was_built(project: Path):
    _edit_op(project, SCALE, lambda op: op["build"]["options"].append("--use_fast_math"))
    report = validate(project)
    assert _problems(report) == [("error", "PTX_STALE", "ops[1].build.options")]
    assert "'--use_fast_math'" in report.findings[0].message


def test_the_wheel_of_an_edited_project_is_built_fresh_and_validates(project: Path, tmp_path: Path):
    from _support.dists import build_wheel

    _edit_source(project, "kernels/triton_kernels.py", "tl.where(x < 0, 0.0, x)", "tl.maximum(x, 0.0)")
    assert [code for _, code, _ in _problems(validate(project))] == ["PTX_STALE"]
    wheel = build_wheel(project, tmp_path / "dist")  # the backend rebuilds the PTX and its record
    assert _problems(validate(wheel)) == []
    assert _problems(validate(project)) == []
