"""Runtime helpers for plugin authors' ``@trtp.aot_impl`` functions.

The hub chooses the packaged PTX for the GPU, verifies its sha256 and binds it *before* the
converter is generated (upstream decides AOT vs JIT at generation time). An ``aot_impl`` then
returns what TensorRT needs in one line::

    @trtp.aot_impl("my_ops::relu")
    def _(x: trtp.TensorDesc, outputs, tactic):
        return trt_plugin_hub.aot.launch("my_ops::relu", inputs=(x,))

Authors never select architectures, read files or hash anything themselves. A kernels op's own
``aot`` function (kind ``kernels``, registered through ``torch_tensorrt.kernels.ptx_op``) returns
the launch alone, :func:`launch_params`, since ``ptx_op`` adds the kernel name and PTX itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._launch import ExtraError, PackagedKernel, bound_kernel, bound_ops, encode_extras, float_bits

__all__ = ["PackagedKernel", "bound_ops", "float_bits", "launch", "launch_params", "packaged_kernel"]


def packaged_kernel(op_id: str) -> PackagedKernel:
    """The verified PTX the hub bound for ``op_id``.

    Raises :class:`~trt_plugin_hub.HubError` when the op was not activated through the hub
    (for example when its module was imported by hand), rather than guessing a file.
    """
    return bound_kernel(op_id)


def launch(op_id: str, inputs: Sequence[Any], attrs: Mapping[str, Any] | None = None) -> tuple[Any, Any, Any, Any]:
    """Build the ``aot_impl`` return value from the manifest's ``launch`` section.

    ``grid.x = cdiv(numel, elements_per_block)`` with ``numel`` the element count of the first
    input; extras in declared order: ``numel`` or ``attr:NAME`` (floats as their int32 bits).
    Raises :class:`~trt_plugin_hub.HubError` when an attribute is missing or does not fit an int32.
    """
    kernel = packaged_kernel(op_id)
    params, extras = _launch_of(kernel, inputs, attrs)
    return kernel.kernel_name, kernel.ptx, params, extras


def launch_params(op_id: str, inputs: Sequence[Any]) -> tuple[Any, Any]:
    """``(KernelLaunchParams, SymIntExprs)`` from the manifest's ``launch``: what a kernels op's ``aot`` returns.

    The same launch as :func:`launch`; ``torch_tensorrt.kernels`` hands a kernels op's ``aot``
    the tensor descriptors only, so its extras can only be ``numel``.
    """
    return _launch_of(packaged_kernel(op_id), inputs, None)


def _launch_of(kernel: PackagedKernel, inputs: Sequence[Any], attrs: Mapping[str, Any] | None) -> tuple[Any, Any]:
    from ._adapter import launch as upstream
    from ._errors import HubError  # here, not at import: activation imports this module on the warm path

    op_id = kernel.op_id
    spec = kernel.launch
    if spec is None:
        raise HubError(f"{op_id} declares no 'launch' section; return the launch parameters yourself")
    numel = inputs[0].shape_expr.numel()
    try:
        extras = encode_extras(spec, numel, attrs)
    except ExtraError as exc:
        if exc.missing:
            raise HubError(f"{op_id}: launch extra {exc.extra!r} needs attrs[{exc.attribute!r}]") from exc
        raise HubError(f"{op_id}: {exc}") from exc
    params = upstream.kernel_launch_params(
        grid=(upstream.cdiv(numel, spec.elements_per_block), 1, 1),
        block=(spec.block_threads, 1, 1),
        shared_mem=spec.shared_mem,
    )
    return params, upstream.sym_int_exprs([upstream.sym_int32(v) for v in extras])
