"""The PTX build step, with real Triton and NVRTC compilation (no GPU needed).

Builds run on temporary copies of ``example_plugin_pkg``. NVRTC checks need an NVRTC whose PTX
the example's declared driver (>=570, PTX ISA <= 8.7) loads, i.e. NVRTC 12.8 (the example's
build requirement); with a newer NVRTC those tests are skipped with the reason, and the build
is instead shown to refuse its output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("triton", reason="the Triton build path needs triton")

from _support.example import (
    DRIVER_ISA,
    EXAMPLE_PROJECT,
    NVRTC,
    NVRTC_FITS_DRIVER,
    NVRTC_TARGETS,
    PACKAGE,
    RELU,
    SCALE,
    TRITON_TARGETS,
    copy_example_project,
    op_of,
    read_json,
)

from trt_plugin_hub._manifest import MANIFEST_FILENAME
from trt_plugin_hub._ptx import find_entry
from trt_plugin_hub.authoring import BuildResult, PtxBuildError, build_ptx

pytestmark = pytest.mark.slow

needs_fitting_nvrtc = pytest.mark.skipif(
    not NVRTC_FITS_DRIVER,
    reason=f"NVRTC {NVRTC} writes PTX newer than ISA 8.7; install 'nvidia-cuda-nvrtc-cu12==12.8.*' "
           "'cuda-bindings>=12.9,<13' to build the NVRTC op")


def _signature_params_of_cu(source: str, kernel: str) -> int:
    match = re.search(rf"{kernel}\s*\(([^)]*)\)", source)
    assert match, f"no declaration of {kernel}"
    return len([p for p in match.group(1).split(",") if p.strip()])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult, list[str]]:
    project = copy_example_project(tmp_path_factory.mktemp("built"))
    lines: list[str] = []
    result = build_ptx(project / PACKAGE, log=lines.append)
    return project / PACKAGE, result, lines


def _entries(package: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    manifest = read_json(package / MANIFEST_FILENAME)
    return [(op["id"], op, entry) for op in manifest["ops"] if op["kind"] in ("aot", "kernels")
            for entry in op["ptx"]]


Built = tuple[Path, BuildResult, list[str]]


def test_every_declared_arch_gets_a_ptx_file_recorded_in_the_manifest(built: Built) -> None:
    package, result, lines = built
    manifest = read_json(package / MANIFEST_FILENAME)
    relu = op_of(manifest, RELU)
    assert [e["arch"] for e in relu["ptx"]] == TRITON_TARGETS
    assert [e["path"] for e in relu["ptx"]] == [f"ptx/relu_aot.{t}.ptx" for t in TRITON_TARGETS]
    assert {e["kernel"] for e in relu["ptx"]} == {"relu_kernel"}
    for _, op, entry in _entries(package):
        assert set(entry) == {"arch", "path", "kernel", "sha256", "isa", "built_from"}
        assert (package / entry["path"]).is_file()
        # What the file was built from: the compiler, each source's sha256 now, the options that shaped it.
        record = entry["built_from"]
        assert record["compiler"].startswith("triton 3." if op["build"]["compiler"] == "triton" else "nvrtc 1")
        assert record["sources"] and all(
            hashlib.sha256((package / rel).read_bytes()).hexdigest() == digest
            for rel, digest in record["sources"].items())
        assert record["options"]["source"] == op["build"]["source"]
    assert list(relu["ptx"][0]["built_from"]["sources"]) == ["kernels/triton_kernels.py"]
    assert relu["ptx"][0]["built_from"]["options"] == {
        "source": relu["build"]["source"], "num_warps": 4, "signature": relu["build"]["signature"],
        "constexprs": relu["build"]["constexprs"]}
    assert len(result.artifacts) == len(_entries(package))
    assert any(re.match(r"compiling example_plugin::relu_aot for sm_80 with triton \S+ \.\.\. ok \(", line)
               for line in lines)


@needs_fitting_nvrtc
def test_nvrtc_op_gets_a_ptx_file_per_arch_with_the_plain_target(built: Built) -> None:
    package, _, lines = built
    scale = op_of(read_json(package / MANIFEST_FILENAME), SCALE)
    assert [e["arch"] for e in scale["ptx"]] == NVRTC_TARGETS
    assert [e["path"] for e in scale["ptx"]] == [f"ptx/scale_nvrtc.{t}.ptx" for t in NVRTC_TARGETS]
    assert {e["kernel"] for e in scale["ptx"]} == {"scale_kernel"}
    assert {e["isa"] for e in scale["ptx"]} == {"8.7"}
    assert any(line.startswith("compiling example_plugin::scale_nvrtc for sm_90 with nvrtc 12.") for line in lines)


def test_manifest_keeps_other_keys_in_their_order(built: Built) -> None:
    package, _, _ = built
    source = read_json(EXAMPLE_PROJECT / PACKAGE / MANIFEST_FILENAME)
    rebuilt = read_json(package / MANIFEST_FILENAME)
    assert list(rebuilt) == list(source)
    assert rebuilt["requires"] == source["requires"]
    for op in rebuilt["ops"]:
        original = op_of(source, op["id"])
        assert [k for k in op if k != "ptx"] == [k for k in original if k != "ptx"]
    text = (package / MANIFEST_FILENAME).read_text(encoding="utf-8")
    assert text == json.dumps(rebuilt, indent=2, sort_keys=False) + "\n"


def test_entry_params_are_exactly_the_declared_ones(built: Built) -> None:
    package, _, _ = built
    for op_id, op, entry in _entries(package):
        ptx = (package / entry["path"]).read_text(encoding="ascii")
        if op["build"]["compiler"] == "triton":
            declared = len(op["build"]["signature"])
        else:
            cu_source = (EXAMPLE_PROJECT / PACKAGE / op["build"]["source"]).read_text()
            declared = _signature_params_of_cu(cu_source, entry["kernel"])
        kernel = find_entry(ptx, entry["kernel"])
        assert kernel is not None, entry
        assert len(kernel.params) == declared, (op_id, entry["arch"], [p.name for p in kernel.params])
        # TensorRT order: input pointers, int32 extras, output pointers.
        kinds = "".join("p" if p.kind == "ptr" else "i" for p in kernel.params)
        assert kinds == "p" + "i" * len(op["launch"]["extras"]) + "p"
        # Nothing refers to a parameter the launcher does not pass.
        assert f"{entry['kernel']}_param_{declared}" not in ptx


def test_target_and_isa_are_what_the_manifest_records(built: Built) -> None:
    package, _, _ = built
    for _, _, entry in _entries(package):
        ptx = (package / entry["path"]).read_text(encoding="ascii")
        assert re.search(rf"^\.target {entry['arch']}$", ptx, re.MULTILINE)
        assert re.search(rf"^\.version {re.escape(entry['isa'])}$", ptx, re.MULTILINE)
        major, minor = map(int, entry["isa"].split("."))
        assert (major, minor) <= DRIVER_ISA


def test_recorded_sha256_matches_the_file_bytes(built: Built) -> None:
    package, _, _ = built
    for _, _, entry in _entries(package):
        assert hashlib.sha256((package / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_ptx_carries_no_build_machine_paths(built: Built) -> None:
    package, _, _ = built
    for _, _, entry in _entries(package):
        ptx = (package / entry["path"]).read_text(encoding="ascii")
        assert str(package.parent) not in ptx
        assert ".file" not in ptx and ".debug_info" not in ptx


@pytest.mark.skipif(shutil.which("ptxas") is None, reason="no ptxas on PATH")
def test_every_ptx_assembles_with_ptxas(built: Built) -> None:
    package, _, _ = built
    for _, _, entry in _entries(package):
        proc = subprocess.run(["ptxas", f"-arch={entry['arch']}", str(package / entry["path"]), "-o", os.devnull],
                              capture_output=True, text=True)
        assert proc.returncode == 0, (entry["path"], proc.stderr)


def test_building_again_elsewhere_gives_the_same_bytes(built: Built, tmp_path: Path) -> None:
    package, _, _ = built
    other = copy_example_project(tmp_path) / PACKAGE
    build_ptx(other, log=lambda line: None)
    def outputs(root: Path) -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.suffix in (".ptx", ".json")}

    assert outputs(package) == outputs(other)
    again = build_ptx(other, log=lambda line: None)
    assert not again.manifest_changed


def test_triton_ptx_isa_follows_the_declared_driver(tmp_path: Path) -> None:
    package = copy_example_project(tmp_path, with_nvrtc=False) / PACKAGE
    manifest = read_json(package / MANIFEST_FILENAME)
    manifest["requires"]["cuda_driver"] = ">=560"  # CUDA 12.6: PTX ISA <= 8.5
    (package / MANIFEST_FILENAME).write_text(json.dumps(manifest, indent=2) + "\n")
    build_ptx(package, archs=["sm_80", "sm_90"], log=lambda line: None)
    relu = op_of(read_json(package / MANIFEST_FILENAME), RELU)
    assert [e["isa"] for e in relu["ptx"]] == ["8.5", "8.5"]
    assert ".version 8.5" in (package / relu["ptx"][0]["path"]).read_text()


@pytest.mark.skipif(NVRTC is None, reason="cuda.bindings.nvrtc is not importable")
def test_nvrtc_ptx_too_new_for_the_declared_driver_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    package = copy_example_project(tmp_path, with_nvrtc=True) / PACKAGE
    manifest = read_json(package / MANIFEST_FILENAME)
    # NVRTC 12.8 writes ISA 8.7 and newer ones more; a >=560 driver (CUDA 12.6) loads <= 8.5.
    manifest["requires"]["cuda_driver"] = ">=560"
    before = json.dumps(manifest, indent=2) + "\n"
    (package / MANIFEST_FILENAME).write_text(before)
    with pytest.raises(PtxBuildError) as caught:
        build_ptx(package, log=lambda line: None)
    message = str(caught.value)
    assert caught.value.op_id == SCALE
    assert "PTX ISA" in message and "8.5" in message and "requires.cuda_driver" in message
    assert "nvidia-cuda-nvrtc-cu12==12.6.*" in message
    assert (package / MANIFEST_FILENAME).read_text() == before
    assert not (package / "ptx").exists()


def test_signature_not_in_tensorrt_argument_order_is_refused(tmp_path: Path) -> None:
    package = copy_example_project(tmp_path, with_nvrtc=False) / PACKAGE
    manifest = read_json(package / MANIFEST_FILENAME)
    op_of(manifest, RELU)["build"]["signature"] = {"x_ptr": "*fp32", "y_ptr": "*fp32", "n": "i32"}
    (package / MANIFEST_FILENAME).write_text(json.dumps(manifest, indent=2) + "\n")
    with pytest.raises(PtxBuildError, match="TensorRT's AOT argument order"):
        build_ptx(package, log=lambda line: None)


def test_full_build_removes_ptx_of_archs_no_longer_declared_and_nothing_else(tmp_path: Path) -> None:
    package = copy_example_project(tmp_path, with_nvrtc=False) / PACKAGE
    (package / "ptx").mkdir()
    (package / "ptx" / "relu_aot.sm_75.ptx").write_text("stale")
    (package / "ptx" / "README.txt").write_text("not ours")
    result = build_ptx(package, log=lambda line: None)
    assert result.removed == ("ptx/relu_aot.sm_75.ptx",)
    assert sorted(p.name for p in (package / "ptx").iterdir()) == sorted(
        ["README.txt"] + [f"relu_aot.{t}.ptx" for t in TRITON_TARGETS])

