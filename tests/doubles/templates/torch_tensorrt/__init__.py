"""Test double of ``torch_tensorrt`` (Torch-TensorRT), version-gated by the configured version.

Import order follows upstream: from 2.9 ``import torch`` is the very first statement; before
2.9 ``tensorrt`` is imported first, then ``torch``. Sub-packages come after both. From 2.8,
importing fails with RuntimeError on a host without an NVIDIA driver (upstream calls
``torch.cuda.get_device_capability()`` at import time); the double simulates such a host when
the environment variable ``TRT_DOUBLE_NO_DRIVER=1`` is set, and otherwise a host with a GPU.

What is reproduced: the converter registry, plugin converter generation, the feature gate and
a small ``dynamo.compile`` stand-in (see those modules). Everything else of Torch-TensorRT is
absent.
"""

# Rewritten by the generator with the configured version (see the module docstring for why
# this module cannot read ``_double_config`` before importing torch).
_DOUBLE_VERSION = "0.0.0"


def _release(text: str) -> tuple:
    parts = []
    for piece in text.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts)


if _release(_DOUBLE_VERSION) >= (2, 9):
    import torch  # noqa: E402,F401  (upstream 2.9+: first import)
    import tensorrt  # noqa: E402,F401
else:
    import tensorrt  # noqa: E402,F401  (upstream < 2.9: tensorrt first)
    import torch  # noqa: E402,F401

from torch_tensorrt._double_config import TORCH_TENSORRT_VERSION as __version__  # noqa: E402
from torch_tensorrt._features import ENABLED_FEATURES  # noqa: E402
from torch_tensorrt import dynamo  # noqa: E402
from torch_tensorrt._compile import compile  # noqa: E402,A004

__all__ = ["ENABLED_FEATURES", "__version__", "compile", "dynamo"]
