"""The AOT launch contract: how TensorRT launches a packaged kernel, and the kernel that is bound.

TensorRT launches an AOT plugin's kernel with its parameters in one order: the input pointers,
then the int32 extras, then the output pointers. The manifest's ``launch`` section says the block
size, how many elements one block covers (``grid.x = ceil(numel / elements_per_block)``), the
dynamic shared memory and the extras: ``numel`` (the element count of the first input) or
``attr:NAME`` (a plugin attribute; a float travels as its float32 bit pattern).

This module owns that contract: the section's bounds and grammar, the encoding of the extras, the
grid, the parameter order and its checks, the packing of kernel arguments (``verify``), and the
registry of the kernels activation binds for ``trt_plugin_hub.aot.launch``.
"""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeGuard, TypeVar

from ._record import Frozen, record

__all__ = [
    "CUDA_ELEMENT_TYPES",
    "DERIVED_LAUNCH_KEYS",
    "EXTRA_PATTERN",
    "INT32_ATTR_TYPES",
    "INT32_MAX",
    "INT32_MIN",
    "INT32_PTX_TYPES",
    "LAUNCH_BOUNDS",
    "LAUNCH_KEYS",
    "POINTER_PTX_TYPES",
    "TRITON_BLOCK_CONSTEXPR",
    "TRITON_ELEMENT_TYPES",
    "ExtraError",
    "KernelArg",
    "LaunchProblem",
    "LaunchSpec",
    "PackagedKernel",
    "ParamKind",
    "bind",
    "bound_kernel",
    "bound_ops",
    "check_kernel_params",
    "encode_extras",
    "float_bits",
    "geometry_problems",
    "grid_x",
    "launch_problems",
    "launch_spec",
    "param_kinds",
    "param_order_problem",
    "ptx_param_kind",
    "signature_kinds",
    "signature_order_problem",
    "signature_split",
    "triton_geometry",
    "triton_param_kind",
]

# ----------------------------------------------------------------------------------------------
# The launch section

#: One extra: ``numel`` or ``attr:NAME``.
#: What an extra may be (compiled by ``re`` on first use: nothing is compiled at import).
EXTRA_PATTERN = r"(numel|attr:[A-Za-z_][A-Za-z0-9_]*)\Z"
#: The integer fields of a launch section: (name, lowest, highest, default; ``None`` = required).
#: Every host rejects a section outside these bounds, so the build refuses to write one.
LAUNCH_BOUNDS: tuple[tuple[str, int, int, int | None], ...] = (
    ("block_threads", 1, 1024, None),
    ("elements_per_block", 1, 1 << 24, None),
    ("shared_mem", 0, 1 << 20, 0),
)
_BOUNDS = {name: (low, high) for name, low, high, _ in LAUNCH_BOUNDS}
#: Every field a launch section may hold (``x-`` extensions aside).
LAUNCH_KEYS = frozenset({*(name for name, *_ in LAUNCH_BOUNDS), "extras"})
#: Plugin attribute types TensorRT can hand an AOT kernel as an int32 extra (a float as its bits).
INT32_ATTR_TYPES = ("int", "float", "bool")

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
#: The Triton constexpr the build reads as the number of elements one program (one block) covers.
TRITON_BLOCK_CONSTEXPR = "BLOCK_SIZE"
#: The launch fields the build fills in for a Triton kernel when the author leaves them out.
DERIVED_LAUNCH_KEYS = ("block_threads", "elements_per_block")


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


class LaunchProblem:
    """One field of a launch section that breaks the contract: which, what was expected, what was found.

    This and :class:`KernelArg` are slotted classes: activation imports this module on every
    ``import torch_tensorrt``, and a class statement is ~10 us where a NamedTuple is ~100 us.
    """

    __slots__ = ("expected", "found", "key")

    def __init__(self, key: str, expected: str, found: object) -> None:
        self.key = key
        self.expected = expected
        self.found = found

    def __repr__(self) -> str:
        return f"LaunchProblem({self.key!r}, {self.expected!r}, {self.found!r})"


