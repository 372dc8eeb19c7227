"""``trt-plugin-hub verify``: argument packing, the check pipeline (with a stand-in GPU whose kernels
are Python reading the packed pointers), the exit codes without a GPU, and the JSON schema.
The one test that launches the shipped PTX runs only where a CUDA GPU and cuda-python are present."""

from __future__ import annotations

import ctypes
import json
import random
import shutil
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from trt_plugin_hub import verify as V
from trt_plugin_hub.aot import float_bits
from trt_plugin_hub.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, main
from trt_plugin_hub.environment import Environment, parse_target
from trt_plugin_hub.manifest import LaunchSpec
from trt_plugin_hub.ptx import parse_ptx

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example_plugin_pkg" / "example_plugin_pkg"
H100 = Environment(python="3.12", compute_capability=(9, 0), driver="580.65.06", cuda_driver_version=(13, 0))


def _gpu_reason() -> str | None:
    """Why the real-GPU test cannot run here, or ``None``."""
    try:
        V._load_gpu_stack()
    except V.Unavailable as exc:
        return str(exc)
    return None


# ---- argument packing (pure) -----------------------------------------------------------------


def test_pack_order_is_inputs_then_int32_extras_then_outputs():
    launch = LaunchSpec(block_threads=256, elements_per_block=1024, extras=("numel", "attr:scale"))
    extras = V.extra_values(launch, 4097, {"scale": -2.5})
    assert extras == (4097, float_bits(-2.5))
    assert float_bits(-2.5) < 0  # the sign bit makes a negative int32, which must still pack
    args = V.pack_kernel_args([0x7F0000001000, 0x7F0000002000], extras, [0x7F0000003000])
    assert [(a.kind, a.value) for a in args] == [
        ("ptr", 0x7F0000001000), ("ptr", 0x7F0000002000),
        ("i32", 4097), ("i32", struct.unpack("<i", struct.pack("<f", -2.5))[0]),
        ("ptr", 0x7F0000003000),
    ]
    assert [a.role for a in args] == ["input 0", "input 1", "extra 0", "extra 1", "output 0"]


def test_extras_follow_declared_order_and_types():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("attr:k", "numel", "attr:alpha"))
    assert V.extra_values(launch, 7, {"k": 3, "alpha": 1.0, "unused": 9.0}) == (3, 7, 0x3F800000)
    assert V.extra_values(LaunchSpec(128, 1024), 7, {}) == ()  # no extras: pointers only


def test_extras_that_cannot_travel_as_int32_are_refused():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("numel",))
    with pytest.raises(ValueError, match="int32"):
        V.extra_values(launch, 1 << 31, {})
    with pytest.raises(ValueError, match="attribute 'scale'"):
        V.extra_values(LaunchSpec(128, 1024, ("attr:scale",)), 10, {})
    with pytest.raises(ValueError, match="int32"):
        V.pack_kernel_args([], [1 << 40], [])


def test_grid_is_ceil_of_numel_over_elements_per_block():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024)
    assert [V.grid_x(launch, n) for n in (1, 1024, 1025, 4097)] == [1, 1, 2, 5]


def test_kernel_params_of_the_shipped_ptx_match_tensorrt_order():
    for name, extras in (("relu_aot.sm_90a", ["numel"]), ("scale_nvrtc.sm_90", ["numel", 1])):
        header = parse_ptx((EXAMPLE / "ptx" / f"{name}.ptx").read_bytes())
        (entry,) = header.entries
        args = V.pack_kernel_args([1], [1] * len(extras), [2])
        assert V.check_kernel_params(entry.params, args) is None


def test_kernel_param_mismatches_are_named():
    args = V.pack_kernel_args([1], [5], [2])
    # Triton's two hidden scratch pointers, left in: two parameters more than TensorRT passes.
    message = V.check_kernel_params((".u64", ".u32", ".u64", ".u64", ".u64"), args)
    assert message is not None and "5 parameter(s)" in message and "passes 3" in message
    message = V.check_kernel_params((".u64", ".u64", ".u64"), args)
    assert message is not None and "parameter 1 is .u64" in message and "extra 0" in message


