"""What registering a ``torch_tensorrt.kernels`` op and launching a packaged kernel ask of upstream.

``torch_tensorrt.kernels.ptx_op`` and its feature flag, ``tensorrt.plugin.autotune`` for the
formats a kernel takes, and the launch parameters an ``aot_impl`` returns
(``KernelLaunchParams``, ``SymIntExprs``, ``cdiv``). Part of :mod:`trt_plugin_hub._adapter`, the
one package that imports the upstream libraries; imported when a kernels op is activated or an
engine is built, not by activating QDP ops. It imports no upstream module itself: each is asked
of the package's ``_module``.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import _module, _registry_module

__all__ = ["cdiv", "kernel_launch_params", "kernels_ptx_op", "kernels_qdp_enabled", "register_formats",
           "register_ptx_op", "sym_int32", "sym_int_exprs"]

_KERNELS_OPS_MODULE = "torch_tensorrt.kernels._ops"


def kernels_ptx_op() -> Any:
    """``torch_tensorrt.kernels.ptx_op`` (Torch-TensorRT >= 2.13); raises ImportError where it does not exist."""
    return _module("torch_tensorrt.kernels").ptx_op


def kernels_qdp_enabled() -> bool | None:
    """The flag ``ptx_op`` itself checks (``ENABLED_FEATURES.qdp_plugin`` as ``torch_tensorrt.kernels`` sees it).

    ``None`` when it cannot be read. Only asked once :func:`kernels_ptx_op` imported.
    """
    features = getattr(sys.modules.get(_KERNELS_OPS_MODULE), "ENABLED_FEATURES", None)
    if features is None:
        features = getattr(_module("torch_tensorrt._features"), "ENABLED_FEATURES", None)
    flag = getattr(features, "qdp_plugin", None)
    return flag if isinstance(flag, bool) else None


def register_ptx_op(
    ptx_op: Callable[..., Any],
    op_id: str,
    ptx: bytes,
    kernel_name: str,
    functions: tuple[Callable[..., Any], Callable[..., Any] | None, Callable[..., Any]],
    *,
    schema: str,
    capability_validator: Callable[..., bool] | None,
    high_priority: bool,
    supports_dynamic_shapes: bool,
    requires_output_allocator: bool,
) -> None:
    """One call of ``torch_tensorrt.kernels.ptx_op``: the torch op, its QDP, its AOT impl and its converter.

    ``functions`` are the op's meta, eager (or ``None``) and aot functions. The PTX is passed as
    the bytes the hub verified: ``ptx_op`` keeps them, decoded, for every engine build.
    """
    meta, eager, aot = functions
    priority_enum = _registry_module().ConverterPriority
    ptx_op(op_id, bytes(ptx), kernel_name, meta, eager, aot,
           supports_dynamic_shapes=supports_dynamic_shapes,
           requires_output_allocator=requires_output_allocator,
           priority=priority_enum.HIGH if high_priority else priority_enum.STANDARD,
           capability_validator=capability_validator,
           schema=schema)


def register_formats(op_id: str, tensors: Sequence[str], combinations: Sequence[tuple[str, str]]) -> None:
    """Restrict a registered QDP op to ``combinations`` of (types, layouts): one ``trtp.autotune``.

    ``torch_tensorrt.kernels.ptx_op`` registers none, so TensorRT would hand the kernel whatever
    types the network has. TensorRT reads the parameter names (the op's tensors, then
    ``outputs``) and calls the function with the descriptors; it returns the combinations.
    """
    trtp = _module("tensorrt.plugin")

    def formats(*_descriptors: Any) -> list[Any]:
        return [trtp.AutoTuneCombination(types, layouts) for types, layouts in combinations]

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    formats.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, kind) for name in (*tensors, "outputs")])
    trtp.autotune(op_id)(formats)


def kernel_launch_params(grid: Sequence[Any], block: Sequence[int], shared_mem: int) -> Any:
    """A ``tensorrt.plugin.KernelLaunchParams`` (TensorRT >= 10.9)."""
    trtp = _module("tensorrt.plugin")
    params = trtp.KernelLaunchParams()
    params.grid_x, params.grid_y, params.grid_z = grid
    params.block_x, params.block_y, params.block_z = block
    params.shared_mem = shared_mem
    return params


def sym_int_exprs(values: Sequence[Any]) -> Any:
    """A ``tensorrt.plugin.SymIntExprs`` holding ``values`` (the AOT kernel's int32 extras)."""
    trtp = _module("tensorrt.plugin")
    exprs = trtp.SymIntExprs(len(values))
    for index, value in enumerate(values):
        exprs[index] = value
    return exprs


def sym_int32(value: int) -> Any:
    """A constant ``tensorrt.plugin.SymInt32``."""
    trtp = _module("tensorrt.plugin")
    return trtp.SymInt32(value)


def cdiv(numerator: Any, denominator: int) -> Any:
    """``tensorrt.plugin.cdiv``: ceiling division of symbolic sizes."""
    trtp = _module("tensorrt.plugin")
    return trtp.cdiv(numerator, denominator)
