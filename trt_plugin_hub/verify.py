"""``trt-plugin-hub verify``: run every AOT op's shipped PTX on this GPU, without TensorRT.

For each AOT op of the installed plugin packages (or of the packages named with ``--package``)
the command

1. chooses and verifies the PTX for this GPU exactly as activation does
   (:func:`trt_plugin_hub.decisions.resolve_ptx`: architecture, sha256, target, ISA, entry);
2. loads it through the CUDA driver (``cuModuleLoadData``, cuda-python) and launches it the way
   TensorRT launches an AOT plugin: parameters in the order input pointers, int32 extras, output
   pointers; grid and block from the manifest's ``launch`` section;
3. compares every output with the op's eager PyTorch reference on fresh random inputs at several
   shapes (sizes that are not multiples of the block included), with the outputs poisoned (NaN)
   before every launch and a poisoned guard region after them, so unwritten elements and writes
   past the end are both caught;
4. times the kernel, a device-to-device copy moving the same number of bytes and the eager
   reference expression, in the same run, and reports achieved bandwidth (bytes read plus
   written over time) and its ratio to both.

TensorRT is not needed: this is what proves, on a GPU host, that a package's PTX loads with the
real driver, runs with TensorRT's argument order and computes the op. The pure parts (argument
packing, shapes, the result schema and the table) import neither torch nor cuda-python.

The eager reference of op ``ns::name`` is the op's ``x-reference`` (``"module:function"``) in
``trt_plugin.json``, else ``reference_<name>`` in the package's ``ops`` module. An op's
``x-verify`` object may set ``attrs`` (attribute values to test with), ``dtype`` and ``rtol``.
"""

from __future__ import annotations

import ctypes
import datetime
import enum
import inspect
import json
import math
import platform
import random
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from . import _guard
from .aot import float_bits
from .manifest import MANIFEST_FILENAME, LaunchSpec, OpSpec, PluginManifest, read_manifest

__all__ = [
    "DEFAULT_SIZES",
    "REPORT_SCHEMA",
    "KernelArg",
    "OpResult",
    "SizeResult",
    "Unavailable",
    "VerifyReport",
    "VerifySettings",
    "VerifyStatus",
    "check_kernel_params",
    "extra_values",
    "format_table",
    "grid_x",
    "pack_kernel_args",
    "parse_shape",
    "parse_sizes",
    "run_verify",
]

#: Identifies the JSON layout ``--json`` prints; bumped when a field changes meaning.
REPORT_SCHEMA = "trt-plugin-hub/verify/1"

#: Shapes checked by default: tiny, ragged (not multiples of any block size), a 3-D shape, and a
#: large one for bandwidth (2**26 float32 elements = 256 MiB per tensor, far past any L2).
DEFAULT_SIZES = ("1", "1000", "1025", "4097", "3x333x7", "1048583", "67108864")

#: Attribute values used when the manifest's ``x-verify.attrs`` does not give one. 1.5 is exact in
#: every float type and not 1, so a kernel that ignores the attribute is caught.
DEFAULT_ATTR_VALUES: dict[str, Any] = {"float": 1.5, "int": 3, "bool": True}

#: Relative error (max-norm, see ``SizeResult.max_rel_error``) accepted for float32 outputs.
DEFAULT_RTOL = 1e-5

#: A float32 quiet NaN's bit pattern: outputs are filled with it before each launch.
POISON_BITS = 0x7FC00000

_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1
_POINTER_TYPES = frozenset({".u64", ".b64", ".s64"})
_INT32_TYPES = frozenset({".u32", ".b32", ".s32"})

class VerifyStatus(str, enum.Enum):
    """One op's verdict: every shape matched its reference, a shape did not, or the op could not run."""

    OK = "ok"
    MISMATCH = "mismatch"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


class Unavailable(RuntimeError):
    """What ``verify`` needs is missing here (no GPU, no torch, no cuda-python)."""


# ----------------------------------------------------------------------------------------------
# Pure helpers: argument packing and shapes (unit-tested without a GPU)


@dataclass(frozen=True)
class KernelArg:
    """One kernel parameter as TensorRT passes it: a device pointer or an int32 scalar."""

    kind: Literal["ptr", "i32"]
    value: int
    role: str = ""  # "input 0", "extra numel", "output 0": for error messages


