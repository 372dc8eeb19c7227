"""The package's exceptions.

Rejections of plugins are data (:class:`trt_plugin_hub.reporting.Reason`), not exceptions. Exceptions
are raised for a caller's mistakes (a bad argument, an invalid manifest handed to the reader) and
by strict mode, which turns every finding into one :class:`StrictModeError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reporting import Finding

__all__ = ["HubError", "ManifestError", "StrictModeError", "TargetError", "LockError"]


class HubError(Exception):
    """Base class of every exception this package raises on purpose."""


class ManifestError(HubError, ValueError):
    """A plugin manifest does not follow the schema.

    Carries the package it came from, the dotted field at fault and what was expected, so a
    plugin author can fix the file without reading the hub's source.
    """

    def __init__(
        self,
        package: str,
        field: str,
        expected: str,
        found: object = None,
        *,
        code: str = "MANIFEST_INVALID",
    ) -> None:
        self.package = package
        self.code = code
        self.field = field
        self.expected = expected
        self.found = found
        where = f"{package}: field {field!r}" if field else package
        text = f"{where}: expected {expected}"
        if found is not None:
            shown = repr(found)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f", found {shown}"
        super().__init__(text)


class TargetError(HubError, ValueError):
    """A ``--target`` description (``sm_90``, ``trt=10.13``, ``driver=580``...) cannot be read."""


class LockError(HubError, ValueError):
    """A lock file cannot be read or written."""


class StrictModeError(HubError, RuntimeError):
    """Raised in strict mode when any plugin or op was not activated.

    ``findings`` lists every problem; the exception is chained (``__cause__``) to the first
    underlying exception, and every finding keeps its own in ``finding.exception``.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        lines = [f"{len(self.findings)} plugin problem(s) in strict mode:"]
        for finding in self.findings:
            lines.append(f"  - {finding.subject}: [{finding.code}] {finding.message}")
        super().__init__("\n".join(lines))
