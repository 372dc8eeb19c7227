"""Build step for plugin authors: compile a plugin package's AOT kernels to PTX at wheel-build time.

:func:`build_ptx` reads the package's ``trt_plugin.json``, compiles each AOT op's kernel (Triton or
CUDA C++ through NVRTC) for every declared architecture without a GPU, checks the PTX is what
TensorRT's AOT launcher and the declared driver accept, writes it into the package and records
path, kernel, sha256 and ISA in the manifest. :mod:`trt_plugin_hub.authoring.backend` runs it from
``pip wheel``; ``trt-plugin-hub build PACKAGE_DIR`` runs it by hand.

Importing this package is cheap: the compilers are imported only when a build runs.
"""

from __future__ import annotations

from trt_plugin_hub._errors import PtxBuildError

from .steps import BuildResult, BuiltPtx, build_ptx

__all__ = ["BuildResult", "BuiltPtx", "PtxBuildError", "build_ptx"]
