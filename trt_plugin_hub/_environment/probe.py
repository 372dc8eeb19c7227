"""This host's versions, driver and GPU, found without importing TensorRT or initialising CUDA.

Versions come from a module that is already imported, else from distribution metadata (the fast
scan of :mod:`.metadata`, with ``importlib.metadata`` as the fallback); the driver and GPU from
:mod:`trt_plugin_hub._gpu`. Nothing here raises.
"""

from __future__ import annotations

import importlib.machinery
import platform
import sys
from importlib import metadata as _metadata
from pathlib import Path

from trt_plugin_hub import _gpu as gpu
from trt_plugin_hub import _upstream
from trt_plugin_hub._settings import Settings, read_settings

from .metadata import scan_dist_version
from .model import Environment

__all__ = ["TENSORRT_DISTRIBUTIONS", "TORCH_TENSORRT_DISTRIBUTIONS", "probe_environment"]

#: Distribution names that provide the ``tensorrt`` module, most specific first.
TENSORRT_DISTRIBUTIONS = (
    "tensorrt-cu13",
    "tensorrt-cu12",
    "tensorrt-cu11",
    "tensorrt",
    "tensorrt-cu13-bindings",
    "tensorrt-cu12-bindings",
    "tensorrt-cu11-bindings",
)
TORCH_TENSORRT_DISTRIBUTIONS = ("torch-tensorrt", "torch_tensorrt")


def probe_environment(settings: Settings | None = None) -> Environment:
    """Describe this host. Never raises; never imports TensorRT; never initialises CUDA.

    ``settings`` (read from the environment by default) say which GPU is visible.
    """
    settings = settings or read_settings()
    notes: list[str] = []
    trt_version, trt_dist, has_qdp = _probe_tensorrt(notes)
    torch_version = _module_version("torch") or _dist_version(("torch",))[0]
    tt_version = _module_version("torch_tensorrt") or _dist_version(TORCH_TENSORRT_DISTRIBUTIONS)[0]
    numpy_version = _module_version("numpy") or _dist_version(("numpy",))[0]
    found = gpu.probe_gpu(notes, settings.visible_devices)
    pairing = _upstream.torch_pairing_problem(torch_version, tt_version)
    if pairing is not None:
        notes.append(pairing)
    return Environment(
        python=platform.python_version(),
        tensorrt=trt_version,
        tensorrt_distribution=trt_dist,
        tensorrt_has_qdp=has_qdp,
        torch=torch_version,
        torch_tensorrt=tt_version,
        numpy=numpy_version,
        driver=found.driver,
        cuda_driver_version=found.cuda,
        compute_capability=found.cc,
        gpu_name=found.name,
        notes=tuple(notes),
    )


def _module_version(name: str) -> str | None:
    # A module already imported is the truth for this process, whatever metadata says.
    module = sys.modules.get(name)
    version = getattr(module, "__version__", None) if module is not None else None
    return str(version) if version else None


def _dist_version(names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The version of the first of ``names`` that is installed, and that name.

    Same answer as ``importlib.metadata.version`` tried name by name, at a fraction of the cost:
    each of those calls searches every ``sys.path`` entry, and in a process that has not yet
    scanned entry points (a discovery-cache hit) the first one indexes every distribution of
    every directory. Here each directory is listed once per process (until its mtime changes)
    and only the METADATA headers of the few matching folders are read. Anything unusual (a
    zip or egg on ``sys.path``, a metadata finder other than the path finder, a METADATA file
    without a plain ``Version`` header) falls back to ``importlib.metadata``.
    """
    try:
        found = scan_dist_version(names)
    except Exception:  # noqa: BLE001 - the fast path is an optimisation; never let it decide alone
        found = None
    if found is not None:
        return found
    for name in names:
        try:
            return _metadata.version(name), name
        except _metadata.PackageNotFoundError:  # noqa: PERF203 - at most a few names
            continue
        except Exception:  # noqa: BLE001, S112 - a broken METADATA file must not stop the probe
            continue
    return None, None


def _find_package_dir(name: str) -> Path | None:
    """Locate a top-level package on sys.path without importing it."""
    try:
        spec = importlib.machinery.PathFinder.find_spec(name)
    except (ImportError, ValueError, OSError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        return Path(location)
    return None


def _probe_tensorrt(notes: list[str]) -> tuple[str | None, str | None, bool]:
    version = _module_version("tensorrt")
    dist = None
    if version is None:
        version, dist = _dist_version(TENSORRT_DISTRIBUTIONS)
    package = _find_package_dir("tensorrt")
    if version is None:
        if package is not None:
            notes.append("a 'tensorrt' package was found without distribution metadata or __version__")
        return None, None, False
    if package is None and "tensorrt" not in sys.modules:
        notes.append(f"distribution {dist} {version} is installed but provides no importable 'tensorrt' module")
        return None, dist, False
    # QDP is usable when tensorrt.plugin._lib imports: decided the way the import system would
    # find it, not by which directories exist (pip installs keep the sources in tensorrt_bindings).
    has_qdp, why = _upstream.qdp_module_resolves()
    if not has_qdp:
        notes.append(f"TensorRT {version}: {why}")
    return version, dist, has_qdp
