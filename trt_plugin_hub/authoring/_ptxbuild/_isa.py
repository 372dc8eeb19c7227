"""Which PTX ISA a package may ship, given the CUDA driver its manifest promises to support."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub.ptx import cuda_version_for_driver, max_isa_for_cuda

__all__ = ["IsaLimit", "isa_limit_for_driver", "format_isa", "parse_isa"]

# One clause of a specifier set, e.g. ">=570" or "==575.*"; only the driver branch (the first
# number) matters, because every driver of a branch loads the same PTX ISA.
_CLAUSE = re.compile(r"^\s*(===|==|~=|>=|<=|!=|>|<)\s*(\d+)(?:\.[0-9*]+)*\s*$")
_LOWER_BOUND_OPS = {">=", ">", "==", "~=", "==="}


@dataclass(frozen=True)
class IsaLimit:
    """The newest PTX ISA every driver admitted by ``spec`` loads."""

    spec: str
    driver: int
    cuda: tuple[int, int]
    isa: tuple[int, int]

    def describe(self) -> str:
        """A phrase for messages: ``driver >=570 (570 = CUDA 12.8) loads PTX ISA <= 8.7``."""
        return (f"requires.cuda_driver {self.spec!r} admits driver {self.driver} "
                f"(CUDA {self.cuda[0]}.{self.cuda[1]}), which loads PTX ISA <= {format_isa(self.isa)}")


def format_isa(isa: tuple[int, int]) -> str:
    """``(8, 7)`` -> ``"8.7"``."""
    return f"{isa[0]}.{isa[1]}"


def parse_isa(text: str) -> tuple[int, int]:
    """``"8.7"`` -> ``(8, 7)``."""
    major, _, minor = text.partition(".")
    return int(major), int(minor)


def isa_limit_for_driver(spec: str | None) -> IsaLimit:
    """The ISA limit implied by a ``requires.cuda_driver`` specifier such as ``>=570``.

    The oldest driver the specifier admits decides: PTX newer than that driver's ISA fails to
    load there (``CUDA_ERROR_UNSUPPORTED_PTX_VERSION``), and TensorRT only reports it when the
    engine first runs. Raises :class:`PtxBuildError` when there is no lower bound to go by.
    """
    if not spec or not isinstance(spec, str):
        raise PtxBuildError(
            "the manifest declares no requires.cuda_driver; AOT ops need it (e.g. '>=570') so the "
            "build can choose a PTX ISA every supported driver loads")
    lowest: int | None = None
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if not match:
            raise PtxBuildError(f"requires.cuda_driver {spec!r}: cannot read the clause {clause.strip()!r}")
        if match.group(1) in _LOWER_BOUND_OPS:
            bound = int(match.group(2))
            lowest = bound if lowest is None else max(lowest, bound)
    if lowest is None:
        raise PtxBuildError(
            f"requires.cuda_driver {spec!r} has no lower bound; state the oldest supported driver "
            "(e.g. '>=570') so the build can choose a PTX ISA it loads")
    cuda = cuda_version_for_driver(lowest)
    isa = max_isa_for_cuda(cuda) if cuda is not None else None
    if cuda is None or isa is None:
        raise PtxBuildError(f"requires.cuda_driver {spec!r}: driver {lowest} is older than any "
                            "CUDA 11+ driver; no PTX ISA can be chosen for it")
    return IsaLimit(spec=spec, driver=lowest, cuda=cuda, isa=isa)
