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
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("triton", reason="the Triton build path needs triton")

from trt_plugin_hub.build import MANIFEST_NAME, BuildResult, PtxBuildError, build_ptx  # noqa: E402
from trt_plugin_hub.build._ptxtext import find_entry  # noqa: E402
from trt_plugin_hub.build._triton import strip_hidden_params  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLE_PROJECT = Path(__file__).resolve().parents[1] / "example_plugin_pkg"
PACKAGE = "example_plugin_pkg"
RELU = "example_plugin::relu_aot"
SCALE = "example_plugin::scale_nvrtc"
TRITON_TARGETS = ["sm_80", "sm_86", "sm_89", "sm_90a"]
NVRTC_TARGETS = ["sm_80", "sm_86", "sm_89", "sm_90"]
DRIVER_ISA = (8, 7)  # requires.cuda_driver ">=570" in the example manifest


def _installed_nvrtc() -> tuple[int, int] | None:
    try:
        from cuda.bindings import nvrtc

        err, major, minor = nvrtc.nvrtcVersion()
    except Exception:  # noqa: BLE001 - absent module or library both mean "no NVRTC"
        return None
    return (major, minor) if err == nvrtc.nvrtcResult.NVRTC_SUCCESS else None


NVRTC = _installed_nvrtc()
# NVRTC 12.8 writes PTX ISA 8.7, 12.9 writes 8.8, 13.x writes 9.x.
NVRTC_FITS_DRIVER = NVRTC is not None and NVRTC <= (12, 8)
needs_fitting_nvrtc = pytest.mark.skipif(
    not NVRTC_FITS_DRIVER,
    reason=f"NVRTC {NVRTC} writes PTX newer than ISA 8.7; install 'nvidia-cuda-nvrtc-cu12==12.8.*' "
           "'cuda-bindings>=12.9,<13' to build the NVRTC op")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _op(manifest: dict[str, Any], op_id: str) -> dict[str, Any]:
    return next(op for op in manifest["ops"] if op["id"] == op_id)


def _copy_project(dest: Path, *, with_nvrtc: bool = NVRTC_FITS_DRIVER) -> Path:
    """A clean copy of the example project (no built PTX); returns the project directory."""
    project = dest / "project"
    shutil.copytree(EXAMPLE_PROJECT, project,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "ptx", "__pycache__"))
    manifest_path = project / PACKAGE / MANIFEST_NAME
    manifest = _read(manifest_path)
    for op in manifest["ops"]:
        if op["kind"] == "aot":
            op["ptx"] = []
    if not with_nvrtc:
        manifest["ops"] = [op for op in manifest["ops"] if op["id"] != SCALE]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return project


def _signature_params_of_cu(source: str, kernel: str) -> int:
    match = re.search(rf"{kernel}\s*\(([^)]*)\)", source)
    assert match, f"no declaration of {kernel}"
    return len([p for p in match.group(1).split(",") if p.strip()])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult, list[str]]:
    project = _copy_project(tmp_path_factory.mktemp("built"))
    lines: list[str] = []
    result = build_ptx(project / PACKAGE, log=lines.append)
    return project / PACKAGE, result, lines


