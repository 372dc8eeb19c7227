"""Environment probing without importing TensorRT.

The installations probed are the real upstream ones (``tests/_support/upstream``): Torch-TensorRT and the
TensorRT it pins, laid out as pip or TensorRT's tarball installs them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _support.dists import make_dist, run_python

PROBE = """
import json, sys
from trt_plugin_hub._environment import probe_environment
env = probe_environment()
print(json.dumps({"env": env.to_dict(), "imported": sorted(m for m in ("tensorrt", "torch_tensorrt", "torch")
                                                              if m in sys.modules)}))
"""


def _installed(torch_tensorrt: str, layout: str) -> tuple[Path, dict]:
    """The real upstream site of one release and layout, and what it holds (``upstream.json``)."""
    from _support.upstream import Cell, RegistryUnavailable, assemble

    try:
        site = assemble(Cell(torch_tensorrt, layout))
    except RegistryUnavailable as exc:
        pytest.skip(f"real upstream unavailable: {exc}")
    return site, json.loads((site / "upstream.json").read_text())


# One real install per distribution name that provides the tensorrt module.
LAYOUTS = {"tensorrt-cu13": ("2.14.0", "pip"), "tensorrt-cu12": ("2.8.0", "pip"), "tensorrt": ("2.14.0", "tarball")}


@pytest.mark.parametrize("dist", list(LAYOUTS))
def test_tensorrt_found_under_any_distribution_name_without_importing_it(dist):
    site, info = _installed(*LAYOUTS[dist])
    out = json.loads(run_python(PROBE, paths=[site]).stdout)
    assert out["env"]["tensorrt"] == info["tensorrt"] and out["env"]["tensorrt_distribution"] == dist
    assert out["env"]["torch_tensorrt"] == info["torch_tensorrt"] and out["env"]["tensorrt_has_qdp"] is True
    assert out["imported"] == []  # nothing heavy was imported, not even torch


def test_frontend_without_tensorrt_plugin_is_seen_as_having_no_qdp():
    # `pip install tensorrt-cu13==10.13.*` alone: the bindings hold plugin/*.py, but TensorRT 10.7-10.13
    # frontends ship no tensorrt/plugin, so `import tensorrt.plugin` fails there.
    site, info = _installed("2.9.0", "pip-frontend")
    assert "tensorrt" not in info["distributions"]
    out = json.loads(run_python(PROBE, paths=[site]).stdout)
    assert out["env"]["tensorrt"] == info["tensorrt"] and out["env"]["tensorrt_has_qdp"] is False
    assert any("tensorrt.plugin" in note for note in out["env"]["notes"])
    assert out["imported"] == []


def test_build_shipping_no_plugin_module_is_seen_as_having_no_qdp(tmp_path: Path):
    # As TensorRT-RTX and lean builds: the real tarball package with its plugin module left out.
    real, info = _installed("2.14.0", "tarball")
    site = tmp_path / "site"
    shutil.copytree(real / "tensorrt", site / "tensorrt", ignore=shutil.ignore_patterns("plugin", "__pycache__"))
    make_dist(site, "tensorrt", info["tensorrt"])
    out = json.loads(run_python(PROBE, paths=[site]).stdout)
    assert out["env"]["tensorrt"] == info["tensorrt"] and out["env"]["tensorrt_has_qdp"] is False
    assert out["imported"] == []


def test_no_gpu_is_a_normal_state():
    out = json.loads(run_python(PROBE, env={"CUDA_VISIBLE_DEVICES": ""}).stdout)
    assert out["env"]["compute_capability"] is None