def _in_bounds(value: object, key: str) -> TypeGuard[int]:
    """Whether ``value`` is an integer (not a bool) within ``LAUNCH_BOUNDS`` for ``key``."""
    low, high = _BOUNDS[key]
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def launch_problems(section: Mapping[str, Any]) -> tuple[LaunchProblem, ...]:
    """Every value of a launch section (a JSON object) outside the contract, in field order.

    Unknown keys are the reader's concern (``LAUNCH_KEYS`` lists the known ones).
    """
    problems = []
    for key, low, high, default in LAUNCH_BOUNDS:
        value = section.get(key, default)
        if not _in_bounds(value, key):
            problems.append(LaunchProblem(key, f"an integer from {low} to {high}", value))
    extras = section.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(e, str) and re.match(EXTRA_PATTERN, e) for e in extras):
        problems.append(LaunchProblem("extras", "a list of 'numel' or 'attr:NAME'", extras))
    return tuple(problems)


def launch_spec(section: Mapping[str, Any]) -> LaunchSpec:
    """The :class:`LaunchSpec` of a launch section; raises ``ValueError`` naming its first problem."""
    problems = launch_problems(section)
    if problems:
        first = problems[0]
        raise ValueError(f"launch.{first.key}: expected {first.expected}, found {first.found!r}")
    return LaunchSpec(block_threads=section["block_threads"], elements_per_block=section["elements_per_block"],
                      extras=tuple(section.get("extras", ())), shared_mem=section.get("shared_mem", 0))


# ----------------------------------------------------------------------------------------------
# The geometry the kernel fixes


def triton_geometry(num_warps: object, constexprs: object) -> dict[str, int]:
    """The launch fields a Triton kernel's build options fix, as far as they are valid.

    ``block_threads`` is ``num_warps * 32`` (Triton code runs exactly that many threads and its PTX
    says so with ``.reqntid``); ``elements_per_block`` is the ``BLOCK_SIZE`` constexpr, the
    elements one program covers. A value that is missing or out of bounds is left out.
    """
    derived: dict[str, int] = {}
    threads = num_warps * 32 if isinstance(num_warps, int) and not isinstance(num_warps, bool) else None
    if _in_bounds(threads, "block_threads"):
        derived["block_threads"] = threads
    block = constexprs.get(TRITON_BLOCK_CONSTEXPR) if isinstance(constexprs, Mapping) else None
    if _in_bounds(block, "elements_per_block"):
        derived["elements_per_block"] = block
    return derived


def geometry_problems(launch: LaunchSpec, *, threads: int | None = None, threads_from: str = "the kernel's block size",
                      max_threads: int | None = None, max_from: str = "the largest block the kernel accepts",
                      block_elements: int | None = None,
                      elements_from: str = "the elements one block writes") -> tuple[LaunchProblem, ...]:
    """Where ``launch`` disagrees with what the kernel fixes, in field order.

    ``threads`` is the block size the kernel demands (``num_warps * 32``, PTX ``.reqntid``): any
    other fails the launch or computes on too few threads. ``max_threads`` is the largest block it
    accepts (PTX ``.maxntid``, CUDA ``__launch_bounds__``): a larger launch fails. ``block_elements``
    is what one block writes (Triton's ``BLOCK_SIZE``): a larger ``elements_per_block`` leaves
    elements between blocks that no block writes. The ``*_from`` phrases say where each value
    comes from, in the problem's ``expected``.
    """
    problems = []
    if threads is not None and launch.block_threads != threads:
        problems.append(LaunchProblem("block_threads", f"{threads} ({threads_from})", launch.block_threads))
    elif max_threads is not None and launch.block_threads > max_threads:
        problems.append(LaunchProblem("block_threads", f"at most {max_threads} ({max_from})", launch.block_threads))
    if block_elements is not None and launch.elements_per_block > block_elements:
        problems.append(LaunchProblem("elements_per_block", f"at most {block_elements} ({elements_from}; with more, "
                                      "the elements between one block's last and the next block's first are never "
                                      "written)", launch.elements_per_block))
    return tuple(problems)


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
# The kernel's parameter order: input pointers, int32 extras, output pointers

ParamKind = Literal["ptr", "i32", "other"]

