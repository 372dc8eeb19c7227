"""The PTX artifact: architectures and ISA versions, reading PTX text, checking a packaged file, ptxas.

Owned here and used by activation (choosing and verifying the file for a GPU), ``validate``,
``verify`` and the build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .artifact import (
        ArtifactCheck,
        ArtifactProblem,
        BuildRecord,
        PtxArtifact,
        PtxResolution,
        artifact_problems,
        resolve_ptx,
        safe_package_path,
        source_digest,
        stale_sources,
    )
    from .ptxas import Ptxas, assemble, find_ptxas
    from .targets import (
        ARCH,
        Arch,
        IsaLimit,
        cuda_version_for_driver,
        format_isa,
        isa_limit_for_driver,
        max_isa_for_cuda,
        parse_arch,
        runs_on,
        select_arch,
        target_matches,
    )
    from .text import PtxEntry, PtxParam, PtxText, find_entries, find_entry, parse_ptx, ptx_isa, ptx_target

__all__ = [
    "ARCH",
    "Arch",
    "ArtifactCheck",
    "ArtifactProblem",
    "BuildRecord",
    "IsaLimit",
    "PtxArtifact",
    "PtxEntry",
    "PtxParam",
    "PtxResolution",
    "PtxText",
    "Ptxas",
    "artifact_problems",
    "assemble",
    "cuda_version_for_driver",
    "find_entries",
    "find_entry",
    "find_ptxas",
    "format_isa",
    "isa_limit_for_driver",
    "max_isa_for_cuda",
    "parse_arch",
    "parse_ptx",
    "ptx_isa",
    "ptx_target",
    "resolve_ptx",
    "runs_on",
    "safe_package_path",
    "select_arch",
    "source_digest",
    "stale_sources",
    "target_matches",
]

#: Each name -> the submodule that defines it, imported on first use.
_LAZY = {
    "ArtifactCheck": "artifact",
    "ArtifactProblem": "artifact",
    "BuildRecord": "artifact",
    "PtxArtifact": "artifact",
    "PtxResolution": "artifact",
    "artifact_problems": "artifact",
    "resolve_ptx": "artifact",
    "safe_package_path": "artifact",
    "source_digest": "artifact",
    "stale_sources": "artifact",
    "Ptxas": "ptxas",
    "assemble": "ptxas",
    "find_ptxas": "ptxas",
    "ARCH": "targets",
    "Arch": "targets",
    "IsaLimit": "targets",
    "cuda_version_for_driver": "targets",
    "format_isa": "targets",
    "isa_limit_for_driver": "targets",
    "max_isa_for_cuda": "targets",
    "parse_arch": "targets",
    "runs_on": "targets",
    "select_arch": "targets",
    "target_matches": "targets",
    "PtxEntry": "text",
    "PtxParam": "text",
    "PtxText": "text",
    "find_entries": "text",
    "find_entry": "text",
    "parse_ptx": "text",
    "ptx_isa": "text",
    "ptx_target": "text",
}


def __getattr__(name: str) -> Any:
    """Each name of ``_LAZY`` from its submodule, on first use.

    The lazy-export helper too: importing ``_ptx.memo`` alone imports neither the rest nor ``_lazy``.
    """
    if name not in _LAZY:  # a submodule not imported yet (``from . import memo`` asks here first), or none
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from trt_plugin_hub._lazy import export

    return export(__name__, _LAZY[name], name)
