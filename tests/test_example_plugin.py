"""The example plugin package: built into a real wheel (PTX compiled on the way), installed with
pip, listed without TensorRT, and activated on the real upstream Python layers with every approach
(QDP JIT, Triton AOT, NVRTC AOT, the package's own hand-written converter and a
``torch_tensorrt.kernels`` op the hub registers through ``ptx_op``). Each op is converted
the way Torch-TensorRT's interpreter does and AOT plugins are driven the way TensorRT's builder
calls them (``tests/_support/upstream/drive.py``).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from _support.dists import DRIVE, run_python
from _support.upstream.drive import attribute_value

from trt_plugin_hub._manifest import parse_manifest

pytestmark = pytest.mark.slow


def test_wheel_carries_ptx_for_each_declared_architecture(example_wheel: Path):
    with zipfile.ZipFile(example_wheel) as wheel:
        names = set(wheel.namelist())
        manifest = parse_manifest(json.loads(wheel.read("example_plugin_pkg/trt_plugin.json")), "example_plugin_pkg")
        entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    aot = [op for op in manifest.ops if op.kind == "aot"]
    assert len(aot) >= 2
    for op in aot:
        archs = {p.arch.rstrip("a") for p in op.ptx}
        assert {"sm_80", "sm_86", "sm_89", "sm_90"} <= archs
        assert all(f"example_plugin_pkg/{p.path}" in names for p in op.ptx)
    assert "[torch_tensorrt.plugins]" in entry_points and "example_plugin_pkg" in entry_points
    (kernels,) = [op for op in manifest.ops if op.kind == "kernels"]
    assert {p.arch for p in kernels.ptx} == {"sm_80", "sm_86", "sm_89", "sm_90"}
    assert all(f"example_plugin_pkg/{p.path}" in names for p in kernels.ptx)
    assert "example_plugin_pkg/kernel_ops.py" in names and "example_plugin_pkg/kernels/square.cu" in names
    (legacy,) = [op for op in manifest.ops if op.kind == "legacy"]
    assert legacy.register == "example_plugin_pkg.legacy:register" and "example_plugin_pkg/legacy.py" in names


def test_list_without_tensorrt_shows_ops_versions_constraints_and_why(example_site: Path):
    proc = run_python("from trt_plugin_hub.cli import main; raise SystemExit(main(['list', '--json']))",
                      paths=[example_site])
    data = json.loads(proc.stdout)
    (plugin,) = [p for p in data["plugins"] if p["distribution"] == "example-trt-plugins"]
    assert plugin["name"] == "example" and plugin["version"] == "0.1.0" and plugin["status"] == "rejected"
    assert plugin["requires"]["tensorrt"].startswith(">=")
    assert "TENSORRT_MISSING" in [r["code"] for r in plugin["reasons"]]
    kinds = {op["id"]: op["kind"] for op in plugin["ops"]}
    assert kinds["example_plugin::scaled_add"] == "jit"
    assert kinds["example_plugin::relu_aot"] == "aot" and kinds["example_plugin::scale_nvrtc"] == "aot"
    assert kinds["example_plugin::leaky_relu_legacy"] == "legacy"
    assert kinds["example_plugin::square_kernels"] == "kernels"
    text = run_python("from trt_plugin_hub.cli import main; main(['list'])", paths=[example_site]).stdout
    assert "example-trt-plugins" in text and "TENSORRT_MISSING" in text and "example_plugin::relu_aot" in text


CONVERT = """
import hashlib, json, os, torch, torch_tensorrt
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS
import trt_plugin_hub._pipeline as L, trt_plugin_hub.aot as aot
import example_plugin_pkg, example_plugin_pkg.legacy as legacy
from drive import convert

ops = torch.ops.example_plugin
x = [(4, 300)]
report = L.loaded_report()
package = os.path.dirname(example_plugin_pkg.__file__)
packaged = {}
for o in (o for p in report.plugins for o in p.ops if o.ptx):
    data = open(os.path.join(package, o.ptx), "rb").read()
    packaged[o.id] = {"sha256": hashlib.sha256(data).hexdigest(),
                      "target": data.decode().split(".target")[1].split()[0]}
