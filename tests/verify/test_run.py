"""``verify``'s check pipeline with a stand-in GPU whose kernels are Python reading the packed pointers:
correct kernels pass, unwritten elements, writes past the end and an ignored attribute are caught, the
PTX is chosen for the GPU; the exit code follows the report.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import pytest
from _support.verify import H100, SMALL, fake_report, op_of

from trt_plugin_hub import verify
from trt_plugin_hub._environment import parse_target
from trt_plugin_hub._launch import LaunchSpec, float_bits
from trt_plugin_hub._launch.checks import KernelArg
from trt_plugin_hub.cli import EXIT_OK, EXIT_PROBLEMS, main
from trt_plugin_hub.verify import VerifyReport
from trt_plugin_hub.verify._plan import Package
from trt_plugin_hub.verify._run import verify_op

pytest.importorskip("torch")
pytest.importorskip("numpy")

from _support.fake_gpu import (
    FakeGpu,
    floats,
    relu_kernel,
    relu_skipping_the_tail,
    relu_without_bounds_check,
    scale_kernel,
)


def test_example_ops_pass_with_correct_kernels(example: Package):
    gpu = FakeGpu({"relu_kernel": relu_kernel, "scale_kernel": scale_kernel})
    rng = random.Random(1)
    relu = verify_op(gpu, H100, example, op_of(example, "example_plugin::relu_aot"), SMALL, rng)
    scale = verify_op(gpu, H100, example, op_of(example, "example_plugin::scale_nvrtc"), SMALL, rng)
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


def test_kernels_op_is_verified_through_the_same_launch_contract(example: Package):
    # A kernels op runs its PTX as an aot op does: the PTX chosen for the GPU, the manifest's
    # launch, (input pointer, numel, output pointer); a kernel that ignores numel's bound fails.
    def square_kernel(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
        x, n, y = args
        assert (x.kind, n.kind, y.kind) == ("ptr", "i32", "ptr")
        floats(y.value, n.value)[:] = floats(x.value, n.value) * floats(x.value, n.value)

    def square_one_block_short(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
        x, n, y = args
        count = min(n.value, (grid - 1) * launch.elements_per_block)
        floats(y.value, count)[:] = floats(x.value, count) * floats(x.value, count)

    op = op_of(example, "example_plugin::square_kernels")
    assert op.kind == "kernels"
    gpu = FakeGpu({"square_kernel": square_kernel})
    result = verify_op(gpu, H100, example, op, SMALL, random.Random(5))
    assert result.status == "ok", (result.error, [s.to_dict() for s in result.sizes])
    assert (result.arch, result.kernel) == ("sm_90", "square_kernel")
    assert result.reference == "example_plugin_pkg.ops:reference_square_kernels"
    by_size = {s.numel: s for s in result.sizes}
    assert by_size[1025].grid == 5  # ceil(1025 / 256): one thread per element
    short = verify_op(FakeGpu({"square_kernel": square_one_block_short}), H100, example, op, SMALL,
                      random.Random(6))
    assert short.status == "mismatch"


def test_unwritten_elements_and_writes_past_the_end_are_mismatches(example: Package):
    op = op_of(example, "example_plugin::relu_aot")
    past = verify_op(FakeGpu({"relu_kernel": relu_without_bounds_check}), H100, example, op, SMALL,
                     random.Random(2))
    tail = verify_op(FakeGpu({"relu_kernel": relu_skipping_the_tail}), H100, example, op, SMALL, random.Random(3))
    assert past.status == tail.status == "mismatch"
    past_by, tail_by = {s.numel: s for s in past.sizes}, {s.numel: s for s in tail.sizes}
    assert past_by[1025].guard_overwritten == 2 * (2048 - 1025)  # two trials
    assert past_by[1000].guard_overwritten > 0 and past_by[1].guard_overwritten > 0
    assert tail_by[1025].unwritten == 2 * 1 and tail_by[1000].unwritten == 2 * 1000
    assert not any(s.passed for s in past.sizes) and tail_by[4097].passed is False
    assert past_by[1025].kernel_ms is None  # a wrong kernel is not timed


def test_a_wrong_attribute_shows_as_relative_error(example: Package):
    def scale_ignoring_attr(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
        x, n, _bits, y = args
        floats(y.value, n.value)[:] = floats(x.value, n.value)

    op = op_of(example, "example_plugin::scale_nvrtc")
    result = verify_op(FakeGpu({"scale_kernel": scale_ignoring_attr}), H100, example, op, SMALL, random.Random(4))
    assert result.status == "mismatch"
    assert result.max_rel_error == pytest.approx(1 / 3, rel=1e-6)  # |x - 1.5x| / |1.5x|


def test_ptx_is_chosen_and_verified_for_the_gpu(example: Package):
    gpu = FakeGpu({"relu_kernel": relu_kernel})
    op = op_of(example, "example_plugin::relu_aot")
    no_match = verify_op(gpu, parse_target("sm_75, driver=580", base=H100), example, op, SMALL, random.Random(0))
    assert no_match.status == "error" and "[PTX_NO_MATCH]" in (no_match.error or "")
    old_driver = verify_op(gpu, parse_target("sm_90, driver=550", base=H100), example, op, SMALL, random.Random(0))
    assert old_driver.status == "error" and "[PTX_ISA_TOO_NEW]" in (old_driver.error or "")
    assert not gpu.launches


def test_exit_code_follows_the_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    report = fake_report()
    monkeypatch.setattr(verify, "run_verify", lambda settings: report)
    assert main(["verify"]) == EXIT_PROBLEMS
    assert capsys.readouterr().out.rstrip().endswith("MISMATCHES or errors: see above.")
    passing = VerifyReport(device=report.device, settings=report.settings, ops=report.ops[:1])
    monkeypatch.setattr(verify, "run_verify", lambda settings: passing)
    assert main(["verify", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["passed"] is True
