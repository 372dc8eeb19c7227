"""The manual (legacy) approach: a converter written by hand and registered by the package itself.

The manifest declares ``example_plugin::leaky_relu_legacy`` with ``"kind": "legacy"`` and
``"register": "example_plugin_pkg.legacy:register"``. trt-plugin-hub then generates nothing for
it: after its checks pass it imports this module and calls :func:`register` once per process,
and confirms that the op's overload is in ``DYNAMO_CONVERTERS`` afterwards.

The converter decides everything a generated one would: which arguments are tensors, how the
attributes are read (FX keyword arguments and schema defaults included), which plugin layer it
adds and whether that layer runs JIT or AOT. Here it adds a QDP JIT plugin whose ``impl``
launches a Triton kernel from Python; the same converter could add any layer TensorRT has.

The slope travels as a one-element float32 array, not a Python float: TensorRT before 11.2.1
reads scalar attributes back with ``float()`` of a 1-D array, which numpy 2.4 made an error.
Array attributes are read back with ``astype`` and work with every numpy (Torch-TensorRT 2.14's
own generated plugins do the same).

Nothing heavy happens at import: ``tensorrt`` and ``torch_tensorrt`` are imported by
:func:`register`, so importing this module only needs torch and numpy.
"""

# No `from __future__ import annotations`: tensorrt.plugin checks the QDP functions' annotations
# as objects when they are registered (typing.Tuple/List are the forms its documentation uses).
import threading
from collections.abc import Sequence
from typing import Any, List, Tuple

import numpy as np
import torch

from . import ops

__all__ = ["PLUGIN_ID", "register", "slope_argument"]

#: The QDP plugin the converter adds; the same id as the torch op, as the hub expects.
PLUGIN_ID = "example_plugin::leaky_relu_legacy"

_lock = threading.Lock()
_registered = False


def slope_argument(args: Sequence[Any], kwargs: dict[str, Any]) -> float:
    """The ``negative_slope`` of an FX node's arguments: positional, keyword, or the schema default.

    A hand-written converter sees the node's ``args`` and ``kwargs`` as the graph holds them, so
    it reads both (a generated converter drops keyword arguments).
    """
    if len(args) > 1:
        return float(args[1])
    return float(kwargs.get("negative_slope", ops.DEFAULT_NEGATIVE_SLOPE))


def _floating_input(node: Any, settings: Any) -> bool:
    # The Triton kernel computes in float32 and stores in the output's type: only floating
    # inputs make sense; anything else falls back to PyTorch.
    value = node.args[0].meta.get("val") if node.args and hasattr(node.args[0], "meta") else None
    return value is None or value.dtype in (torch.float32, torch.float16)


def _define_plugin() -> None:
    """Register the QDP JIT plugin the converter adds (shape, formats and implementation).

    The slope's attribute type is a one-element float32 array (see the module docstring).
    """
    import tensorrt.plugin as trtp

    @trtp.register(PLUGIN_ID)
    def _desc(x: trtp.TensorDesc, negative_slope: np.ndarray[Any, np.dtype[np.float32]]) -> Tuple[trtp.TensorDesc]:
        return (x.like(),)

    @trtp.autotune(PLUGIN_ID)
    def _formats(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc]) -> List[trtp.AutoTuneCombination]:
        # Input and output share one type, fp32 or fp16.
        return [trtp.AutoTuneCombination("FP32|FP16, FP32|FP16", "LINEAR")]

    @trtp.impl(PLUGIN_ID)
    def _impl(x: trtp.Tensor, negative_slope: np.ndarray[Any, np.dtype[np.float32]], outputs: Tuple[trtp.Tensor], stream: int) -> None:
        x_t = torch.as_tensor(x, device="cuda")
        out_t = torch.as_tensor(outputs[0], device="cuda")
        with torch.cuda.stream(torch.cuda.ExternalStream(stream)):
            ops.launch_leaky_relu(x_t, float(negative_slope.reshape(-1)[0]), out_t)


def _define_converter() -> None:
    """Register the hand-written converter of ``torch.ops.example_plugin.leaky_relu_legacy.default``."""
    import tensorrt.plugin as trtp
    from torch_tensorrt.dynamo.conversion._ConverterRegistry import (
        ConverterPriority,
        dynamo_tensorrt_converter,
    )
    from torch_tensorrt.dynamo.conversion.converter_utils import get_trt_tensor

    @dynamo_tensorrt_converter(
        torch.ops.example_plugin.leaky_relu_legacy.default,
        capability_validator=_floating_input,
        priority=ConverterPriority.STANDARD,
        supports_dynamic_shapes=True,
    )
    def convert_leaky_relu(ctx: Any, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> Any:
        x = get_trt_tensor(ctx, args[0], f"{name}_x")
        # QDP checks attribute types exactly: a float32 array of one element, as registered.
        slope = np.array([slope_argument(args, kwargs)], dtype=np.float32)
        call = trtp.op.example_plugin.leaky_relu_legacy(x, negative_slope=slope)
        # aot=False asks for the JIT implementation explicitly: without it TensorRT lets the
        # network's PREFER_AOT/PREFER_JIT flags decide.
        layer = ctx.net.add_plugin(call, aot=False)
        layer.name = f"[{target}]-[{name}]"
        return layer.get_output(0)


def register() -> None:
    """Register the QDP plugin and the converter of ``leaky_relu_legacy``; later calls do nothing.

    TensorRT refuses a second ``@trtp.register`` of one id and Torch-TensorRT keeps every
    converter registered, duplicates included, so this runs its body once per process.
    """
    global _registered
    with _lock:
        if _registered:
            return
        _define_plugin()
        _define_converter()
        _registered = True
