"""``verify``'s pure parts: the sizes and the JSON schema of a report (argument packing, the extras
and the grid are the launch contract's: ``tests/test_launch.py``).
"""

from __future__ import annotations

import json

import pytest
from _support.verify import fake_report

from trt_plugin_hub.cli import EXIT_USAGE, main
from trt_plugin_hub.verify import DEFAULT_SIZES, REPORT_SCHEMA, parse_sizes

# ---- sizes ------------------------------------------------------------------------------------


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
    assert set(data) == {"schema", "trt_plugin_hub", "created", "passed", "device", "settings", "problems", "ops"}
    assert data["schema"] == REPORT_SCHEMA == "trt-plugin-hub/verify/1" and data["passed"] is False
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
