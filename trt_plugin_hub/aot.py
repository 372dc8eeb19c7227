"""Runtime helpers for plugin authors' ``@trtp.aot_impl`` functions.

The hub chooses the packaged PTX for the GPU, verifies its sha256 and binds it here *before* the
converter is generated (upstream decides AOT vs JIT at generation time). An ``aot_impl`` then
returns what TensorRT needs in one line::

    @trtp.aot_impl("my_ops::relu")
    def _(x: trtp.TensorDesc, outputs, tactic):
        return trt_plugin_hub.aot.launch("my_ops::relu", inputs=(x,))

Authors never select architectures, read files or hash anything themselves.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import HubError
from .manifest import LaunchSpec

__all__ = ["PackagedKernel", "packaged_kernel", "launch", "float_bits", "bound_ops"]

_lock = threading.Lock()
_BOUND: dict[str, PackagedKernel] = {}


@dataclass(frozen=True)
class PackagedKernel:
    """The verified PTX of one AOT op for this GPU."""

    op_id: str
    kernel_name: str
    ptx: bytes
    arch: str
    path: str
    sha256: str
    launch: LaunchSpec | None = None


def bind(kernel: PackagedKernel) -> None:
    """Make ``kernel`` the PTX of its op (called by the loader after verifying it)."""
    with _lock:
        _BOUND[kernel.op_id] = kernel


def bound_ops() -> tuple[str, ...]:
    """Ids of the ops whose PTX is bound in this process."""
    with _lock:
        return tuple(sorted(_BOUND))


def packaged_kernel(op_id: str) -> PackagedKernel:
    """The verified PTX the hub bound for ``op_id``.

    Raises :class:`~trt_plugin_hub.HubError` when the op was not activated through the hub
    (for example when its module was imported by hand), rather than guessing a file.
    """
    with _lock:
        kernel = _BOUND.get(op_id)
    if kernel is None:
        raise HubError(
            f"no packaged PTX is bound for {op_id}: activate plugins with trt_plugin_hub.load() "
            "(or `import torch_tensorrt` with autoload on) before building the engine"
        )
    return kernel


def float_bits(value: float) -> int:
    """The int32 whose bits are the float32 ``value``.

    TensorRT passes only int32 extras to AOT kernels; a kernel reads this back with
    ``__int_as_float`` (CUDA) or ``x.to(tl.float32, bitcast=True)`` (Triton).
    """
    return int(struct.unpack("<i", struct.pack("<f", float(value)))[0])


def launch(op_id: str, inputs: Sequence[Any], attrs: Mapping[str, Any] | None = None) -> tuple[Any, Any, Any, Any]:
    """Build the ``aot_impl`` return value from the manifest's ``launch`` section.

    ``grid.x = cdiv(numel, elements_per_block)`` with ``numel`` the element count of the first
    input; extras in declared order: ``numel`` or ``attr:NAME`` (floats as their int32 bits).
    """
    from . import _adapter

    kernel = packaged_kernel(op_id)
    spec = kernel.launch
    if spec is None:
        raise HubError(f"{op_id} declares no 'launch' section; return the launch parameters yourself")
    numel = inputs[0].shape_expr.numel()
    params = _adapter.kernel_launch_params(
        grid=(_adapter.cdiv(numel, spec.elements_per_block), 1, 1),
        block=(spec.block_threads, 1, 1),
        shared_mem=spec.shared_mem,
    )
    values: list[Any] = []
    for extra in spec.extras:
        if extra == "numel":
            values.append(_adapter.sym_int32(numel))
        else:
            name = extra.split(":", 1)[1]
            if attrs is None or name not in attrs:
                raise HubError(f"{op_id}: launch extra {extra!r} needs attrs[{name!r}]")
            value = attrs[name]
            values.append(_adapter.sym_int32(float_bits(value) if isinstance(value, float) else int(value)))
    return kernel.kernel_name, kernel.ptx, params, _adapter.sym_int_exprs(values)
