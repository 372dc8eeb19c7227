"""What is installed and which GPU is present, found without importing TensorRT or initialising CUDA.

:func:`probe_environment` reads versions from distribution metadata (or from a module that is
already imported), the driver and GPU from NVML through ``ctypes`` (NVML does not create a CUDA
context), and never raises. :func:`parse_target` builds the same :class:`Environment` for a host
that is not this one, so the decisions can be asked about a production GPU from a laptop.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import platform
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from . import _upstream
from ._errors import TargetError
from .ptx import cuda_version_for_driver, max_isa_for_cuda, parse_arch

if sys.version_info >= (3, 10):
    from importlib import metadata as _metadata
else:  # pragma: no cover
    import importlib_metadata as _metadata

__all__ = ["Environment", "probe_environment", "parse_target", "TENSORRT_DISTRIBUTIONS"]

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


@dataclass(frozen=True)
class Environment:
    """Versions and hardware the decisions are made against.

    ``None`` means "not installed" for versions and "no GPU found" for the GPU fields. ``notes``
    says where each value came from, for ``explain``.
    """

    python: str
    tensorrt: str | None = None
    tensorrt_distribution: str | None = None
    tensorrt_has_qdp: bool = True
    torch: str | None = None
    torch_tensorrt: str | None = None
    numpy: str | None = None
    driver: str | None = None
    cuda_driver_version: tuple[int, int] | None = None
    compute_capability: tuple[int, int] | None = None
    gpu_name: str | None = None
    is_target: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def max_ptx_isa(self) -> tuple[int, int] | None:
        """Newest PTX ISA the driver loads, when the driver is known."""
        if self.cuda_driver_version is None:
            return None
        return max_isa_for_cuda(self.cuda_driver_version)

    @property
    def driver_major(self) -> int | None:
        """The driver branch (``580`` of ``580.65.06``)."""
        if not self.driver:
            return None
        match = re.match(r"(\d+)", self.driver)
        return int(match.group(1)) if match else None

    @property
    def arch(self) -> str | None:
        """The GPU as an ``sm_XY`` name."""
        if self.compute_capability is None:
            return None
        return f"sm_{self.compute_capability[0]}{self.compute_capability[1]}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        cc = self.compute_capability
        isa = self.max_ptx_isa
        cuda = self.cuda_driver_version
        return {
            "python": self.python,
            "tensorrt": self.tensorrt,
            "tensorrt_distribution": self.tensorrt_distribution,
            "tensorrt_has_qdp": self.tensorrt_has_qdp,
            "torch": self.torch,
            "torch_tensorrt": self.torch_tensorrt,
            "numpy": self.numpy,
            "driver": self.driver,
            "cuda_driver_version": f"{cuda[0]}.{cuda[1]}" if cuda else None,
            "max_ptx_isa": f"{isa[0]}.{isa[1]}" if isa else None,
            "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
            "gpu_name": self.gpu_name,
            "is_target": self.is_target,
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------------------------
# Probing this host


def probe_environment() -> Environment:
    """Describe this host. Never raises; never imports TensorRT; never initialises CUDA."""
    notes: list[str] = []
    trt_version, trt_dist, has_qdp = _probe_tensorrt(notes)
    torch_version = _module_version("torch") or _dist_version(("torch",))[0]
    tt_version = _module_version("torch_tensorrt") or _dist_version(TORCH_TENSORRT_DISTRIBUTIONS)[0]
    numpy_version = _module_version("numpy") or _dist_version(("numpy",))[0]
    gpu = _probe_gpu(notes)
    return Environment(
        python=platform.python_version(),
        tensorrt=trt_version,
        tensorrt_distribution=trt_dist,
        tensorrt_has_qdp=has_qdp,
        torch=torch_version,
        torch_tensorrt=tt_version,
        numpy=numpy_version,
        driver=gpu.driver,
        cuda_driver_version=gpu.cuda,
        compute_capability=gpu.cc,
        gpu_name=gpu.name,
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
        found = _scan_dist_version(names)
    except Exception:  # noqa: BLE001 - the fast path is an optimisation; never let it decide alone
        found = None
    if found is not None:
        return found
    for name in names:
        try:
            return _metadata.version(name), name
        except _metadata.PackageNotFoundError:
            continue
        except Exception:  # a broken METADATA file must not stop the probe
            continue
    return None, None


_METADATA_SUFFIXES = (".dist-info", ".egg-info")
#: Per directory: (mtime_ns, its listing joined by newlines, the same in lower case).
_LISTINGS: dict[str, tuple[int, str, str]] = {}


def _normalize_dist(name: str) -> str:
    # importlib.metadata's rule for metadata folder names: PEP 503, with '_' for the separator.
    return re.sub(r"[-_.]+", "_", name).lower()


def _listing(directory: str, mtime_ns: int) -> tuple[str, str] | None:
    """A directory's listing (newline-joined, and lower-cased), read once while its mtime holds."""
    key = directory if os.path.isabs(directory) else os.path.abspath(directory)  # '' is the cwd
    cached = _LISTINGS.get(key)
    if cached is None or cached[0] != mtime_ns:
        listing = "\n" + "\n".join(os.listdir(key)) + "\n"
        cached = (mtime_ns, listing, listing.lower())
        _LISTINGS[key] = cached
    if len(cached[1]) != len(cached[2]):
        return None  # a name whose lower case changes length: offsets would not line up
    return cached[1], cached[2]