def grid_x(launch: LaunchSpec, numel: int) -> int:
    """``ceil(numel / elements_per_block)``: the grid TensorRT launches for ``numel`` elements."""
    return -(-numel // launch.elements_per_block)


def extra_values(launch: LaunchSpec, numel: int, attrs: Mapping[str, Any]) -> tuple[int, ...]:
    """The int32 extras in declared order: ``numel`` or an attribute (a float as its bits).

    Raises ``ValueError`` when a value does not fit an int32 (TensorRT's extras are SymInt32, so
    a kernel could never receive it) or an attribute the launch names has no value.
    """
    values: list[int] = []
    for extra in launch.extras:
        if extra == "numel":
            value = numel
        else:
            name = extra.split(":", 1)[1]
            if name not in attrs:
                raise ValueError(f"launch extra {extra!r} needs a value for attribute {name!r}")
            raw = attrs[name]
            # Same rule as aot.launch: floats travel as their IEEE-754 bits, everything else as int.
            value = float_bits(raw) if isinstance(raw, float) else int(raw)
        if not _INT32_MIN <= value <= _INT32_MAX:
            raise ValueError(f"launch extra {extra!r} = {value} does not fit an int32")
        values.append(value)
    return tuple(values)


def pack_kernel_args(inputs: Sequence[int], extras: Sequence[int], outputs: Sequence[int]) -> tuple[KernelArg, ...]:
    """Kernel parameters in TensorRT's AOT order: input pointers, int32 extras, output pointers."""
    args = [KernelArg("ptr", int(p), f"input {i}") for i, p in enumerate(inputs)]
    args += [KernelArg("i32", int(v), f"extra {i}") for i, v in enumerate(extras)]
    args += [KernelArg("ptr", int(p), f"output {i}") for i, p in enumerate(outputs)]
    for arg in args:
        if arg.kind == "i32" and not _INT32_MIN <= arg.value <= _INT32_MAX:
            raise ValueError(f"{arg.role} = {arg.value} does not fit an int32")
        if arg.kind == "ptr" and not 0 <= arg.value < (1 << 64):
            raise ValueError(f"{arg.role} = {arg.value:#x} is not a 64-bit address")
    return tuple(args)


def check_kernel_params(params: Sequence[str], args: Sequence[KernelArg]) -> str | None:
    """Why the PTX entry's parameter list cannot take ``args``, or ``None`` if it matches.

    The driver copies each parameter by the size the kernel declares, so a count or width
    mismatch would read garbage instead of failing; catch it before launching. (Triton's two
    hidden scratch pointers, when not stripped, show up here as extra parameters.)
    """
    if len(params) != len(args):
        wanted = ", ".join(a.kind for a in args) or "none"
        return (f"the kernel declares {len(params)} parameter(s) ({', '.join(params) or 'none'}), "
                f"TensorRT passes {len(args)} ({wanted})")
    for index, (ptype, arg) in enumerate(zip(params, args)):
        allowed = _POINTER_TYPES if arg.kind == "ptr" else _INT32_TYPES
        if ptype not in allowed:
            expected = "a 64-bit pointer" if arg.kind == "ptr" else "a 32-bit integer"
            return f"kernel parameter {index} is {ptype}, but TensorRT passes {arg.role} there ({expected})"
    return None


def parse_shape(text: str) -> tuple[int, ...]:
    """``"4097"`` -> ``(4097,)``, ``"3x333x7"`` -> ``(3, 333, 7)``; every dimension positive."""
    parts = text.strip().lower().replace("*", "x").split("x")
    try:
        dims = tuple(int(p.replace("_", "")) for p in parts)
    except ValueError:
        raise ValueError(f"not a size or shape such as 4097 or 3x333x7: {text!r}") from None
    if not dims or any(d <= 0 for d in dims):
        raise ValueError(f"every dimension must be positive: {text!r}")
    return dims


def parse_sizes(text: str | Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """Comma-separated sizes or shapes, e.g. ``"1,1025,3x333x7,67108864"``."""
    items = text.split(",") if isinstance(text, str) else list(text)
    shapes = tuple(parse_shape(item) for item in items if item.strip())
    if not shapes:
        raise ValueError("no sizes given")
    return shapes


def numel_of(shape: Sequence[int]) -> int:
    """The element count of ``shape``."""
    return math.prod(shape)


# ----------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class SizeResult:
    """One op at one shape: correctness, and timings in milliseconds (``None`` when not timed).

    ``max_rel_error`` is ``max|out - ref| / max|ref|`` over every output element and trial
    (0 when both are all zero); ``unwritten`` counts output elements still poisoned (NaN where
    the reference is not); ``guard_overwritten`` counts elements written past the end.
    """

    shape: tuple[int, ...]
    numel: int
    grid: int
    trials: int
    max_rel_error: float | None
    unwritten: int
    guard_overwritten: int
    passed: bool
    bytes_moved: int
    kernel_ms: float | None = None
    copy_ms: float | None = None
    eager_ms: float | None = None
    error: str | None = None

    @staticmethod
    def _gbs(nbytes: int, ms: float | None) -> float | None:
        return None if not ms else nbytes / (ms * 1e-3) / 1e9

    @property
    def kernel_gbs(self) -> float | None:
        """Achieved bandwidth of the kernel: bytes read plus written per second, in GB/s."""
        return self._gbs(self.bytes_moved, self.kernel_ms)

    @property
    def copy_gbs(self) -> float | None:
        """Bandwidth of ``dst.copy_(src)`` moving the same number of bytes (read plus written)."""
        return self._gbs(self.bytes_moved, self.copy_ms)

    @property
    def eager_gbs(self) -> float | None:
        """Bandwidth of the eager reference expression on the same inputs."""
        return self._gbs(self.bytes_moved, self.eager_ms)

    @property
    def fraction_of_copy(self) -> float | None:
        """The kernel's bandwidth as a fraction of the copy's."""
        return None if not (self.kernel_ms and self.copy_ms) else self.copy_ms / self.kernel_ms

    @property
    def vs_eager(self) -> float | None:
        """The kernel's throughput over the eager expression's (above 1: the kernel is faster)."""
        return None if not (self.kernel_ms and self.eager_ms) else self.eager_ms / self.kernel_ms

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": list(self.shape),
            "numel": self.numel,
            "grid": self.grid,
            "trials": self.trials,
            "passed": self.passed,
            "max_rel_error": self.max_rel_error,
            "unwritten": self.unwritten,
            "guard_overwritten": self.guard_overwritten,
            "bytes_moved": self.bytes_moved,
            "kernel_ms": _round(self.kernel_ms),
            "copy_ms": _round(self.copy_ms),
            "eager_ms": _round(self.eager_ms),
            "kernel_gbs": _round(self.kernel_gbs, 1),
            "copy_gbs": _round(self.copy_gbs, 1),
            "eager_gbs": _round(self.eager_gbs, 1),
            "fraction_of_copy": _round(self.fraction_of_copy, 4),
            "vs_eager": _round(self.vs_eager, 4),
            "error": self.error,
        }


@dataclass(frozen=True)
class OpResult:
    """One AOT op: what was launched, and its result at every shape."""

    plugin: str
    op: str
    status: VerifyStatus
    arch: str | None = None
    kernel: str | None = None
    ptx: str | None = None
    sha256: str | None = None
    launch: LaunchSpec | None = None
    reference: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    dtype: str | None = None
    rtol: float = DEFAULT_RTOL
    sizes: tuple[SizeResult, ...] = ()
    error: str | None = None

    @property
    def max_rel_error(self) -> float | None:
        """The largest relative error over every shape checked."""
        errors = [s.max_rel_error for s in self.sizes if s.max_rel_error is not None]
        return max(errors) if errors else None

    @property
    def largest(self) -> SizeResult | None:
        """The result at the largest shape: the one whose bandwidth is meaningful."""
        timed = [s for s in self.sizes if s.kernel_ms is not None]
        return max(timed, key=lambda s: s.numel) if timed else None

    def to_dict(self) -> dict[str, Any]:
        largest = self.largest
        launch = self.launch
        return {
            "plugin": self.plugin,
            "op": self.op,
            "status": VerifyStatus(self.status).value,
            "error": self.error,
            "arch": self.arch,
            "kernel": self.kernel,
            "ptx": self.ptx,
            "sha256": self.sha256,
            "launch": None if launch is None else {
                "block_threads": launch.block_threads,
                "elements_per_block": launch.elements_per_block,
                "extras": list(launch.extras),
                "shared_mem": launch.shared_mem,
            },
            "reference": self.reference,
            "attrs": dict(self.attrs),
            "dtype": self.dtype,
            "rtol": self.rtol,
            "max_rel_error": self.max_rel_error,
            "shapes_passed": sum(s.passed for s in self.sizes),
            "shapes_checked": len(self.sizes),
            "largest": None if largest is None else {
                "numel": largest.numel,
                "kernel_gbs": _round(largest.kernel_gbs, 1),
                "copy_gbs": _round(largest.copy_gbs, 1),
                "eager_gbs": _round(largest.eager_gbs, 1),
                "fraction_of_copy": _round(largest.fraction_of_copy, 4),
                "vs_eager": _round(largest.vs_eager, 4),
            },
            "sizes": [s.to_dict() for s in self.sizes],
        }


@dataclass(frozen=True)
class VerifySettings:
    """What to check and how hard."""

    shapes: tuple[tuple[int, ...], ...] = tuple(parse_shape(s) for s in DEFAULT_SIZES)
    reps: int = 50
    warmup: int = 5
    trials: int = 2
    seed: int | None = None
    rtol: float | None = None  # overrides every op's tolerance when set
    ops: tuple[str, ...] = ()  # only these op ids (all AOT ops when empty)
    packages: tuple[str, ...] = ()  # package directories instead of the installed plugins
    time: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "shapes": [list(s) for s in self.shapes],
            "reps": self.reps,
            "warmup": self.warmup,
            "trials": self.trials,
            "seed": self.seed,
            "rtol": self.rtol,
            "ops": list(self.ops),
            "packages": list(self.packages),
            "time": self.time,
        }


