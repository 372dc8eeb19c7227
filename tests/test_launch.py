"""The AOT launch contract: the launch section's bounds, the extras, the grid, the kernel's parameter
order and the packing of its arguments, and one table of launch sections on which the manifest reader,
the build planner and ``validate`` give the same verdicts.
"""

from __future__ import annotations

import copy
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from _support.manifests import aot_op
from _support.validate import qdp_package
from _support.verify import EXAMPLE

from trt_plugin_hub._errors import ManifestError, PtxBuildError
from trt_plugin_hub._launch import ExtraError, LaunchSpec, encode_extras, float_bits, grid_x
from trt_plugin_hub._launch.checks import check_kernel_params, launch_problems, pack_kernel_args, param_kinds, param_order_problem, signature_order_problem, signature_split
from trt_plugin_hub._manifest import parse_manifest
from trt_plugin_hub._ptx import parse_ptx
from trt_plugin_hub.authoring import validate
from trt_plugin_hub.authoring._ptxbuild.plan import plan_builds

# ---- argument packing ----------------------------------------------------------------------------


def test_pack_order_is_inputs_then_int32_extras_then_outputs():
    launch = LaunchSpec(block_threads=256, elements_per_block=1024, extras=("numel", "attr:scale"))
    extras = encode_extras(launch, 4097, {"scale": -2.5})
    assert extras == (4097, float_bits(-2.5))
    assert float_bits(-2.5) < 0  # the sign bit makes a negative int32, which must still pack
    args = pack_kernel_args([0x7F0000001000, 0x7F0000002000], extras, [0x7F0000003000])
    assert [(a.kind, a.value) for a in args] == [
        ("ptr", 0x7F0000001000), ("ptr", 0x7F0000002000),
        ("i32", 4097), ("i32", struct.unpack("<i", struct.pack("<f", -2.5))[0]),
        ("ptr", 0x7F0000003000),
    ]
    assert [a.role for a in args] == ["input 0", "input 1", "extra 0", "extra 1", "output 0"]


def test_extras_follow_declared_order_and_types():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("attr:k", "numel", "attr:alpha"))
    assert encode_extras(launch, 7, {"k": 3, "alpha": 1.0, "unused": 9.0}) == (3, 7, 0x3F800000)
    assert encode_extras(LaunchSpec(128, 1024), 7, {}) == ()  # no extras: pointers only


def test_extras_that_cannot_travel_as_int32_are_refused():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024, extras=("numel",))
    with pytest.raises(ValueError, match="int32"):
        encode_extras(launch, 1 << 31, {})
    with pytest.raises(ValueError, match="attribute 'scale'"):
        encode_extras(LaunchSpec(128, 1024, ("attr:scale",)), 10, {})
    with pytest.raises(ExtraError, match="int32") as caught:
        encode_extras(LaunchSpec(128, 1024, ("attr:k",)), 10, {"k": -(1 << 31) - 1})
    assert caught.value.attribute == "k" and not caught.value.missing
    with pytest.raises(ValueError, match="int32"):
        pack_kernel_args([], [1 << 40], [])


def test_a_symbolic_numel_is_passed_through_untouched():
    size = object()  # TensorRT's size expression at engine build
    assert encode_extras(LaunchSpec(128, 1024, ("numel", "attr:k")), size, {"k": True}) == (size, 1)


def test_grid_is_ceil_of_numel_over_elements_per_block():
    launch = LaunchSpec(block_threads=128, elements_per_block=1024)
    assert [grid_x(launch, n) for n in (1, 1024, 1025, 4097)] == [1, 1, 2, 5]


def test_kernel_params_of_the_shipped_ptx_match_tensorrt_order():
    for name, extras in (("relu_aot.sm_90a", ["numel"]), ("scale_nvrtc.sm_90", ["numel", 1])):
        header = parse_ptx((EXAMPLE / "ptx" / f"{name}.ptx").read_bytes())
        (entry,) = header.entries
        args = pack_kernel_args([1], [1] * len(extras), [2])
        assert check_kernel_params(entry.types, args) is None


