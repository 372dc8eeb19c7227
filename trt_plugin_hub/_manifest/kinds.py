"""An op's kind and its converter priority: the manifest's words that reports and activation use.

Apart from the manifest's model so that a report can be read back (the activation plan keeps
reports) without importing the model and the PTX checks behind it.
"""

from __future__ import annotations

import enum

__all__ = ["OpKind", "Priority"]


class OpKind(str, enum.Enum):
    """How an op runs: a QDP with JIT or prebuilt PTX, a legacy converter, or a ``torch_tensorrt.kernels`` op.

    A kernels op ships prebuilt PTX too; the hub registers it through ``ptx_op``.
    """

    JIT = "jit"
    AOT = "aot"
    LEGACY = "legacy"
    KERNELS = "kernels"

    @property
    def prebuilt(self) -> bool:
        """Whether the op ships PTX the build writes and the hub chooses per GPU (aot and kernels)."""
        return self in (OpKind.AOT, OpKind.KERNELS)

    def __str__(self) -> str:
        return self.value


class Priority(str, enum.Enum):
    """The converter priority an op declares."""

    STANDARD = "standard"
    HIGH = "high"

    def __str__(self) -> str:
        return self.value
