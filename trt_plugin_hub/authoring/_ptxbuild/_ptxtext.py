"""Reading the few parts of PTX text the build step cares about.

The hub's reader (:mod:`trt_plugin_hub.ptx`) only reads; the build step also has to cut
parameters out of an ``.entry`` list and prove the kernel body never uses them
(:mod:`.edit`), so this parser keeps the exact text spans it parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trt_plugin_hub._launch import ParamKind, ptx_param_kind

__all__ = [
    "PtxParam",
    "PtxEntry",
    "find_entries",
    "find_entry",
    "ptx_isa",
    "ptx_target",
]

_ENTRY = re.compile(r"\.entry[ \t]+([A-Za-z_$%][\w$]*)[ \t\r\n]*\(([^)]*)\)")
_VERSION = re.compile(r"^[ \t]*\.version[ \t]+(\d+)\.(\d+)[ \t]*$", re.MULTILINE)
_TARGET = re.compile(r"^[ \t]*\.target[ \t]+([^\n,]+?)[ \t]*(?:,[^\n]*)?$", re.MULTILINE)
# PTX fundamental types as they appear in a parameter declaration.
_TYPE = re.compile(r"\.(?:[usbf](?:8|16|32|64)|f16x2|pred)\Z")


@dataclass(frozen=True)
class PtxParam:
    """One ``.param`` of a kernel entry."""

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
    """A kernel ``.entry`` with its parameters and where its parameter list sits in the text."""

    name: str
    params: tuple[PtxParam, ...]
    list_start: int
    list_end: int
    body_start: int


def _parse_param(declaration: str) -> PtxParam:
    tokens = declaration.split()
    name = tokens[-1].split("[")[0] if tokens else ""
    ptx_type = next((t for t in tokens[1:-1] if _TYPE.match(t)), "")
    return PtxParam(name=name, ptx_type=ptx_type, declaration=declaration)


def find_entries(ptx: str) -> tuple[PtxEntry, ...]:
    """Every ``.entry`` in ``ptx`` with its parameters in declaration order."""
    entries = []
    for match in _ENTRY.finditer(ptx):
        inner = match.group(2)
        chunks = [c for c in inner.split(",") if c.strip()]
        params = tuple(_parse_param(c.strip()) for c in chunks)
        entries.append(PtxEntry(name=match.group(1), params=params, list_start=match.start(2),
                                list_end=match.end(2), body_start=match.end()))
    return tuple(entries)


def find_entry(ptx: str, name: str) -> PtxEntry | None:
    """The entry called ``name``, if any."""
    return next((e for e in find_entries(ptx) if e.name == name), None)


def ptx_isa(ptx: str) -> tuple[int, int] | None:
    """The ``.version`` of the PTX as ``(major, minor)``."""
    match = _VERSION.search(ptx)
    return (int(match.group(1)), int(match.group(2))) if match else None


def ptx_target(ptx: str) -> str | None:
    """The architecture named by ``.target`` (options such as ``debug`` left off)."""
    match = _TARGET.search(ptx)
    return match.group(1).strip() if match else None
