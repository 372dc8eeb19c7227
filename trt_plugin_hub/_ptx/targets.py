"""GPU architectures and PTX ISA versions: which PTX runs on which GPU, and which driver loads which ISA.

One architecture pattern serves the whole package: ``sm_XY`` with two or three digits (the last is
the minor version) and an optional ``a`` (that architecture only) or ``f`` (its family) suffix. A
``--target`` description may also say ``compute_XY``; PTX files and manifests may not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from trt_plugin_hub._errors import PtxBuildError, PtxFormatError
from trt_plugin_hub._record import Frozen, Ordered, record

if TYPE_CHECKING:
    from packaging.specifiers import Specifier

__all__ = [
    "ARCH",
    "Arch",
    "IsaLimit",
    "cuda_version_for_driver",
    "format_isa",
    "isa_limit_for_driver",
    "max_isa_for_cuda",
    "parse_arch",
    "runs_on",
    "select_arch",
    "target_matches",
]

#: The architecture names a manifest, a build and a PTX ``.target`` use: ``sm_80``, ``sm_90a``, ``sm_100f``.
ARCH = re.compile(r"sm_(\d{2,3})([af]?)\Z")
# The same, as a --target description may also write it (the virtual architecture ``compute_90``).
_TARGET_ARCH = re.compile(r"(?:sm|compute)_(\d{2,3})([af]?)\Z")


@record
class Arch(Ordered):
    """A PTX target architecture: ``sm_90a`` is ``Arch(9, 0, "a")`` (a frozen, ordered dataclass)."""

    major: int
    minor: int
    suffix: str = ""

    def __init__(self, major: int, minor: int, suffix: str = "") -> None:
        object.__setattr__(self, "major", major)
        object.__setattr__(self, "minor", minor)
        object.__setattr__(self, "suffix", suffix)

    def __str__(self) -> str:
        return f"sm_{self.major}{self.minor}{self.suffix}"

    @property
    def cc(self) -> tuple[int, int]:
        """The compute capability, ``(9, 0)`` for ``sm_90a``."""
        return self.major, self.minor

    @property
    def number(self) -> int:
        """The architecture number compilers take: ``90`` for ``sm_90a``."""
        return self.major * 10 + self.minor

    @property
    def virtual(self) -> str:
        """The virtual architecture NVRTC compiles for: ``compute_90a`` for ``sm_90a``."""
        return f"compute_{self.major}{self.minor}{self.suffix}"

    @property
    def base(self) -> Arch:
        """The architecture without its suffix: ``sm_90`` for ``sm_90a``."""
        return replace(self, suffix="")


def parse_arch(text: str, *, virtual: bool = False) -> Arch:
    """Parse ``sm_80``, ``sm_90a`` or ``sm_100f`` (and ``compute_90`` with ``virtual``) into an :class:`Arch`.

    Raises :class:`~trt_plugin_hub._errors.PtxFormatError` for anything else.
    """
    if not isinstance(text, str):
        raise PtxFormatError(f"architecture must be a string, found {text!r}")
    return _parse_arch(text, virtual)


@lru_cache(maxsize=256)
def _parse_arch(text: str, virtual: bool) -> Arch:
    match = (_TARGET_ARCH if virtual else ARCH).match(text.strip())
    if not match:
        raise PtxFormatError(f"not an architecture such as sm_80 or sm_90a: {text!r}")
    digits = match.group(1)
    return Arch(int(digits[:-1]), int(digits[-1]), match.group(2))


def runs_on(arch: Arch, cc: tuple[int, int]) -> bool:
    """Whether PTX built for ``arch`` runs on a GPU of compute capability ``cc``.

    Plain targets are forward compatible (the driver compiles PTX for newer GPUs); ``a`` targets
    run on exactly that architecture; ``f`` targets on the same major family, same or newer minor.
    """
    built = arch.cc
    if arch.suffix == "a":
        return built == cc
    if arch.suffix == "f":
        return cc[0] == arch.major and cc[1] >= arch.minor
    return cc >= built


def select_arch(archs: Iterable[str], cc: tuple[int, int]) -> str | None:
    """Choose among declared architecture names the one to run on ``cc``.

    The most specific wins: an exact ``a`` target, then an ``f`` family target, then the newest
    plain target not newer than the GPU. Unparseable names are ignored. ``None`` if none runs.
    """
    best: tuple[tuple[int, int, int], str] | None = None
    for name in archs:
        try:
            arch = parse_arch(name)
        except PtxFormatError:
            continue
        if not runs_on(arch, cc):
            continue
        key = ({"a": 2, "f": 1, "": 0}[arch.suffix], arch.major, arch.minor)
        if best is None or key > best[0]:
            best = (key, name)
    return best[1] if best else None


def target_matches(requested: str, found: str | None) -> bool:
    """Whether a compiler asked for ``requested`` wrote PTX whose ``.target`` is ``found``.

    Either the same architecture, or its ``a`` form: Triton writes the architecture-specific
    target from sm_90 on, and that PTX then runs only there (which the manifest records).
    """
    if found is None:
        return False
    try:
        asked, wrote = parse_arch(requested), parse_arch(found)
    except PtxFormatError:
        return False
    return wrote == asked or (not asked.suffix and wrote == replace(asked, suffix="a"))


# ----------------------------------------------------------------------------------------------
# PTX ISA versions, CUDA releases and drivers

# PTX ISA version each CUDA release introduced (the driver of that CUDA release loads up to it).
_ISA_BY_CUDA: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (
    ((11, 0), (7, 0)), ((11, 1), (7, 1)), ((11, 2), (7, 2)), ((11, 3), (7, 3)), ((11, 4), (7, 4)),
    ((11, 5), (7, 5)), ((11, 6), (7, 6)), ((11, 7), (7, 7)), ((11, 8), (7, 8)), ((12, 0), (8, 0)),
    ((12, 1), (8, 1)), ((12, 2), (8, 2)), ((12, 3), (8, 3)), ((12, 4), (8, 4)), ((12, 5), (8, 5)),
    ((12, 6), (8, 5)), ((12, 8), (8, 7)), ((12, 9), (8, 8)), ((13, 0), (9, 0)), ((13, 1), (9, 1)),
    ((13, 2), (9, 2)),
)

# Minimum Linux driver branch of each CUDA release (from NVIDIA's CUDA release notes).
_CUDA_BY_DRIVER: Sequence[tuple[int, tuple[int, int]]] = (
    (450, (11, 0)), (455, (11, 1)), (460, (11, 2)), (465, (11, 3)), (470, (11, 4)), (495, (11, 5)),
    (510, (11, 6)), (515, (11, 7)), (520, (11, 8)), (525, (12, 0)), (530, (12, 1)), (535, (12, 2)),
    (545, (12, 3)), (550, (12, 4)), (555, (12, 5)), (560, (12, 6)), (570, (12, 8)), (575, (12, 9)),
    (580, (13, 0)), (590, (13, 1)),
)


def max_isa_for_cuda(cuda: tuple[int, int]) -> tuple[int, int] | None:
    """The newest PTX ISA a driver supporting CUDA ``cuda`` loads (``None`` if older than 11.0).

    For CUDA releases newer than the table, the 13.x rule (ISA 9.minor) is assumed.
    """
    if cuda[0] >= 13 and cuda > _ISA_BY_CUDA[-1][0]:
        return (9, cuda[1]) if cuda[0] == 13 else (cuda[0] - 4, cuda[1])
    best = None
    for release, isa in _ISA_BY_CUDA:
        if cuda >= release:
            best = isa
    return best


def cuda_version_for_driver(driver_major: int) -> tuple[int, int] | None:
    """The newest CUDA release a Linux driver branch supports (``None`` if older than 450)."""
    best = None
    for branch, cuda in _CUDA_BY_DRIVER:
        if driver_major >= branch:
            best = cuda
    return best


def format_isa(isa: tuple[int, int]) -> str:
    """``(8, 7)`` -> ``"8.7"``."""
    return f"{isa[0]}.{isa[1]}"


@record
class IsaLimit(Frozen):
    """The newest PTX ISA every driver admitted by ``spec`` loads."""

    spec: str
    driver: int
    cuda: tuple[int, int]
    isa: tuple[int, int]

    def __init__(self, spec: str, driver: int, cuda: tuple[int, int], isa: tuple[int, int]) -> None:
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "driver", driver)
        object.__setattr__(self, "cuda", cuda)
        object.__setattr__(self, "isa", isa)

    def describe(self) -> str:
        """A phrase for messages: ``driver >=570 (570 = CUDA 12.8) loads PTX ISA <= 8.7``."""
        return (f"requires.cuda_driver {self.spec!r} admits driver {self.driver} "
                f"(CUDA {self.cuda[0]}.{self.cuda[1]}), which loads PTX ISA <= {format_isa(self.isa)}")


# Operators that bound the driver branch from below; only the branch (the first number) matters,
# because every driver of a branch loads the same PTX ISA.
_LOWER_BOUND_OPS = frozenset({">=", ">", "==", "~=", "==="})


def _readable(clause: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, Specifier

    try:
        Specifier(clause)
    except InvalidSpecifier:
        return False
    return True


def _clauses(spec: str) -> list[Specifier]:
    """The clauses of ``spec``; raises :class:`PtxBuildError` naming the first unreadable one."""
    # packaging.specifiers costs ~2 ms to import: only a build or a driver limit needs it.
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return list(SpecifierSet(spec))
    except InvalidSpecifier:
        bad = next((c.strip() for c in spec.split(",") if not _readable(c.strip())), spec)
        raise PtxBuildError(f"requires.cuda_driver {spec!r}: cannot read the clause {bad!r}") from None


def isa_limit_for_driver(spec: str | None) -> IsaLimit:
    """The ISA limit implied by a ``requires.cuda_driver`` specifier such as ``>=570``.

    The oldest driver the specifier admits decides: PTX newer than that driver's ISA fails to
    load there (``CUDA_ERROR_UNSUPPORTED_PTX_VERSION``), and TensorRT only reports it when the
    engine first runs. Raises :class:`~trt_plugin_hub._errors.PtxBuildError` when there is no
    lower bound to go by.
    """
    if not spec or not isinstance(spec, str):
        raise PtxBuildError(
            "the manifest declares no requires.cuda_driver; AOT ops need it (e.g. '>=570') so the "
            "build can choose a PTX ISA every supported driver loads")
    lowest: int | None = None
    for clause in _clauses(spec):
        branch = clause.version.split(".")[0]
        if not branch.isdigit() or not branch.isascii():
            raise PtxBuildError(f"requires.cuda_driver {spec!r}: cannot read the clause {str(clause)!r}")
        if clause.operator in _LOWER_BOUND_OPS:
            lowest = int(branch) if lowest is None else max(lowest, int(branch))
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
