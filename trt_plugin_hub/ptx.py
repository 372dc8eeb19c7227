"""Reading PTX headers and choosing the PTX file a GPU can run.

Only the text the hub needs is parsed: ``.version`` (the PTX ISA), ``.target`` and the ``.entry``
parameter lists. :func:`parse_ptx` raises :class:`PtxFormatError` (a ``ValueError``) and nothing
else for any input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ._errors import PtxFormatError

__all__ = [
    "PtxEntry",
    "PtxHeader",
    "Arch",
    "parse_arch",
    "parse_ptx",
    "arch_runs_on",
    "select_ptx",
    "max_isa_for_cuda",
    "cuda_version_for_driver",
]


@dataclass(frozen=True)
class PtxEntry:
    """One ``.entry`` (kernel) and the types of its parameters, in order."""

    name: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class PtxHeader:
    """What the hub reads from a PTX file."""

    isa: tuple[int, int]
    target: str
    address_size: int | None
    entries: tuple[PtxEntry, ...]

    @property
    def isa_text(self) -> str:
        """The ISA as written in the file, e.g. ``8.7``."""
        return f"{self.isa[0]}.{self.isa[1]}"

    def entry(self, name: str) -> PtxEntry | None:
        """The entry called ``name``, if the file has one."""
        return next((e for e in self.entries if e.name == name), None)


@dataclass(frozen=True, order=True)
class Arch:
    """A PTX target architecture: ``sm_90a`` is ``Arch(9, 0, "a")``."""

    major: int
    minor: int
    suffix: str = ""

    def __str__(self) -> str:
        return f"sm_{self.major}{self.minor}{self.suffix}"


_ARCH = re.compile(r"(?:sm|compute)_(\d{1,3})(\d)([af]?)\Z")
_VERSION = re.compile(r"^[ \t]*\.version[ \t]+(\d+)\.(\d+)[ \t]*$", re.MULTILINE)
_TARGET = re.compile(r"^[ \t]*\.target[ \t]+([^\n]+?)[ \t]*$", re.MULTILINE)
_ADDRESS = re.compile(r"^[ \t]*\.address_size[ \t]+(\d+)", re.MULTILINE)
_ENTRY = re.compile(r"\.entry[ \t]+([A-Za-z_$%][\w$]*)[ \t\r\n]*\(([^)]*)\)")
_PARAM_TYPE = re.compile(r"\.(?:[usbf](?:8|16|32|64)|pred)\Z")
#: Bound the work on hostile input: real PTX headers sit in the first few hundred bytes, and
#: entry parameter lists are short.
_MAX_PTX_CHARS = 64 << 20


def parse_arch(text: str) -> Arch:
    """Parse ``sm_80``, ``sm_90a``, ``sm_100f`` or ``compute_90`` into an :class:`Arch`."""
    if not isinstance(text, str):
        raise PtxFormatError(f"architecture must be a string, found {text!r}")
    return _parse_arch(text)


@lru_cache(maxsize=256)
def _parse_arch(text: str) -> Arch:
    match = _ARCH.match(text.strip())
    if not match:
        raise PtxFormatError(f"not an architecture such as sm_80 or sm_90a: {text!r}")
    return Arch(int(match.group(1)), int(match.group(2)), match.group(3))


def parse_ptx(data: bytes | str) -> PtxHeader:
    """Read the ISA version, target and entries of a PTX file."""
    if isinstance(data, bytes):
        if not data.strip():
            raise PtxFormatError("the PTX file is empty")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError as exc:
            raise PtxFormatError(f"PTX must be ASCII text (byte {exc.start} is not)") from exc
    elif isinstance(data, str):
        text = data
    else:
        raise PtxFormatError(f"PTX must be bytes or str, found {type(data).__name__}")
    if len(text) > _MAX_PTX_CHARS:
        raise PtxFormatError("the PTX file is larger than 64 MiB")
    if not text.strip():
        raise PtxFormatError("the PTX file is empty")
    version = _VERSION.search(text)
    if not version:
        raise PtxFormatError("no '.version' directive")
    target = _TARGET.search(text)
    if not target:
        raise PtxFormatError("no '.target' directive")
    # `.target sm_80, debug` lists options after the architecture.
    arch_text = target.group(1).split(",")[0].strip()
    try:
        parse_arch(arch_text)
    except PtxFormatError as exc:
        raise PtxFormatError(f"unreadable '.target': {arch_text!r}") from exc
    address = _ADDRESS.search(text)
    entries = tuple(
        PtxEntry(name=m.group(1), params=_params(m.group(2))) for m in _ENTRY.finditer(text)
    )
    try:
        isa = (int(version.group(1)), int(version.group(2)))
    except ValueError as exc:  # pragma: no cover - the regex admits digits only
        raise PtxFormatError("unreadable '.version'") from exc
    return PtxHeader(isa=isa, target=arch_text, address_size=int(address.group(1)) if address else None,
                     entries=entries)


def _params(text: str) -> tuple[str, ...]:
    """The type of each ``.param`` in an entry's parameter list (``.u64 .ptr .global`` -> ``.u64``)."""
    types = []
    for item in text.split(","):
        tokens = item.split()
        if not tokens or tokens[0] != ".param":
            continue
        kind = next((t for t in tokens[1:] if _PARAM_TYPE.match(t)), None)
        if kind is None:
            raise PtxFormatError(f"unreadable kernel parameter: {item.strip()[:60]!r}")
        types.append(kind)
    return tuple(types)


def arch_runs_on(arch: Arch, cc: tuple[int, int]) -> bool:
    """Whether PTX built for ``arch`` runs on a GPU of compute capability ``cc``.

    Plain targets are forward compatible (the driver compiles PTX for newer GPUs); ``a`` targets
    run on exactly that architecture; ``f`` targets on the same major family, same or newer minor.
    """
    built = (arch.major, arch.minor)
    if arch.suffix == "a":
        return built == cc
    if arch.suffix == "f":
        return cc[0] == arch.major and cc[1] >= arch.minor
    return cc >= built


def select_ptx(archs: Iterable[str], cc: tuple[int, int]) -> str | None:
    """Choose among declared architecture names the one to run on ``cc``.

    The most specific wins: an exact ``a`` target, then an ``f`` family target, then the newest
    plain target not newer than the GPU. Unparseable names are ignored. ``None`` if none runs.
    """
    best: tuple[tuple[int, int, int, int], str] | None = None
    for name in archs:
        try:
            arch = parse_arch(name)
        except PtxFormatError:
            continue
        if not arch_runs_on(arch, cc):
            continue
        rank = {"a": 2, "f": 1, "": 0}[arch.suffix]
        key = (rank, arch.major, arch.minor, 0)
        if best is None or key > best[0]:
            best = (key, name)
    return best[1] if best else None


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
