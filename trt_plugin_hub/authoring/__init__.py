"""Tools for plugin authors: the PTX build backend, ``validate`` and the project scaffold."""

from __future__ import annotations

__all__: list[str] = []
