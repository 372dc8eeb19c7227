"""``get_trt_tensor``: turn a converter argument into a network tensor."""

from __future__ import annotations

from typing import Any

import tensorrt as trt
import torch

_TORCH_TO_TRT = {
    torch.float32: trt.DataType.FLOAT,
    torch.float16: trt.DataType.HALF,
    torch.bfloat16: trt.DataType.BF16,
    torch.int8: trt.DataType.INT8,
    torch.uint8: trt.DataType.UINT8,
    torch.int32: trt.DataType.INT32,
    torch.int64: trt.DataType.INT64,
    torch.bool: trt.DataType.BOOL,
}


def torch_dtype_to_trt(dtype: torch.dtype) -> Any:
    return _TORCH_TO_TRT.get(dtype, trt.DataType.FLOAT)


def get_trt_tensor(ctx: Any, input_val: Any, name: str, dtype: Any = None, min_rank: int = 1) -> Any:
    """ITensors pass through; tensors and Python scalars become constant layers (as upstream)."""
    if isinstance(input_val, trt.ITensor):
        return input_val
    if isinstance(input_val, torch.Tensor):
        layer = ctx.net.add_constant(tuple(input_val.shape), input_val)
        layer.get_output(0).dtype = torch_dtype_to_trt(input_val.dtype)
    elif isinstance(input_val, (bool, int, float)):
        layer = ctx.net.add_constant((1,) * min_rank, input_val)
        layer.get_output(0).dtype = (
            trt.DataType.BOOL if isinstance(input_val, bool)
            else trt.DataType.INT32 if isinstance(input_val, int)
            else trt.DataType.FLOAT
        )
    else:
        raise AssertionError(f"Cannot convert {input_val!r} to a TensorRT tensor")
    layer.name = name
    return layer.get_output(0)
