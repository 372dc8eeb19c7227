"""Example TensorRT plugins for Torch-TensorRT, shipped through trt-plugin-hub.

Importing this package does nothing heavy: the hub reads ``trt_plugin.json`` without running
plugin code, then imports :mod:`example_plugin_pkg.qdp` (which brings in ``tensorrt`` and
``torch``) only when it activates the plugins.

Ops (namespace ``example_plugin``):

* ``scaled_add(x, y, alpha)`` = ``x + alpha * y``: JIT plugin, Triton kernel run from Python.
* ``relu_aot(x)``: AOT plugin, Triton kernel compiled to PTX when the wheel is built.
* ``scale_nvrtc(x, scale)`` = ``x * scale``: AOT plugin, CUDA C++ compiled to PTX by NVRTC.
* ``leaky_relu_legacy(x, negative_slope)``: a hand-written converter the package registers itself
  (:func:`example_plugin_pkg.legacy.register`), adding a JIT plugin that runs a Triton kernel.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
