"""The GPU side of ``verify``: torch for tensors and timing, cuda-python for the module and the launch.

torch and cuda-python are imported only when ``verify`` runs: :func:`load_gpu_stack` imports them
and says exactly what is missing when they or a GPU are not there.
"""

from __future__ import annotations

import contextlib
import ctypes
import platform
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._launch.checks import KernelArg
from trt_plugin_hub._ptx import format_isa

__all__ = ["CudaDevice", "Unavailable", "host_environment", "load_gpu_stack"]


class Unavailable(RuntimeError):  # noqa: N818 - the public name callers catch
    """What ``verify`` needs is missing here (no GPU, no torch, no cuda-python)."""


def load_gpu_stack() -> tuple[Any, Any]:
    """``(torch, cuda.bindings.driver)``, or :class:`Unavailable` saying exactly what is missing."""
    try:
        import torch
    except ImportError as exc:
        raise Unavailable(f"PyTorch is not installed ({exc}); install trt-plugin-hub[verify] on a GPU host") from None
    try:
        from cuda.bindings import driver
    except ImportError:
        try:  # cuda-python before 12.6 named the module cuda.cuda
            from cuda import cuda as driver
        except ImportError:
            raise Unavailable("cuda-python is not installed (no module cuda.bindings.driver); "
                              "install trt-plugin-hub[verify] (cuda-bindings)") from None
    if not torch.cuda.is_available():
        build = torch.version.cuda or "none (a CPU-only build)"
        raise Unavailable(f"no CUDA GPU is visible: torch.cuda.is_available() is False "
                          f"(torch {torch.__version__}, CUDA {build}); verify runs on a host with an NVIDIA GPU")
    return torch, driver


def _cuda_bindings_version() -> str | None:
    from importlib import metadata

    for name in ("cuda-bindings", "cuda-python"):
        # Not installed, or a distribution whose metadata cannot be read: try the next name.
        with contextlib.suppress(Exception):
            return metadata.version(name)
    return None


