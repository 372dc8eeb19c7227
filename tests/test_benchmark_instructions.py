"""The benchmark's instruction counts (``benchmarks/discovery.py --instructions``): its switches, its split.

The children switch callgrind's instrumentation on and off around their timed regions through
valgrind's client request. Where valgrind runs (x86-64), a real child is counted: twice the work
between the switches counts about twice the instructions, and nothing outside them counts.
"""

from __future__ import annotations

import platform
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest


def test_the_timed_children_carry_the_switches_only_when_counted(bench: ModuleType):
    for plain, counted in ((bench._LOAD, bench._LOAD_COUNTED), (bench._MANUAL, bench._MANUAL_COUNTED)):
        assert "_callgrind" not in plain and "COUNT" not in plain
        assert "COUNT" not in counted
        on, off = counted.count("_callgrind(4)"), counted.count("_callgrind(5)")
        assert on == off >= 1
        # Every clock start is inside a counted region and every clock end closes one.
        assert re.search(r"_callgrind\(4\)\nt0 = time.perf_counter\(\)", counted)
    assert re.search(r"t3 = time.perf_counter\(\)\n_callgrind\(5\)", bench._LOAD_COUNTED)
    assert re.search(r"t2 = time.perf_counter\(\)\n_callgrind\(5\)", bench._MANUAL_COUNTED)
    # The hub's GPU probe module is imported inside the hub's timed imports (t0..t1).
    timed = bench._LOAD.split("t0 = time.perf_counter()")[1].split("t1 = time.perf_counter()")[0]
    assert "import trt_plugin_hub._gpu" in timed


def test_the_split_of_the_hubs_extra_instructions(bench: ModuleType):
    result = bench.InstructionResult({"manual": 1000, "load": 1300, "manual_prepared": 800, "load_prepared": 900},
                                     "valgrind-test")
    assert result.ratio("load") == pytest.approx(1.3)
    assert result.split("load") == {"extra": 300, "modules": 200, "work": 100, "modules_share": 0.667}


_CHILD = """
import json, sys
def work(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
inside, outside = json.loads(sys.argv[1])
work(outside)
_callgrind(4)
work(inside)
_callgrind(5)
work(outside)
print(json.dumps({"inside": inside}))
"""


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or shutil.which("valgrind") is None,
                    reason="needs valgrind on x86-64")
def test_callgrind_counts_exactly_the_switched_on_region(bench: ModuleType, tmp_path: Path):
    assert bench.instructions_available() is None
    runner = bench.Runner(tmp_path)
    code = bench._COUNTING + _CHILD

    def count(inside: int, outside: int) -> int:
        found, out = runner.instructions(code, tmp_path, arg=[inside, outside])
        assert out == {"inside": inside}
        return int(found)

    small, double, busy_outside = count(20_000, 0), count(40_000, 0), count(20_000, 200_000)
    assert small > 20_000 * 10  # the loop itself was counted
    assert 1.8 < double / small < 2.2  # twice the work inside, about twice the count
    assert abs(busy_outside - small) / small < 0.05  # ten times the work outside adds (almost) nothing
