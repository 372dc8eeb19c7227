"""The PTX artifact: architectures and ISA versions, reading PTX text, checking a packaged file, ptxas.

Owned here and used by activation (choosing and verifying the file for a GPU), ``validate``,
``verify`` and the build.
"""

from __future__ import annotations

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
