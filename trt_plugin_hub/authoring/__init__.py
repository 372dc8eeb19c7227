"""Tools for plugin authors: the PTX build backend, ``validate`` and the project scaffold."""

from __future__ import annotations

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

__all__: list[str] = [
    "VALIDATION_CODES",
    "OpSummary",
    "PackageResult",
    "Severity",
    "ValidationFinding",
    "ValidationReport",
    "ValidationTargetError",
    "validate",
    "validate_package",
]
