"""The AOT launch contract as TensorRT runs it, and the kernels activation binds.

TensorRT launches an AOT plugin's kernel with its parameters in one order: the input pointers,
then the int32 extras, then the output pointers. The manifest's ``launch`` section says the block
size, how many elements one block covers (``grid.x = ceil(numel / elements_per_block)``), the
dynamic shared memory and the extras: ``numel`` (the element count of the first input) or
``attr:NAME`` (a plugin attribute; a float travels as its float32 bit pattern).

This package owns that contract. This module holds what a plugin's ``aot_impl`` and activation
use in every process: :class:`LaunchSpec`, the encoding of the extras, the grid, and the registry
of the kernels activation binds for ``trt_plugin_hub.aot``. What checks a launch section, a
kernel's geometry and its parameter order, and packs kernel arguments (``verify``), is in
:mod:`~trt_plugin_hub._launch.checks`, which the decisions, the build and ``verify`` import:
activation, which needs none of it, does not.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from trt_plugin_hub._record import Frozen, record

__all__ = ["INT32_MAX", "INT32_MIN", "ExtraError", "LaunchSpec", "PackagedKernel", "bind", "bind_deferred",
           "bound_kernel", "bound_ops", "encode_extras", "float_bits", "grid_x"]

#: The range of an int32 extra (TensorRT's extras are SymInt32).
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


@record
class LaunchSpec(Frozen):
    """How TensorRT launches an elementwise AOT kernel.

    ``grid.x = ceil(numel / elements_per_block)`` where ``numel`` counts the elements of the first
    input; ``extras`` are the int32 scalars passed after the input pointers: ``"numel"`` or
    ``"attr:NAME"`` (an attribute; a float travels as its int32 bit pattern). A frozen dataclass.
    """

    block_threads: int
    elements_per_block: int
    extras: tuple[str, ...] = ()
    shared_mem: int = 0

    def __init__(self, block_threads: int, elements_per_block: int, extras: tuple[str, ...] = (),
                 shared_mem: int = 0) -> None:
        object.__setattr__(self, "block_threads", block_threads)
        object.__setattr__(self, "elements_per_block", elements_per_block)
        object.__setattr__(self, "extras", extras)
        object.__setattr__(self, "shared_mem", shared_mem)

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attribute names the extras pass, in order."""
        return tuple(name for _, name in self.attribute_extras)

    @property
    def attribute_extras(self) -> tuple[tuple[int, str], ...]:
        """``(index in extras, attribute name)`` of each ``attr:NAME`` extra, in order."""
        return tuple((index, extra.split(":", 1)[1]) for index, extra in enumerate(self.extras)
                     if extra.startswith("attr:"))


# ----------------------------------------------------------------------------------------------
# Extras and the grid


def float_bits(value: float) -> int:
    """The int32 whose bits are the float32 ``value``.

    TensorRT passes only int32 extras to AOT kernels; a kernel reads this back with
    ``__int_as_float`` (CUDA) or ``x.to(tl.float32, bitcast=True)`` (Triton).
    """
    return int(struct.unpack("<i", struct.pack("<f", float(value)))[0])


class ExtraError(ValueError):
    """An extra that cannot be passed: its attribute has no value, or the value does not fit an int32."""

    def __init__(self, message: str, *, extra: str, attribute: str | None = None, missing: bool = False) -> None:
        super().__init__(message)
        self.extra = extra
        self.attribute = attribute
        self.missing = missing


if TYPE_CHECKING:  # annotations only: a TypeVar costs every import
    from typing import TypeVar

    _N = TypeVar("_N")


