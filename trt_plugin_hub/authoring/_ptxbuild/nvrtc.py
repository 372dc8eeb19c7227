"""Compiling a CUDA C++ kernel to PTX with NVRTC (``cuda.bindings.nvrtc``), with no GPU.

NVRTC has no switch for the PTX ISA it writes: each release writes its own (12.8 -> 8.7,
12.9 -> 8.8, 13.0 -> 9.0, 13.5 -> 9.5). The ISA is therefore chosen by which NVRTC the build
environment installs, and the build step checks the result against the declared driver.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._manifest import NvrtcRecipe
from trt_plugin_hub._ptx import parse_arch

from .plan import CompiledKernel

__all__ = ["compile_nvrtc", "nvrtc_version"]

logger = logging.getLogger(__name__)

_INSTALL_HINT = ("for `trt-plugin-hub build`, install 'trt-plugin-hub[build]'; for a wheel build, list "
                 "cuda-bindings and an NVRTC whose PTX the declared driver loads in [build-system] requires, e.g. "
                 "'cuda-bindings>=12.9,<13' 'nvidia-cuda-nvrtc-cu12==12.8.*' for drivers >=570")


def _preload_from_sys_path() -> None:
    """Load an NVRTC shipped by an ``nvidia-cuda-nvrtc*`` wheel found on ``sys.path``.

    cuda-bindings looks for NVRTC in the site-packages directories, but pip's isolated build
    environments put build requirements on ``sys.path`` outside them, so a plugin's wheel build
    would not find the NVRTC its ``[build-system] requires`` installed. Loading it first by path
    (``RTLD_GLOBAL``) lets cuda-bindings find it as already loaded.
    """
    import ctypes
    import os
    import re
    import sys

    for entry in sys.path:
        for sub in ("nvidia/cuda_nvrtc/lib", "nvidia/cu13/lib", "nvidia/cu12/lib"):
            folder = Path(entry or ".") / sub
            if not folder.is_dir():
                continue
            for library in sorted(folder.glob("libnvrtc.so.*")):
                if not re.fullmatch(r"libnvrtc\.so\.\d+", library.name):
                    continue  # the builtins and .alt variants are loaded by NVRTC itself
                try:
                    ctypes.CDLL(str(library), mode=os.RTLD_GLOBAL if hasattr(os, "RTLD_GLOBAL") else 0)
                except OSError:
                    continue
                return


@functools.cache  # once per process: the preload probes every sys.path entry (a failure is not cached)
def _nvrtc_module() -> Any:
    _preload_from_sys_path()
    try:
        from cuda.bindings import nvrtc
    except ImportError:
        try:
            from cuda import nvrtc  # cuda-python before the cuda.bindings layout
        except ImportError as exc:
            raise PtxBuildError(f"NVRTC is not importable ({exc}); {_INSTALL_HINT}") from exc
    return nvrtc


def _check(nvrtc: Any, result: tuple[Any, ...], what: str, *, op_id: str, arch: str) -> tuple[Any, ...]:
    err, *rest = result
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        _, text = nvrtc.nvrtcGetErrorString(err)
        message = text.decode() if isinstance(text, bytes) else str(text)
        raise PtxBuildError(f"NVRTC {what} failed: {message}", op_id=op_id, arch=arch)
    return tuple(rest)


def nvrtc_version() -> str:
    """``nvrtc X.Y`` for progress lines and error messages."""
    nvrtc = _nvrtc_module()
    try:
        err, major, minor = nvrtc.nvrtcVersion()
    except Exception as exc:  # the shared library itself may be missing
        raise PtxBuildError(f"NVRTC cannot be loaded ({exc}); {_INSTALL_HINT}") from exc
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        raise PtxBuildError(f"NVRTC cannot report its version ({err}); {_INSTALL_HINT}")
    return f"nvrtc {major}.{minor}"


def compile_nvrtc(package_dir: Path, recipe: NvrtcRecipe, arch: str, *, op_id: str) -> CompiledKernel:
    """Compile ``recipe.source`` for ``arch`` and return the PTX of ``recipe.kernel``."""
    nvrtc = _nvrtc_module()
    path = package_dir / recipe.source
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise PtxBuildError(f"cannot read build.source {recipe.source!r}: {exc}", op_id=op_id) from exc
    version = nvrtc_version()
    # The program name is the package-relative path, so nothing machine-specific can reach the PTX.
    (program,) = _check(nvrtc, nvrtc.nvrtcCreateProgram(source, recipe.source.encode(), 0, [], []),
                        "nvrtcCreateProgram", op_id=op_id, arch=arch)
    try:
        # NVRTC compiles for the virtual architecture: compute_90a for sm_90a, compute_100f for sm_100f.
        options = [f"--gpu-architecture={parse_arch(arch).virtual}", f"--include-path={path.parent}",
                   *recipe.options]
        encoded = [o.encode() for o in options]
        (err,) = nvrtc.nvrtcCompileProgram(program, len(encoded), encoded)
        if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            (size,) = _check(nvrtc, nvrtc.nvrtcGetProgramLogSize(program), "nvrtcGetProgramLogSize",
                             op_id=op_id, arch=arch)
            log = b" " * size
            _check(nvrtc, nvrtc.nvrtcGetProgramLog(program, log), "nvrtcGetProgramLog", op_id=op_id, arch=arch)
            text = log.rstrip(b"\x00 ").decode(errors="replace").strip()
            raise PtxBuildError(f"{version} could not compile {recipe.source}:\n{text}", op_id=op_id, arch=arch)
        (size,) = _check(nvrtc, nvrtc.nvrtcGetPTXSize(program), "nvrtcGetPTXSize", op_id=op_id, arch=arch)
        buffer = b" " * size
        _check(nvrtc, nvrtc.nvrtcGetPTX(program, buffer), "nvrtcGetPTX", op_id=op_id, arch=arch)
    finally:
        nvrtc.nvrtcDestroyProgram(program)
    # NVRTC terminates the PTX with a NUL byte; it is not part of the text.
    ptx = buffer.rstrip(b"\x00").decode("ascii")
    return CompiledKernel(ptx=ptx, kernel=recipe.kernel, compiler=version)
