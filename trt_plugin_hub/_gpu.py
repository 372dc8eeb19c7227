"""The driver and the GPU, from NVML through ``ctypes`` (no CUDA context) or ``/proc``."""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import Any

from trt_plugin_hub._record import Frozen, record, replace

__all__ = ["DEVICE_NODES", "PROC_NVIDIA", "GpuInfo", "exported_gpu", "gpu_fingerprint", "gpu_unsaved", "probe_gpu",
           "seed_gpu"]

#: Where the NVIDIA kernel module describes itself and each GPU it drives (Linux).
PROC_NVIDIA = "/proc/driver/nvidia"
#: The device nodes NVML reaches the driver through on Linux: the kernel module's control node,
#: or WSL 2's GPU paravirtualisation node. With neither, NVML has no driver to ask.
DEVICE_NODES = ("/dev/nvidiactl", "/dev/dxg")


@record
class GpuInfo(Frozen):
    """What the probe found of the driver and the first visible GPU (a frozen dataclass)."""

    driver: str | None = None
    cuda: tuple[int, int] | None = None
    cc: tuple[int, int] | None = None
    name: str | None = None

    def __init__(self, driver: str | None = None, cuda: tuple[int, int] | None = None,
                 cc: tuple[int, int] | None = None, name: str | None = None) -> None:
        object.__setattr__(self, "driver", driver)
        object.__setattr__(self, "cuda", cuda)
        object.__setattr__(self, "cc", cc)
        object.__setattr__(self, "name", name)


#: NVML's answers by (the kernel module's description, ``CUDA_VISIBLE_DEVICES``): kept in the
#: discovery cache file (:func:`seed_gpu`, :func:`exported_gpu`) so a warm process does not load NVML.
_KNOWN: dict[tuple[str, str | None], GpuInfo] = {}
_known_changed = False


def probe_gpu(notes: list[str], visible: str | None) -> GpuInfo:
    """The driver and the first GPU ``visible`` (``CUDA_VISIBLE_DEVICES``) shows; never raises or initialises CUDA.

    NVML's answer is reused while the kernel module describes the driver and GPUs as it did
    when NVML gave it (:func:`gpu_fingerprint`): loading and initialising NVML costs about 20 ms.
    """
    global _known_changed  # noqa: PLW0603 - the answers of this process
    if visible is not None and visible.strip() in ("", "-1", "none", "NoDevFiles"):
        notes.append("CUDA_VISIBLE_DEVICES hides every GPU")
        return GpuInfo(driver=_proc_driver_version())
    fingerprint = gpu_fingerprint()
    known = _KNOWN.get((fingerprint, visible)) if fingerprint is not None else None
    if known is not None:
        return known
    torch = sys.modules.get("torch")
    try:
        nvml = _nvml_query(visible)
        if fingerprint is not None and nvml.cc is not None:
            _known_changed = _known_changed or _KNOWN.get((fingerprint, visible)) != nvml
            _KNOWN[(fingerprint, visible)] = nvml
    except Exception as exc:  # noqa: BLE001 - NVML missing or failing is an ordinary state, not an error
        notes.append(f"NVML unavailable ({type(exc).__name__}: {exc})")
        nvml = GpuInfo(driver=_proc_driver_version())
    if nvml.cc is None and torch is not None:
        # Only ask torch if it already initialised CUDA: asking would otherwise initialise it.
        try:
            cuda = torch.cuda
            if cuda.is_initialized():
                major, minor = cuda.get_device_capability()
                return replace(nvml, cc=(major, minor), name=cuda.get_device_name())
        except Exception:  # noqa: BLE001, S110 - torch's answer is optional; NVML's stands
            pass
    return nvml


def _proc_driver_version() -> str | None:
    try:
        text = Path("/proc/driver/nvidia/version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else None


def _nvml_query(visible: str | None) -> GpuInfo:
    if sys.platform.startswith("linux") and not any(os.path.exists(node) for node in DEVICE_NODES):
        # Loading libnvidia-ml only to learn it cannot start costs ~0.3 ms on every CPU-only host.
        raise OSError(f"no NVIDIA device node ({', '.join(DEVICE_NODES)})")
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
            return GpuInfo(driver=driver, cuda=cuda)
        major, minor = ctypes.c_int(), ctypes.c_int()
        cc = None
        if lib.nvmlDeviceGetCudaComputeCapability(handle, ctypes.byref(major), ctypes.byref(minor)) == 0:
            cc = (major.value, minor.value)
        name_buf = ctypes.create_string_buffer(96)
        name = name_buf.value.decode() if lib.nvmlDeviceGetName(handle, name_buf, 96) == 0 else None
        return GpuInfo(driver=driver, cuda=cuda, cc=cc, name=name)
    finally:
        lib.nvmlShutdown()


def gpu_fingerprint(root: str | None = None) -> str | None:
    """What identifies the driver and the GPUs without NVML: a digest of what the kernel module says.

    ``version`` (the driver) and each ``gpus/<bus>/information`` (model, UUID, bus, firmware)
    under ``root`` (:data:`PROC_NVIDIA` by default),
    read as bytes: about 0.2 ms, where loading and initialising NVML costs about 20 ms on a GPU
    host. Any change of driver, GPU or their order changes it. ``None`` where the files are not
    there (no NVIDIA driver, not Linux, a container without them): callers then ask NVML.
    """
    import hashlib

    root = root or PROC_NVIDIA
    try:
        digest = hashlib.sha256()
        with open(os.path.join(root, "version"), "rb") as handle:
            digest.update(handle.read())
        for bus in sorted(os.listdir(os.path.join(root, "gpus"))):
            with open(os.path.join(root, "gpus", bus, "information"), "rb") as handle:
                digest.update(b"\0" + bus.encode() + b"\0" + handle.read())
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def seed_gpu(entries: object) -> None:
    """Add the answers a cache file holds (as :func:`exported_gpu` wrote them); malformed ones are skipped."""
    if not isinstance(entries, list):
        return
    for item in entries:
        try:
            fingerprint, visible, (driver, cuda, cc, name) = item
            if not isinstance(fingerprint, str) or not (visible is None or isinstance(visible, str)):
                continue
            if not all(v is None or isinstance(v, str) for v in (driver, name)):
                continue
            pairs = [None if v is None else (int(v[0]), int(v[1])) for v in (cuda, cc)]
        except (TypeError, ValueError, IndexError):
            continue
        if pairs[1] is not None:
            _KNOWN.setdefault((fingerprint, visible), GpuInfo(driver, pairs[0], pairs[1], name))


def gpu_unsaved() -> bool:
    """Whether NVML gave an answer since the last :func:`exported_gpu`."""
    return _known_changed


def exported_gpu() -> list[list[Any]]:
    """The remembered answers, JSON-ready."""
    global _known_changed  # noqa: PLW0603 - the answers of this process
    _known_changed = False
    return [[fingerprint, visible, [info.driver, info.cuda and list(info.cuda), info.cc and list(info.cc), info.name]]
            for (fingerprint, visible), info in sorted(_KNOWN.items(), key=lambda item: (item[0][0], item[0][1] or ""))]
