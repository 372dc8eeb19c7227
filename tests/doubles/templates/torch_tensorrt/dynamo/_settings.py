"""Compilation settings (only the fields the converter registry and the stand-in read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection


@dataclass
class CompilationSettings:
    assume_dynamic_shape_support: bool = False
    torch_executed_ops: Collection[Any] = field(default_factory=set)
    min_block_size: int = 5
    debug: bool = False
