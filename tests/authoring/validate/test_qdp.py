"""TensorRT's QDP rules and the torch schema rules, read from source: small packages breaking one
rule each, and broken copies of the example's QDP functions, are caught with the right finding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _support.validate import GOOD_OPS, GOOD_REGISTER, jit, qdp_package, severities_and_codes

from trt_plugin_hub.authoring import validate

pytestmark = pytest.mark.slow


def test_package_following_every_rule_has_no_findings(tmp_path: Path):
    package = qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS)
    report = validate(package)
    assert report.findings == ()
    assert report.packages[0].ops[0].checked[0].startswith("@trtp.register acme_ops/qdp.py:")


RULES: list[tuple[str, str, str, str, str]] = [
    ("reserved attribute name", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, stream: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_RESERVED", "_desc(stream)", "rename"),
    ("default in register signature", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float = 1.0) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_DEFAULT", "_desc(alpha)", "torch op's schema"),
    ("tensor after attribute", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, alpha: float, y: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_TENSORS_NOT_FIRST", "_desc(y)", "before the attributes"),
    ("unsupported attribute type", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: list) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_TYPE", "_desc(alpha)", "int, float, str, bool, bytes"),
    ("numpy array without dtype", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: np.ndarray) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)
""", "QDP_ATTR_TYPE", "_desc(alpha)", "NDArray"),
    ("no return annotation", """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, y: trtp.TensorDesc, alpha: float):
    return (x.like(),)
""", "QDP_SIGNATURE_INVALID", "_desc -> ?", "Tuple[trtp.TensorDesc]"),
]


@pytest.mark.parametrize("name, register, code, field_name, fix", RULES, ids=[rule[0] for rule in RULES])
def test_register_function_breaking_a_qdp_rule_is_an_error_naming_the_parameter(
        tmp_path: Path, name: str, register: str, code: str, field_name: str, fix: str):
    report = validate(qdp_package(tmp_path, jit(register), GOOD_OPS))
    matching = [f for f in report.findings if f.code == code]
    assert matching and matching[0].severity == "error", severities_and_codes(report)
    assert matching[0].field == field_name and re.match(r"acme_ops/qdp\.py:\d+", matching[0].file)
    assert fix in matching[0].fix
    assert not report.ok


def test_numpy_array_attribute_with_a_supported_dtype_is_accepted(tmp_path: Path):
    register = GOOD_REGISTER.replace("alpha: float", "alpha: npt.NDArray[np.float32]")
    impl = """
@trtp.impl("acme::op")
def _impl(x: trtp.Tensor, y: trtp.Tensor, outputs: Tuple[trtp.Tensor], stream: int) -> None:
    pass
"""
    report = validate(qdp_package(tmp_path, jit(register, impl), GOOD_OPS))
    assert "QDP_ATTR_TYPE" not in report.codes()
    assert "alpha: ndarray" in report.packages[0].ops[0].checked[0]


def test_jit_op_without_impl_is_an_error(tmp_path: Path):
    report = validate(qdp_package(tmp_path, GOOD_REGISTER, GOOD_OPS))
    assert report.codes("error") == ["QDP_IMPL_MISSING"]
    assert "@trtp.impl('acme::op')" in report.findings[0].fix


def test_torch_attribute_without_default_is_an_error_giving_the_reason(tmp_path: Path):
    # Conversion fails on the Torch-TensorRT releases the reason names: an error, not a warning.
    report = validate(qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS.replace("alpha: float = 1.0", "alpha: float")))
    assert not report.ok and severities_and_codes(report) == [("error", "SCHEMA_ATTR_NO_DEFAULT")]
    assert "2.7-2.13" in report.findings[0].message and "alpha" in report.findings[0].fix


def test_torch_schema_and_plugin_attributes_must_match(tmp_path: Path):
    report = validate(qdp_package(tmp_path, jit(GOOD_REGISTER), GOOD_OPS.replace("alpha", "beta")))
    assert report.codes("error") == ["SCHEMA_PLUGIN_MISMATCH"]
    assert "['beta']" in report.findings[0].message and "['alpha']" in report.findings[0].message


def test_legacy_op_whose_register_function_is_missing_is_an_error(tmp_path: Path):
    entries = [{"id": "acme::op", "kind": "legacy", "module": "acme_ops.legacy", "register": "acme_ops.legacy:setup"}]
    package = qdp_package(tmp_path, "", GOOD_OPS, ops_entries=entries,
                          extra={"legacy.py": "def register() -> None:\n    pass\n"})
    report = validate(package)
    assert report.codes("error") == ["LEGACY_REGISTER_NOT_FOUND"]
    assert report.findings[0].field == "ops[0].register"


def test_aot_impl_that_does_not_take_every_attribute_is_an_error(installed_copy: Path):
    # Registration accepts it; TensorRT's engine build calls aot_impl(x, scale, outputs, tactic).
    qdp = installed_copy / "qdp.py"
    text = qdp.read_text()
    old = "def _scale_aot_impl(x: trtp.TensorDesc, scale: float, outputs"
    assert old in text
    qdp.write_text(text.replace(old, "def _scale_aot_impl(x: trtp.TensorDesc, outputs").replace(
        'attrs={"scale": scale}', 'attrs={"scale": 1.0}'))
    report = validate(installed_copy)
    assert report.codes("error") == ["AOT_IMPL_SIGNATURE"]
    (finding,) = report.findings
    assert "(x, scale, outputs, tactic)" in finding.message and "example_plugin::scale_nvrtc" in finding.message
    assert finding.file.startswith("example_plugin_pkg/qdp.py:")