def _entries(package: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    manifest = _read(package / MANIFEST_NAME)
    return [(op["id"], op, entry) for op in manifest["ops"] if op["kind"] == "aot" for entry in op["ptx"]]


Built = tuple[Path, BuildResult, list[str]]


def test_every_declared_arch_gets_a_ptx_file_recorded_in_the_manifest(built: Built) -> None:
    package, result, lines = built
    manifest = _read(package / MANIFEST_NAME)
    relu = _op(manifest, RELU)
    assert [e["arch"] for e in relu["ptx"]] == TRITON_TARGETS
    assert [e["path"] for e in relu["ptx"]] == [f"ptx/relu_aot.{t}.ptx" for t in TRITON_TARGETS]
    assert {e["kernel"] for e in relu["ptx"]} == {"relu_kernel"}
    for _, _, entry in _entries(package):
        assert set(entry) == {"arch", "path", "kernel", "sha256", "isa"}
        assert (package / entry["path"]).is_file()
    assert len(result.artifacts) == len(_entries(package))
    assert any(re.match(r"compiling example_plugin::relu_aot for sm_80 with triton \S+ \.\.\. ok \(", line)
               for line in lines)


@needs_fitting_nvrtc
def test_nvrtc_op_gets_a_ptx_file_per_arch_with_the_plain_target(built: Built) -> None:
    package, _, lines = built
    scale = _op(_read(package / MANIFEST_NAME), SCALE)
    assert [e["arch"] for e in scale["ptx"]] == NVRTC_TARGETS
    assert [e["path"] for e in scale["ptx"]] == [f"ptx/scale_nvrtc.{t}.ptx" for t in NVRTC_TARGETS]
    assert {e["kernel"] for e in scale["ptx"]} == {"scale_kernel"}
    assert {e["isa"] for e in scale["ptx"]} == {"8.7"}
    assert any(line.startswith("compiling example_plugin::scale_nvrtc for sm_90 with nvrtc 12.") for line in lines)


def test_manifest_keeps_other_keys_in_their_order(built: Built) -> None:
    package, _, _ = built
    source = _read(EXAMPLE_PROJECT / PACKAGE / MANIFEST_NAME)
    rebuilt = _read(package / MANIFEST_NAME)
    assert list(rebuilt) == list(source)
    assert rebuilt["requires"] == source["requires"]
    for op in rebuilt["ops"]:
        original = _op(source, op["id"])
        assert [k for k in op if k != "ptx"] == [k for k in original if k != "ptx"]
    text = (package / MANIFEST_NAME).read_text(encoding="utf-8")
    assert text == json.dumps(rebuilt, indent=2, sort_keys=False) + "\n"


def test_entry_params_are_exactly_the_declared_ones(built: Built) -> None:
    package, _, _ = built
    cu_source = (EXAMPLE_PROJECT / PACKAGE / "kernels" / "scale.cu").read_text()
    cu_params = _signature_params_of_cu(cu_source, "scale_kernel")
    for op_id, op, entry in _entries(package):
        ptx = (package / entry["path"]).read_text(encoding="ascii")
        declared = len(op["build"]["signature"]) if op["build"]["compiler"] == "triton" else cu_params
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
    other = _copy_project(tmp_path) / PACKAGE
    build_ptx(other, log=lambda line: None)
    def outputs(root: Path) -> dict[Path, bytes]:
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.suffix in (".ptx", ".json")}

    assert outputs(package) == outputs(other)
    again = build_ptx(other, log=lambda line: None)
    assert not again.manifest_changed