def _metadata_folders(listing: tuple[str, str], normalized: str) -> list[str]:
    """Metadata folders of project ``normalized`` in a listing, in listing order.

    Searching the joined lower-case listing for the name's first word is done in C, so a
    directory of thousands of distributions costs microseconds per name, not a Python loop.
    """
    original, low = listing
    needle = "\n" + normalized.partition("_")[0]
    found = []
    at = low.find(needle)
    while at >= 0:
        end = low.find("\n", at + 1)
        line = low[at + 1:end]
        if line.endswith(_METADATA_SUFFIXES):
            project = line.rpartition(".")[0].partition("-")[0]
            if "." in project or "__" in project:  # installers write most names normalised already
                project = _normalize_dist(project)
            if project == normalized:
                found.append(original[at + 1:end])
        at = low.find(needle, end)
    return found


def _scan_dist_version(names: tuple[str, ...]) -> tuple[str | None, str | None] | None:
    """``_dist_version`` by listing ``sys.path`` directories; ``None`` when it cannot be exact."""
    import stat

    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not importlib.machinery.PathFinder:
            return None
    listings: list[tuple[str, tuple[str, str]]] = []
    for entry in cast("list[object]", sys.path):  # a real sys.path may hold other objects
        if not isinstance(entry, str):
            return None
        directory = entry or "."
        try:
            st = os.stat(directory)
        except (OSError, ValueError):
            continue  # importlib.metadata finds nothing in a missing entry either
        if not stat.S_ISDIR(st.st_mode) or entry.lower().endswith(".egg"):
            return None  # zips and eggs have their own layouts: let importlib.metadata read them
        listing = _listing(directory, st.st_mtime_ns)
        if listing is None:
            return None
        listings.append((directory, listing))
    for name in names:
        normalized = _normalize_dist(name)
        for directory, listing in listings:
            folders = _metadata_folders(listing, normalized)
            if folders:
                version = _header_version(os.path.join(directory, folders[0]))
                return None if version is None else (version, name)
    return None, None


def _header_version(folder: str) -> str | None:
    """The ``Version`` header of a metadata folder (or egg-info file); ``None`` if not plain."""
    if folder.lower().endswith(".dist-info"):
        path = os.path.join(folder, "METADATA")
    elif os.path.isdir(folder):
        path = os.path.join(folder, "PKG-INFO")
    else:
        path = folder
    try:
        with open(path, encoding="utf-8") as handle:
            lines = iter(handle)
            for line in lines:
                if not line.strip():
                    return None  # end of the headers: no Version
                if line[:8].lower() == "version:":
                    value = line[8:].strip()
                    following = next(lines, "")
                    # A folded header continues on an indented line: leave that to the email parser.
                    return None if following[:1] in (" ", "\t") or not value else value
    except (OSError, UnicodeDecodeError):
        return None
    return None


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


@dataclass(frozen=True)
class _Gpu:
    driver: str | None = None
    cuda: tuple[int, int] | None = None
    cc: tuple[int, int] | None = None
    name: str | None = None


def _probe_gpu(notes: list[str]) -> _Gpu:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1", "none", "NoDevFiles"):
        notes.append("CUDA_VISIBLE_DEVICES hides every GPU")
        return _Gpu(driver=_proc_driver_version())
    torch = sys.modules.get("torch")
    try:
        nvml = _nvml_query(visible)
    except Exception as exc:  # NVML missing or failing is an ordinary state, not an error
        notes.append(f"NVML unavailable ({type(exc).__name__}: {exc})")
        nvml = _Gpu(driver=_proc_driver_version())
    if nvml.cc is None and torch is not None:
        # Only ask torch if it already initialised CUDA: asking would otherwise initialise it.
        try:
            cuda = torch.cuda
            if cuda.is_initialized():
                major, minor = cuda.get_device_capability()
                return replace(nvml, cc=(major, minor), name=cuda.get_device_name())
        except Exception:
            pass
    return nvml