#: aot_impl parameter lists for an op with tensors (x, y) and attributes (alpha: float, n: int).
AOT_IMPL_PARAMETERS = [
    "x, y, alpha, n, outputs, tactic",
    "x, y, n, alpha, outputs, tactic",
    "x, y, alpha, outputs, tactic",
    "x, y, alpha, n, outputs",
    "*args",
    "x, y, alpha, n, outputs, tactic, extra=None",
    "x, y, alpha, n, outputs, tactic, extra",
    "x, y, alpha, n, outputs, tactic, *, key",
    "x, y, alpha, n, outputs, tactic, *, key=1",
    "x, y, alpha, n, outputs, /, tactic",
    "x, y, alpha, n, outputs, tactic, **options",
]


@pytest.mark.parametrize("parameters", AOT_IMPL_PARAMETERS)
def test_validate_and_activation_read_tensorrt_s_aot_impl_call_alike(parameters: str):
    """Validate reads the source, activation inspects the function: both against _upstream.aot_impl_call_args."""
    import ast

    from trt_plugin_hub import _upstream
    from trt_plugin_hub.authoring._validate.model import Findings
    from trt_plugin_hub.authoring._validate.qdp import Signature, _check_aot_impl_call
    from trt_plugin_hub.authoring._validate.sources import Decorated, Source

    text = f"def aot_impl({parameters}):\n    return None\n"
    namespace: dict[str, object] = {}
    exec(text, namespace)  # noqa: S102 - a fixed test signature
    runtime = _upstream.aot_impl_call_problem(namespace["aot_impl"], ["x", "y"], {"alpha": float, "n": int})
    function = ast.parse(text).body[0]
    assert isinstance(function, ast.FunctionDef)
    ctx = Findings(Path("."))
    entry = Decorated("aot_impl", "acme::op", function, False, Source(Path("qdp.py"), "qdp.py", None))
    _check_aot_impl_call(ctx, "acme::op", entry, Signature(("x", "y"), (("alpha", "float"), ("n", "int")), 1))
    assert [f.code for f in ctx.findings] == ([] if runtime is None else ["AOT_IMPL_SIGNATURE"])
    expected = ", ".join(_upstream.aot_impl_call_args(["x", "y"], ["alpha", "n"]))
    assert expected == "x, y, alpha, n, outputs, tactic"
    assert all(f"({expected})" in f.message for f in ctx.findings)


def _kernels_package(tmp_path: Path, fns: str, **fields: object) -> Path:
    from _support.manifests import ptx_text, sha256

    data = ptx_text("sm_90", "8.7", "square_kernel")
    entry = {"id": "acme::square", "kind": "kernels", "module": "acme_ops.fns", "schema": "(Tensor x) -> Tensor",
             "meta": "acme_ops.fns:meta", "eager": "acme_ops.fns:eager",
             "launch": {"block_threads": 256, "elements_per_block": 256, "extras": ["numel"]},
             "ptx": [{"arch": "sm_90", "path": "ptx/square.sm_90.ptx", "kernel": "square_kernel",
                      "sha256": sha256(data), "isa": "8.7"}], **fields}
    package = qdp_package(tmp_path, "", "", ops_entries=[entry])
    (package / "fns.py").write_text(fns)
    (package / "ptx").mkdir()
    (package / "ptx" / "square.sm_90.ptx").write_bytes(data)
    manifest = json.loads((package / "trt_plugin.json").read_text())
    manifest["requires"] = {"cuda_driver": ">=570"}
    (package / "trt_plugin.json").write_text(json.dumps(manifest))
    return package


KERNELS_FNS = """
import torch

def meta(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)

def eager(x: torch.Tensor) -> torch.Tensor:
    return x * x
"""


def test_kernels_op_checks_its_functions_schema_and_ptx_without_a_qdp_in_the_package(tmp_path: Path):
    report = validate(_kernels_package(tmp_path, KERNELS_FNS))
    assert report.codes("error") == [] and report.codes("warning") == [], [f.to_dict() for f in report.findings]
    (op,) = report.packages[0].ops
    assert op.kind == "kernels"
    assert any(line.startswith("schema (Tensor x) -> Tensor;") for line in op.checked)
    # The parameter list comes from the manifest's schema: 1 input, numel, 1 output.
    assert "kernel parameters: x (input pointer), numel (int32), outputs[0] (output pointer)" in op.checked


def test_kernels_op_whose_function_is_missing_or_whose_package_registers_it_is_an_error(tmp_path: Path):
    missing = validate(_kernels_package(tmp_path / "a", KERNELS_FNS, eager="acme_ops.fns:square"))
    assert missing.codes("error") == ["KERNELS_FUNCTION_NOT_FOUND"]
    assert missing.findings[0].field == "ops[0].eager" and "FUNCTION_UNRESOLVED" in missing.findings[0].message
    registering = KERNELS_FNS + """
from torch_tensorrt.kernels import ptx_op

ptx_op("acme::square", b"", "square_kernel", meta, eager, None)
"""
    itself = validate(_kernels_package(tmp_path / "b", registering))
    assert itself.codes("error") == ["KERNELS_SELF_REGISTERED"]
    assert "ptx_op()" in itself.findings[0].message
