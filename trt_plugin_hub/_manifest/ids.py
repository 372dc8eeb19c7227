"""What an op id says: ``namespace::name``, and the torch overload an op names (``default`` when none).

``OpSpec`` answers these from its id; activation's planned records (``PlannedOp``) copy the
answers, so that the rule lives here alone and a warm process imports no manifest module.
This module imports nothing.
"""

from __future__ import annotations

__all__ = ["OpIdentity"]


class OpIdentity:
    """The parts of ``self.id`` and ``self.overload`` that torch and TensorRT address an op by."""

    __slots__ = ()
    id: str
    overload: str | None

    @property
    def namespace(self) -> str:
        """The part of the id before ``::``."""
        return self.id.split("::", 1)[0]

    @property
    def name(self) -> str:
        """The part of the id after ``::``."""
        return self.id.split("::", 1)[1]

    @property
    def overload_name(self) -> str:
        """The torch overload name (``default`` when none is declared)."""
        return self.overload or "default"
