"""``built_from`` in a ``ptx`` entry: read in strict and draft mode, checked, optional; and the launch
geometry a Triton build fixes, filled in draft mode only.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import parse_manifest
from trt_plugin_hub._ptx import BuildRecord

RECORD = {"compiler": "triton 3.6.0", "sources": {"kernels/triton_kernels.py": "a" * 64},
          "options": {"num_warps": 4, "constexprs": {"BLOCK_SIZE": 1024}}}
ENTRY = {"arch": "sm_80", "path": "ptx/relu.sm_80.ptx", "kernel": "relu_kernel", "sha256": "0" * 64, "isa": "8.7"}
TRITON = {"compiler": "triton", "source": "acme.kernels:relu_kernel",
          "signature": {"x_ptr": "*fp32", "n": "i32", "y_ptr": "*fp32"}, "constexprs": {"BLOCK_SIZE": 512},
          "num_warps": 8, "archs": ["sm_80"]}


def _manifest(entry: dict[str, Any] | None = None, **op: Any) -> dict[str, Any]:
    return {"schema_version": 1, "name": "acme", "ops": [{
        "id": "acme::relu", "kind": "aot", "module": "acme.qdp", "ptx": [entry or ENTRY],
        "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}, **op}]}


def test_a_build_record_is_read_in_strict_mode():
    (op,) = parse_manifest(_manifest({**ENTRY, "built_from": RECORD}), "acme").ops
    record = op.ptx[0].built_from
    assert record == BuildRecord("triton 3.6.0", (("kernels/triton_kernels.py", "a" * 64),), record.options)
    assert dict(record.options) == RECORD["options"] and record.to_json() == RECORD


def test_a_manifest_without_build_records_reads_as_before():
    (op,) = parse_manifest(_manifest(), "acme").ops
    assert op.ptx[0].built_from is None
    assert parse_manifest(_manifest({**ENTRY, "built_from": None}), "acme").ops[0].ptx[0].built_from is None


@pytest.mark.parametrize("record, field_name", [
    ({**RECORD, "sources": {"kernels/k.py": "not a digest"}}, "built_from.sources"),
    ({**RECORD, "sources": {"/abs/k.py": "a" * 64}}, "built_from.sources"),
    ({**RECORD, "sources": ["kernels/k.py"]}, "built_from.sources"),
    ({"sources": RECORD["sources"]}, "built_from.compiler"),
    ({**RECORD, "options": []}, "built_from.options"),
    ({**RECORD, "by": "me"}, "built_from.by"),
    ("triton", "built_from"),
])
def test_a_broken_build_record_is_a_manifest_error(record: Any, field_name: str):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_manifest({**ENTRY, "built_from": record}), "acme")
    assert caught.value.field == f"ops[0].ptx[0].{field_name}" and caught.value.code == "MANIFEST_INVALID"
    assert caught.value.rule.startswith("ptx.built_from")


def test_draft_mode_fills_the_launch_geometry_a_triton_build_fixes():
    data = _manifest(build=TRITON, launch={"extras": ["numel"]})
    draft = parse_manifest(data, "acme", draft=True)
    assert draft.problems == () and draft.manifest is not None
    launch = draft.manifest.ops[0].launch
    assert launch is not None and (launch.block_threads, launch.elements_per_block) == (256, 512)
    # Strict mode (an installed plugin) holds the whole section the build wrote: nothing is filled.
    strict = copy.deepcopy(data)
    with pytest.raises(ManifestError, match="launch.block_threads"):
        parse_manifest(strict, "acme")


def test_the_fields_an_nvrtc_kernel_cannot_fix_are_not_filled():
    build = {"compiler": "nvrtc", "source": "kernels/scale.cu", "kernel": "scale_kernel", "archs": ["sm_80"]}
    draft = parse_manifest(_manifest(build=build, launch={"extras": ["numel"]}), "acme", draft=True)
    assert [e.field for e in draft.problems] == ["ops[0].launch.block_threads", "ops[0].launch.elements_per_block"]


@pytest.mark.parametrize("launch, field_name, expected", [
    ({"block_threads": 128}, "block_threads", "256 (a Triton kernel with build.num_warps=8 runs 8 warps of 32"),
    ({"elements_per_block": 1024}, "elements_per_block", "at most 512 (build.constexprs.BLOCK_SIZE"),
])
def test_a_written_geometry_that_disagrees_is_a_launch_geometry_error(launch: dict[str, int], field_name: str,
                                                                      expected: str):
    draft = parse_manifest(_manifest(build=TRITON, launch={**launch, "extras": ["numel"]}), "acme", draft=True)
    (error,) = draft.problems
    assert (error.field, error.code) == (f"ops[0].launch.{field_name}", "LAUNCH_GEOMETRY_MISMATCH")
    assert expected in error.expected
