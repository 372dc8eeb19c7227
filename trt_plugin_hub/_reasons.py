"""The reasons and checks every stage records: a stable code with a sentence, and a named check.

What a code means, and the statuses, are in :mod:`._codes`, imported when a reason is asked
what its code does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._record import Frozen, record

if TYPE_CHECKING:
    from ._codes import CodeKind

__all__ = ["Check", "Reason"]


@record
class Reason(Frozen):
    """Why something is in its state: a stable ``code`` and a sentence a person can act on (a frozen dataclass)."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "message", message)

    @property
    def kind(self) -> CodeKind:
        """What the code does (an unknown code counts as a rejection)."""
        from ._codes import CODES, CodeKind

        entry = CODES.get(self.code)
        return entry[0] if entry else CodeKind.REJECTED

    @property
    def is_note(self) -> bool:
        """Notes explain a choice (e.g. a JIT fallback) and do not block activation."""
        from ._codes import CodeKind

        return self.kind in (CodeKind.NOTE, CodeKind.WARNING)

    @property
    def is_warning(self) -> bool:
        """Warnings do not block activation either, but strict mode reports them."""
        from ._codes import CodeKind

        return self.kind is CodeKind.WARNING

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready view."""
        return {"code": self.code, "message": self.message}


@record
class Check(Frozen):
    """One check ``explain`` shows: its name, whether it passed (``None``: not run) and details (a frozen dataclass)."""

    name: str
    passed: bool | None
    detail: str

    def __init__(self, name: str, passed: bool | None, detail: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "passed", passed)
        object.__setattr__(self, "detail", detail)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"name": self.name, "passed": self.passed, "detail": self.detail}
