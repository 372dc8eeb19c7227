"""Helpers for attribute annotations.

numpy is optional in the double (upstream requires it): without numpy only scalar attribute
types (int, float, str, bool, bytes) can be registered.
"""

from __future__ import annotations

import typing
from typing import Any, Iterable

try:
    import numpy as np
except ImportError:  # pragma: no cover - depends on the environment
    np = None  # type: ignore[assignment]


def _join_with(items: Iterable[str], middle: bool = False, delim: str = ", ") -> str:
    items = list(items)
    if not items:
        return ""
    return (", " if middle else "") + delim.join(items)


def _is_npt_ndarray(annotation: Any) -> bool:
    if np is None:
        return False
    return typing.get_origin(annotation) is np.ndarray or getattr(annotation, "__origin__", None) is np.ndarray


def _is_numpy_array(annotation: Any) -> bool:
    if np is None:
        return False
    return annotation is np.ndarray or _is_npt_ndarray(annotation)


def _infer_numpy_type(annotation: Any) -> Any:
    """dtype scalar type of an ``npt.NDArray[dtype]`` annotation."""
    args = typing.get_args(annotation) or getattr(annotation, "__args__", ())
    if len(args) >= 2:
        inner = typing.get_args(args[1]) or getattr(args[1], "__args__", ())
        if inner:
            return inner[0]
    raise AttributeError(
        "Improper annotation for numpy array. Annotate numpy array attributes using "
        "'numpy.typing.NDArray[dtype]', where 'dtype' is the expected numpy dtype of the array."
    )
