"""The functions of the kernels op ``example_plugin::square_kernels`` (``torch_tensorrt.kernels``).

trt-plugin-hub registers the op itself, through ``torch_tensorrt.kernels.ptx_op``, with the schema
``trt_plugin.json`` declares, the PTX it chose for the GPU and verified (sha256), and the launch
the manifest declares. This module only provides the functions that call names: it defines no
torch op and registers nothing (the hub refuses a kernels op whose module does,
``KERNELS_SELF_REGISTERED``).
"""

from __future__ import annotations

import torch

__all__ = ["square_eager", "square_meta"]


def square_meta(x: torch.Tensor) -> torch.Tensor:
    """The output's shape and dtype, from fake tensors: like ``x``."""
    return torch.empty_like(x)


def square_eager(x: torch.Tensor) -> torch.Tensor:
    """The op in PyTorch (its CUDA implementation outside TensorRT engines): ``x * x``."""
    return x * x
