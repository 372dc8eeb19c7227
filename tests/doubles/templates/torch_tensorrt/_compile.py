"""Top-level ``torch_tensorrt.compile``: delegates to the ``dynamo.compile`` stand-in."""

from __future__ import annotations

from typing import Any, Sequence


def compile(module: Any, ir: str = "default", inputs: Sequence[Any] | None = None, **kwargs: Any) -> Any:  # noqa: A001
    """Simplified: every ``ir`` is treated as "dynamo"."""
    from torch_tensorrt.dynamo import compile as dynamo_compile

    return dynamo_compile(module, inputs=inputs, **kwargs)