#: PTX parameter types TensorRT's device pointers fit (64 bits).
POINTER_PTX_TYPES = frozenset({".u64", ".b64", ".s64"})
#: PTX parameter types an int32 extra fits.
INT32_PTX_TYPES = frozenset({".u32", ".b32", ".s32"})
# Triton pointer types a build.signature may name (TensorRT passes only pointers and int32 scalars).
_TRITON_POINTER = r"\*(?:fp16|bf16|fp32|fp64|i8|i16|i32|i64|u8|u16|u32|u64|i1|fp8e4nv|fp8e5)\Z"
_LETTER = {"ptr": "p", "i32": "i", "other": "?"}
#: The TensorRT data type of the elements each Triton pointer type points to, by the names
#: ``trtp.AutoTuneCombination`` accepts (``FP32`` and ``FLOAT`` are one type).
TRITON_ELEMENT_TYPES: Mapping[str, tuple[str, ...]] = {
    "*fp32": ("FP32", "FLOAT"), "*fp16": ("FP16", "HALF"), "*bf16": ("BF16",), "*fp8e4nv": ("FP8",),
    "*i8": ("INT8",), "*i32": ("INT32",), "*i64": ("INT64",), "*u8": ("UINT8",), "*i1": ("BOOL",),
}
#: The same for the element type of a CUDA C++ kernel's pointer parameter (qualifiers left off).
CUDA_ELEMENT_TYPES: Mapping[str, tuple[str, ...]] = {
    "float": ("FP32", "FLOAT"), "__half": ("FP16", "HALF"), "half": ("FP16", "HALF"), "__nv_bfloat16": ("BF16",),
    "int8_t": ("INT8",), "signed char": ("INT8",), "int": ("INT32",), "int32_t": ("INT32",),
    "int64_t": ("INT64",), "long long": ("INT64",), "uint8_t": ("UINT8",), "unsigned char": ("UINT8",),
    "bool": ("BOOL",),
}


def ptx_param_kind(ptx_type: str) -> ParamKind:
    """``ptr`` for a 64-bit integer parameter (a device address), ``i32`` for a 32-bit one, else ``other``."""
    if ptx_type in POINTER_PTX_TYPES:
        return "ptr"
    if ptx_type in INT32_PTX_TYPES:
        return "i32"
    return "other"


def triton_param_kind(triton_type: object) -> ParamKind:
    """The kind of a Triton ``build.signature`` type: ``*fp32`` is ``ptr``, ``i32`` is ``i32``."""
    if triton_type == "i32":
        return "i32"
    if isinstance(triton_type, str) and re.match(_TRITON_POINTER, triton_type):
        return "ptr"
    return "other"


def signature_kinds(signature: Mapping[str, object]) -> tuple[ParamKind, ...]:
    """The parameter kinds of a Triton ``build.signature``, in order."""
    return tuple(triton_param_kind(t) for t in signature.values())


def param_kinds(inputs: int, extras: int, outputs: int) -> tuple[ParamKind, ...]:
    """The kinds TensorRT passes, in order: ``inputs`` pointers, ``extras`` int32s, ``outputs`` pointers."""
    pointer: ParamKind = "ptr"
    scalar: ParamKind = "i32"
    return (pointer,) * inputs + (scalar,) * extras + (pointer,) * outputs


def _follows_order(kinds: Sequence[str], extras: int) -> re.Match[str] | None:
    text = "".join(_LETTER.get(kind, "?") for kind in kinds)
    return re.fullmatch(rf"(p*)(i{{{extras}}})(p+)", text)


def param_order_problem(kinds: Sequence[str], extras: int) -> bool:
    """Whether parameters of ``kinds`` break TensorRT's order for ``extras`` int32 extras.

    The order: any input pointers, exactly ``extras`` int32s, at least one output pointer.
    """
    return _follows_order(kinds, extras) is None


