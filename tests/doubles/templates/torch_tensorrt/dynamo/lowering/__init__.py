"""Lowering package double: only reproduces the import-time device probe of upstream >= 2.8."""

from torch_tensorrt._double_config import VERSION_TUPLE as _V
from torch_tensorrt.dynamo.utils import is_tegra_platform

if _V >= (2, 8):
    # Upstream decides at import time whether to register some lowering passes, by querying
    # the device; on a host without a driver that query raises RuntimeError.
    _IS_TEGRA = is_tegra_platform()
