"""The example plugin project (``example_plugin_pkg``) as the PTX build tests use it: clean copies
without built PTX, and the NVRTC that is installed here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from _support.dists import REPO
from trt_plugin_hub._manifest import MANIFEST_FILENAME

EXAMPLE_PROJECT = REPO / "example_plugin_pkg"
PACKAGE = "example_plugin_pkg"
RELU = "example_plugin::relu_aot"
SCALE = "example_plugin::scale_nvrtc"
TRITON_TARGETS = ["sm_80", "sm_86", "sm_89", "sm_90a"]
NVRTC_TARGETS = ["sm_80", "sm_86", "sm_89", "sm_90"]
DRIVER_ISA = (8, 7)  # requires.cuda_driver ">=570" in the example manifest


def installed_nvrtc() -> tuple[int, int] | None:
    """The version of the NVRTC ``cuda.bindings`` loads, or None without one."""
    try:
        from cuda.bindings import nvrtc

        err, major, minor = nvrtc.nvrtcVersion()
    except Exception:  # noqa: BLE001 - absent module or library both mean "no NVRTC"
        return None
    return (major, minor) if err == nvrtc.nvrtcResult.NVRTC_SUCCESS else None


NVRTC = installed_nvrtc()
# NVRTC 12.8 writes PTX ISA 8.7, 12.9 writes 8.8, 13.x writes 9.x.
NVRTC_FITS_DRIVER = NVRTC is not None and NVRTC <= (12, 8)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def op_of(manifest: dict[str, Any], op_id: str) -> dict[str, Any]:
    return next(op for op in manifest["ops"] if op["id"] == op_id)


def copy_example_project(dest: Path, *, with_nvrtc: bool = NVRTC_FITS_DRIVER) -> Path:
    """A clean copy of the example project (no built PTX); returns the project directory."""
    project = dest / "project"
    shutil.copytree(EXAMPLE_PROJECT, project,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "ptx", "__pycache__"))
    manifest_path = project / PACKAGE / MANIFEST_FILENAME
    manifest = read_json(manifest_path)
    for op in manifest["ops"]:
        if op["kind"] in ("aot", "kernels"):
            op["ptx"] = []
    if not with_nvrtc:  # every op NVRTC compiles: the AOT op and the kernels op
        manifest["ops"] = [op for op in manifest["ops"] if op.get("build", {}).get("compiler") != "nvrtc"]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return project
