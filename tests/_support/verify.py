"""What the ``verify`` tests share: the example package, a host to choose PTX for, small settings, a
made-up report and copies of the example's op with their own reference. Imports neither torch nor numpy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from trt_plugin_hub._environment import Environment
from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub.verify import OpResult, SizeResult, VerifyReport, VerifySettings, parse_sizes
from trt_plugin_hub.verify._plan import Package

from .dists import REPO

EXAMPLE = REPO / "example_plugin_pkg" / "example_plugin_pkg"
H100 = Environment(python="3.12", compute_capability=(9, 0), driver="580.65.06", cuda_driver_version=(13, 0))
SMALL = VerifySettings(shapes=parse_sizes("1,1000,1025,4097,3x333x7"), reps=3, warmup=1, trials=2, seed=7)


def op_of(package: Package, op_id: str) -> Any:
    """The op ``op_id`` of ``package``'s manifest."""
    return next(op for op in package.manifest.ops if op.id == op_id)


def fake_report() -> VerifyReport:
    """Two ops: one passing at two shapes (timed), one with an unwritten element."""
    sizes = (
        SizeResult(shape=(1025,), numel=1025, grid=2, trials=2, max_rel_error=0.0, unwritten=0,
                   guard_overwritten=0, passed=True, bytes_moved=8200, kernel_ms=0.004, copy_ms=0.004,
                   eager_ms=0.005),
        SizeResult(shape=(1 << 26,), numel=1 << 26, grid=65536, trials=2, max_rel_error=5.9e-8, unwritten=0,
                   guard_overwritten=0, passed=True, bytes_moved=1 << 29, kernel_ms=0.125, copy_ms=0.120,
                   eager_ms=0.130),
    )
    ok = OpResult(plugin="example", op="example_plugin::scale_nvrtc", status="ok", arch="sm_90",
                  kernel="scale_kernel", ptx="ptx/scale_nvrtc.sm_90.ptx", sha256="b" * 64,
                  launch=LaunchSpec(256, 1024, ("numel", "attr:scale")),
                  reference="example_plugin_pkg.ops:reference_scale_nvrtc", attrs={"scale": 1.5},
                  dtype="float32", sizes=sizes)
    bad = OpResult(plugin="example", op="example_plugin::relu_aot", status="mismatch", arch="sm_90a",
                   sizes=(SizeResult(shape=(4097,), numel=4097, grid=5, trials=2, max_rel_error=0.0,
                                     unwritten=1, guard_overwritten=0, passed=False, bytes_moved=32776),))
    device = {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "driver": "580.65.06"}
    return VerifyReport(device=device, settings=SMALL, ops=(ok, bad), created="2026-11-27T00:00:00Z")


def custom_package(root: Path, op_extra: dict[str, Any], ops_source: str, name: str) -> Path:
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