def signature_split(kinds: Sequence[str], extras: int, inputs: int | None = None) -> tuple[int, int, int] | None:
    """``(input pointers, int32 extras, output pointers)`` of parameters in TensorRT's order.

    ``None`` when the parameters are not in that order, or when the split cannot be known: with
    no extras the pointers are inputs and outputs alike, so ``inputs`` (from the plugin) decides.
    """
    match = _follows_order(kinds, extras)
    if match is None:
        return None
    if extras:
        return len(match.group(1)), extras, len(match.group(3))
    if inputs is None or not 0 <= inputs < len(kinds):
        return None
    return inputs, 0, len(kinds) - inputs


def signature_order_problem(signature: Mapping[str, object], extras: int) -> LaunchProblem | None:
    """Why a Triton ``build.signature`` cannot be TensorRT's launch order, or ``None``.

    Every type must be a pointer such as ``*fp32`` or ``i32`` (the problem's key is then
    ``signature.NAME``); in order: input pointers, one ``i32`` per extra, at least one output
    pointer (the key is ``signature``).
    """
    for name, kind in signature.items():
        if triton_param_kind(kind) == "other":
            return LaunchProblem(f"signature.{name}", "a pointer type such as '*fp32' or 'i32' (TensorRT passes only "
                                 "pointers and int32 scalars)", kind)
    if param_order_problem(signature_kinds(signature), extras):
        return LaunchProblem("signature", f"TensorRT's AOT argument order: input pointers, then {extras} int32 "
                             "extra(s) (one per launch.extras entry), then at least one output pointer",
                             dict(signature))
    return None


class KernelArg:
    """One kernel parameter as TensorRT passes it: a device pointer or an int32 scalar."""

    __slots__ = ("kind", "role", "value")

    def __init__(self, kind: Literal["ptr", "i32"], value: int, role: str = "") -> None:
        self.kind = kind
        self.value = value
        self.role = role  # "input 0", "extra numel", "output 0": for error messages

    def __repr__(self) -> str:
        return f"KernelArg({self.kind!r}, {self.value!r}, {self.role!r})"


def pack_kernel_args(inputs: Sequence[int], extras: Sequence[int], outputs: Sequence[int]) -> tuple[KernelArg, ...]:
    """Kernel parameters in TensorRT's AOT order: input pointers, int32 extras, output pointers."""
    args = [KernelArg("ptr", int(p), f"input {i}") for i, p in enumerate(inputs)]
    args += [KernelArg("i32", int(v), f"extra {i}") for i, v in enumerate(extras)]
    args += [KernelArg("ptr", int(p), f"output {i}") for i, p in enumerate(outputs)]
    for arg in args:
        if arg.kind == "i32" and not INT32_MIN <= arg.value <= INT32_MAX:
            raise ValueError(f"{arg.role} = {arg.value} does not fit an int32")
        if arg.kind == "ptr" and not 0 <= arg.value < (1 << 64):
            raise ValueError(f"{arg.role} = {arg.value:#x} is not a 64-bit address")
    return tuple(args)


def check_kernel_params(params: Sequence[str], args: Sequence[KernelArg]) -> str | None:
    """Why the PTX entry's parameter types cannot take ``args``, or ``None`` if they match.

    The driver copies each parameter by the size the kernel declares, so a count or width
    mismatch would read garbage instead of failing; catch it before launching. (Triton's two
    hidden scratch pointers, when not stripped, show up here as extra parameters.)
    """
    if len(params) != len(args):
        wanted = ", ".join(a.kind for a in args) or "none"
        return (f"the kernel declares {len(params)} parameter(s) ({', '.join(params) or 'none'}), "
                f"TensorRT passes {len(args)} ({wanted})")
    for index, (ptype, arg) in enumerate(zip(params, args, strict=True)):  # same length: checked above
        if ptx_param_kind(ptype) != arg.kind:
            expected = "a 64-bit pointer" if arg.kind == "ptr" else "a 32-bit integer"
            return f"kernel parameter {index} is {ptype}, but TensorRT passes {arg.role} there ({expected})"
    return None


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
        from ._errors import HubError  # only when raising: activation imports this module

        raise HubError(
            f"no packaged PTX is bound for {op_id}: activate plugins with trt_plugin_hub.load() "
            "(or `import torch_tensorrt` with autoload on) before building the engine"
        )
    return kernel
