"""The benchmark's statistics (``benchmarks/discovery.py``): the interval it gives a median, and its verdicts."""

from __future__ import annotations

import math
import random
from types import ModuleType

import pytest


@pytest.mark.parametrize("n", [6, 9, 15, 25, 41])
def test_the_interval_is_the_narrowest_pair_of_order_statistics_that_covers_the_median(bench: ModuleType, n: int):
    found = bench._median_interval([float(i) for i in range(1, n + 1)])
    k = int(found["low"])  # the k-th smallest and the k-th largest
    assert found["high"] == n + 1 - k
    coverage = 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
    assert found["coverage"] == round(coverage, 3) and coverage >= 0.95
    if k + 1 <= (n + 1) // 2:  # one step narrower would cover less than 95%
        assert 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n < 0.95


def test_too_few_values_give_the_whole_range_with_the_coverage_it_has(bench: ModuleType):
    assert bench._median_interval([3.0, 1.0, 2.0]) == {"low": 1.0, "high": 3.0, "coverage": 0.75}


def test_the_interval_holds_the_true_median_about_95_times_in_100(bench: ModuleType):
    generator = random.Random(7)
    for n in (15, 25):
        hits = sum(low <= 1.0 <= high for low, high in (
            (found["low"], found["high"]) for found in (
                bench._median_interval([generator.lognormvariate(0, 0.3) for _ in range(n)]) for _ in range(2000))))
        assert 0.93 <= hits / 2000 <= 0.99, (n, hits)


def test_a_verdict_is_given_only_when_the_whole_interval_is_on_one_side(bench: ModuleType):
    rounds = [1.00, 1.02, 1.04, 1.05, 1.06, 1.07, 1.08, 1.09, 1.10, 1.11, 1.12, 1.13, 1.15, 1.17, 1.20]
    assert bench._target("r", rounds, 1.2, ratio=True)["verdict"] == "met"
    straddling = bench._target("r", rounds, 1.09, ratio=True)
    assert straddling["met"] is True and straddling["verdict"] == "undecided"  # the median alone says met
    assert bench._target("r", rounds, 1.0, ratio=True)["verdict"] == "not met"
    assert "verdict" not in bench._target("best", rounds, 1.0, best=True)  # a best run has no interval
