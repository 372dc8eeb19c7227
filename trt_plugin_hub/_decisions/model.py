"""What the decisions produce: one decision per plugin, one per op."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trt_plugin_hub._cachefile import FileIdentity
from trt_plugin_hub._codes import Status
from trt_plugin_hub._discovery import Candidate
from trt_plugin_hub._manifest import OpSpec
from trt_plugin_hub._ptx import PtxArtifact
from trt_plugin_hub._reasons import Check, Reason

__all__ = ["LockCheck", "OpDecision", "PluginDecision"]


@dataclass(frozen=True)
class OpDecision:
    """The decision for one op of one plugin."""

    op: OpSpec
    status: Status
    mode: str | None = None
    ptx: PtxArtifact | None = None
    ptx_path: Path | None = None
    ptx_bytes: bytes | None = field(default=None, repr=False, compare=False)
    #: The PTX file's identity that vouched for the checked bytes (``PtxResolution.key``).
    ptx_key: FileIdentity | None = field(default=None, repr=False, compare=False)
    reasons: tuple[Reason, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def accepted(self) -> bool:
        """Whether the op may activate."""
        return self.status is Status.AVAILABLE


@dataclass(frozen=True)
class PluginDecision:
    """The decision for one plugin package."""

    candidate: Candidate
    status: Status
    reasons: tuple[Reason, ...] = ()
    checks: tuple[Check, ...] = ()
    ops: tuple[OpDecision, ...] = ()


#: A lock file's verdict on a candidate: ``None`` when it matches.
LockCheck = Callable[[Candidate], "Reason | None"]
