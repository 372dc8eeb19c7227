"""The example plugins' PyTorch custom ops, their fake (meta) kernels and eager references.

Imports torch only; Triton is imported inside the CUDA eager implementations, so the ops can be
registered (and traced with fake tensors) on a machine without Triton or a GPU. Schemas list
tensors first, then attributes, each attribute with a default: Torch-TensorRT maps the schema
onto the plugin's inputs and attributes in that order, and 2.7-2.13 take the attributes of a
generated converter from the schema arguments that have defaults.
"""

from __future__ import annotations

import torch

__all__ = [
    "BLOCK_SIZE",
    "scaled_add",
    "relu_aot",
    "scale_nvrtc",
    "leaky_relu_legacy",
    "DEFAULT_NEGATIVE_SLOPE",
    "reference_scaled_add",
    "reference_relu_aot",
    "reference_scale_nvrtc",
    "reference_leaky_relu_legacy",
    "reference_square_kernels",
    "launch_scaled_add",
    "launch_relu",
    "launch_leaky_relu",
]

#: Elements per Triton program in the eager launches (the AOT build uses trt_plugin.json's value).
BLOCK_SIZE = 1024
#: ``leaky_relu_legacy``'s slope when the caller gives none (torch's own leaky_relu default).
DEFAULT_NEGATIVE_SLOPE = 0.01


def reference_scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    """``x + alpha * y`` in plain torch: what every implementation of ``scaled_add`` must match."""
    return x + alpha * y


def reference_relu_aot(x: torch.Tensor) -> torch.Tensor:
    """``max(x, 0)`` in plain torch (NaN stays NaN)."""
    return torch.relu(x)


def reference_scale_nvrtc(x: torch.Tensor, scale: float) -> torch.Tensor:
    """``x * scale`` in plain torch; ``scale`` is rounded to the tensor's dtype as the kernel does."""
    return x * scale


def reference_leaky_relu_legacy(x: torch.Tensor, negative_slope: float = DEFAULT_NEGATIVE_SLOPE) -> torch.Tensor:
    """``x`` where ``x >= 0``, else ``negative_slope * x``, in plain torch (NaN stays NaN)."""
    return torch.nn.functional.leaky_relu(x, negative_slope)


def reference_square_kernels(x: torch.Tensor) -> torch.Tensor:
    """``x * x`` in plain torch: what the kernels op ``square_kernels`` must match (``verify`` uses it)."""
    return x * x


def _check_same(x: torch.Tensor, y: torch.Tensor) -> None:
    # The plugin is elementwise over equal shapes (its output is shaped like x): no broadcasting.
    if x.shape != y.shape or x.dtype != y.dtype or x.device != y.device:
        raise ValueError(f"scaled_add needs x and y of one shape, dtype and device; got {tuple(x.shape)} "
                         f"{x.dtype} {x.device} and {tuple(y.shape)} {y.dtype} {y.device}")


def launch_scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float, out: torch.Tensor) -> None:
    """Run the Triton ``scaled_add_kernel`` on contiguous CUDA tensors, on the current stream."""
    import triton

    from .kernels.triton_kernels import scaled_add_kernel

    n = x.numel()
    if n:
        scaled_add_kernel[(triton.cdiv(n, BLOCK_SIZE),)](x, y, out, n, alpha, BLOCK_SIZE=BLOCK_SIZE)


def launch_relu(x: torch.Tensor, out: torch.Tensor) -> None:
    """Run the Triton ``relu_kernel`` (the one the AOT PTX is built from) on contiguous CUDA tensors."""
    import triton

    from .kernels.triton_kernels import relu_kernel

    n = x.numel()
    if n:
        relu_kernel[(triton.cdiv(n, BLOCK_SIZE),)](x, n, out, BLOCK_SIZE=BLOCK_SIZE)


def launch_leaky_relu(x: torch.Tensor, negative_slope: float, out: torch.Tensor) -> None:
    """Run the Triton ``leaky_relu_kernel`` on contiguous CUDA tensors, on the current stream."""
    import triton

    from .kernels.triton_kernels import leaky_relu_kernel

    n = x.numel()
    if n:
        leaky_relu_kernel[(triton.cdiv(n, BLOCK_SIZE),)](x, out, n, negative_slope, BLOCK_SIZE=BLOCK_SIZE)


# Attributes carry a default in the torch schema: Torch-TensorRT 2.7-2.13 builds a generated
# converter's plugin attributes from the schema arguments that have defaults, in schema order.
@torch.library.custom_op("example_plugin::scaled_add", mutates_args=())
def scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """``x + alpha * y``; the Triton kernel on CUDA, the reference elsewhere."""
    _check_same(x, y)
    if not x.is_cuda:
        return reference_scaled_add(x, y, alpha)
    x, y = x.contiguous(), y.contiguous()
    out = torch.empty_like(x)
    launch_scaled_add(x, y, alpha, out)
    return out


@scaled_add.register_fake
def _scaled_add_fake(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    _check_same(x, y)
    return torch.empty_like(x)


@torch.library.custom_op("example_plugin::relu_aot", mutates_args=())
def relu_aot(x: torch.Tensor) -> torch.Tensor:
    """``max(x, 0)``; the Triton kernel on CUDA, the reference elsewhere."""
    if not x.is_cuda:
        return reference_relu_aot(x)
    x = x.contiguous()
    out = torch.empty_like(x)
    launch_relu(x, out)
    return out


@relu_aot.register_fake
def _relu_aot_fake(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


@torch.library.custom_op("example_plugin::scale_nvrtc", mutates_args=())
def scale_nvrtc(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """``x * scale``. Eagerly this is the torch reference everywhere: compiling the CUDA C++ at run
    time would need NVRTC in the user's environment, and the kernel only matters inside TensorRT."""
    return reference_scale_nvrtc(x, scale)


@scale_nvrtc.register_fake
def _scale_nvrtc_fake(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    return torch.empty_like(x)


# The legacy op's converter is hand-written (legacy.py) and reads its arguments itself, so the
# default here is for eager callers; it is the same value the converter falls back to.
@torch.library.custom_op("example_plugin::leaky_relu_legacy", mutates_args=())
def leaky_relu_legacy(x: torch.Tensor, negative_slope: float = DEFAULT_NEGATIVE_SLOPE) -> torch.Tensor:
    """``x`` where ``x >= 0``, else ``negative_slope * x``; the Triton kernel on CUDA, the reference
    elsewhere."""
    if not x.is_cuda:
        return reference_leaky_relu_legacy(x, negative_slope)
    x = x.contiguous()
    out = torch.empty_like(x)
    launch_leaky_relu(x, float(negative_slope), out)
    return out


@leaky_relu_legacy.register_fake
def _leaky_relu_legacy_fake(x: torch.Tensor, negative_slope: float = DEFAULT_NEGATIVE_SLOPE) -> torch.Tensor:
    return torch.empty_like(x)
