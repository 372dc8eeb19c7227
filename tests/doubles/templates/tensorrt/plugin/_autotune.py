"""``AutoTuneCombination``: recorded only; the double never autotunes."""

from __future__ import annotations

from typing import Any


class AutoTuneCombination:
    def __init__(self, io_types: str | None = None, layouts: str | None = None, tactics: list[int] | None = None) -> None:
        self.io_types = io_types
        self.layouts = layouts
        self._tactics = list(tactics) if tactics is not None else None
        self._positions: dict[int, tuple[Any, Any]] = {}

    def pos(self, pos: Any, io_types: str, layouts: str = "LINEAR") -> None:
        for p in pos if isinstance(pos, (list, tuple)) else [pos]:
            self._positions[p] = (io_types, layouts)

    def tactics(self, tactics: list[int]) -> None:
        self._tactics = list(tactics)

    def __repr__(self) -> str:
        return f"AutoTuneCombination({self.io_types!r}, {self.layouts!r}, {self._tactics!r})"