def test_kernel_param_mismatches_are_named():
    args = pack_kernel_args([1], [5], [2])
    # Triton's two hidden scratch pointers, left in: two parameters more than TensorRT passes.
    message = check_kernel_params((".u64", ".u32", ".u64", ".u64", ".u64"), args)
    assert message is not None and "5 parameter(s)" in message and "passes 3" in message
    message = check_kernel_params((".u64", ".u64", ".u64"), args)
    assert message is not None and "parameter 1 is .u64" in message and "extra 0" in message


# ---- the parameter order -------------------------------------------------------------------------


def test_parameter_order_is_input_pointers_int32_extras_output_pointers():
    assert param_kinds(2, 1, 1) == ("ptr", "ptr", "i32", "ptr")
    assert not param_order_problem(["ptr", "i32", "ptr"], 1)
    assert not param_order_problem(["i32", "ptr"], 1)  # no input pointer: allowed
    assert param_order_problem(["ptr", "i32"], 1)  # no output pointer
    assert param_order_problem(["ptr", "ptr", "i32"], 1)
    assert param_order_problem(["ptr", "i32", "i32", "ptr"], 1)  # one int32 more than the extras
    assert param_order_problem(["ptr", "other", "ptr"], 1)


@pytest.mark.parametrize("kinds, extras, inputs, split", [
    (["ptr", "i32", "ptr"], 1, None, (1, 1, 1)),
    (["ptr", "ptr", "i32", "i32", "ptr"], 2, 2, (2, 2, 1)),
    (["ptr", "ptr", "i32", "ptr"], 1, 1, (2, 1, 1)),  # the signature's split, whatever the plugin says
    # Without extras the pointers alone do not say where the inputs end: the plugin does.
    (["ptr", "ptr"], 0, 1, (1, 0, 1)),
    (["ptr", "ptr", "ptr"], 0, 2, (2, 0, 1)),
    (["ptr", "ptr"], 0, None, None),
    (["ptr", "ptr"], 0, 2, None),  # no output pointer left
    (["ptr", "i32", "ptr"], 0, 1, None),  # an int32 the launch does not pass
    (["ptr", "ptr", "i32"], 1, None, None),
])
def test_signature_split_honours_the_extras_count(kinds: list[str], extras: int, inputs: int | None,
                                                   split: tuple[int, int, int] | None):
    assert signature_split(kinds, extras, inputs) == split


def test_signature_order_problem_names_the_type_or_the_order():
    assert signature_order_problem({"x": "*fp32", "n": "i32", "y": "*fp16"}, 1) is None
    assert signature_order_problem({"x": "*fp32", "y": "*fp32"}, 0) is None
    problem = signature_order_problem({"x": "*fp32", "s": "fp32", "y": "*fp32"}, 1)
    assert problem is not None and problem.key == "signature.s" and "pointer type" in problem.expected
    problem = signature_order_problem({"x": "*fp32", "y": "*fp32", "n": "i32"}, 1)
    assert problem is not None and problem.key == "signature" and "TensorRT's AOT argument order" in problem.expected


# ---- one table of launch sections, three readers -------------------------------------------------------

GOOD = {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}

