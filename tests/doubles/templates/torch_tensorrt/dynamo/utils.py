"""Device helpers. The double never touches ``torch.cuda`` (CPU-only torch would fail there)."""

from __future__ import annotations

import os

NO_DRIVER_MESSAGE = (
    "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and "
    "installed a driver from http://www.nvidia.com/Download/index.aspx"
)


def get_device_capability() -> tuple[int, int]:
    """Simulated ``torch.cuda.get_device_capability()``: an sm_90 GPU, or no driver at all when
    ``TRT_DOUBLE_NO_DRIVER=1``."""
    if os.environ.get("TRT_DOUBLE_NO_DRIVER") == "1":
        raise RuntimeError(NO_DRIVER_MESSAGE)
    return (9, 0)


def is_tegra_platform() -> bool:
    return get_device_capability() in [(11, 0), (8, 7), (7, 2)]
