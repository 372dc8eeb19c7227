"""Assembling built PTX with ``ptxas``, to prove the text the build wrote is valid.

The build edits compiler output (it cuts Triton's hidden parameters), so it checks the result
with an assembler where one is at hand: Triton ships its own ``ptxas``; a CUDA toolkit's is
used otherwise. Nothing runs: ``ptxas`` only translates, so no GPU is needed.
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

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._settings import read_settings
from trt_plugin_hub.ptx import max_isa_for_cuda

__all__ = ["Ptxas", "find_ptxas", "assemble"]

logger = logging.getLogger(__name__)

#: Environment variable naming a ``ptxas`` to prefer over the ones found.
PTXAS_ENV = "TRT_PLUGIN_HUB_PTXAS"


@dataclass(frozen=True)
class Ptxas:
    """A ``ptxas`` executable and the newest PTX ISA it reads."""

    path: str
    cuda: tuple[int, int]
    max_isa: tuple[int, int]


@functools.cache
def _probe(path: str) -> Ptxas | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"release (\d+)\.(\d+)", out)
    if not match:
        return None
    cuda = (int(match.group(1)), int(match.group(2)))
    isa = max_isa_for_cuda(cuda)
    return Ptxas(path=path, cuda=cuda, max_isa=isa) if isa else None


def _candidates() -> list[str]:
    paths = []
    chosen = read_settings().ptxas
    if chosen:
        paths.append(chosen)
    # Triton's bundled assembler; located without importing triton (slow, and maybe absent).
    spec = importlib.util.find_spec("triton")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "backends" / "nvidia" / "bin" / "ptxas"
        if bundled.is_file():
            paths.append(str(bundled))
    on_path = shutil.which("ptxas")
    if on_path:
        paths.append(on_path)
    return paths


def find_ptxas(isa: tuple[int, int]) -> Ptxas | None:
    """The first ``ptxas`` found that reads PTX ISA ``isa``, or ``None``."""
    for path in _candidates():
        tool = _probe(path)
        if tool is not None and tool.max_isa >= isa:
            return tool
    return None


def assemble(ptx: str, target: str, tool: Ptxas, *, op_id: str, arch: str) -> None:
    """Assemble ``ptx`` for ``target`` with ``tool``; raise :class:`PtxBuildError` with its log if it fails."""
    with tempfile.TemporaryDirectory(prefix="trt-plugin-hub-ptxas-") as tmp:
        src = Path(tmp) / "kernel.ptx"
        src.write_text(ptx, encoding="ascii")
        cmd = [tool.path, f"-arch={target}", str(src), "-o", str(Path(tmp) / "kernel.cubin")]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PtxBuildError(f"could not run ptxas ({tool.path}): {exc}", op_id=op_id, arch=arch) from exc
    if proc.returncode != 0:
        log = (proc.stderr or proc.stdout).strip().replace(str(src), "kernel.ptx")
        raise PtxBuildError(f"the built PTX does not assemble for {target} (ptxas {tool.cuda[0]}.{tool.cuda[1]}):\n"
                            f"{log}", op_id=op_id, arch=arch)
    logger.debug("ptxas %s accepted %s for %s", tool.path, op_id, target)
