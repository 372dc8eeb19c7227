"""Builders for the ``validate`` tests: small plugin packages written from QDP and torch sources,
copies of the example project, and whether a ``ptxas`` is at hand.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from _support.dists import REPO
from trt_plugin_hub.authoring import ValidationReport

#: The example plugin package (and the import name of its one package).
PACKAGE = "example_plugin_pkg"

QDP_HEADER = "from typing import Tuple\nimport numpy as np\nimport numpy.typing as npt\nimport tensorrt.plugin as trtp\n"
OPS_HEADER = "import torch\n"

GOOD_OPS = """
@torch.library.custom_op("acme::op", mutates_args=())
def op(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return x + alpha * y
"""

GOOD_REGISTER = """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
"""


def ptxas_available() -> bool:
    """Whether a ``ptxas`` reading PTX ISA 8.7 (the example's) is found the way ``validate`` looks."""
    from trt_plugin_hub._ptx import find_ptxas

    return find_ptxas((8, 7), prefer="path") is not None


def qdp_package(root: Path, qdp: str, ops: str = "", ops_entries: list[dict] | None = None,
                extra: dict[str, str] | None = None) -> Path:
    """Package ``acme_ops`` under ``root``: ``qdp.py`` and ``ops.py`` from source, and its manifest."""
    package = root / "acme_ops"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "qdp.py").write_text(QDP_HEADER + textwrap.dedent(qdp))
    (package / "ops.py").write_text(OPS_HEADER + textwrap.dedent(ops))
    for name, text in (extra or {}).items():
        (package / name).write_text(textwrap.dedent(text))
    entries = ops_entries or [{"id": "acme::op", "kind": "jit", "module": "acme_ops.qdp"}]
    (package / "trt_plugin.json").write_text(json.dumps({"schema_version": 1, "name": "acme", "ops": entries}))
    return package


def jit(register: str, impl: str = "") -> str:
    """``register`` followed by an ``@trtp.impl`` for ``acme::op`` (``impl``, or one taking ``alpha``)."""
    return register + (impl or """
@trtp.impl("acme::op")
def _impl(x: trtp.Tensor, y: trtp.Tensor, alpha: float, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
""")


def severities_and_codes(report: ValidationReport) -> list[tuple[str, str]]:
    """(severity, code) of every finding, in order."""
    return [(f.severity, f.code) for f in report.findings]


def project_copy(tmp_path: Path) -> Path:
    """A copy of the example project (sources, no build outputs) under ``tmp_path``."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "example_plugin_pkg", project,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    return project
