"""The one exception the PTX build step raises."""

from __future__ import annotations

from ..errors import HubError

__all__ = ["PtxBuildError"]


class PtxBuildError(HubError, RuntimeError):
    """The PTX of a plugin package cannot be built, or what was built is unusable.

    ``op_id`` and ``arch`` name the op and architecture at fault where there is one, so a
    build log points the author at the exact kernel.
    """

    def __init__(self, message: str, *, op_id: str | None = None, arch: str | None = None) -> None:
        self.op_id = op_id
        self.arch = arch
        where = ""
        if op_id is not None:
            where = f"{op_id}" + (f" [{arch}]" if arch else "") + ": "
        super().__init__(where + message)
