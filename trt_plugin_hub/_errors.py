"""The package's exceptions, and the findings strict mode carries.

Rejections of plugins are data (:class:`trt_plugin_hub._reasons.Reason`), not exceptions. Exceptions
are raised for a caller's mistakes (a bad argument, an invalid manifest handed to the reader), by
the authoring tools, and by strict mode, which turns every finding into one :class:`StrictModeError`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._record import Frozen, record

__all__ = [
    "Finding",
    "HubError",
    "LockError",
    "ManifestError",
    "PtxBuildError",
    "PtxFormatError",
    "ScaffoldError",
    "StrictModeError",
    "TargetError",
    "ValidationTargetError",
]


class HubError(Exception):
    """Base class of every exception this package raises on purpose."""


class ManifestError(HubError, ValueError):
    """A plugin manifest does not follow the schema.

    Carries the package it came from, the dotted field at fault and what was expected, so a
    plugin author can fix the file without reading the hub's source. ``rule`` names the rule
    broken with a stable id (``op.id.reserved_namespace``, ``launch.block_threads``...), so a tool
    can word it its own way; ``op_id`` is the id of the op the field belongs to, where one is read.
    """

    def __init__(
        self,
        package: str,
        field: str,
        expected: str,
        found: object = None,
        *,
        code: str = "MANIFEST_INVALID",
        rule: str = "",
        op_id: str | None = None,
    ) -> None:
        self.package = package
        self.code = code
        self.field = field
        self.expected = expected
        self.found = found
        self.rule = rule
        self.op_id = op_id
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


class PtxFormatError(HubError, ValueError):
    """PTX text whose header or entry list cannot be read."""


class PtxBuildError(HubError, RuntimeError):
    """The PTX of a plugin package cannot be built, or what was built is unusable.

    ``op_id`` and ``arch`` name the op and architecture at fault where there is one, so a
    build log points the author at the exact kernel.
    """

    def __init__(self, message: str, *, op_id: str | None = None, arch: str | None = None) -> None:
        self.op_id = op_id
        self.arch = arch
        where = ""
        if op_id is not None:
            where = f"{op_id}" + (f" [{arch}]" if arch else "") + ": "
        super().__init__(where + message)


class ValidationTargetError(HubError, ValueError):
    """The target is neither a plugin package, a project, a wheel nor an installed distribution."""


class ScaffoldError(HubError, ValueError):
    """The project cannot be created as asked (bad name or kind, directory not empty)."""


@record
class Finding(Frozen):
    """A problem strict mode reports: what it concerns, its code, a sentence and the exception (a frozen dataclass)."""

    subject: str
    code: str
    message: str
    exception: BaseException | None = None

    def __init__(self, subject: str, code: str, message: str, exception: BaseException | None = None) -> None:
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "exception", exception)


class StrictModeError(HubError, RuntimeError):
    """Raised in strict mode when any plugin or op was not activated.

    ``findings`` lists every problem; the exception is chained (``__cause__``) to the first
    underlying exception, and every finding keeps its own in ``finding.exception``.
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        lines = [f"{len(self.findings)} plugin problem(s) in strict mode:"]
        lines.extend(f"  - {finding.subject}: [{finding.code}] {finding.message}" for finding in self.findings)
        super().__init__("\n".join(lines))
