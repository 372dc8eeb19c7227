"""Draft mode: every error of a manifest in document order, AOT ops not built yet accepted, the ``x-``
extensions kept, a stable rule on every error, and the field tables a schema can be generated from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._launch.checks import LAUNCH_KEYS
from trt_plugin_hub._manifest import (
    NOT_BUILT,
    REQUIREMENT_KEYS,
    TABLES,
    ManifestDraft,
    op_id_problem,
    parse_manifest,
    read_manifest,
)

SHA = "0" * 64


def _op(**changes: Any) -> dict[str, Any]:
    return {"id": "acme::relu", "kind": "aot", "module": "acme.qdp",
            "ptx": [{"arch": "sm_80", "path": "ptx/relu.sm_80.ptx", "kernel": "relu_kernel", "sha256": SHA}],
            "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}, **changes}


def _manifest(*ops: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"schema_version": 1, "name": "acme-ops", "ops": list(ops) or [_op()], **changes}


FIVE_FAULTS = _manifest(
    {"id": "acme::add", "kind": "jit", "module": "acme.qdp", "priority": "urgent"},         # 1. priority
    _op(id="trt::relu", launch={"block_threads": 2048, "elements_per_block": 1024}),      # 2. namespace, 3. block
    {"id": "acme::neg", "kind": "legacy", "module": "acme legacy",                        # 4. module
     "register": "acme.legacy:register"},
    name="acme ops",                                                                        # 5. name
)


def test_draft_lists_every_error_in_document_order():
    draft = parse_manifest(FIVE_FAULTS, "acme", draft=True)
    assert isinstance(draft, ManifestDraft) and draft.manifest is None
    assert [(e.field, e.rule) for e in draft.errors] == [
        ("name", "plugin.name"),
        ("ops[0].priority", "op.priority"),
        ("ops[1].id", "op.id.reserved_namespace"),
        ("ops[1].launch.block_threads", "launch.block_threads"),
        ("ops[2].module", "op.module"),
    ]
    assert [e.op_id for e in draft.errors] == [None, "acme::add", "trt::relu", "trt::relu", "acme::neg"]
    with pytest.raises(ManifestError) as caught:
        parse_manifest(FIVE_FAULTS, "acme")
    assert str(caught.value) == str(draft.errors[0])


def test_one_broken_op_does_not_hide_the_next():
    data = _manifest(_op(ptx="ptx/relu.ptx"), _op(id="acme::neg", ptx=[{"arch": "sm_80"}]))
    draft = parse_manifest(data, "acme", draft=True)
    assert [e.field for e in draft.errors] == ["ops[0].ptx", "ops[1].ptx[0].path", "ops[1].ptx[0].kernel",
                                                "ops[1].ptx[0].sha256"]


def test_unknown_fields_are_each_reported():
    draft = parse_manifest(_manifest(_op(colour="red", size=3), flavour="x"), "acme", draft=True)
    assert [(e.field, e.rule) for e in draft.errors] == [
        ("flavour", "plugin.unknown_field"), ("ops[0].colour", "op.unknown_field"), ("ops[0].size", "op.unknown_field")]


def test_an_aot_op_not_built_yet_is_accepted_in_draft_mode_only():
    data = _manifest({"id": "acme::add", "kind": "jit", "module": "acme.qdp"}, _op(ptx=[]), _op(id="acme::neg"))
    del data["ops"][2]["ptx"]
    draft = parse_manifest(data, "acme", draft=True)
    assert draft.manifest is not None and draft.unbuilt == frozenset({1, 2})
    assert [(e.field, e.rule) for e in draft.errors] == [("ops[1].ptx", NOT_BUILT), ("ops[2].ptx", NOT_BUILT)]
    assert draft.problems == ()
    assert [op.ptx for op in draft.manifest.ops] == [(), (), ()]
    with pytest.raises(ManifestError, match=r"field 'ops\[1\]\.ptx': expected at least one PTX file"):
        parse_manifest(data, "acme")


def test_a_schema_version_this_hub_does_not_read_stops_the_draft():
    draft = parse_manifest(_manifest(schema_version=2, name="bad name", extra=1), "acme", draft=True)
    assert [(e.code, e.rule) for e in draft.errors] == [("MANIFEST_SCHEMA_UNSUPPORTED",
                                                         "plugin.schema_version.unsupported")]


def test_x_extensions_are_kept_on_the_plugin_and_its_ops():
    data = _manifest(_op(**{"x-verify": {"attrs": {"alpha": 2.5}}, "x-reference": "acme.ops:relu"}),
                     **{"x-homepage": "https://example.org"})
    manifest = parse_manifest(data, "acme")
    assert manifest.extensions == {"x-homepage": "https://example.org"}
    assert manifest.ops[0].extensions == {"x-verify": {"attrs": {"alpha": 2.5}}, "x-reference": "acme.ops:relu"}
    assert manifest == parse_manifest(_manifest(_op()), "acme")  # extensions are not compared


def test_draft_reading_of_files_never_raises(tmp_path: Path):
    path = tmp_path / "trt_plugin.json"
    missing = read_manifest(path, "acme", draft=True)
    assert missing.raw is None and [e.code for e in missing.errors] == ["MANIFEST_UNREADABLE"]
    path.write_text('{"ops": ' + "[" * 100_000 + "]" * 100_000 + "}")
    nested = read_manifest(path, "acme", draft=True)
    assert [(e.code, e.rule) for e in nested.errors] == [("MANIFEST_INVALID", "manifest.json")]
    path.write_text(json.dumps(_manifest()))
    good = read_manifest(path, "acme", draft=True)
    assert good.errors == () and good.manifest is not None and good.sha256 == good.manifest.sha256
    assert good.raw == _manifest()


@pytest.mark.parametrize("op_id, rule", [("acme::relu", None), ("acme", "op.id.format"), ("a::b::c", "op.id.format"),
                                         ("acme::re.lu", "op.id.dot"), ("trt::relu", "op.id.reserved_namespace"),
                                         ("::relu", "op.id.reserved_namespace"), ("acme::1relu", "op.id.identifier")])
def test_op_id_rules(op_id: str, rule: str | None):
    assert op_id_problem(op_id) == rule


def test_every_field_the_reader_knows_is_in_a_table():
    names = {kind: {f.name for f in table} for kind, table in TABLES.items()}
    assert names["plugin"] == {"schema_version", "$schema", "name", "description", "requires", "ops"}
    assert names["requires"] == {*REQUIREMENT_KEYS, "compute_capability"}
    assert names["compute_capability"] == {"min", "max"}
    assert names["ptx"] == {"arch", "path", "kernel", "sha256", "isa", "built_from"}
    assert names["built_from"] == {"compiler", "sources", "options"}
    assert names["launch"] == LAUNCH_KEYS
    assert len(names["op"]) == 20 and {"id", "kind", "module", "ptx", "launch", "build"} <= names["op"]
    assert {"schema", "meta", "eager", "aot", "formats"} <= names["op"]  # kernels ops only
    assert names["format"] == {"types", "layouts"}
    for table in TABLES.values():
        for field in table:
            assert field.json_type and field.doc.endswith((".", ")")), field.name
    op = {f.name: f for f in TABLES["op"]}
    assert op["kind"].choices == ("jit", "aot", "legacy", "kernels") and op["kind"].required
    assert op["priority"].default == "standard" and op["ptx"].fields == TABLES["ptx"]


JIT_TRITON_BUILD = {"compiler": "triton", "source": "acme.kernels:relu_kernel",
                    "signature": {"x_ptr": "*fp32", "n": "i32", "y_ptr": "*fp32"}, "archs": ["sm_80"]}


@pytest.mark.parametrize("kind, section, value", [
    ("jit", "launch", {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}),
    ("jit", "build", JIT_TRITON_BUILD),
    ("legacy", "launch", {"block_threads": 128, "elements_per_block": 1024}),
])
def test_build_and_launch_sections_are_refused_on_ops_that_are_not_aot_in_both_modes(kind: str, section: str,
                                                                                      value: dict[str, Any]):
    op = {"id": "acme::relu", "kind": kind, "module": "acme.qdp", section: value}
    if kind == "legacy":
        op["register"] = "acme.legacy:register"
    draft = parse_manifest(_manifest(op), "acme", draft=True)
    assert draft.manifest is None
    assert [(e.field, e.rule, e.found) for e in draft.errors] == [(f"ops[0].{section}", f"op.{section}.kind", kind)]
    assert "only on aot and kernels ops" in draft.errors[0].expected
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_manifest(op), "acme")
    assert caught.value.rule == f"op.{section}.kind"


def test_a_manifest_may_name_its_json_schema_for_editors():
    manifest = parse_manifest(_manifest(**{"$schema": "https://example.org/trt_plugin.schema.json"}), "acme")
    assert manifest.name == "acme-ops"
    draft = parse_manifest(_manifest(**{"$schema": 3}), "acme", draft=True)
    assert [(e.field, e.rule) for e in draft.errors] == [("$schema", "plugin.$schema")]
