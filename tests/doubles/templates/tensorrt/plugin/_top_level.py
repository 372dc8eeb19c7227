"""Free functions of ``tensorrt.plugin`` that plugin code calls on shape expressions."""

from __future__ import annotations

from typing import Union

from ._tensor import ShapeExpr


def cdiv(first: Union[int, ShapeExpr], second: Union[int, ShapeExpr]) -> ShapeExpr:
    """Symbolic ceiling division; as upstream, two plain ints are rejected."""
    if isinstance(first, int) and isinstance(second, int):
        raise ValueError("Both arguments cannot be 'int's")
    return ShapeExpr._binary(first, second, "cdiv")


def max(first: Union[int, ShapeExpr], second: Union[int, ShapeExpr]) -> ShapeExpr:  # noqa: A001
    return ShapeExpr._binary(first, second, "max")


def min(first: Union[int, ShapeExpr], second: Union[int, ShapeExpr]) -> ShapeExpr:  # noqa: A001
    return ShapeExpr._binary(first, second, "min")
