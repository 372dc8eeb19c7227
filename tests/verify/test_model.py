"""``verify``'s pure parts: argument packing in TensorRT's order, the extras, the grid, the sizes, and
the JSON schema of a report."""

from __future__ import annotations

import json
import struct

import pytest

from _support.verify import EXAMPLE, fake_report
from trt_plugin_hub.aot import float_bits
from trt_plugin_hub.cli import EXIT_USAGE, main
from trt_plugin_hub.manifest import LaunchSpec
from trt_plugin_hub.ptx import parse_ptx
from trt_plugin_hub.verify import (
    DEFAULT_SIZES,
    REPORT_SCHEMA,
    check_kernel_params,
    extra_values,
    grid_x,
    pack_kernel_args,
    parse_sizes,
)

# ---- argument packing (pure) -----------------------------------------------------------------


def test_pack_order_is_inputs_then_int32_extras_then_outputs():
    launch = LaunchSpec(block_threads=256, elements_per_block=1024, extras=("numel", "attr:scale"))
    extras = extra_values(launch, 4097, {"scale": -2.5})
    assert extras == (4097, float_bits(-2.5))
    assert float_bits(-2.5) < 0  # the sign bit makes a negative int32, which must still pack
    args = pack_kernel_args([0x7F0000001000, 0x7F0000002000], extras, [0x7F0000003000])
    assert [(a.kind, a.value) for a in args] == [
        ("ptr", 0x7F0000001000), ("ptr", 0x7F0000002000),
        ("i32", 4097), ("i32", struct.unpack("<i", struct.pack("<f", -2.5))[0]),
        ("ptr", 0x7F0000003000),
    ]
    assert [a.role for a in args] == ["input 0", "input 1", "extra 0", "extra 1", "output 0"]


def test_extras_follow_declared_order_and_types():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("attr:k", "numel", "attr:alpha"))
    assert extra_values(launch, 7, {"k": 3, "alpha": 1.0, "unused": 9.0}) == (3, 7, 0x3F800000)
    assert extra_values(LaunchSpec(128, 1024), 7, {}) == ()  # no extras: pointers only


def test_extras_that_cannot_travel_as_int32_are_refused():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("numel",))
    with pytest.raises(ValueError, match="int32"):
        extra_values(launch, 1 << 31, {})
    with pytest.raises(ValueError, match="attribute 'scale'"):
        extra_values(LaunchSpec(128, 1024, ("attr:scale",)), 10, {})
    with pytest.raises(ValueError, match="int32"):
        pack_kernel_args([], [1 << 40], [])


def test_grid_is_ceil_of_numel_over_elements_per_block():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024)
    assert [grid_x(launch, n) for n in (1, 1024, 1025, 4097)] == [1, 1, 2, 5]


def test_kernel_params_of_the_shipped_ptx_match_tensorrt_order():
    for name, extras in (("relu_aot.sm_90a", ["numel"]), ("scale_nvrtc.sm_90", ["numel", 1])):
        header = parse_ptx((EXAMPLE / "ptx" / f"{name}.ptx").read_bytes())
        (entry,) = header.entries
        args = pack_kernel_args([1], [1] * len(extras), [2])
        assert check_kernel_params(entry.params, args) is None


def test_kernel_param_mismatches_are_named():
    args = pack_kernel_args([1], [5], [2])
    # Triton's two hidden scratch pointers, left in: two parameters more than TensorRT passes.
    message = check_kernel_params((".u64", ".u32", ".u64", ".u64", ".u64"), args)
    assert message is not None and "5 parameter(s)" in message and "passes 3" in message
    message = check_kernel_params((".u64", ".u64", ".u64"), args)
    assert message is not None and "parameter 1 is .u64" in message and "extra 0" in message


def test_sizes_and_shapes_parse():
    assert parse_sizes("1, 1025,3x333x7") == ((1,), (1025,), (3, 333, 7))
    assert parse_sizes(list(DEFAULT_SIZES))[-1] == (1 << 26,)
    for bad in ("0", "abc", "3x0", ""):
        with pytest.raises(ValueError):
            parse_sizes(bad)


def test_bad_sizes_are_a_usage_error(capsys: pytest.CaptureFixture[str]):
    assert main(["verify", "--sizes", "10,0"]) == EXIT_USAGE
    assert "--sizes" in capsys.readouterr().err


# ---- results and JSON ------------------------------------------------------------------------------


OP_KEYS = {"plugin", "op", "status", "error", "arch", "kernel", "ptx", "sha256", "launch", "reference", "attrs",
           "dtype", "rtol", "max_rel_error", "shapes_passed", "shapes_checked", "largest", "sizes"}
SIZE_KEYS = {"shape", "numel", "grid", "trials", "passed", "max_rel_error", "unwritten", "guard_overwritten",
             "bytes_moved", "kernel_ms", "copy_ms", "eager_ms", "kernel_gbs", "copy_gbs", "eager_gbs",
             "fraction_of_copy", "vs_eager", "error"}


def test_json_schema_of_a_report():
    data = json.loads(fake_report().to_json())
    assert set(data) == {"schema", "created", "passed", "device", "settings", "problems", "ops"}
    assert data["schema"] == REPORT_SCHEMA and data["passed"] is False
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