layers = [
    convert(ops.scaled_add.default, x * 2, [0.5]),
    convert(ops.relu_aot.default, x),
    convert(ops.scale_nvrtc.default, x, [2.5]),
    convert(ops.leaky_relu_legacy.default, x, [0.2]),
    convert(ops.leaky_relu_legacy.default, x),  # no slope: the converter reads the schema default
    convert(ops.square_kernels.default, x),
]
legacy.register()  # the hub already called it when torch_tensorrt was imported
print(json.dumps({
    "ops": {o.id: [o.status, o.mode] for p in report.plugins for o in p.ops},
    "packaged": packaged,
    "layers": layers,
    "float_bits": aot.float_bits(2.5),
    "legacy_candidates": len(DYNAMO_ATEN_CONVERTERS[ops.leaky_relu_legacy.default]),
    "legacy_ints": convert(ops.leaky_relu_legacy.default, [(12,)], [0.3], dtype="int32"),
    "legacy_halves": convert(ops.leaky_relu_legacy.default, [(12,)], [0.3], dtype="float16"),
    "square_schema": str(ops.square_kernels.default._schema),
    "square_candidates": len(DYNAMO_ATEN_CONVERTERS[ops.square_kernels.default]),
    "bound": list(aot.bound_ops()),
}))
"""


@pytest.fixture(scope="module")
def converted(example_site: Path, upstream_paths: list[Path]) -> dict:
    """One interpreter over the real upstream layers: activation at import, then every op converted."""
    proc = run_python(CONVERT, paths=[example_site, DRIVE, *upstream_paths],
                      env={"TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580"})
    return json.loads(proc.stdout.splitlines()[-1])


def test_every_approach_activates_and_converts_into_plugin_layers(converted: dict):
    out = converted
    assert out["ops"] == {"example_plugin::scaled_add": ["active", "jit"],
                          "example_plugin::relu_aot": ["active", "aot"],
                          "example_plugin::scale_nvrtc": ["active", "aot"],
                          "example_plugin::leaky_relu_legacy": ["active", "legacy"],
                          "example_plugin::square_kernels": ["active", "aot"]}
    assert all(layer["ok"] and layer["plugin_layers"] == 1 for layer in out["layers"]), out["layers"]
    assert [[layer["plugin"], layer["kind"]] for layer in out["layers"]] == [
        ["example_plugin::scaled_add", "jit"], ["example_plugin::relu_aot", "aot"],
        ["example_plugin::scale_nvrtc", "aot"], ["example_plugin::leaky_relu_legacy", "jit"],
        ["example_plugin::leaky_relu_legacy", "jit"], ["example_plugin::square_kernels", "aot"]]
    scaled_add, relu, scale, leaky, leaky_default, _ = out["layers"]
    assert scaled_add["attrs"] == {"alpha": 0.5} and relu["attrs"] == {} and scale["attrs"] == {"scale": 2.5}
    # The hand-written converter adds a JIT plugin layer; without a slope it uses the schema default.
    assert list(leaky["attrs"]) == ["negative_slope"] and attribute_value(leaky["attrs"]["negative_slope"]) == pytest.approx(0.2)
    assert attribute_value(leaky_default["attrs"]["negative_slope"]) == pytest.approx(0.01)
    assert leaky["converter_module"] == "example_plugin_pkg.legacy"


def test_aot_ops_hand_tensorrt_the_packaged_ptx_and_the_declared_launch(converted: dict):
    _, relu, scale, _, _, _ = converted["layers"]
    packaged = converted["packaged"]
    assert packaged["example_plugin::relu_aot"]["target"] == "sm_90a"
    assert packaged["example_plugin::scale_nvrtc"]["target"] == "sm_90"
    assert relu["kernel_name"] == "relu_kernel"
    assert relu["ptx_sha256"] == packaged["example_plugin::relu_aot"]["sha256"]
    assert relu["grid"] == [-(-1200 // 1024), 1, 1] and relu["block"] == [128, 1, 1] and relu["extras"] == [1200]
    assert scale["kernel_name"] == "scale_kernel"
    assert scale["ptx_sha256"] == packaged["example_plugin::scale_nvrtc"]["sha256"]
    assert scale["grid"] == [-(-1200 // 1024), 1, 1] and scale["block"] == [256, 1, 1]
    # The float attribute travels to the kernel as its float32 bit pattern, after numel.
    assert scale["extras"] == [1200, converted["float_bits"]] and scale["extra_dtypes"] == ["INT32", "INT32"]


def test_legacy_converter_registers_once_and_leaves_integer_inputs_to_pytorch(converted: dict):
    assert converted["legacy_candidates"] == 1
    # Its capability validator refuses integer inputs: no converter, so the node stays in PyTorch.
    ints = converted["legacy_ints"]
    assert ints["ok"] is False and ints["error"].startswith("no validated converter"), ints
    halves = converted["legacy_halves"]
    assert halves["ok"] and [halves["plugin"], halves["kind"]] == ["example_plugin::leaky_relu_legacy", "jit"]


def test_every_op_matches_its_eager_reference_and_passes_opcheck_on_the_cpu(example_site: Path):
    code = """
