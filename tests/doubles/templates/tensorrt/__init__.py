"""Test double of the ``tensorrt`` Python package.

Only the surface the plugin hub and Torch-TensorRT's plugin path touch is reproduced: version,
plugin registry, a recording network definition and the ``tensorrt.plugin`` (QDP) module. No
engine is ever built; nothing here needs a GPU.

Version gates (from the configured version):
  * ``QuickPluginCreationRequest`` and the ``PREFER_*_PYTHON_PLUGINS`` network flags exist
    from 10.9; ``hasattr(tensorrt, "QuickPluginCreationRequest")`` is the probe TensorRT
    itself uses for AOT support.
  * ``tensorrt.plugin`` exists from 10.6 and never on RTX builds (the generator leaves the
    sub-package out, so even ``find_spec`` does not see it).

Simplification: pip installs split the bindings into a ``tensorrt_bindings`` package that
``tensorrt`` re-exports; the double is a single ``tensorrt`` package.
"""

from ._double_config import IS_RTX as _IS_RTX
from ._double_config import TENSORRT_VERSION as _TENSORRT_VERSION
from ._double_config import VERSION_TUPLE as _VERSION_TUPLE
from ._core import (
    Builder,
    DataType,
    IBuilderConfig,
    IConstantLayer,
    ILayer,
    INetworkDefinition,
    IPluginCreator,
    IPluginCreatorV3One,
    IPluginCreatorV3Quick,
    IPluginRegistry,
    IPluginV3,
    IPluginV3Layer,
    ITensor,
    LayerType,
    Logger,
    NetworkDefinitionCreationFlag,
    PluginField,
    PluginFieldCollection,
    PluginFieldType,
    QuickPluginCreationRequest,
    TensorRTPhase,
    get_plugin_registry,
    init_libnvinfer_plugins,
)

__version__: str = _TENSORRT_VERSION

# Torch-TensorRT >= 2.10 reads this to tell RTX builds apart.
_package_name: str = "tensorrt_rtx" if _IS_RTX else "tensorrt"

if _VERSION_TUPLE < (10, 9):
    # Before 10.9 there is no AOT plugin support at all: the enum is absent, which is what
    # ``hasattr(tensorrt, "QuickPluginCreationRequest")`` probes.
    del QuickPluginCreationRequest

# Data type aliases as the real module exposes them (``trt.float32`` ...). ``bool`` shadows the
# builtin only inside this module, as upstream's does; nothing below uses the builtin.
float32 = DataType.FLOAT
float16 = DataType.HALF
bfloat16 = DataType.BF16
int8 = DataType.INT8
int32 = DataType.INT32
int64 = DataType.INT64
uint8 = DataType.UINT8
bool = DataType.BOOL  # noqa: A001
