"""Sources read with ``ast``: torch schemas given as ``define`` strings, and a module's
``from __future__ import annotations`` (an error, reported once per module).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _support.validate import GOOD_OPS, GOOD_REGISTER, jit, qdp_package

from trt_plugin_hub.authoring import validate

pytestmark = pytest.mark.slow


def test_schema_string_with_tensor_after_attribute_is_an_error(tmp_path: Path):
    ops = 'torch.library.define("acme::op", "(Tensor x, float alpha=1.0, Tensor y) -> Tensor")\n'
    report = validate(qdp_package(tmp_path, jit(GOOD_REGISTER), ops))
    assert "SCHEMA_TENSORS_NOT_FIRST" in report.codes("error")


def test_future_annotations_in_the_qdp_module_is_an_error(tmp_path: Path):
    package = qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS)
    qdp = package / "qdp.py"
    qdp.write_text("from __future__ import annotations\n" + qdp.read_text())
    report = validate(package)
    assert report.codes("error") == ["QDP_STRING_ANNOTATIONS"]
    assert report.findings[0].file == "acme_ops/qdp.py:1"


def test_a_module_wide_problem_is_reported_once_for_all_its_ops(tmp_path: Path):
    second = GOOD_REGISTER.replace("acme::op", "acme::op2") + """
@trtp.impl("acme::op2")
def _impl2(x: trtp.Tensor, y: trtp.Tensor, alpha: float, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
"""
    entries = [{"id": "acme::op", "kind": "jit", "module": "acme_ops.qdp"},
               {"id": "acme::op2", "kind": "jit", "module": "acme_ops.qdp"}]
    package = qdp_package(tmp_path, jit(GOOD_REGISTER) + second, GOOD_OPS + GOOD_OPS.replace("acme::op", "acme::op2")
                          .replace("def op(", "def op2("), ops_entries=entries)
    qdp = package / "qdp.py"
    qdp.write_text("from __future__ import annotations\n" + qdp.read_text())
    assert validate(package).codes() == ["QDP_STRING_ANNOTATIONS"]
