"""Test double of ``tensorrt.plugin`` (Quick Deployable Plugins).

Present only for TensorRT >= 10.6 and never on RTX builds (the generator leaves this
sub-package out). Importing it logs the "experimental" warning upstream logs. AOT names
(``aot_impl``, ``KernelLaunchParams``, ``SymInt32``, ``SymIntExprs``) exist from 10.9.
``QDP_REGISTRY``/``QDP_CREATORS`` live in ``tensorrt.plugin._lib`` and are not re-exported
here, as upstream.
"""

import tensorrt as trt

trt.Logger().log(trt.Logger.WARNING, "Functionality provided through tensorrt.plugin module is experimental.")

from ._autotune import AutoTuneCombination  # noqa: E402
from ._export import IS_AOT_ENABLED as _IS_AOT_ENABLED  # noqa: E402
from ._lib import autotune, impl, op, register  # noqa: E402
from ._tensor import Shape, ShapeExpr, ShapeExprs, SizeTensorDesc, SymExprs, Tensor, TensorDesc  # noqa: E402
from ._top_level import cdiv, max, min  # noqa: E402,A004

__all__ = [
    "AutoTuneCombination",
    "Shape",
    "ShapeExpr",
    "ShapeExprs",
    "SizeTensorDesc",
    "SymExprs",
    "Tensor",
    "TensorDesc",
    "autotune",
    "cdiv",
    "impl",
    "max",
    "min",
    "op",
    "register",
]

if _IS_AOT_ENABLED:
    from ._lib import aot_impl  # noqa: E402
    from ._tensor import KernelLaunchParams, SymInt32, SymIntExprs  # noqa: E402

    __all__ += ["aot_impl", "KernelLaunchParams", "SymInt32", "SymIntExprs"]
