"""Tools for plugin authors: the PTX build backend, ``validate`` and the project scaffold."""

from __future__ import annotations

from trt_plugin_hub._errors import PtxBuildError, ScaffoldError

from ._ptxbuild import BuildResult, BuiltPtx, build_ptx
from ._scaffold import (
    DEFAULT_KINDS,
    KINDS,
    ProjectNames,
    build_commands,
    create_project,
    hub_checkout,
    project_names,
    render_project,
)
from ._validate import (
    VALIDATION_CODES,
    OpSummary,
    PackageResult,
    Severity,
    ValidationFinding,
    ValidationReport,
    ValidationTargetError,
    validate,
    validate_package,
)

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "VALIDATION_CODES",
    "BuildResult",
    "BuiltPtx",
    "OpSummary",
    "PackageResult",
    "ProjectNames",
    "PtxBuildError",
    "ScaffoldError",
    "Severity",
    "ValidationFinding",
    "ValidationReport",
    "ValidationTargetError",
    "build_commands",
    "build_ptx",
    "create_project",
    "hub_checkout",
    "project_names",
    "render_project",
    "validate",
    "validate_package",
]
