"""What ``verify`` works with and reports: settings, shapes, results and their JSON.

None of this imports torch or cuda-python. How TensorRT passes an AOT kernel its parameters
(argument packing, the int32 extras, the grid) is :mod:`trt_plugin_hub._launch`'s.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trt_plugin_hub._envelope import envelope, schema_id
from trt_plugin_hub._launch import LaunchSpec

__all__ = [
    "DEFAULT_ATTR_VALUES",
    "DEFAULT_RTOL",
    "DEFAULT_SIZES",
    "REPORT_SCHEMA",
    "OpResult",
    "SizeResult",
    "VerifyReport",
    "VerifySettings",
    "VerifyStatus",
    "numel_of",
    "parse_shape",
    "parse_sizes",
]

#: Identifies the JSON layout ``--json`` prints; bumped when a field changes meaning.
REPORT_SCHEMA = schema_id("verify")

#: Shapes checked by default: tiny, ragged (not multiples of any block size), a 3-D shape, and a
#: large one for bandwidth (2**26 float32 elements = 256 MiB per tensor, far past any L2).
DEFAULT_SIZES = ("1", "1000", "1025", "4097", "3x333x7", "1048583", "67108864")

#: Attribute values used when the manifest's ``x-verify.attrs`` does not give one. 1.5 is exact in
#: every float type and not 1, so a kernel that ignores the attribute is caught.
DEFAULT_ATTR_VALUES: dict[str, Any] = {"float": 1.5, "int": 3, "bool": True}

#: Relative error (max-norm, see ``SizeResult.max_rel_error``) accepted for float32 outputs.
DEFAULT_RTOL = 1e-5



class VerifyStatus(str, enum.Enum):
    """One op's verdict: every shape matched its reference, a shape did not, or the op could not run."""

    OK = "ok"
    MISMATCH = "mismatch"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


# ----------------------------------------------------------------------------------------------
# Shapes (unit-tested without a GPU)


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
        """This shape's entry of the JSON report (``ops[].sizes[]``)."""
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
        """This op's entry of the JSON report (``ops[]``)."""
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
        """The settings as the JSON report records them."""
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
        """The whole report as JSON-ready data (its ``schema`` is ``REPORT_SCHEMA``)."""
        return envelope("verify", {
            "created": self.created,
            "passed": self.passed,
            "device": dict(self.device),
            "settings": self.settings.to_dict(),
            "problems": list(self.problems),
            "ops": [op.to_dict() for op in self.ops],
        })

    def to_json(self) -> str:
        """What ``verify --json`` prints."""
        return json.dumps(self.to_dict(), indent=2)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)