class CudaDevice:
    """The current CUDA device as verify uses it: torch's primary context, driver-API launches.

    ``verify_op`` needs only ``torch``, ``tensor_device``, ``load``, ``unload``, ``launcher``,
    ``synchronize`` and ``time_ms``, so the tests drive the whole check with a stand-in whose
    "kernel" is Python.
    """

    tensor_device = "cuda"

    def __init__(self, torch: Any, driver: Any) -> None:
        self.torch = torch
        self.driver = driver
        self._success = driver.CUresult.CUDA_SUCCESS
        torch.cuda.init()
        self.index = torch.cuda.current_device()
        self.check(driver.cuInit(0), "cuInit")
        self.device = self.check(driver.cuDeviceGet(self.index), "cuDeviceGet")
        # Torch uses the device's primary context; retaining and binding the same one means the
        # modules loaded here see torch's allocations and run on torch's streams.
        self.context = self.check(driver.cuDevicePrimaryCtxRetain(self.device), "cuDevicePrimaryCtxRetain")
        self.check(driver.cuCtxSetCurrent(self.context), "cuCtxSetCurrent")
        self.stream = torch.cuda.current_stream()
        # Timing flush: a read-only pass over a buffer larger than L2 before every timed region.
        # It evicts the previous repetition's data (so mid sizes are not timed from cache) without
        # leaving dirty lines to write back during the timed kernel, and keeps the GPU busy while
        # the host enqueues the timed launch, so launch latency is not timed either.
        l2 = getattr(torch.cuda.get_device_properties(self.index), "L2_cache_size", 0) or (64 << 20)
        self._flush = torch.empty(max(256 << 20, 4 * l2) // 4, dtype=torch.float32, device="cuda").normal_()

    def close(self) -> None:
        self._flush = None
        self.driver.cuDevicePrimaryCtxRelease(self.device)

    def check(self, result: Any, what: str) -> Any:
        """Unpack a cuda-python result tuple, raising with the error's name on failure."""
        if isinstance(result, tuple):
            err, rest = result[0], result[1:]
        else:
            err, rest = result, ()
        if err != self._success:
            raise RuntimeError(f"{what} failed: {self.error_name(err)}")
        return rest[0] if len(rest) == 1 else (rest or None)

    def error_name(self, err: Any) -> str:
        name = self.driver.cuGetErrorName(err)
        text = name[1].decode() if name[0] == self._success and name[1] else str(err)
        desc = self.driver.cuGetErrorString(err)
        if desc[0] == self._success and desc[1]:
            text += f" ({desc[1].decode()})"
        return text

    def device_info(self, env: Any) -> dict[str, Any]:
        torch = self.torch
        props = torch.cuda.get_device_properties(self.index)
        cc = torch.cuda.get_device_capability(self.index)
        version = self.check(self.driver.cuDriverGetVersion(), "cuDriverGetVersion")
        return {
            "name": torch.cuda.get_device_name(self.index),
            "index": self.index,
            "compute_capability": f"{cc[0]}.{cc[1]}",
            "multiprocessors": getattr(props, "multi_processor_count", None),
            "memory_gib": round(props.total_memory / (1 << 30), 1),
            "l2_cache_mib": round(getattr(props, "L2_cache_size", 0) / (1 << 20), 1) or None,
            "driver": env.driver,
            "cuda_driver_api": f"{version // 1000}.{(version % 1000) // 10}",
            "max_ptx_isa": format_isa(env.max_ptx_isa) if env.max_ptx_isa else None,
            "torch": torch.__version__,
            "torch_cuda": torch.version.cuda,
            "cuda_bindings": _cuda_bindings_version(),
            "python": platform.python_version(),
        }

    def load(self, ptx: bytes, kernel: str) -> tuple[Any, Any]:
        # The driver wants NUL-terminated PTX text.
        module = self.check(self.driver.cuModuleLoadData(ptx + b"\0"), "cuModuleLoadData")
        try:
            function = self.check(self.driver.cuModuleGetFunction(module, kernel.encode()), "cuModuleGetFunction")
        except Exception:
            self.driver.cuModuleUnload(module)
            raise
        return module, function

    def unload(self, module: Any) -> None:
        self.driver.cuModuleUnload(module)

    def launcher(self, function: Any, grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> Callable[[], None]:
        """A no-argument callable that launches ``function`` on torch's current stream."""
        slots = [ctypes.c_uint64(a.value) if a.kind == "ptr" else ctypes.c_int32(a.value) for a in args]
        pointers = (ctypes.c_void_p * max(len(slots), 1))(*[ctypes.addressof(s) for s in slots])
        params = ctypes.addressof(pointers)
        stream = self.driver.CUstream(self.stream.cuda_stream)
        launch_kernel = self.driver.cuLaunchKernel
        block, shared = launch.block_threads, launch.shared_mem
        success = self._success

        def run() -> None:
            # `slots` and `pointers` are closed over: the driver reads them during this call.
            _ = (slots, pointers)
            err = launch_kernel(function, grid, 1, 1, block, 1, 1, shared, stream, params, 0)[0]
            if err != success:
                raise RuntimeError(f"cuLaunchKernel failed: {self.error_name(err)}")

        return run

    def synchronize(self) -> None:
        """Wait for the stream; a fault in a launched kernel surfaces here with its name."""
        self.check(self.driver.cuStreamSynchronize(self.driver.CUstream(self.stream.cuda_stream)),
                    "the kernel (cuStreamSynchronize)")

    def time_ms(self, fn: Callable[[], Any], reps: int, warmup: int) -> float:
        """Median milliseconds of ``fn`` on the stream, by CUDA events, after ``warmup`` calls."""
        torch = self.torch
        for _ in range(warmup):
            fn()
        pairs = []
        for _ in range(reps):
            self._flush.sum()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            pairs.append((start, end))
        self.synchronize()
        return float(statistics.median(s.elapsed_time(e) for s, e in pairs))


def host_environment(gpu: CudaDevice) -> Any:
    """This host's Environment for PTX selection, completed from the driver where NVML is silent."""
    from trt_plugin_hub._environment import probe_environment

    env = probe_environment()
    if env.compute_capability is None:
        env = replace(env, compute_capability=tuple(gpu.torch.cuda.get_device_capability(gpu.index)),
                      gpu_name=gpu.torch.cuda.get_device_name(gpu.index))
    if env.cuda_driver_version is None:
        version = gpu.check(gpu.driver.cuDriverGetVersion(), "cuDriverGetVersion")
        env = replace(env, cuda_driver_version=(version // 1000, (version % 1000) // 10))
    return env

