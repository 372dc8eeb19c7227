"""Test-only start-up hook: lets the real ``torch_tensorrt`` import on a host without a GPU.

``torch_tensorrt`` (2.8+) asks ``torch.cuda`` for the device's compute capability at import time
and while building its default settings. On a CPU-only host those calls fail, so once ``torch``
has finished importing this module answers them for a compute capability 9.0 device:
``torch.cuda.get_device_capability``, ``torch.cuda.current_device`` and, where the CPU build
lacks it, ``torch._C._CudaDeviceProperties``. Nothing else of torch is touched, and nothing of
``torch_tensorrt`` or ``tensorrt``.
"""

import importlib.abc
import importlib.machinery
import sys


def _patch(torch):
    torch.cuda.get_device_capability = lambda device=None: (9, 0)
    torch.cuda.current_device = lambda: 0
    if not hasattr(torch._C, "_CudaDeviceProperties"):
        torch._C._CudaDeviceProperties = type("_CudaDeviceProperties", (), {})


class _TorchWatcher(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _patch(module)

        loader.exec_module = exec_module
        return spec


if "torch" in sys.modules:
    _patch(sys.modules["torch"])
else:
    sys.meta_path.insert(0, _TorchWatcher())
