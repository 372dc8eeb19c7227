"""Tools for plugin authors: the PTX build backend, ``validate`` and the project scaffold."""

from __future__ import annotations

from trt_plugin_hub._errors import PtxBuildError, ScaffoldError

from ._ptxbuild import BuildResult, BuiltPtx, build_ptx
from ._scaffold import DEFAULT_KINDS, KINDS, ProjectNames, create_project, project_names, render_project

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "BuildResult",
    "BuiltPtx",
    "ProjectNames",
    "PtxBuildError",
    "ScaffoldError",
    "build_ptx",
    "create_project",
    "project_names",
    "render_project",
]