@dataclass(frozen=True)
class VerifyReport:
    """Everything ``verify`` measured, with the device it ran on."""

    device: Mapping[str, Any]
    settings: VerifySettings
    ops: tuple[OpResult, ...]
    problems: tuple[str, ...] = ()  # plugins that could not be read at all
    created: str = ""

    @property
    def passed(self) -> bool:
        """Every op matched its reference at every shape, and every plugin could be read."""
        return not self.problems and all(op.status == VerifyStatus.OK for op in self.ops)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "created": self.created,
            "passed": self.passed,
            "device": dict(self.device),
            "settings": self.settings.to_dict(),
            "problems": list(self.problems),
            "ops": [op.to_dict() for op in self.ops],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


# ----------------------------------------------------------------------------------------------
# The table


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _shape_text(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def format_table(report: VerifyReport) -> str:
    """Per-shape lines for every op, then one summary row per op (largest shape's bandwidth)."""
    lines: list[str] = []
    device = report.device
    lines.append(f"Device: {device.get('name') or '?'} (cc {device.get('compute_capability') or '?'}) | "
                 f"driver {device.get('driver') or '?'} | torch {device.get('torch') or '?'} | "
                 f"cuda-bindings {device.get('cuda_bindings') or '?'}")
    for problem in report.problems:
        lines.append(f"problem: {problem}")
    for op in report.ops:
        lines.append("")
        where = f" [{op.arch} {op.ptx}]" if op.ptx else ""
        attrs = ", ".join(f"{k}={v!r}" for k, v in op.attrs.items())
        lines.append(f"{op.op} ({op.plugin}){where}{f' attrs {attrs}' if attrs else ''}: {op.status}")
        if op.error:
            lines.append(f"  error: {op.error}")
        if op.sizes:
            head = ("SHAPE", "GRID", "REL ERR", "RESULT", "KERNEL ms", "GB/s", "COPY GB/s", "EAGER GB/s")
            rows = [(_shape_text(s.shape), str(s.grid), _fmt(s.max_rel_error, ".1e"),
                     "ok" if s.passed else ("ERROR" if s.error else "MISMATCH"),
                     _fmt(s.kernel_ms, ".4f"), _fmt(s.kernel_gbs, ".0f"), _fmt(s.copy_gbs, ".0f"),
                     _fmt(s.eager_gbs, ".0f")) for s in op.sizes]
            lines += ["  " + line for line in _columns(head, rows)]
            for s in op.sizes:
                if not s.passed:
                    lines.append(f"  {_shape_text(s.shape)}: {_failure(s, op.rtol)}")
    lines.append("")
    summary_head = ("OP", "ARCH", "SHAPES OK", "MAX REL ERR", "LARGEST", "KERNEL GB/s", "COPY GB/s", "OF COPY",
                    "VS EAGER")
    summary: list[tuple[str, ...]] = []
    for op in report.ops:
        big = op.largest
        summary.append((op.op, op.arch or "-", f"{sum(s.passed for s in op.sizes)}/{len(op.sizes)}",
                     _fmt(op.max_rel_error, ".1e"), str(big.numel) if big else "-",
                     _fmt(big.kernel_gbs if big else None, ".0f"), _fmt(big.copy_gbs if big else None, ".0f"),
                     _fmt(big.fraction_of_copy * 100 if big and big.fraction_of_copy else None, ".1f", "%"),
                     _fmt(big.vs_eager if big else None, ".3f", "x")))
    lines += _columns(summary_head, summary)
    verdict = "all AOT ops match their references" if report.passed else "MISMATCHES or errors: see above"
    if not report.ops and not report.problems:
        verdict = "no AOT ops to verify"
    lines.append(f"\n{len(report.ops)} AOT op(s): {verdict}.")
    return "\n".join(lines)


def _failure(size: SizeResult, rtol: float) -> str:
    """Why one shape failed, naming only the checks that failed."""
    if size.error:
        return size.error
    parts = []
    if size.unwritten:
        parts.append(f"{size.unwritten} output element(s) left unwritten (still poisoned)")
    if size.guard_overwritten:
        parts.append(f"{size.guard_overwritten} element(s) written past the end of an output")
    if size.max_rel_error is not None and size.max_rel_error > rtol:
        parts.append(f"relative error {size.max_rel_error:.2e} > {rtol:g}")
    return "; ".join(parts) or "failed"


def _columns(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head, *rows]]


