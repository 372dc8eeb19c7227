"""The ``build`` section: opaque in strict mode, typed recipes in draft mode, and the build step refusing
what the reader reports, in the reader's words.
"""

from __future__ import annotations

from typing import Any

import pytest

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._manifest import NvrtcRecipe, TritonRecipe, parse_manifest
from trt_plugin_hub.authoring._ptxbuild.plan import plan_builds

TRITON = {"compiler": "triton", "source": "acme.kernels:relu_kernel",
          "signature": {"x_ptr": "*fp32", "n": "i32", "y_ptr": "*fp32"}, "constexprs": {"BLOCK": 1024},
          "archs": ["sm_80", "sm_90"]}
NVRTC = {"compiler": "nvrtc", "source": "kernels/scale.cu", "kernel": "scale_kernel", "options": ["--std=c++17"],
         "archs": ["sm_80", "sm_100f"], "output_dir": "ptx/nvrtc"}


def _manifest(build: Any, **launch: Any) -> dict[str, Any]:
    return {"schema_version": 1, "name": "acme", "ops": [{
        "id": "acme::relu", "kind": "aot", "module": "acme.qdp", "build": build,
        "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"], **launch}}]}


def test_strict_mode_keeps_the_build_section_opaque():
    data = _manifest({"compiler": "gcc"})
    data["ops"][0]["ptx"] = [{"arch": "sm_80", "path": "p.ptx", "kernel": "k", "sha256": "0" * 64}]
    (op,) = parse_manifest(data, "acme").ops
    assert op.build == {"compiler": "gcc"} and op.recipe is None
    assert [e.rule for e in parse_manifest(data, "acme", draft=True).errors] == ["build.compiler"]


def test_draft_mode_reads_a_triton_recipe():
    draft = parse_manifest(_manifest(TRITON), "acme", draft=True)
    assert draft.problems == () and draft.manifest is not None
    recipe = draft.manifest.ops[0].recipe
    assert recipe == TritonRecipe(source="acme.kernels:relu_kernel",
                                  signature=(("x_ptr", "*fp32"), ("n", "i32"), ("y_ptr", "*fp32")),
                                  constexprs=(("BLOCK", 1024),), num_warps=4, archs=("sm_80", "sm_90"), output_dir="ptx")
    assert (recipe.compiler, recipe.module, recipe.function) == ("triton", "acme.kernels", "relu_kernel")
    (build,) = plan_builds(draft)
    assert (build.stem, build.compiler, build.archs, build.declared_params) == ("relu", "triton", ("sm_80", "sm_90"), 3)


def test_draft_mode_reads_an_nvrtc_recipe():
    draft = parse_manifest(_manifest(NVRTC, block_threads=256), "acme", draft=True)
    assert draft.manifest is not None
    assert draft.manifest.ops[0].recipe == NvrtcRecipe(source="kernels/scale.cu", kernel="scale_kernel",
                                                       options=("--std=c++17",), archs=("sm_80", "sm_100f"),
                                                       output_dir="ptx/nvrtc")


BROKEN: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    ("unknown compiler", {**NVRTC, "compiler": "gcc"}, {}, "ops[0].build.compiler", "one of triton, nvrtc"),
    ("no archs", {**NVRTC, "archs": []}, {}, "ops[0].build.archs", "a non-empty list of architectures"),
    ("unknown arch", {**NVRTC, "archs": ["sm_80", "gfx90a"]}, {}, "ops[0].build.archs[1]", "an architecture"),
    ("arch twice", {**NVRTC, "archs": ["sm_80", "sm_80"]}, {}, "ops[0].build.archs[1]", "each architecture once"),
    ("triton family arch", {**TRITON, "archs": ["sm_100f"]}, {}, "ops[0].build.archs",
     "cannot build the family target sm_100f"),
    ("signature out of order", {**TRITON, "signature": {"x": "*fp32", "y": "*fp32", "n": "i32"}}, {},
     "ops[0].build.signature", "TensorRT's AOT argument order"),
    ("scalar that is not int32", {**TRITON, "signature": {"x": "*fp32", "n": "fp32", "y": "*fp32"}}, {},
     "ops[0].build.signature.n", "a pointer type such as '*fp32' or 'i32'"),
    ("block size of other warps", TRITON, {"block_threads": 256}, "ops[0].launch.block_threads",
     "128 (a Triton kernel with build.num_warps=4 runs 4 warps of 32; or leave the field out"),
    ("blocks covering more than BLOCK_SIZE", {**TRITON, "constexprs": {"BLOCK_SIZE": 512}}, {},
     "ops[0].launch.elements_per_block", "at most 512 (build.constexprs.BLOCK_SIZE, the elements one program"),
    ("constexpr also in the signature", {**TRITON, "constexprs": {"n": 3}}, {}, "ops[0].build.constexprs.n",
     "a name not also in build.signature"),
    ("debug info", {**NVRTC, "options": ["-G"]}, {}, "ops[0].build.options[0]", "no -G or --device-debug"),
    ("source outside the package", {**NVRTC, "source": "../kernels/scale.cu"}, {"block_threads": 256},
     "ops[0].build.source", "a '/'-separated relative path inside the package"),
    ("absolute output dir", {**NVRTC, "output_dir": "/tmp/ptx"}, {}, "ops[0].build.output_dir",
     "a '/'-separated relative path inside the package"),
]


@pytest.mark.parametrize("name, build, launch, field_name, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_recipe_is_a_reader_error_the_build_repeats(name: str, build: dict[str, Any], launch: dict[str, Any],
                                                             field_name: str, expected: str):
    draft = parse_manifest(_manifest(build, **launch), "acme", draft=True)
    assert draft.manifest is None
    (error,) = draft.problems
    assert error.field == field_name and expected in error.expected and error.rule.startswith("build.")
    assert error.op_id == "acme::relu"
    with pytest.raises(PtxBuildError) as caught:
        plan_builds(draft)
    assert str(caught.value) == str(error) and str(error).startswith(f"acme: field {field_name!r}: expected ")


def test_the_build_refuses_an_aot_op_without_build_or_launch_section():
    data = _manifest(None)
    del data["ops"][0]["build"]
    with pytest.raises(PtxBuildError, match="acme::relu: an aot op needs a build section"):
        plan_builds(parse_manifest(data, "acme", draft=True))
    data = _manifest(NVRTC)
    del data["ops"][0]["launch"]
    with pytest.raises(PtxBuildError, match="acme::relu: an aot op needs a launch section"):
        plan_builds(parse_manifest(data, "acme", draft=True))


def test_two_ops_writing_the_same_files_are_refused():
    data = _manifest(NVRTC, block_threads=256)
    data["ops"].append({**data["ops"][0], "overload": None, "id": "other::relu"})
    with pytest.raises(PtxBuildError, match="other::relu: its PTX files would overwrite those of acme::relu"):
        plan_builds(parse_manifest(data, "acme", draft=True))
