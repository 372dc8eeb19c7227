"""The checks of the AOT launch contract (:mod:`trt_plugin_hub._launch`).

The launch section's bounds and grammar, the geometry a kernel fixes, TensorRT's parameter order,
and the packing of kernel arguments that ``verify`` launches with. The decisions, the PTX build,
``validate`` and ``verify`` use these; activation does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeGuard

from . import INT32_MAX, INT32_MIN, LaunchSpec

__all__ = [
    "CUDA_ELEMENT_TYPES",
    "DERIVED_LAUNCH_KEYS",
    "EXTRA_PATTERN",
    "INT32_ATTR_TYPES",
    "INT32_PTX_TYPES",
    "LAUNCH_BOUNDS",
    "LAUNCH_KEYS",
    "POINTER_PTX_TYPES",
    "TRITON_BLOCK_CONSTEXPR",
    "TRITON_ELEMENT_TYPES",
    "KernelArg",
    "LaunchProblem",
    "ParamKind",
    "check_kernel_params",
    "geometry_problems",
    "launch_problems",
    "launch_spec",
    "pack_kernel_args",
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
#: The Triton constexpr the build reads as the number of elements one program (one block) covers.
TRITON_BLOCK_CONSTEXPR = "BLOCK_SIZE"
#: The launch fields the build fills in for a Triton kernel when the author leaves them out.
DERIVED_LAUNCH_KEYS = ("block_threads", "elements_per_block")


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
