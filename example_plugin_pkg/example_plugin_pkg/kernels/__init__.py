"""Kernel sources: Triton kernels (importing only ``triton``) and CUDA C++ for NVRTC.

Kept free of torch and of this package's other modules so the build step can import the
Triton kernels from a bare build environment.
"""