# ----------------------------------------------------------------------------------------------
# What to verify: packages, their AOT ops, and each op's reference


@dataclass(frozen=True)
class _Package:
    """A plugin package to verify: its name, directory, import name and manifest."""

    name: str
    package_dir: Path
    module: str
    manifest: PluginManifest
    raw: Mapping[str, Any]  # the manifest's JSON, for the op-level x- extension keys


def _collect_packages(settings: VerifySettings) -> tuple[list[_Package], list[str]]:
    """The installed plugins (or ``settings.packages``), and a line for each that cannot be read."""
    packages: list[_Package] = []
    problems: list[str] = []
    if settings.packages:
        for text in settings.packages:
            packages.append(_package_from_dir(text))
        return packages, problems
    from .discovery import discover

    for candidate in discover():
        if candidate.manifest is None or candidate.package_dir is None or candidate.manifest_path is None:
            message = candidate.problem.message if candidate.problem else "no manifest"
            problems.append(f"{candidate.name}: {message}")
            continue
        if candidate.problem is not None:  # e.g. a duplicate plugin name: it never activates
            problems.append(f"{candidate.name}: {candidate.problem.message}")
            continue
        raw = json.loads(candidate.manifest_path.read_text(encoding="utf-8"))
        packages.append(_Package(candidate.name, candidate.package_dir, candidate.module, candidate.manifest, raw))
    return packages, problems