def test_triton_ptx_isa_follows_the_declared_driver(tmp_path: Path) -> None:
    package = _copy_project(tmp_path, with_nvrtc=False) / PACKAGE
    manifest = _read(package / MANIFEST_NAME)
    manifest["requires"]["cuda_driver"] = ">=560"  # CUDA 12.6: PTX ISA <= 8.5
    (package / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    build_ptx(package, archs=["sm_80", "sm_90"], log=lambda line: None)
    relu = _op(_read(package / MANIFEST_NAME), RELU)
    assert [e["isa"] for e in relu["ptx"]] == ["8.5", "8.5"]
    assert ".version 8.5" in (package / relu["ptx"][0]["path"]).read_text()


@pytest.mark.skipif(NVRTC is None, reason="cuda.bindings.nvrtc is not importable")
def test_nvrtc_ptx_too_new_for_the_declared_driver_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    package = _copy_project(tmp_path, with_nvrtc=True) / PACKAGE
    manifest = _read(package / MANIFEST_NAME)
    # NVRTC 12.8 writes ISA 8.7 and newer ones more; a >=560 driver (CUDA 12.6) loads <= 8.5.
    manifest["requires"]["cuda_driver"] = ">=560"
    before = json.dumps(manifest, indent=2) + "\n"
    (package / MANIFEST_NAME).write_text(before)
    with pytest.raises(PtxBuildError) as caught:
        build_ptx(package, log=lambda line: None)
    message = str(caught.value)
    assert caught.value.op_id == SCALE
    assert "PTX ISA" in message and "8.5" in message and "requires.cuda_driver" in message
    assert "nvidia-cuda-nvrtc-cu12==12.6.*" in message
    assert (package / MANIFEST_NAME).read_text() == before
    assert not (package / "ptx").exists()


def test_hidden_parameter_used_by_the_body_is_refused_naming_the_kernel() -> None:
    ptx = (".version 8.7\n.target sm_80\n.address_size 64\n\n.visible .entry k(\n"
           "\t.param .u64 .ptr .global .align 1 k_param_0,\n\t.param .u32 k_param_1,\n"
           "\t.param .u64 .ptr .global .align 1 k_param_2,\n\t.param .u64 .ptr .global .align 1 k_param_3,\n"
           "\t.param .u64 .ptr .global .align 1 k_param_4\n)\n{\n\tld.param.b64 %rd1, [k_param_3];\n\tret;\n}\n")
    with pytest.raises(PtxBuildError, match=r"kernel 'k' uses Triton's hidden scratch parameter k_param_3"):
        strip_hidden_params(ptx, "k", 3, op_id="ns::k", arch="sm_80")
    unused = ptx.replace("[k_param_3]", "[k_param_0]")
    stripped = strip_hidden_params(unused, "k", 3, op_id="ns::k", arch="sm_80")
    entry = find_entry(stripped, "k")
    assert entry is not None and [p.name for p in entry.params] == ["k_param_0", "k_param_1", "k_param_2"]


def test_signature_not_in_tensorrt_argument_order_is_refused(tmp_path: Path) -> None:
    package = _copy_project(tmp_path, with_nvrtc=False) / PACKAGE
    manifest = _read(package / MANIFEST_NAME)
    _op(manifest, RELU)["build"]["signature"] = {"x_ptr": "*fp32", "y_ptr": "*fp32", "n": "i32"}
    (package / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    with pytest.raises(PtxBuildError, match="TensorRT's AOT argument order"):
        build_ptx(package, log=lambda line: None)


def test_cli_exits_1_with_the_reason_and_0_on_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trt_plugin_hub.build.__main__ import main

    package = _copy_project(tmp_path, with_nvrtc=False) / PACKAGE
    assert main([str(package), "--arch", "sm_75"]) == 1
    assert "no AOT op declares ['sm_75']" in capsys.readouterr().err
    assert main([str(package), "--arch", "sm_86"]) == 0
    assert "for sm_86 with triton" in capsys.readouterr().out
    assert [e["arch"] for e in _op(_read(package / MANIFEST_NAME), RELU)["ptx"]] == ["sm_86"]


def test_full_build_removes_ptx_of_archs_no_longer_declared_and_nothing_else(tmp_path: Path) -> None:
    package = _copy_project(tmp_path, with_nvrtc=False) / PACKAGE
    (package / "ptx").mkdir()
    (package / "ptx" / "relu_aot.sm_75.ptx").write_text("stale")
    (package / "ptx" / "README.txt").write_text("not ours")
    result = build_ptx(package, log=lambda line: None)
    assert result.removed == ("ptx/relu_aot.sm_75.ptx",)
    assert sorted(p.name for p in (package / "ptx").iterdir()) == sorted(
        ["README.txt"] + [f"relu_aot.{t}.ptx" for t in TRITON_TARGETS])


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def test_sdist_has_no_ptx_and_the_wheel_built_from_it_ships_ptx_and_manifest(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    from trt_plugin_hub.build import backend

    project = _copy_project(tmp_path)
    dist = tmp_path / "dist"
    dist.mkdir()
    with _cwd(project):
        sdist = backend.build_sdist(str(dist))
    assert not (project / PACKAGE / "ptx").exists()
    with tarfile.open(dist / sdist) as archive:
        assert not [n for n in archive.getnames() if n.endswith(".ptx")]
        archive.extractall(tmp_path / "unpacked", filter="data")
    unpacked = next((tmp_path / "unpacked").iterdir())
    with _cwd(unpacked):
        wheel = backend.build_wheel(str(dist))
    with zipfile.ZipFile(dist / wheel) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(f"{PACKAGE}/{MANIFEST_NAME}"))
        for op in manifest["ops"]:
            if op["kind"] != "aot":
                continue
            assert op["ptx"], op["id"]
            for entry in op["ptx"]:
                member = f"{PACKAGE}/{entry['path']}"
                assert member in names
                assert hashlib.sha256(archive.read(member)).hexdigest() == entry["sha256"]
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "[torch_tensorrt.plugins]" in archive.read(entry_points).decode()