def _proc_driver_version() -> str | None:
    try:
        text = Path("/proc/driver/nvidia/version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else None


def _nvml_query(visible: str | None) -> _Gpu:
    lib = ctypes.CDLL("libnvidia-ml.so.1") if sys.platform != "win32" else ctypes.WinDLL("nvml.dll")  # type: ignore[attr-defined]
    if lib.nvmlInit_v2() != 0:
        raise OSError("nvmlInit failed")
    try:
        buf = ctypes.create_string_buffer(96)
        driver = buf.value.decode() if lib.nvmlSystemGetDriverVersion(buf, 96) == 0 else None
        cuda_int = ctypes.c_int()
        cuda = None
        if lib.nvmlSystemGetCudaDriverVersion_v2(ctypes.byref(cuda_int)) == 0:
            cuda = (cuda_int.value // 1000, (cuda_int.value % 1000) // 10)
        handle = ctypes.c_void_p()
        first = (visible or "0").split(",")[0].strip()
        if first.startswith(("GPU-", "MIG-")):
            status = lib.nvmlDeviceGetHandleByUUID(first.encode(), ctypes.byref(handle))
        else:
            status = lib.nvmlDeviceGetHandleByIndex_v2(int(first) if first.isdigit() else 0, ctypes.byref(handle))
        if status != 0:
            return _Gpu(driver=driver, cuda=cuda)
        major, minor = ctypes.c_int(), ctypes.c_int()
        cc = None
        if lib.nvmlDeviceGetCudaComputeCapability(handle, ctypes.byref(major), ctypes.byref(minor)) == 0:
            cc = (major.value, minor.value)
        name_buf = ctypes.create_string_buffer(96)
        name = name_buf.value.decode() if lib.nvmlDeviceGetName(handle, name_buf, 96) == 0 else None
        return _Gpu(driver=driver, cuda=cuda, cc=cc, name=name)
    finally:
        lib.nvmlShutdown()


# ----------------------------------------------------------------------------------------------
# Targets


_TARGET_KEYS = {
    "tensorrt": "tensorrt", "trt": "tensorrt",
    "torch": "torch",
    "torch_tensorrt": "torch_tensorrt", "torch-tensorrt": "torch_tensorrt", "tt": "torch_tensorrt",
    "driver": "driver",
    "python": "python",
    "numpy": "numpy", "np": "numpy",
    "cc": "cc", "sm": "cc", "gpu": "cc", "arch": "cc",
}


def parse_target(text: str, base: Environment | None = None) -> Environment:
    """Describe another host from text such as ``"sm_90, trt=10.13, driver=580"``.

    Items are separated by commas or spaces: an architecture (``sm_90``, ``cc=9.0``) and
    ``tensorrt=`` (``trt=``), ``torch=``, ``torch_tensorrt=`` (``tt=``), ``numpy=``, ``driver=``,
    ``python=``.
    What the target does not name is taken from ``base`` (this host by default) and noted.
    """
    base = base or probe_environment()
    values: dict[str, object] = {}
    notes: list[str] = []
    items = [item for item in re.split(r"[,\s]+", text.strip()) if item]
    if not items:
        raise TargetError("an empty target; give e.g. 'sm_90, trt=10.13, driver=580'")
    for item in items:
        key, sep, value = item.partition("=")
        key = key.lower()
        if not sep:
            key, value = "cc", item
        if key not in _TARGET_KEYS or not value:
            raise TargetError(f"unknown target item {item!r}; use sm_XY, trt=, torch=, tt=, numpy=, driver=, python=")
        field_name = _TARGET_KEYS[key]
        if field_name == "cc":
            values["compute_capability"] = _parse_cc(value)
        elif field_name == "driver":
            if not re.fullmatch(r"\d{3}(\.\d+){0,2}", value):
                raise TargetError(f"driver must look like 580 or 580.65.06, found {value!r}")
            cuda = cuda_version_for_driver(int(value.split(".")[0]))
            if cuda is None:
                raise TargetError(f"driver {value} is older than any CUDA 11 driver")
            values["driver"] = value
            values["cuda_driver_version"] = cuda
        else:
            from .versions import parse_version

            if parse_version(value) is None:
                raise TargetError(f"{key}={value!r} is not a version")
            values[field_name] = value
    if "tensorrt" in values:
        values["tensorrt_distribution"] = "target"
        values["tensorrt_has_qdp"] = True
    for name in ("tensorrt", "torch", "torch_tensorrt", "numpy", "driver", "compute_capability"):
        if name not in values:
            shown = getattr(base, name)
            notes.append(f"{name} not in the target: using this host's ({shown if shown is not None else 'none'})")
    if "compute_capability" in values and "driver" not in values and base.driver is None:
        notes.append("no driver in the target: PTX ISA versions are not checked")
    if "compute_capability" in values:
        values["gpu_name"] = None
    return replace(base, is_target=True, notes=tuple(notes), **values)  # type: ignore[arg-type]


def _parse_cc(value: str) -> tuple[int, int]:
    value = value.strip().lower()
    if re.fullmatch(r"\d+\.\d", value):
        major, minor = value.split(".")
        return int(major), int(minor)
    try:
        arch = parse_arch(value if value.startswith(("sm_", "compute_")) else f"sm_{value}")
    except ValueError as exc:
        raise TargetError(f"not a GPU architecture: {value!r} (use sm_90 or cc=9.0)") from exc
    return arch.major, arch.minor
