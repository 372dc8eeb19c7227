"""``ENABLED_FEATURES`` and the ``needs_qdp_plugin`` gate, per upstream release.

``qdp_plugin`` (the field exists from 2.8; reading it on 2.6/2.7 is AttributeError, as there):
  * 2.8, 2.9: ``tensorrt.plugin`` importable;
  * 2.10: always False (that release switched QDP off unconditionally);
  * 2.11, 2.12: importable and TensorRT not 10.14.x / 10.15.x, not RTX;
  * 2.13+: importable and TensorRT not 10.14.x, not RTX.
Only the public ``generate_plugin_converter`` is gated; ``_generate_plugin_converter`` is not.
"""

from __future__ import annotations

import importlib.util
from collections import namedtuple
from typing import Any, Callable

import tensorrt

from torch_tensorrt._double_config import VERSION_TUPLE as _V

_TENSORRT_RTX = getattr(tensorrt, "_package_name", "tensorrt") == "tensorrt_rtx"


def _plugin_module_present() -> bool:
    try:
        return importlib.util.find_spec("tensorrt.plugin") is not None
    except (ImportError, ValueError):
        return False


def _qdp_available() -> bool:
    if not _plugin_module_present():
        return False
    if _V[:2] == (2, 10):
        return False
    if _V >= (2, 11):
        if _TENSORRT_RTX:
            return False
        broken = ("10.14.",) if _V >= (2, 13) else ("10.14.", "10.15.")
        if tensorrt.__version__.startswith(broken):
            return False
    return True


_FIELDS = ["torchscript_frontend", "torch_tensorrt_runtime", "dynamo_frontend", "fx_frontend", "refit"]
_VALUES: list[Any] = [False, False, True, not _TENSORRT_RTX, True]
if _V >= (2, 8):
    _FIELDS.append("qdp_plugin")
    _VALUES.append(_qdp_available())
_FIELDS.append("windows_cross_compile")
_VALUES.append(False)
if _V >= (2, 10):
    _FIELDS += ["tensorrt_rtx", "trtllm_for_nccl"]
    _VALUES += [_TENSORRT_RTX, False]

FeatureSet = namedtuple("FeatureSet", _FIELDS)  # type: ignore[misc]
ENABLED_FEATURES = FeatureSet(*_VALUES)


def needs_qdp_plugin(f: Callable[..., Any]) -> Callable[..., Any]:
    """Call ``f`` only when QDP is enabled; otherwise raise NotImplementedError (at call time)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if ENABLED_FEATURES.qdp_plugin:
            return f(*args, **kwargs)
        raise NotImplementedError(
            "TensorRT QDP(Quick Deploy Plugins) not available, requires TensorRT 10.7.0 or higher"
        )

    return wrapper
