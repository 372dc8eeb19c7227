"""A stand-in for ``verify``'s GPU: CPU tensors, and "kernels" that are Python functions reading the
packed parameters exactly as TensorRT passes them. Imports torch and numpy: skip before importing it.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._launch.checks import KernelArg

Kernel = Callable[[int, LaunchSpec, Sequence[KernelArg]], None]


def floats(address: int, count: int) -> Any:
    """``count`` float32 values at ``address``, as a numpy array sharing the memory."""
    return np.ctypeslib.as_array((ctypes.c_float * count).from_address(address))


def relu_kernel(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
    """What relu_kernel does, reading its parameters exactly as TensorRT passes them."""
    x, n, y = args
    assert (x.kind, n.kind, y.kind) == ("ptr", "i32", "ptr")
    floats(y.value, n.value)[:] = np.where(floats(x.value, n.value) < 0, np.float32(0), floats(x.value, n.value))


def scale_kernel(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
    x, n, bits, y = args
    scale = np.float32(struct.unpack("<f", struct.pack("<i", bits.value))[0])
    floats(y.value, n.value)[:] = floats(x.value, n.value) * scale


def relu_without_bounds_check(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
    _x, _n, y = args
    covered = grid * launch.elements_per_block  # every thread of the last block writes
    floats(y.value, covered)[:] = 0.0
    relu_kernel(grid, launch, args)


def relu_skipping_the_tail(grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> None:
    x, n, y = args
    full = n.value // launch.elements_per_block * launch.elements_per_block  # the last partial block is lost
    floats(y.value, full)[:] = np.maximum(floats(x.value, full), 0)


class FakeGpu:
    """What verify_op needs of the GPU: CPU tensors, and a "kernel" that is a Python function."""

    tensor_device = "cpu"

    def __init__(self, kernels: dict[str, Kernel]) -> None:
        self.torch = torch
        self.kernels = kernels
        self.launches: list[tuple[int, int, tuple[KernelArg, ...]]] = []

    def load(self, ptx: bytes, kernel: str) -> tuple[object, str]:
        assert kernel.encode() in ptx
        return object(), kernel

    def unload(self, module: object) -> None:
        pass

    def launcher(self, function: str, grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> Callable[[], None]:
        def run() -> None:
            self.launches.append((grid, launch.block_threads, tuple(args)))
            self.kernels[function](grid, launch, args)
        return run

    def synchronize(self) -> None:
        pass

    def time_ms(self, fn: Callable[[], Any], reps: int, warmup: int) -> float:
        fn()
        return 0.25
