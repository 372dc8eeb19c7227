"""Editing PTX text the build step compiled: cutting parameters, finding build-machine paths.

Works on the text spans :mod:`trt_plugin_hub._ptx.text` parses.
"""

from __future__ import annotations

import re

from trt_plugin_hub._ptx import PtxEntry, PtxParam

__all__ = ["body_references", "drop_trailing_params", "machine_path_problems"]

_FILE = re.compile(r'^[ \t]*\.file[ \t]+\d+[ \t]+"([^"]*)"', re.MULTILINE)
_DEBUG_SECTION = re.compile(r"^[ \t]*\.section[ \t]+\.debug_(?:info|str)\b", re.MULTILINE)


def drop_trailing_params(ptx: str, entry: PtxEntry, keep: int) -> str:
    """``ptx`` with ``entry``'s parameter list cut to its first ``keep`` parameters.

    The kept declarations are left byte for byte as the compiler wrote them.
    """
    inner = ptx[entry.list_start:entry.list_end]
    chunks = inner.split(",")
    kept = ",".join(chunks[:keep]).rstrip()
    # Keep the compiler's layout: one declaration a line, closing parenthesis on its own line.
    new_inner = kept + "\n" if "\n" in inner else kept
    return ptx[:entry.list_start] + new_inner + ptx[entry.list_end:]


def body_references(ptx: str, entry: PtxEntry, param: PtxParam) -> bool:
    """Whether the text after ``entry``'s parameter list mentions ``param``."""
    return re.search(rf"(?<![\w$]){re.escape(param.name)}(?![\w$])", ptx[entry.body_start:]) is not None


def machine_path_problems(ptx: str, forbidden: tuple[str, ...]) -> list[str]:
    """Why ``ptx`` would leak the build machine's file system into the package, if it would.

    Shipped PTX must not depend on where it was built: absolute ``.file`` names and DWARF
    sections (which carry the compile directory as bytes) make the bytes differ between
    machines, and the paths themselves are nobody's business.
    """
    problems = []
    for match in _FILE.finditer(ptx):
        name = match.group(1)
        if name.startswith("/") or re.match(r"[A-Za-z]:[\\/]", name):
            problems.append(f"'.file' names an absolute path: {name!r}")
    if _DEBUG_SECTION.search(ptx):
        problems.append("it carries DWARF debug sections (they embed the build directory)")
    problems.extend(f"it contains the build path {path!r}" for path in forbidden if path and path in ptx)
    return problems