def _package_from_dir(text: str) -> _Package:
    """A package directory given on the command line: the one holding ``trt_plugin.json``, or a
    project directory with exactly one such package below it."""
    from ._errors import HubError

    path = Path(text)
    if not path.is_dir():
        raise HubError(f"--package {text}: not a directory")
    if not (path / MANIFEST_FILENAME).is_file():
        found = sorted(p.parent for p in path.glob(f"*/{MANIFEST_FILENAME}"))
        if len(found) != 1:
            raise HubError(f"--package {text}: no {MANIFEST_FILENAME} in it"
                           + (f" (several below it: {', '.join(p.name for p in found)})" if found else ""))
        path = found[0]
    path = path.resolve()
    module = path.name
    # The references live in the package's modules: make this copy the importable one.
    parent = str(path.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    manifest = read_manifest(path / MANIFEST_FILENAME, module)
    raw = json.loads((path / MANIFEST_FILENAME).read_text(encoding="utf-8"))
    return _Package(manifest.name, path, module, manifest, raw)


def _raw_op(package: _Package, op: OpSpec) -> Mapping[str, Any]:
    for item in package.raw.get("ops", []):
        if isinstance(item, dict) and item.get("id") == op.id and (item.get("overload") or None) == op.overload:
            return item
    return {}


@dataclass(frozen=True)
class _Plan:
    """How to call one op's reference and what its kernel receives."""

    reference: Callable[..., Any]
    reference_name: str
    tensor_params: tuple[str, ...]
    attrs: dict[str, Any]
    dtype: str
    rtol: float


def _plan(package: _Package, op: OpSpec, raw: Mapping[str, Any], settings: VerifySettings) -> _Plan:
    """Resolve the reference and the attribute values; raises ``ValueError`` with the reason."""
    spec = raw.get("x-reference")
    if spec is not None:
        if not isinstance(spec, str) or spec.count(":") != 1:
            raise ValueError(f"x-reference must be 'module:function', found {spec!r}")
        module_name, attr = spec.split(":")
    else:
        module_name, attr = f"{package.module}.ops", f"reference_{op.name}"
        spec = f"{module_name}:{attr}"
    reference, failure = _guard.resolve(f"{module_name}:{attr}")
    if failure is not None and not isinstance(failure.exception, AttributeError):
        raise ValueError(f"cannot import the reference module {module_name} ({failure})") from failure.exception
    if not callable(reference):
        raise ValueError(f"no eager reference: {spec} does not exist; define it, or name one with "
                         "'x-reference': 'module:function' on the op in trt_plugin.json")

    options = raw.get("x-verify", {})
    if not isinstance(options, dict):
        raise ValueError(f"x-verify must be an object, found {options!r}")
    given = options.get("attrs", {})
    if not isinstance(given, dict):
        raise ValueError(f"x-verify.attrs must be an object, found {given!r}")
    dtype = options.get("dtype", "float32")
    if not isinstance(dtype, str):
        raise ValueError(f"x-verify.dtype must be a torch dtype name such as 'float32', found {dtype!r}")
    rtol = options.get("rtol", DEFAULT_RTOL)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or rtol < 0:
        raise ValueError(f"x-verify.rtol must be a non-negative number, found {rtol!r}")
    if settings.rtol is not None:
        rtol = settings.rtol

    launch = op.launch
    assert launch is not None
    launch_attrs = {e.split(":", 1)[1] for e in launch.extras if e.startswith("attr:")}
    tensors: list[str] = []
    attrs: dict[str, Any] = {}
    for param in inspect.signature(reference).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ValueError(f"the reference {spec} must name its parameters (no *args or **kwargs)")
        kind = _annotation_kind(param.annotation)
        if kind == "tensor" or (kind is None and param.name not in launch_attrs and param.name not in given):
            if attrs:
                raise ValueError(f"{spec}: tensor parameter {param.name!r} follows an attribute "
                                 "(TensorRT plugins take tensors first)")
            tensors.append(param.name)
            continue
        value = given.get(param.name, param.default if param.default is not param.empty else None)
        if value is None:
            value = DEFAULT_ATTR_VALUES[kind or "float"]
        if kind == "float":  # JSON may spell 2.0 as 2; the kernel still gets float bits
            value = float(value)
        elif kind == "int":
            value = int(value)
        elif kind == "bool":
            value = bool(value)
        attrs[param.name] = value
    if not tensors:
        raise ValueError(f"the reference {spec} takes no tensor")
    missing = sorted(launch_attrs - set(attrs))
    if missing:
        raise ValueError(f"launch extras name attribute(s) {', '.join(missing)} that the reference {spec} "
                         "does not take")
    unknown = sorted(set(given) - set(attrs))
    if unknown:
        raise ValueError(f"x-verify.attrs names {', '.join(unknown)}, which the reference {spec} does not take")
    return _Plan(reference, spec, tuple(tensors), attrs, dtype, float(rtol))


def _annotation_kind(annotation: Any) -> str | None:
    """``"tensor"``, ``"float"``, ``"int"``, ``"bool"`` or ``None`` for an unannotated parameter.

    Works on strings too: with ``from __future__ import annotations`` a reference's annotations
    are never evaluated, and evaluating them here could import things the reference avoids.
    """
    if annotation is inspect.Parameter.empty:
        return None
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    text = text.replace(" ", "")
    if "Tensor" in text:
        return "tensor"
    for name in ("bool", "float", "int"):  # bool before int: bool is an int subclass
        if text == name or text.startswith(name + "|") or text.endswith("|" + name):
            return name
    return None


# ----------------------------------------------------------------------------------------------
# The GPU side: torch for tensors and timing, cuda-python for the module and the launch


def _load_gpu_stack() -> tuple[Any, Any]:
    """``(torch, cuda.bindings.driver)``, or :class:`Unavailable` saying exactly what is missing."""
    try:
        import torch
    except ImportError as exc:
        raise Unavailable(f"PyTorch is not installed ({exc}); install trt-plugin-hub[verify] on a GPU host") from None
    try:
        from cuda.bindings import driver
    except ImportError:
        try:  # cuda-python before 12.6 named the module cuda.cuda
            from cuda import cuda as driver
        except ImportError:
            raise Unavailable("cuda-python is not installed (no module cuda.bindings.driver); "
                              "install trt-plugin-hub[verify] (cuda-bindings)") from None
    if not torch.cuda.is_available():
        build = torch.version.cuda or "none (a CPU-only build)"
        raise Unavailable(f"no CUDA GPU is visible: torch.cuda.is_available() is False "
                          f"(torch {torch.__version__}, CUDA {build}); verify runs on a host with an NVIDIA GPU")
    return torch, driver


def _cuda_bindings_version() -> str | None:
    from importlib import metadata

    for name in ("cuda-bindings", "cuda-python"):
        try:
            return metadata.version(name)
        except Exception:
            continue
    return None


class _Gpu:
    """The current CUDA device as verify uses it: torch's primary context, driver-API launches.

    ``_verify_op`` needs only ``torch``, ``tensor_device``, ``load``, ``unload``, ``launcher``,
    ``synchronize`` and ``time_ms``, so the tests drive the whole check with a stand-in whose
    "kernel" is Python.
    """

    tensor_device = "cuda"

    def __init__(self, torch: Any, driver: Any) -> None:
        self.torch = torch
        self.driver = driver
        self._success = driver.CUresult.CUDA_SUCCESS
        torch.cuda.init()
        self.index = torch.cuda.current_device()
        self._check(driver.cuInit(0), "cuInit")
        self.device = self._check(driver.cuDeviceGet(self.index), "cuDeviceGet")
        # Torch uses the device's primary context; retaining and binding the same one means the
        # modules loaded here see torch's allocations and run on torch's streams.
        self.context = self._check(driver.cuDevicePrimaryCtxRetain(self.device), "cuDevicePrimaryCtxRetain")
        self._check(driver.cuCtxSetCurrent(self.context), "cuCtxSetCurrent")
        self.stream = torch.cuda.current_stream()
        # Timing flush: a read-only pass over a buffer larger than L2 before every timed region.
        # It evicts the previous repetition's data (so mid sizes are not timed from cache) without
        # leaving dirty lines to write back during the timed kernel, and keeps the GPU busy while
        # the host enqueues the timed launch, so launch latency is not timed either.
        l2 = getattr(torch.cuda.get_device_properties(self.index), "L2_cache_size", 0) or (64 << 20)
        self._flush = torch.empty(max(256 << 20, 4 * l2) // 4, dtype=torch.float32, device="cuda").normal_()

    def close(self) -> None:
        self._flush = None
        self.driver.cuDevicePrimaryCtxRelease(self.device)

    def _check(self, result: Any, what: str) -> Any:
        """Unpack a cuda-python result tuple, raising with the error's name on failure."""
        if isinstance(result, tuple):
            err, rest = result[0], result[1:]
        else:
            err, rest = result, ()
        if err != self._success:
            raise RuntimeError(f"{what} failed: {self.error_name(err)}")
        return rest[0] if len(rest) == 1 else (rest or None)

    def error_name(self, err: Any) -> str:
        name = self.driver.cuGetErrorName(err)
        text = name[1].decode() if name[0] == self._success and name[1] else str(err)
        desc = self.driver.cuGetErrorString(err)
        if desc[0] == self._success and desc[1]:
            text += f" ({desc[1].decode()})"
        return text

    def device_info(self, env: Any) -> dict[str, Any]:
        torch = self.torch
        props = torch.cuda.get_device_properties(self.index)
        cc = torch.cuda.get_device_capability(self.index)
        version = self._check(self.driver.cuDriverGetVersion(), "cuDriverGetVersion")
        return {
            "name": torch.cuda.get_device_name(self.index),
            "index": self.index,
            "compute_capability": f"{cc[0]}.{cc[1]}",
            "multiprocessors": getattr(props, "multi_processor_count", None),
            "memory_gib": round(props.total_memory / (1 << 30), 1),
            "l2_cache_mib": round(getattr(props, "L2_cache_size", 0) / (1 << 20), 1) or None,
            "driver": env.driver,
            "cuda_driver_api": f"{version // 1000}.{(version % 1000) // 10}",
            "max_ptx_isa": ".".join(map(str, env.max_ptx_isa)) if env.max_ptx_isa else None,
            "torch": torch.__version__,
            "torch_cuda": torch.version.cuda,
            "cuda_bindings": _cuda_bindings_version(),
            "python": platform.python_version(),
        }

    def load(self, ptx: bytes, kernel: str) -> tuple[Any, Any]:
        # The driver wants NUL-terminated PTX text.
        module = self._check(self.driver.cuModuleLoadData(ptx + b"\0"), "cuModuleLoadData")
        try:
            function = self._check(self.driver.cuModuleGetFunction(module, kernel.encode()), "cuModuleGetFunction")
        except Exception:
            self.driver.cuModuleUnload(module)
            raise
        return module, function

    def unload(self, module: Any) -> None:
        self.driver.cuModuleUnload(module)

    def launcher(self, function: Any, grid: int, launch: LaunchSpec, args: Sequence[KernelArg]) -> Callable[[], None]:
        """A no-argument callable that launches ``function`` on torch's current stream."""
        slots = [ctypes.c_uint64(a.value) if a.kind == "ptr" else ctypes.c_int32(a.value) for a in args]
        pointers = (ctypes.c_void_p * max(len(slots), 1))(*[ctypes.addressof(s) for s in slots])
        params = ctypes.addressof(pointers)
        stream = self.driver.CUstream(self.stream.cuda_stream)
        launch_kernel = self.driver.cuLaunchKernel
        block, shared = launch.block_threads, launch.shared_mem
        success = self._success

        def run() -> None:
            # `slots` and `pointers` are closed over: the driver reads them during this call.
            _ = (slots, pointers)
            err = launch_kernel(function, grid, 1, 1, block, 1, 1, shared, stream, params, 0)[0]
            if err != success:
                raise RuntimeError(f"cuLaunchKernel failed: {self.error_name(err)}")

        return run

    def synchronize(self) -> None:
        """Wait for the stream; a fault in a launched kernel surfaces here with its name."""
        self._check(self.driver.cuStreamSynchronize(self.driver.CUstream(self.stream.cuda_stream)),
                    "the kernel (cuStreamSynchronize)")

    def time_ms(self, fn: Callable[[], Any], reps: int, warmup: int) -> float:
        """Median milliseconds of ``fn`` on the stream, by CUDA events, after ``warmup`` calls."""
        torch = self.torch
        for _ in range(warmup):
            fn()
        pairs = []
        for _ in range(reps):
            self._flush.sum()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            pairs.append((start, end))
        self.synchronize()
        return float(statistics.median(s.elapsed_time(e) for s, e in pairs))


def _verify_op(gpu: _Gpu, env: Any, package: _Package, op: OpSpec, settings: VerifySettings,
               rng: random.Random) -> OpResult:
    """Load, launch, compare and time one AOT op at every shape."""
    from .decisions import resolve_ptx
    from .ptx import parse_ptx

    result = OpResult(plugin=package.name, op=op.id, status=VerifyStatus.ERROR, launch=op.launch)
    if op.launch is None:
        return replace(result, error="the op declares no 'launch' section, so how TensorRT launches it is unknown")
    resolution = resolve_ptx(op, package.package_dir, env)
    artifact = resolution.artifact
    if artifact is not None:
        result = replace(result, arch=artifact.arch, kernel=artifact.kernel, ptx=artifact.path,
                         sha256=artifact.sha256)
    if resolution.problem is not None or resolution.data is None:
        message = resolution.problem.message if resolution.problem else "no PTX"
        return replace(result, error=f"[{resolution.problem.code if resolution.problem else 'PTX_MISSING'}] {message}")
    assert artifact is not None
    try:
        plan = _plan(package, op, _raw_op(package, op), settings)
    except ValueError as exc:
        return replace(result, error=str(exc))
    result = replace(result, reference=plan.reference_name, attrs=dict(plan.attrs), dtype=plan.dtype, rtol=plan.rtol)
    dtype = getattr(gpu.torch, plan.dtype, None)
    if not isinstance(dtype, gpu.torch.dtype) or not dtype.is_floating_point:
        return replace(result, error=f"x-verify.dtype {plan.dtype!r} is not a torch floating-point dtype")
    entry = parse_ptx(resolution.data).entry(artifact.kernel)
    assert entry is not None  # resolve_ptx checked it
    try:
        module, function = gpu.load(resolution.data, artifact.kernel)
    except RuntimeError as exc:
        return replace(result, error=f"{artifact.path}: {exc}")
    sizes: list[SizeResult] = []
    try:
        for shape in settings.shapes:
            sizes.append(_verify_shape(gpu, function, op.launch, entry.params, plan, dtype, shape, settings, rng))
            if sizes[-1].error and "illegal" in sizes[-1].error.lower():
                break  # the context is unusable after a fault: later shapes would only repeat it
    finally:
        gpu.unload(module)
    status = VerifyStatus.OK if sizes and all(s.passed for s in sizes) else VerifyStatus.MISMATCH
    return replace(result, status=status, sizes=tuple(sizes))


def _verify_shape(gpu: _Gpu, function: Any, launch: LaunchSpec, params: Sequence[str], plan: _Plan, dtype: Any,
                  shape: tuple[int, ...], settings: VerifySettings, rng: random.Random) -> SizeResult:
    torch = gpu.torch
    numel = numel_of(shape)
    grid = grid_x(launch, numel)
    # Guard: one block's worth of poisoned elements after each output catches a kernel whose
    # bounds check is off for sizes that are not a multiple of elements_per_block.
    guard = launch.elements_per_block
    base = SizeResult(shape=shape, numel=numel, grid=grid, trials=0, max_rel_error=None, unwritten=0,
                      guard_overwritten=0, passed=False, bytes_moved=0)
    if grid > _INT32_MAX:
        return replace(base, error=f"grid {grid} exceeds the CUDA limit")
    worst = 0.0
    unwritten = overwritten = 0
    trials = max(settings.trials, 1)
    try:
        generator = torch.Generator(device=gpu.tensor_device)
        generator.manual_seed(rng.getrandbits(63))
        # Inputs are allocated once and refilled for every trial, so the launch's pointers stay valid.
        inputs = [torch.empty(shape, dtype=dtype, device=gpu.tensor_device) for _ in plan.tensor_params]
        buffers: list[Any] = []
        outputs: list[Any] = []
        run: Callable[[], None] | None = None
        for _trial in range(trials):
            for tensor in inputs:
                tensor.normal_(generator=generator)
            expected = _as_tuple(plan.reference(*inputs, **plan.attrs))
            if run is None:
                # One output per tensor the reference returns, shaped and typed like it (the launch
                # contract makes output 0 like input 0, and so does the reference).
                buffers = [torch.empty(t.numel() + guard, dtype=t.dtype, device=gpu.tensor_device) for t in expected]
                outputs = [b[: t.numel()].view(t.shape) for b, t in zip(buffers, expected)]
                extras = extra_values(launch, numel, plan.attrs)
                args = pack_kernel_args([t.data_ptr() for t in inputs], extras, [t.data_ptr() for t in outputs])
                problem = check_kernel_params(params, args)
                if problem is not None:
                    return replace(base, error=problem)
                run = gpu.launcher(function, grid, launch, args)
            for buffer in buffers:
                _poison(torch, buffer)
            run()
            gpu.synchronize()
            for buffer, out, ref in zip(buffers, outputs, expected):
                error, missing = _compare(torch, out, ref)
                worst = max(worst, error)
                unwritten += missing
                overwritten += _guard_damage(torch, buffer[out.numel():])
    except (RuntimeError, ValueError) as exc:
        return replace(base, error=str(exc).splitlines()[0])
    assert run is not None
    passed = unwritten == 0 and overwritten == 0 and worst <= plan.rtol
    nbytes = sum(t.numel() * t.element_size() for t in inputs) + sum(t.numel() * t.element_size() for t in outputs)
    result = replace(base, trials=trials, max_rel_error=worst, unwritten=unwritten,
                     guard_overwritten=overwritten, passed=passed, bytes_moved=nbytes)
    if not settings.time or not passed:
        return result
    try:
        kernel_ms = gpu.time_ms(run, settings.reps, settings.warmup)
        copy_ms = _time_copy(gpu, nbytes, dtype, settings)
        eager_ms = gpu.time_ms(lambda: plan.reference(*inputs, **plan.attrs), settings.reps, settings.warmup)
    except RuntimeError as exc:
        return replace(result, error=f"timing failed: {str(exc).splitlines()[0]}")
    return replace(result, kernel_ms=kernel_ms, copy_ms=copy_ms, eager_ms=eager_ms)


def _time_copy(gpu: _Gpu, nbytes: int, dtype: Any, settings: VerifySettings) -> float:
    """Median milliseconds of ``dst.copy_(src)`` moving ``nbytes`` (half read, half written)."""
    element = gpu.torch.empty((), dtype=dtype).element_size()
    src = gpu.torch.empty(max(nbytes // 2 // element, 1), dtype=dtype, device=gpu.tensor_device).normal_()
    dst = gpu.torch.empty_like(src)
    return gpu.time_ms(lambda: dst.copy_(src), settings.reps, settings.warmup)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _compare(torch: Any, out: Any, ref: Any) -> tuple[float, int]:
    """``(max|out - ref| / max|ref|, elements left unwritten)``, NaN-aware, in float64."""
    if out.shape != ref.shape:
        raise ValueError(f"the reference returns shape {tuple(ref.shape)}, the kernel's output is {tuple(out.shape)}")
    o = out.detach().to(torch.float64)
    r = ref.detach().to(device=out.device, dtype=torch.float64)
    o_nan, r_nan = torch.isnan(o), torch.isnan(r)
    unwritten = int((o_nan & ~r_nan).sum().item())
    # Equal values (infinities included) differ by 0; a NaN on one side only is an infinite error.
    diff = torch.where(o == r, torch.zeros_like(o), (o - r).abs())
    diff = torch.where(o_nan & r_nan, torch.zeros_like(diff), diff)
    diff = torch.nan_to_num(diff, nan=math.inf)
    finite = r[torch.isfinite(r)]
    scale = float(finite.abs().max().item()) if finite.numel() else 0.0
    worst = float(diff.max().item()) if diff.numel() else 0.0
    if worst == 0.0:
        return 0.0, unwritten
    return (worst / scale if scale > 0 else math.inf), unwritten


def _poison(torch: Any, buffer: Any) -> None:
    """Fill ``buffer`` with NaN (float32: the exact bits ``POISON_BITS``, so the guard check is bitwise)."""
    if buffer.element_size() == 4:
        buffer.view(torch.int32).fill_(POISON_BITS)
    else:
        buffer.fill_(float("nan"))


def _guard_damage(torch: Any, guard: Any) -> int:
    """Guard elements that no longer hold the poison: writes past the end of an output."""
    if guard.element_size() == 4:
        return int((guard.view(torch.int32) != POISON_BITS).sum().item())
    return int((~torch.isnan(guard)).sum().item())


# ----------------------------------------------------------------------------------------------
# Running


def _environment(gpu: _Gpu) -> Any:
    """This host's Environment for PTX selection, completed from the driver where NVML is silent."""
    from .environment import probe_environment

    env = probe_environment()
    if env.compute_capability is None:
        env = replace(env, compute_capability=tuple(gpu.torch.cuda.get_device_capability(gpu.index)),
                      gpu_name=gpu.torch.cuda.get_device_name(gpu.index))
    if env.cuda_driver_version is None:
        version = gpu._check(gpu.driver.cuDriverGetVersion(), "cuDriverGetVersion")
        env = replace(env, cuda_driver_version=(version // 1000, (version % 1000) // 10))
    return env


def run_verify(settings: VerifySettings) -> VerifyReport:
    """Verify every selected AOT op on the current GPU.

    Raises :class:`Unavailable` when torch, cuda-python or a GPU is missing, and
    :class:`~trt_plugin_hub.HubError` for a ``--package`` that cannot be read.
    """
    torch, driver = _load_gpu_stack()
    packages, problems = _collect_packages(settings)
    selected = [(p, op) for p in packages for op in p.manifest.ops if op.kind == "aot"
                and (not settings.ops or op.id in settings.ops)]
    if settings.ops:
        from ._errors import HubError

        known = {op.id for p in packages for op in p.manifest.ops if op.kind == "aot"}
        unknown = sorted(set(settings.ops) - known)
        if unknown:
            raise HubError(f"no AOT op {', '.join(unknown)} (found: {', '.join(sorted(known)) or 'none'})")
    seed = settings.seed if settings.seed is not None else random.SystemRandom().getrandbits(31)
    settings = replace(settings, seed=seed)
    rng = random.Random(seed)
    gpu = _Gpu(torch, driver)
    try:
        env = _environment(gpu)
        device = gpu.device_info(env)
        results = tuple(_verify_op(gpu, env, package, op, settings, rng) for package, op in selected)
    finally:
        gpu.close()
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return VerifyReport(device=device, settings=settings, ops=results, problems=tuple(problems), created=created)