def encode_extras(launch: LaunchSpec, numel: _N, attrs: Mapping[str, Any] | None) -> tuple[int | _N, ...]:
    """The int32 extras in declared order: ``numel`` as given, an attribute as an int32 (a float as its bits).

    ``numel`` may be symbolic (TensorRT's size expression at engine build); an integer is checked
    to fit an int32 like every attribute. Raises :class:`ExtraError` when an attribute the launch
    names has no value or a value does not fit an int32 (TensorRT's extras are SymInt32: a kernel
    could never receive it).
    """
    values: list[int | _N] = []
    for extra in launch.extras:
        value: Any
        if extra == "numel":
            value = numel
        else:
            name = extra.split(":", 1)[1]
            if attrs is None or name not in attrs:
                raise ExtraError(f"launch extra {extra!r} needs a value for attribute {name!r}", extra=extra,
                                 attribute=name, missing=True)
            raw = attrs[name]
            value = float_bits(raw) if isinstance(raw, float) else int(raw)
        if isinstance(value, int) and not INT32_MIN <= value <= INT32_MAX:
            raise ExtraError(f"launch extra {extra!r} = {value} does not fit an int32", extra=extra,
                             attribute=None if extra == "numel" else extra.split(":", 1)[1])
        values.append(value)
    return tuple(values)


def grid_x(launch: LaunchSpec, numel: int) -> int:
    """``ceil(numel / elements_per_block)``: the grid TensorRT launches for ``numel`` elements."""
    return -(-numel // launch.elements_per_block)


# ----------------------------------------------------------------------------------------------
# The bound kernels: what activation verified, for the plugins' aot_impl

_lock = threading.Lock()
#: op id -> its kernel, or what reads it when it is first asked for (:func:`bind_deferred`).
_BOUND: dict[str, PackagedKernel | Callable[[], PackagedKernel]] = {}


@record
class PackagedKernel(Frozen):
    """The verified PTX of one AOT op for this GPU (a frozen dataclass)."""

    op_id: str
    kernel_name: str
    ptx: bytes
    arch: str
    path: str
    sha256: str
    launch: LaunchSpec | None = None

    def __init__(self, op_id: str, kernel_name: str, ptx: bytes, arch: str, path: str,
                 sha256: str, launch: LaunchSpec | None = None) -> None:
        setting = object.__setattr__
        setting(self, "op_id", op_id)
        setting(self, "kernel_name", kernel_name)
        setting(self, "ptx", ptx)
        setting(self, "arch", arch)
        setting(self, "path", path)
        setting(self, "sha256", sha256)
        setting(self, "launch", launch)


def bind(kernel: PackagedKernel) -> None:
    """Make ``kernel`` the PTX of its op (activation calls it after verifying the file)."""
    with _lock:
        _BOUND[kernel.op_id] = kernel


def bind_deferred(op_id: str, read: Callable[[], PackagedKernel]) -> None:
    """Make ``read()`` what gives ``op_id``'s PTX, called once, when TensorRT first asks for it.

    For a file activation found unchanged since its bytes were checked: they are read and hashed
    when they are handed on, not at activation. ``read`` raises :class:`~trt_plugin_hub.HubError`
    when the bytes are no longer the checked ones; the op then stays unread and asks again.
    """
    with _lock:
        _BOUND[op_id] = read


def bound_ops() -> tuple[str, ...]:
    """Ids of the ops whose PTX is bound in this process."""
    with _lock:
        return tuple(sorted(_BOUND))


def bound_kernel(op_id: str) -> PackagedKernel:
    """The verified PTX the hub bound for ``op_id``.

    Raises :class:`~trt_plugin_hub.HubError` when the op was not activated through the hub
    (for example when its module was imported by hand), rather than guessing a file, and when
    a file bound to be read now (:func:`bind_deferred`) no longer has the checked bytes.
    """
    with _lock:
        kernel = _BOUND.get(op_id)
        if kernel is not None and not isinstance(kernel, PackagedKernel):
            kernel = kernel()  # read and verified now; raises HubError if the file changed
            _BOUND[op_id] = kernel
    if kernel is None:
        from trt_plugin_hub._errors import HubError  # only when raising: activation imports this module

        raise HubError(
            f"no packaged PTX is bound for {op_id}: activate plugins with trt_plugin_hub.load() "
            "(or `import torch_tensorrt` with autoload on) before building the engine"
        )
    return kernel
