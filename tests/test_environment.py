"""Environment probing without importing TensorRT, and targets for other hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doubles import make_double_site
from fixtures import run_python
from trt_plugin_hub.environment import Environment, parse_target
from trt_plugin_hub.errors import TargetError

PROBE = """
import json, sys
from trt_plugin_hub.environment import probe_environment
env = probe_environment()
print(json.dumps({"env": env.to_dict(), "imported": sorted(m for m in ("tensorrt", "torch_tensorrt", "torch")
                                                              if m in sys.modules)}))
"""


@pytest.mark.parametrize("dist", ["tensorrt-cu12", "tensorrt-cu13", "tensorrt"])
def test_tensorrt_found_under_any_distribution_name_without_importing_it(tmp_path: Path, dist):
    site = make_double_site(tmp_path / "s", tensorrt_version="10.13.3.9", tensorrt_dist=dist,
                            torch_tensorrt_version="2.9.0")
    out = json.loads(run_python(PROBE, paths=[site]).stdout)
    assert out["env"]["tensorrt"] == "10.13.3.9" and out["env"]["tensorrt_distribution"] == dist
    assert out["env"]["torch_tensorrt"] == "2.9.0" and out["env"]["tensorrt_has_qdp"] is True
    assert out["imported"] == []  # nothing heavy was imported, not even torch


def test_rtx_build_is_seen_as_having_no_qdp(tmp_path: Path):
    site = make_double_site(tmp_path / "s", tensorrt_version="10.13.3.9", rtx=True, torch_tensorrt_version="2.9.0")
    out = json.loads(run_python(PROBE, paths=[site]).stdout)
    assert out["env"]["tensorrt"] == "10.13.3.9" and out["env"]["tensorrt_has_qdp"] is False


def test_no_gpu_is_a_normal_state():
    out = json.loads(run_python(PROBE, env={"CUDA_VISIBLE_DEVICES": ""}).stdout)
    assert out["env"]["compute_capability"] is None


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