#: (name, launch section, the field the first problem is in (None: accepted)).
SECTIONS: list[tuple[str, dict[str, Any], str | None]] = [
    ("typical", GOOD, None),
    ("largest values", {"block_threads": 1024, "elements_per_block": 1 << 24, "shared_mem": 1 << 20,
                        "extras": ["numel"]}, None),
    ("smallest values", {"block_threads": 1, "elements_per_block": 1, "shared_mem": 0, "extras": ["numel"]}, None),
    ("attribute extra", {**GOOD, "extras": ["numel", "attr:alpha"]}, None),
    ("block of zero threads", {**GOOD, "block_threads": 0}, "block_threads"),
    ("block over 1024 threads", {**GOOD, "block_threads": 2048}, "block_threads"),
    ("block threads as text", {**GOOD, "block_threads": "128"}, "block_threads"),
    ("block threads as a bool", {**GOOD, "block_threads": True}, "block_threads"),
    ("elements per block over 2**24", {**GOOD, "elements_per_block": (1 << 24) + 1}, "elements_per_block"),
    ("no elements per block", {"block_threads": 128, "extras": ["numel"]}, "elements_per_block"),
    ("shared memory over 1 MiB", {**GOOD, "shared_mem": (1 << 20) + 1}, "shared_mem"),
    ("negative shared memory", {**GOOD, "shared_mem": -1}, "shared_mem"),
    ("extras not a list", {**GOOD, "extras": "numel"}, "extras"),
    ("extra naming no attribute", {**GOOD, "extras": ["numel", "attr:"]}, "extras"),
    ("unknown extra", {**GOOD, "extras": ["size"]}, "extras"),
]

_BUILD = {"compiler": "nvrtc", "source": "kernels/op.cu", "kernel": "scale_kernel", "archs": ["sm_90"]}
_REGISTER = """
@trtp.register("acme::op")
def _desc(x: trtp.TensorDesc, alpha: float) -> Tuple[trtp.TensorDesc]:
    return (x.like(),)


@trtp.aot_impl("acme::op")
def _aot(x: trtp.TensorDesc, alpha: float, outputs: Tuple[trtp.TensorDesc], tactic: int):
    return None
"""
_OPS = """
@torch.library.custom_op("acme::op", mutates_args=())
def op(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return x * alpha
"""


def _manifest(section: dict[str, Any], files: dict[str, str | bytes]) -> dict[str, Any]:
    op = aot_op("acme::op", "acme_ops.qdp", files, package="acme_ops", build=dict(_BUILD))
    op["launch"] = copy.deepcopy(section)
    return {"schema_version": 1, "name": "acme", "requires": {"cuda_driver": ">=570"}, "ops": [op]}


def _reader_verdict(data: dict[str, Any]) -> str | None:
    try:
        parse_manifest(data, "acme")
    except ManifestError as exc:
        assert exc.field.startswith("ops[0].launch."), exc
        return exc.field.removeprefix("ops[0].launch.")
    return None


def _planner_verdict(data: dict[str, Any]) -> str | None:
    try:
        plan_builds(parse_manifest(data, "acme", draft=True))
    except PtxBuildError as exc:
        match = re.match(r"acme: field 'ops\[0\]\.launch\.(\w+)'", str(exc))
        assert match, exc
        return match.group(1)
    return None


def _validate_verdict(root: Path, data: dict[str, Any], files: dict[str, str | bytes]) -> str | None:
    package = qdp_package(root, _REGISTER, _OPS)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (package / "trt_plugin.json").write_text(json.dumps(data))
    report = validate(package)
    launch = [f for f in report.findings if f.field.startswith("ops[0].launch")]
    if not launch:
        return None
    assert launch[0].code == "MANIFEST_INVALID", launch
    return launch[0].field.removeprefix("ops[0].launch.")


@pytest.mark.slow
@pytest.mark.parametrize("name, section, verdict", SECTIONS, ids=[case[0] for case in SECTIONS])
def test_reader_build_planner_and_validate_give_the_same_verdict(tmp_path: Path, name: str, section: dict[str, Any],
                                                                  verdict: str | None):
    files: dict[str, str | bytes] = {}
    data = _manifest(section, files)
    problems = launch_problems(section)
    assert (problems[0].key if problems else None) == verdict
    assert _reader_verdict(data) == verdict
    assert _planner_verdict(data) == verdict
    assert _validate_verdict(tmp_path, data, files) == verdict
