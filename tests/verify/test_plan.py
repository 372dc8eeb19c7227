"""What ``verify`` checks and how: ``--package`` folders, each op's reference (``reference_<name>`` or
``x-reference``) and the ``x-verify`` options.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from _support.verify import EXAMPLE, H100, SMALL, custom_package

from trt_plugin_hub.verify._plan import Package, package_from_dir, plan_op
from trt_plugin_hub.verify._run import verify_op

pytest.importorskip("torch")
pytest.importorskip("numpy")

from _support.fake_gpu import FakeGpu, relu_kernel


def test_x_reference_and_x_verify_are_read_from_the_manifest(tmp_path: Path, site: Path):
    source = ("import torch\n"
              "def my_relu(x: torch.Tensor, gain: float) -> torch.Tensor:\n"
              "    return torch.relu(x) * gain\n")
    package = custom_package(site, {"x-reference": "vfy_custom.ops:my_relu",
                                    "x-verify": {"attrs": {"gain": 2}, "rtol": 0.0},
                                    "launch": {"block_threads": 128, "elements_per_block": 1024,
                                               "extras": ["numel", "attr:gain"]}},
                             source, "vfy_custom")
    loaded = package_from_dir(str(package))
    plan = plan_op(loaded, loaded.manifest.ops[0], SMALL)
    assert plan.reference_name == "vfy_custom.ops:my_relu"
    assert plan.tensor_params == ("x",) and plan.attrs == {"gain": 2.0} and isinstance(plan.attrs["gain"], float)
    assert plan.rtol == 0.0 and plan.dtype == "float32"


def test_missing_reference_and_unknown_attrs_are_op_errors(tmp_path: Path, site: Path):
    package = custom_package(site, {}, "", "vfy_noref")
    loaded = package_from_dir(str(package))
    result = verify_op(FakeGpu({"relu_kernel": relu_kernel}), H100, loaded, loaded.manifest.ops[0], SMALL,
                       random.Random(0))
    assert result.status == "error" and "vfy_noref.ops:reference_relu_aot does not exist" in (result.error or "")
    source = "def reference_relu_aot(x):\n    return x.clamp_min(0)\n"
    package = custom_package(site, {"x-verify": {"attrs": {"alpha": 1.0}}}, source, "vfy_badattr")
    loaded = package_from_dir(str(package))
    with pytest.raises(ValueError, match=r"x-verify\.attrs names alpha"):
        plan_op(loaded, loaded.manifest.ops[0], SMALL)


def test_package_option_accepts_the_project_folder(example: Package):
    package = package_from_dir(str(EXAMPLE.parent))
    assert package.package_dir == EXAMPLE.resolve() and package.module == "example_plugin_pkg"
    assert package.name == example.name == "example"