import json, torch
from example_plugin_pkg import ops

g = torch.Generator().manual_seed(0)
x, y = torch.randn(3, 333, generator=g), torch.randn(3, 333, generator=g)
cases = [
    (ops.scaled_add, ops.reference_scaled_add, (x, y, 0.5)),
    (ops.relu_aot, ops.reference_relu_aot, (x,)),
    (ops.scale_nvrtc, ops.reference_scale_nvrtc, (x, 2.5)),
    (ops.leaky_relu_legacy, ops.reference_leaky_relu_legacy, (x, 0.2)),
]
for op, reference, args in cases:
    torch.testing.assert_close(op(*args), reference(*args))
    torch.library.opcheck(op, args)
# The schema default of the legacy op's slope is torch's own.
torch.testing.assert_close(ops.leaky_relu_legacy(x), torch.nn.functional.leaky_relu(x))
print(json.dumps([str(op._opoverload._schema) for op, _, _ in cases]))
"""
    schemas = json.loads(run_python(code, paths=[example_site]).stdout.splitlines()[-1])
    assert schemas == [
        "example_plugin::scaled_add(Tensor x, Tensor y, float alpha=1.) -> Tensor",
        "example_plugin::relu_aot(Tensor x) -> Tensor",
        "example_plugin::scale_nvrtc(Tensor x, float scale=1.) -> Tensor",
        "example_plugin::leaky_relu_legacy(Tensor x, float negative_slope=0.01) -> Tensor",
    ]


def test_kernels_op_is_registered_once_through_ptx_op_with_the_verified_ptx(converted: dict):
    # The hub defined the torch op from the manifest's schema and called ptx_op once: one converter,
    # an AOT layer whose kernel and PTX are the file chosen for compute capability 9.0.
    square = converted["layers"][-1]
    packaged = converted["packaged"]["example_plugin::square_kernels"]
    assert converted["square_schema"] == "example_plugin::square_kernels(Tensor x) -> Tensor"
    assert converted["square_candidates"] == 1
    assert "example_plugin::square_kernels" in converted["bound"]
    assert packaged["target"] == "sm_90"
    assert square["converter_module"].endswith("_generate_plugin_converter")
    assert square["kernel_name"] == "square_kernel" and square["ptx_sha256"] == packaged["sha256"]
    # launch: 256 threads per block, one element each, numel as the one int32 extra.
    assert square["grid"] == [-(-1200 // 256), 1, 1] and square["block"] == [256, 1, 1]
    assert square["extras"] == [1200] and square["extra_dtypes"] == ["INT32"]