def test_sizes_and_shapes_parse():
    assert V.parse_sizes("1, 1025,3x333x7") == ((1,), (1025,), (3, 333, 7))
    assert V.parse_sizes(list(V.DEFAULT_SIZES))[-1] == (1 << 26,)
    for bad in ("0", "abc", "3x0", ""):
        with pytest.raises(ValueError):
            V.parse_sizes(bad)


# ---- the check pipeline with a stand-in GPU -----------------------------------------------------


def _floats(address: int, count: int) -> Any:
    return np.ctypeslib.as_array((ctypes.c_float * count).from_address(address))


Kernel = Callable[[int, LaunchSpec, Sequence[V.KernelArg]], None]


def relu_kernel(grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> None:
    """What relu_kernel does, reading its parameters exactly as TensorRT passes them."""
    x, n, y = args
    assert (x.kind, n.kind, y.kind) == ("ptr", "i32", "ptr")
    _floats(y.value, n.value)[:] = np.where(_floats(x.value, n.value) < 0, np.float32(0), _floats(x.value, n.value))


def scale_kernel(grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> None:
    x, n, bits, y = args
    scale = np.float32(struct.unpack("<f", struct.pack("<i", bits.value))[0])
    _floats(y.value, n.value)[:] = _floats(x.value, n.value) * scale


def relu_without_bounds_check(grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> None:
    _x, _n, y = args
    covered = grid * launch.elements_per_block  # every thread of the last block writes
    _floats(y.value, covered)[:] = 0.0
    relu_kernel(grid, launch, args)


def relu_skipping_the_tail(grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> None:
    x, n, y = args
    full = n.value // launch.elements_per_block * launch.elements_per_block  # the last partial block is lost
    _floats(y.value, full)[:] = np.maximum(_floats(x.value, full), 0)


class FakeGpu:
    """What _verify_op needs of the GPU: CPU tensors, and a "kernel" that is a Python function."""

    tensor_device = "cpu"

    def __init__(self, kernels: dict[str, Kernel]) -> None:
        self.torch = torch
        self.kernels = kernels
        self.launches: list[tuple[int, int, tuple[V.KernelArg, ...]]] = []

    def load(self, ptx: bytes, kernel: str) -> tuple[object, str]:
        assert kernel.encode() in ptx
        return object(), kernel

    def unload(self, module: object) -> None:
        pass

    def launcher(self, function: str, grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> Callable[[], None]:
        def run() -> None:
            self.launches.append((grid, launch.block_threads, tuple(args)))
            self.kernels[function](grid, launch, args)
        return run

    def synchronize(self) -> None:
        pass

    def time_ms(self, fn: Callable[[], Any], reps: int, warmup: int) -> float:
        fn()
        return 0.25


def _example_package() -> V._Package:
    return V._package_from_dir(str(EXAMPLE))


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> V._Package:
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    return _example_package()


SMALL = V.VerifySettings(shapes=V.parse_sizes("1,1000,1025,4097,3x333x7"), reps=3, warmup=1, trials=2, seed=7)


def _op(package: V._Package, op_id: str) -> Any:
    return next(op for op in package.manifest.ops if op.id == op_id)


def test_example_ops_pass_with_correct_kernels(example: V._Package):
    gpu = FakeGpu({"relu_kernel": relu_kernel, "scale_kernel": scale_kernel})
    rng = random.Random(1)
    relu = V._verify_op(gpu, H100, example, _op(example, "example_plugin::relu_aot"), SMALL, rng)
    scale = V._verify_op(gpu, H100, example, _op(example, "example_plugin::scale_nvrtc"), SMALL, rng)
    for result in (relu, scale):
        assert result.status == "ok", (result.error, [s.to_dict() for s in result.sizes])
        assert [s.shape for s in result.sizes] == list(SMALL.shapes)
        assert result.max_rel_error == 0.0
    assert (relu.arch, relu.kernel, scale.arch) == ("sm_90a", "relu_kernel", "sm_90")
    assert relu.reference == "example_plugin_pkg.ops:reference_relu_aot"
    assert scale.attrs == {"scale": 1.5}
    # The launches used the manifest's geometry and TensorRT's order; extras carry numel and the bits.
    grid, block, args = next(entry for entry in gpu.launches if entry[2][1].value == 4097 and len(entry[2]) == 4)
    assert (grid, block) == (5, 256) and args[2].value == float_bits(1.5)
    by_size = {s.numel: s for s in relu.sizes}
    assert by_size[1025].grid == 2 and by_size[1025].bytes_moved == 2 * 1025 * 4
    assert by_size[1025].trials == 2 and by_size[1025].fraction_of_copy == 1.0


def test_unwritten_elements_and_writes_past_the_end_are_mismatches(example: V._Package):
    op = _op(example, "example_plugin::relu_aot")
    past = V._verify_op(FakeGpu({"relu_kernel": relu_without_bounds_check}), H100, example, op, SMALL,
                        random.Random(2))
    tail = V._verify_op(FakeGpu({"relu_kernel": relu_skipping_the_tail}), H100, example, op, SMALL, random.Random(3))
    assert past.status == tail.status == "mismatch"
    past_by, tail_by = {s.numel: s for s in past.sizes}, {s.numel: s for s in tail.sizes}
    assert past_by[1025].guard_overwritten == 2 * (2048 - 1025)  # two trials
    assert past_by[1000].guard_overwritten > 0 and past_by[1].guard_overwritten > 0
    assert tail_by[1025].unwritten == 2 * 1 and tail_by[1000].unwritten == 2 * 1000
    assert not any(s.passed for s in past.sizes) and tail_by[4097].passed is False
    assert past_by[1025].kernel_ms is None  # a wrong kernel is not timed


def test_a_wrong_attribute_shows_as_relative_error(example: V._Package):
    def scale_ignoring_attr(grid: int, launch: LaunchSpec, args: Sequence[V.KernelArg]) -> None:
        x, n, _bits, y = args
        _floats(y.value, n.value)[:] = _floats(x.value, n.value)

    op = _op(example, "example_plugin::scale_nvrtc")
    result = V._verify_op(FakeGpu({"scale_kernel": scale_ignoring_attr}), H100, example, op, SMALL, random.Random(4))
    assert result.status == "mismatch"
    assert result.max_rel_error == pytest.approx(1 / 3, rel=1e-6)  # |x - 1.5x| / |1.5x|


def test_ptx_is_chosen_and_verified_for_the_gpu(example: V._Package):
    gpu = FakeGpu({"relu_kernel": relu_kernel})
    op = _op(example, "example_plugin::relu_aot")
    no_match = V._verify_op(gpu, parse_target("sm_75, driver=580", base=H100), example, op, SMALL, random.Random(0))
    assert no_match.status == "error" and "[PTX_NO_MATCH]" in (no_match.error or "")
    old_driver = V._verify_op(gpu, parse_target("sm_90, driver=550", base=H100), example, op, SMALL, random.Random(0))
    assert old_driver.status == "error" and "[PTX_ISA_TOO_NEW]" in (old_driver.error or "")
    assert not gpu.launches


def _custom_package(root: Path, op_extra: dict[str, Any], ops_source: str, name: str) -> Path:
    """A copy of the example's relu op as package ``name``, with its own ops module."""
    package = root / name
    (package / "ptx").mkdir(parents=True)
    manifest = json.loads((EXAMPLE / "trt_plugin.json").read_text())
    op = next(o for o in manifest["ops"] if o["id"] == "example_plugin::relu_aot")
    op.update(op_extra, module=f"{name}.qdp")
    for artifact in op["ptx"]:
        shutil.copy(EXAMPLE / artifact["path"], package / artifact["path"])
    manifest.update(name=name.replace("_", "-"), ops=[op])
    (package / "trt_plugin.json").write_text(json.dumps(manifest))
    (package / "__init__.py").write_text("")
    (package / "ops.py").write_text(ops_source)
    return package


def test_x_reference_and_x_verify_are_read_from_the_manifest(tmp_path: Path, site: Path):
    source = ("import torch\n"
              "def my_relu(x: torch.Tensor, gain: float) -> torch.Tensor:\n"
              "    return torch.relu(x) * gain\n")
    package = _custom_package(site, {"x-reference": "vfy_custom.ops:my_relu",
                                     "x-verify": {"attrs": {"gain": 2}, "rtol": 0.0},
                                     "launch": {"block_threads": 128, "elements_per_block": 1024,
                                                "extras": ["numel", "attr:gain"]}},
                              source, "vfy_custom")
    loaded = V._package_from_dir(str(package))
    plan = V._plan(loaded, loaded.manifest.ops[0], V._raw_op(loaded, loaded.manifest.ops[0]), SMALL)
    assert plan.reference_name == "vfy_custom.ops:my_relu"
    assert plan.tensor_params == ("x",) and plan.attrs == {"gain": 2.0} and isinstance(plan.attrs["gain"], float)
    assert plan.rtol == 0.0 and plan.dtype == "float32"


def test_missing_reference_and_unknown_attrs_are_op_errors(tmp_path: Path, site: Path):
    package = _custom_package(site, {}, "", "vfy_noref")
    loaded = V._package_from_dir(str(package))
    result = V._verify_op(FakeGpu({"relu_kernel": relu_kernel}), H100, loaded, loaded.manifest.ops[0], SMALL,
                          random.Random(0))
    assert result.status == "error" and "vfy_noref.ops:reference_relu_aot does not exist" in (result.error or "")
    source = "def reference_relu_aot(x):\n    return x.clamp_min(0)\n"
    package = _custom_package(site, {"x-verify": {"attrs": {"alpha": 1.0}}}, source, "vfy_badattr")
    loaded = V._package_from_dir(str(package))
    with pytest.raises(ValueError, match=r"x-verify\.attrs names alpha"):
        V._plan(loaded, loaded.manifest.ops[0], V._raw_op(loaded, loaded.manifest.ops[0]), SMALL)


def test_package_option_accepts_the_project_folder(example: V._Package):
    package = V._package_from_dir(str(EXAMPLE.parent))
    assert package.package_dir == EXAMPLE.resolve() and package.module == "example_plugin_pkg"
    assert package.name == example.name == "example"


# ---- results, JSON and the table ------------------------------------------------------------------


def _fake_report() -> V.VerifyReport:
    sizes = (
        V.SizeResult(shape=(1025,), numel=1025, grid=2, trials=2, max_rel_error=0.0, unwritten=0,
                     guard_overwritten=0, passed=True, bytes_moved=8200, kernel_ms=0.004, copy_ms=0.004,
                     eager_ms=0.005),
        V.SizeResult(shape=(1 << 26,), numel=1 << 26, grid=65536, trials=2, max_rel_error=5.9e-8, unwritten=0,
                     guard_overwritten=0, passed=True, bytes_moved=1 << 29, kernel_ms=0.125, copy_ms=0.120,
                     eager_ms=0.130),
    )
    ok = V.OpResult(plugin="example", op="example_plugin::scale_nvrtc", status="ok", arch="sm_90",
                    kernel="scale_kernel", ptx="ptx/scale_nvrtc.sm_90.ptx", sha256="b" * 64,
                    launch=LaunchSpec(256, 1024, ("numel", "attr:scale")),
                    reference="example_plugin_pkg.ops:reference_scale_nvrtc", attrs={"scale": 1.5},
                    dtype="float32", sizes=sizes)
    bad = V.OpResult(plugin="example", op="example_plugin::relu_aot", status="mismatch", arch="sm_90a",
                     sizes=(V.SizeResult(shape=(4097,), numel=4097, grid=5, trials=2, max_rel_error=0.0,
                                         unwritten=1, guard_overwritten=0, passed=False, bytes_moved=32776),))
    device = {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "driver": "580.65.06"}
    return V.VerifyReport(device=device, settings=SMALL, ops=(ok, bad), created="2026-11-27T00:00:00Z")


OP_KEYS = {"plugin", "op", "status", "error", "arch", "kernel", "ptx", "sha256", "launch", "reference", "attrs",
           "dtype", "rtol", "max_rel_error", "shapes_passed", "shapes_checked", "largest", "sizes"}
SIZE_KEYS = {"shape", "numel", "grid", "trials", "passed", "max_rel_error", "unwritten", "guard_overwritten",
             "bytes_moved", "kernel_ms", "copy_ms", "eager_ms", "kernel_gbs", "copy_gbs", "eager_gbs",
             "fraction_of_copy", "vs_eager", "error"}


def test_json_schema_of_a_report():
    data = json.loads(_fake_report().to_json())
    assert set(data) == {"schema", "created", "passed", "device", "settings", "problems", "ops"}
    assert data["schema"] == V.REPORT_SCHEMA and data["passed"] is False
    assert set(data["settings"]) == {"shapes", "reps", "warmup", "trials", "seed", "rtol", "ops", "packages", "time"}
    ok, bad = data["ops"]
    assert set(ok) == set(bad) == OP_KEYS
    assert all(set(s) == SIZE_KEYS for op in data["ops"] for s in op["sizes"])
    assert ok["launch"] == {"block_threads": 256, "elements_per_block": 1024, "extras": ["numel", "attr:scale"],
                            "shared_mem": 0}
    assert ok["max_rel_error"] == 5.9e-8 and (ok["shapes_passed"], ok["shapes_checked"]) == (2, 2)
    big = ok["sizes"][1]
    assert big["kernel_gbs"] == pytest.approx((1 << 29) / 0.125e-3 / 1e9, abs=0.1)
    assert big["fraction_of_copy"] == pytest.approx(0.96) and big["vs_eager"] == pytest.approx(1.04)
    assert ok["largest"]["numel"] == 1 << 26 and ok["largest"]["fraction_of_copy"] == pytest.approx(0.96)
    assert bad["largest"] is None and bad["sizes"][0]["kernel_ms"] is None


def test_table_ends_with_one_summary_row_per_op():
    text = V.format_table(_fake_report())
    lines = text.splitlines()
    assert lines[0].startswith("Device: NVIDIA H100 80GB HBM3 (cc 9.0) | driver 580.65.06")
    summary = lines[lines.index(next(line for line in lines if line.startswith("OP "))):]
    assert summary[1].split()[:4] == ["example_plugin::scale_nvrtc", "sm_90", "2/2", "5.9e-08"]
    assert "96.0%" in summary[1] and "1.040x" in summary[1]
    assert summary[2].split()[:3] == ["example_plugin::relu_aot", "sm_90a", "0/1"]
    assert "4097: 1 output element(s) left unwritten (still poisoned)" in text
    assert lines[-1].endswith("MISMATCHES or errors: see above.")


# ---- the command line --------------------------------------------------------------------------


def test_without_a_gpu_verify_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]):
    reason = _gpu_reason()
    if reason is None:
        pytest.skip("a CUDA GPU is present: the no-GPU path cannot be shown here")
    assert main(["verify"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("trt-plugin-hub: error: verify needs a CUDA GPU with PyTorch and cuda-python: ")
    assert reason in err


def test_missing_cuda_python_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def missing() -> None:
        raise V.Unavailable("cuda-python is not installed (no module cuda.bindings.driver)")

    monkeypatch.setattr(V, "_load_gpu_stack", missing)
    assert main(["verify", "--json"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "cuda-python is not installed" in captured.err


def test_bad_sizes_are_a_usage_error(capsys: pytest.CaptureFixture[str]):
    assert main(["verify", "--sizes", "10,0"]) == EXIT_USAGE
    assert "--sizes" in capsys.readouterr().err


def test_exit_code_follows_the_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    report = _fake_report()
    monkeypatch.setattr(V, "run_verify", lambda settings: report)
    assert main(["verify"]) == EXIT_PROBLEMS
    assert capsys.readouterr().out.rstrip().endswith("MISMATCHES or errors: see above.")
    passing = V.VerifyReport(device=report.device, settings=report.settings, ops=report.ops[:1])
    monkeypatch.setattr(V, "run_verify", lambda settings: passing)
    assert main(["verify", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["passed"] is True


# ---- on a real GPU -----------------------------------------------------------------------------


@pytest.mark.skipif(_gpu_reason() is not None, reason=f"needs a CUDA GPU, torch and cuda-python: {_gpu_reason()}")
def test_shipped_ptx_runs_and_matches_on_this_gpu(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]):
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    code = main(["verify", "--package", str(EXAMPLE), "--sizes", "1,1000,1025,4097,3x333x7,1048583",
                 "--reps", "5", "--warmup", "1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, json.dumps(data, indent=1)
    assert {op["op"] for op in data["ops"]} == {"example_plugin::relu_aot", "example_plugin::scale_nvrtc"}
    assert all(op["status"] == "ok" and op["shapes_passed"] == 6 for op in data["ops"])
