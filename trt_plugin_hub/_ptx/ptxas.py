"""Finding a ``ptxas`` that reads a PTX ISA, and assembling PTX with it to prove the text is valid.

Where one is at hand: the one ``TRT_PLUGIN_HUB_PTXAS`` names, the one Triton bundles, the one on
``PATH``. Nothing runs on a GPU: ``ptxas`` only translates.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._settings import read_settings

from .targets import max_isa_for_cuda

__all__ = ["PTXAS_ENV", "Ptxas", "assemble", "find_ptxas"]

logger = logging.getLogger(__name__)

#: Environment variable naming a ``ptxas`` to prefer over the ones found.
PTXAS_ENV = "TRT_PLUGIN_HUB_PTXAS"

#: Where a ``ptxas`` came from: the environment variable, Triton's bundle, or ``PATH``.
Origin = Literal["env", "bundled", "path"]


@dataclass(frozen=True)
class Ptxas:
    """A ``ptxas`` executable, the newest PTX ISA it reads, and where it was found."""

    path: str
    cuda: tuple[int, int]
    max_isa: tuple[int, int]
    origin: Origin = "path"

    @property
    def version(self) -> str:
        """``ptxas 12.8``."""
        return f"ptxas {self.cuda[0]}.{self.cuda[1]}"


@functools.cache
def _probe(path: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``(CUDA release, newest ISA)`` of the ``ptxas`` at ``path``, or ``None`` if it does not run."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"release (\d+)\.(\d+)", out)
    if not match:
        return None
    cuda = (int(match.group(1)), int(match.group(2)))
    isa = max_isa_for_cuda(cuda)
    return (cuda, isa) if isa else None


def _candidates() -> list[tuple[str, Origin]]:
    """Every ``ptxas`` at hand, in the build's order: the one named, Triton's, the one on ``PATH``."""
    found: list[tuple[str, Origin]] = []
    chosen = read_settings().ptxas
    if chosen:
        found.append((chosen, "env"))
    # Triton's bundled assembler; located without importing triton (slow, and maybe absent).
    spec = importlib.util.find_spec("triton")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "backends" / "nvidia" / "bin" / "ptxas"
        if bundled.is_file():
            found.append((str(bundled), "bundled"))
    on_path = shutil.which("ptxas")
    if on_path:
        found.append((on_path, "path"))
    return found


def find_ptxas(isa: tuple[int, int], *, prefer: Literal["bundled", "path"] = "bundled") -> Ptxas | None:
    """The first ``ptxas`` that reads PTX ISA ``isa``, or ``None``.

    ``TRT_PLUGIN_HUB_PTXAS`` comes first. Then ``prefer="bundled"`` (the build) takes Triton's,
    which wrote the PTX, before the one on ``PATH``; ``prefer="path"`` (``validate``) takes the one
    on ``PATH``, which the author would run by hand, before Triton's.
    """
    ranks: dict[Origin, int] = {"env": 0, "bundled": 1, "path": 2} if prefer == "bundled" else \
        {"env": 0, "path": 1, "bundled": 2}
    seen: dict[str, Origin] = {}
    for path, origin in _candidates():
        # One executable found twice (the variable names the one on PATH) counts where it ranks best.
        if path not in seen or ranks[origin] < ranks[seen[path]]:
            seen[path] = origin
    for path, origin in sorted(seen.items(), key=lambda item: ranks[item[1]]):
        probed = _probe(path)
        if probed is not None and probed[1] >= isa:
            return Ptxas(path=path, cuda=probed[0], max_isa=probed[1], origin=origin)
    return None


def assemble(ptx: str, target: str, tool: Ptxas, *, op_id: str, arch: str) -> None:
    """Assemble ``ptx`` for ``target`` with ``tool``; raise :class:`PtxBuildError` with its log if it fails."""
    with tempfile.TemporaryDirectory(prefix="trt-plugin-hub-ptxas-") as tmp:
        src = Path(tmp) / "kernel.ptx"
        src.write_text(ptx, encoding="ascii")
        cmd = [tool.path, f"-arch={target}", str(src), "-o", str(Path(tmp) / "kernel.cubin")]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PtxBuildError(f"could not run ptxas ({tool.path}): {exc}", op_id=op_id, arch=arch) from exc
    if proc.returncode != 0:
        log = (proc.stderr or proc.stdout).strip().replace(str(src), "kernel.ptx")
        raise PtxBuildError(f"the built PTX does not assemble for {target} ({tool.version}):\n{log}",
                            op_id=op_id, arch=arch)
    logger.debug("ptxas %s accepted %s for %s", tool.path, op_id, target)
