"""Reading PTX text: the ISA version, the target, and each kernel entry with its parameters.

Only the text the hub needs is parsed: ``.version`` (the PTX ISA), ``.target``, ``.address_size``,
the ``.entry`` parameter lists, whose exact text spans are kept so the build can cut
parameters out of them, and each entry's block-size directives (``.reqntid``, ``.maxntid``).
:func:`parse_ptx` raises :class:`~trt_plugin_hub._errors.PtxFormatError`
(a ``ValueError``) and nothing else for any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trt_plugin_hub._errors import PtxFormatError
from trt_plugin_hub._launch.checks import ParamKind, ptx_param_kind

from .targets import format_isa, parse_arch

__all__ = ["PtxEntry", "PtxParam", "PtxText", "find_entries", "find_entry", "parse_ptx", "ptx_isa", "ptx_target"]

_VERSION = re.compile(r"^[ \t]*\.version[ \t]+(\d+)\.(\d+)[ \t]*$", re.MULTILINE)
_TARGET = re.compile(r"^[ \t]*\.target[ \t]+([^\n]+?)[ \t]*$", re.MULTILINE)
_ADDRESS = re.compile(r"^[ \t]*\.address_size[ \t]+(\d+)", re.MULTILINE)
_ENTRY = re.compile(r"\.entry[ \t]+([A-Za-z_$%][\w$]*)[ \t\r\n]*\(([^)]*)\)")
# The performance directives between an entry's parameter list and its body.
_NTID = re.compile(r"\.(reqntid|maxntid)[ \t]+(\d+)(?:[ \t]*,[ \t]*(\d+))?(?:[ \t]*,[ \t]*(\d+))?")
# PTX fundamental types as they appear in a parameter declaration.
_PARAM_TYPE = re.compile(r"\.(?:[usbf](?:8|16|32|64)|f16x2|pred)\Z")
#: Bound the work on hostile input: real PTX headers sit in the first few hundred bytes, and
#: entry parameter lists are short.
_MAX_PTX_CHARS = 64 << 20


@dataclass(frozen=True)
class PtxParam:
    """One ``.param`` of a kernel entry: ``.param .u64 .ptr .global .align 1 x`` is ``x`` of type ``.u64``."""

    name: str
    ptx_type: str
    declaration: str

    @property
    def bits(self) -> int:
        """Width of the parameter in bits (0 when the type is not a plain scalar)."""
        digits = "".join(ch for ch in self.ptx_type if ch.isdigit())
        return int(digits) if digits and "x" not in self.ptx_type else 0

    @property
    def kind(self) -> ParamKind:
        """``ptr`` for 64-bit integers (device addresses), ``i32`` for 32-bit integers, else ``other``."""
        return ptx_param_kind(self.ptx_type)


@dataclass(frozen=True)
class PtxEntry:
    """A kernel ``.entry``: its name, its parameters in order and where its parameter list sits in the text."""

    name: str
    params: tuple[PtxParam, ...]
    list_start: int
    list_end: int
    body_start: int
    reqntid: tuple[int, ...] | None = None
    maxntid: tuple[int, ...] | None = None

    @property
    def required_threads(self) -> int | None:
        """The block size the kernel demands (``.reqntid``, its dimensions multiplied), if it says."""
        return _product(self.reqntid)

    @property
    def max_threads(self) -> int | None:
        """The largest block the kernel accepts (``.maxntid``, multiplied), if it says."""
        return _product(self.maxntid)

    @property
    def types(self) -> tuple[str, ...]:
        """The PTX type of each parameter, in order (``.u64``, ``.u32``...)."""
        return tuple(param.ptx_type for param in self.params)


@dataclass(frozen=True)
class PtxText:
    """What the hub reads from a PTX file."""

    isa: tuple[int, int]
    target: str
    address_size: int | None
    entries: tuple[PtxEntry, ...]

    @property
    def isa_text(self) -> str:
        """The ISA as written in the file, e.g. ``8.7``."""
        return format_isa(self.isa)

    def entry(self, name: str) -> PtxEntry | None:
        """The entry called ``name``, if the file has one."""
        return next((e for e in self.entries if e.name == name), None)


def _product(dims: tuple[int, ...] | None) -> int | None:
    if dims is None:
        return None
    total = 1
    for dim in dims:
        total *= dim
    return total


def _directives(ptx: str, start: int) -> dict[str, tuple[int, ...]]:
    """``.reqntid``/``.maxntid`` written after an entry's parameter list, before its body's ``{``."""
    brace = ptx.find("{", start)
    head = ptx[start:brace if brace >= 0 else len(ptx)]
    found: dict[str, tuple[int, ...]] = {}
    for match in _NTID.finditer(head):
        found.setdefault(match.group(1), tuple(int(d) for d in match.groups()[1:] if d is not None))
    return found


def _param(declaration: str) -> PtxParam:
    tokens = declaration.split()
    ptx_type = next((t for t in tokens[1:-1] if _PARAM_TYPE.match(t)), None)
    if not tokens or tokens[0] != ".param" or ptx_type is None:
        raise PtxFormatError(f"unreadable kernel parameter: {declaration[:60]!r}")
    return PtxParam(name=tokens[-1].split("[")[0], ptx_type=ptx_type, declaration=declaration)


def find_entries(ptx: str) -> tuple[PtxEntry, ...]:
    """Every ``.entry`` in ``ptx`` with its parameters in declaration order and its block-size directives.

    Raises :class:`~trt_plugin_hub._errors.PtxFormatError` for a parameter whose type cannot be read.
    """
    entries = []
    for match in _ENTRY.finditer(ptx):
        chunks = [chunk.strip() for chunk in match.group(2).split(",") if chunk.strip()]
        directives = _directives(ptx, match.end())
        entries.append(PtxEntry(name=match.group(1), params=tuple(_param(chunk) for chunk in chunks),
                                list_start=match.start(2), list_end=match.end(2), body_start=match.end(),
                                reqntid=directives.get("reqntid"), maxntid=directives.get("maxntid")))
    return tuple(entries)


def find_entry(ptx: str, name: str) -> PtxEntry | None:
    """The entry called ``name``, if any."""
    return next((e for e in find_entries(ptx) if e.name == name), None)


def ptx_isa(ptx: str) -> tuple[int, int] | None:
    """The first ``.version`` of the PTX as ``(major, minor)``."""
    match = _VERSION.search(ptx)
    return (int(match.group(1)), int(match.group(2))) if match else None


def ptx_target(ptx: str) -> str | None:
    """The architecture the first ``.target`` names (options such as ``debug`` left off)."""
    match = _TARGET.search(ptx)
    return match.group(1).split(",")[0].strip() if match else None


def parse_ptx(data: bytes | str) -> PtxText:
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
    isa = ptx_isa(text)
    if isa is None:
        raise PtxFormatError("no '.version' directive")
    # `.target sm_80, debug` lists options after the architecture.
    target = ptx_target(text)
    if target is None:
        raise PtxFormatError("no '.target' directive")
    try:
        parse_arch(target)
    except PtxFormatError as exc:
        raise PtxFormatError(f"unreadable '.target': {target!r}") from exc
    address = _ADDRESS.search(text)
    return PtxText(isa=isa, target=target, address_size=int(address.group(1)) if address else None,
                   entries=find_entries(text))
