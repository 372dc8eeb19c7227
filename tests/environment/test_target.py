"""Targets: another host described in text, on top of this one."""

from __future__ import annotations

import pytest

from trt_plugin_hub._environment import Environment, parse_target
from trt_plugin_hub._errors import TargetError

BASE = Environment(python="3.11.7", tensorrt=None, torch="2.13.0")


def test_target_fills_what_it_names_and_notes_the_rest():
    env = parse_target("sm_90a trt=10.13.3 driver=580.65.06", base=BASE)
    assert env.compute_capability == (9, 0) and env.tensorrt == "10.13.3" and env.driver == "580.65.06"
    assert env.max_ptx_isa == (9, 0) and env.is_target
    assert any("torch_tensorrt not in the target" in n for n in env.notes)
    assert parse_target("cc=8.6", base=BASE).compute_capability == (8, 6)


@pytest.mark.parametrize("text", ["", "sm_x", "driver=abc", "trt=ten", "colour=blue", "driver=300"])
def test_bad_targets_raise_target_error(text):
    with pytest.raises(TargetError):
        parse_target(text, base=BASE)
