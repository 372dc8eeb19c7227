"""Triton kernels of the example plugins.

Imports only ``triton``: the build step imports this module in the wheel's build environment,
which has no torch. The parameter order of AOT kernels is TensorRT's launch order: input
pointers, then the int32 extras (``launch.extras`` in trt_plugin.json), then output pointers.
"""

import triton
import triton.language as tl

__all__ = ["leaky_relu_kernel", "relu_kernel", "scaled_add_kernel"]


@triton.jit
def relu_kernel(x_ptr, n, y_ptr, BLOCK_SIZE: tl.constexpr):
    """``y = max(x, 0)`` over ``n`` contiguous elements; one program per ``BLOCK_SIZE`` of them."""
    pid = tl.program_id(0)
    # 64-bit offsets: pid * BLOCK_SIZE overflows int32 near 2**31 elements.
    offsets = pid.to(tl.int64) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    # `x < 0` is false for NaN, so NaN passes through as it does in torch.relu.
    tl.store(y_ptr + offsets, tl.where(x < 0, 0.0, x), mask=mask)


@triton.jit
def scaled_add_kernel(x_ptr, y_ptr, out_ptr, n, alpha, BLOCK_SIZE: tl.constexpr):
    """``out = x + alpha * y`` over ``n`` contiguous elements (JIT: launched from Python)."""
    pid = tl.program_id(0)
    offsets = pid.to(tl.int64) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    y = tl.load(y_ptr + offsets, mask=mask)
    result = x.to(tl.float32) + alpha * y.to(tl.float32)
    tl.store(out_ptr + offsets, result.to(out_ptr.dtype.element_ty), mask=mask)


@triton.jit
def leaky_relu_kernel(x_ptr, out_ptr, n, negative_slope, BLOCK_SIZE: tl.constexpr):
    """``out = x if x >= 0 else negative_slope * x`` over ``n`` contiguous elements (launched from
    Python by the legacy op's JIT plugin, so the float slope is passed as a float)."""
    pid = tl.program_id(0)
    offsets = pid.to(tl.int64) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    xf = x.to(tl.float32)
    # `xf < 0` is false for NaN, so NaN passes through as it does in torch's leaky_relu.
    result = tl.where(xf < 0, xf * negative_slope, xf)
    tl.store(out_ptr + offsets, result.to(out_ptr.dtype.element_ty), mask=mask)
