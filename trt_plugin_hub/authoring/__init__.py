"""Tools for plugin authors: the PTX build backend, ``validate`` and the project scaffold."""

from __future__ import annotations

from trt_plugin_hub._errors import ScaffoldError

from ._scaffold import DEFAULT_KINDS, KINDS, ProjectNames, create_project, project_names, render_project

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "ProjectNames",
    "ScaffoldError",
    "create_project",
    "project_names",
    "render_project",
]
