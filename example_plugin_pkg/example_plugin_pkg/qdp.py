"""TensorRT Quick Deployable Plugin definitions of the example ops.

Imported by trt-plugin-hub when it activates this package (never at ``import torch``). Importing
:mod:`example_plugin_pkg.ops` first registers the torch ops, which Torch-TensorRT needs before it
generates converters. The AOT implementations use the PTX built into the wheel through
``trt_plugin_hub.aot.launch``, which takes the file the hub chose for the GPU and verified
(sha256) and the launch geometry the manifest declares.
"""

# No `from __future__ import annotations` here: tensorrt.plugin checks these functions'
# annotations at registration, and typing.Tuple/List are the forms its documentation uses.
from typing import List, Tuple, Union

import tensorrt.plugin as trtp
import torch

from trt_plugin_hub.aot import launch

from . import ops


# --- example_plugin::scaled_add: JIT (Triton, launched from Python at run time) -----------------

@trtp.register("example_plugin::scaled_add")
def _scaled_add_desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)


@trtp.autotune("example_plugin::scaled_add")
def _scaled_add_formats(x: trtp.TensorDesc, y: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc]
                        ) -> List[trtp.AutoTuneCombination]:
    # All three tensors share one type: both fp32, or all fp16.
    return [trtp.AutoTuneCombination("FP32|FP16, FP32|FP16, FP32|FP16", "LINEAR")]


@trtp.impl("example_plugin::scaled_add")
def _scaled_add_impl(x: trtp.Tensor, y: trtp.Tensor, alpha: float, outputs: Tuple[trtp.Tensor],
                     stream: int) -> None:
    x_t = torch.as_tensor(x, device="cuda")
    y_t = torch.as_tensor(y, device="cuda")
    out_t = torch.as_tensor(outputs[0], device="cuda")
    with torch.cuda.stream(torch.cuda.ExternalStream(stream)):
        ops.launch_scaled_add(x_t, y_t, alpha, out_t)


# --- example_plugin::relu_aot: AOT (Triton PTX built into the wheel) -------------------------

@trtp.register("example_plugin::relu_aot")
def _relu_desc(x: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)


@trtp.autotune("example_plugin::relu_aot")
def _relu_formats(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc]) -> List[trtp.AutoTuneCombination]:
    # The PTX is built for fp32 (build.signature); TensorRT must not pick another type.
    return [trtp.AutoTuneCombination("FP32, FP32", "LINEAR")]


@trtp.aot_impl("example_plugin::relu_aot")
def _relu_aot_impl(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc], tactic: int
                   ) -> Tuple[Union[str, bytes], Union[str, bytes], trtp.KernelLaunchParams, trtp.SymExprs]:
    # The hub hands over the PTX it chose for this GPU and verified (sha256), and builds the
    # launch from the manifest: grid = cdiv(numel, 1024), block = 128, extras = [numel].
    return launch("example_plugin::relu_aot", inputs=(x,))


# --- example_plugin::scale_nvrtc: AOT (CUDA C++ compiled by NVRTC into the wheel) --------------

@trtp.register("example_plugin::scale_nvrtc")
def _scale_desc(x: trtp.TensorDesc, scale: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)


@trtp.autotune("example_plugin::scale_nvrtc")
def _scale_formats(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc]) -> List[trtp.AutoTuneCombination]:
    return [trtp.AutoTuneCombination("FP32, FP32", "LINEAR")]


@trtp.aot_impl("example_plugin::scale_nvrtc")
def _scale_aot_impl(x: trtp.TensorDesc, scale: float, outputs: Tuple[trtp.TensorDesc], tactic: int
                    ) -> Tuple[Union[str, bytes], Union[str, bytes], trtp.KernelLaunchParams, trtp.SymExprs]:
    # launch.extras = ["numel", "attr:scale"]: TensorRT passes AOT kernels int32 extras only, so
    # the float attribute travels as its float32 bit pattern (trt_plugin_hub.aot.float_bits) and
    # the kernel reads it back with __int_as_float. It is baked into the engine at build time.
    return launch("example_plugin::scale_nvrtc", inputs=(x,), attrs={"scale": scale})
