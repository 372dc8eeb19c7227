"""Kernels ops in the manifest: the schema grammar, the fields only they have, and what ptx_op cannot do."""

from __future__ import annotations

from typing import Any

import pytest

from trt_plugin_hub import ManifestError
from trt_plugin_hub._manifest import OpKind, OpSignature, parse_manifest, parse_signature

PTX = [{"arch": "sm_90", "path": "ptx/square.sm_90.ptx", "kernel": "square_kernel", "sha256": "0" * 64}]


def _op(**fields: Any) -> dict[str, Any]:
    op = {"id": "acme::square", "kind": "kernels", "module": "acme.fns", "schema": "(Tensor x) -> Tensor",
          "meta": "acme.fns:meta", "ptx": PTX,
          "launch": {"block_threads": 256, "elements_per_block": 256, "extras": ["numel"]}}
    op.update(fields)
    return {key: value for key, value in op.items() if value is not ...}


def _manifest(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "name": "acme", "ops": list(ops)}


def _rules(op: dict[str, Any]) -> list[str]:
    return [error.rule for error in parse_manifest(_manifest(op), "acme", draft=True).errors]


@pytest.mark.parametrize("text, expected", [
    ("(Tensor x) -> Tensor", OpSignature(("x",), (), 1)),
    ("(Tensor x, Tensor y, float a, int n, bool b, str s) -> (Tensor, Tensor)",
     OpSignature(("x", "y"), (("a", "float"), ("n", "int"), ("b", "bool"), ("s", "str")), 2)),
])
def test_schema_grammar_reads_tensors_attributes_and_outputs(text: str, expected: OpSignature):
    assert parse_signature(text) == expected
    assert parse_signature(str(expected)) == expected


@pytest.mark.parametrize("text, words", [
    ("Tensor x -> Tensor", "parentheses"),
    ("(float a, Tensor x) -> Tensor", "tensors come first"),
    ("(Tensor x, float a=1.0) -> Tensor", "without a default"),
    ("(Tensor x, Tensor[] ys) -> Tensor", r"type 'Tensor\[\]'"),
    ("(float a) -> Tensor", "no Tensor argument"),
    ("(Tensor x, Tensor x) -> Tensor", "not a new identifier"),
    ("(Tensor x) -> float", "result"),
])
def test_schema_qdp_cannot_take_is_refused_saying_why(text: str, words: str):
    with pytest.raises(ValueError, match=words):
        parse_signature(text)


def test_kernels_op_reads_with_its_fields():
    formats = [{"types": "FP32|FP16, FP32|FP16"}, {"types": "BF16, BF16", "layouts": "LINEAR"}]
    manifest = parse_manifest(_manifest(_op(eager="acme.fns:eager", aot="acme.fns:aot", formats=formats)), "acme")
    (op,) = manifest.ops
    assert op.formats == (("FP32|FP16, FP32|FP16", "LINEAR"), ("BF16, BF16", "LINEAR"))
    assert op.kind is OpKind.KERNELS and op.kind.prebuilt and OpKind.AOT.prebuilt and not OpKind.JIT.prebuilt
    assert (op.schema, op.meta, op.eager, op.aot) == ("(Tensor x) -> Tensor", "acme.fns:meta", "acme.fns:eager",
                                                       "acme.fns:aot")


@pytest.mark.parametrize("fields, rule", [
    ({"schema": ...}, "op.schema.missing"),
    ({"meta": ...}, "op.meta.missing"),
    ({"schema": "(Tensor x, float a=2.0) -> Tensor"}, "op.schema"),
    ({"overload": "Tensor"}, "op.kernels.overload"),
    ({"jit_fallback": True}, "op.kernels.aot_only"),
    ({"use_aot_if_available": False}, "op.kernels.aot_only"),
    ({"launch": {"block_threads": 256, "elements_per_block": 256, "extras": ["numel", "attr:a"]}},
     "op.kernels.extras"),
    ({"launch": ...}, "op.kernels.launch"),
    ({"register": "acme.fns:register"}, "op.register.unexpected"),
    ({"meta": "acme.fns"}, "op.meta"),
    ({"formats": [{"types": "FP32"}]}, "format.count"),
    ({"formats": [{"types": "FP32, FP32", "layouts": "LINEAR, LINEAR, LINEAR"}]}, "format.count"),
    ({"formats": [{"types": "fp32, FP32"}]}, "format.types"),
    ({"formats": [{"types": "FP32|FP16*BF16, FP32"}]}, "format.types"),
    ({"formats": []}, "op.formats"),
])
def test_what_ptx_op_cannot_do_is_a_manifest_error(fields: dict[str, Any], rule: str):
    assert rule in _rules(_op(**fields))


def test_kernels_only_fields_are_refused_on_other_kinds():
    op = {"id": "acme::relu", "kind": "jit", "module": "acme.qdp", "schema": "(Tensor x) -> Tensor",
          "meta": "acme.qdp:meta", "formats": [{"types": "FP32, FP32"}]}
    assert _rules(op) == ["op.kernels.field", "op.kernels.field", "op.kernels.field"]


def test_an_aot_function_replaces_the_launch_section():
    assert _rules(_op(launch=..., aot="acme.fns:aot")) == []


def test_attr_extras_error_says_to_use_the_aot_kind():
    launch = {"block_threads": 256, "elements_per_block": 256, "extras": ["attr:a"]}
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_manifest(_op(schema="(Tensor x, float a) -> Tensor", launch=launch)), "acme")
    assert caught.value.field == "ops[0].launch.extras[0]" and "kind 'aot'" in str(caught.value)


def test_unbuilt_kernels_op_is_what_the_build_is_for():
    draft = parse_manifest(_manifest(_op(ptx=[])), "acme", draft=True)
    assert [e.rule for e in draft.errors] == ["op.ptx.not_built"] and draft.unbuilt == {0}
    assert "a kernels op" in str(draft.errors[0])
