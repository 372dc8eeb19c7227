"""The example plugin package: built into a real wheel (PTX compiled on the way), installed with
pip, listed without TensorRT, and activated through the double with every approach (QDP JIT,
Triton AOT, NVRTC AOT and the package's own hand-written converter)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from doubles import make_double_site
from fixtures import run_python

pytestmark = pytest.mark.slow


def test_wheel_carries_ptx_for_each_declared_architecture(example_wheel: Path):
    with zipfile.ZipFile(example_wheel) as wheel:
        names = set(wheel.namelist())
        manifest = json.loads(wheel.read("example_plugin_pkg/trt_plugin.json"))
        entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    aot = [op for op in manifest["ops"] if op["kind"] == "aot"]
    assert len(aot) >= 2
    for op in aot:
        archs = {p["arch"].rstrip("a") for p in op["ptx"]}
        assert {"sm_80", "sm_86", "sm_89", "sm_90"} <= archs
        assert all(f"example_plugin_pkg/{p['path']}" in names for p in op["ptx"])
    assert "[torch_tensorrt.plugins]" in entry_points and "example_plugin_pkg" in entry_points
    (legacy,) = [op for op in manifest["ops"] if op["kind"] == "legacy"]
    assert legacy["register"] == "example_plugin_pkg.legacy:register" and "example_plugin_pkg/legacy.py" in names


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
    text = run_python("from trt_plugin_hub.cli import main; main(['list'])", paths=[example_site]).stdout
    assert "example-trt-plugins" in text and "TENSORRT_MISSING" in text and "example_plugin::relu_aot" in text


def test_every_approach_activates_and_compiles_into_plugin_layers(example_site: Path, tmp_path: Path):
    double = make_double_site(tmp_path / "double", tensorrt_version="10.13.3.9", torch_tensorrt_version="2.9.0")
    code = """
import json, torch, torch_tensorrt
from tensorrt.plugin._lib import QDP_REGISTRY
import tensorrt.plugin as trtp
import trt_plugin_hub.loader as L, trt_plugin_hub.aot as aot

class M(torch.nn.Module):
    def forward(self, x, y):
        a = torch.ops.example_plugin.scaled_add(x, y, 0.5)
        b = torch.ops.example_plugin.scale_nvrtc(torch.ops.example_plugin.relu_aot(a), 2.5)
        return torch.ops.example_plugin.leaky_relu_legacy(b, 0.2) + torch.ops.example_plugin.leaky_relu_legacy(b)

res = torch_tensorrt.dynamo.compile(M(), inputs=[torch.randn(4, 300), torch.randn(4, 300)])
report = L.loaded_report()
desc = trtp.TensorDesc(shape_expr=[4, 300])
def v(e):
    return e.constant_value if hasattr(e, "constant_value") else e
name, ptx, params, extras = QDP_REGISTRY["example_plugin::scale_nvrtc"].aot_impl_func(desc, 2.5, (desc.like(),), 0)
print(json.dumps({
    "ops": {o.id: [o.status, o.mode] for p in report.plugins for o in p.ops},
    "layers": [[l.plugin_id, l.aot, l.attrs] for l in res.plugin_layers],
    "aot": [name, ptx.decode().split(".target")[1].split()[0], v(params.grid_x), v(params.block_x),
            [v(e) for e in (extras[0], extras[1])], aot.float_bits(2.5)],
}))
"""
    out = json.loads(run_python(code, paths=[example_site, double],
                                env={"TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580"}).stdout.splitlines()[-1])
    assert out["ops"] == {"example_plugin::scaled_add": ["active", "jit"],
                          "example_plugin::relu_aot": ["active", "aot"],
                          "example_plugin::scale_nvrtc": ["active", "aot"],
                          "example_plugin::leaky_relu_legacy": ["active", "legacy"]}
    # The hand-written converter adds a JIT plugin layer; without a slope it uses the schema default.
    assert out["layers"] == [["example_plugin::scaled_add", False, {"alpha": 0.5}],
                             ["example_plugin::relu_aot", True, {}],
                             ["example_plugin::scale_nvrtc", True, {"scale": 2.5}],
                             ["example_plugin::leaky_relu_legacy", False, {"negative_slope": 0.2}],
                             ["example_plugin::leaky_relu_legacy", False, {"negative_slope": 0.01}]]
    name, target, grid, block, extras, bits = out["aot"]
    assert name == "scale_kernel" and target == "sm_90"
    assert grid == -(-1200 // 1024) and block == 256
    assert extras == [1200, bits]


def test_legacy_converter_registers_once_and_leaves_integer_inputs_to_pytorch(example_site: Path, tmp_path: Path):
    double = make_double_site(tmp_path / "double", tensorrt_version="10.13.3.9", torch_tensorrt_version="2.9.0")
    code = """
import json, torch, torch_tensorrt
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS
import example_plugin_pkg.legacy as legacy

legacy.register()  # the hub already called it when torch_tensorrt was imported
op = torch.ops.example_plugin.leaky_relu_legacy.default

class M(torch.nn.Module):
    def forward(self, x):
        return torch.ops.example_plugin.leaky_relu_legacy(x, 0.3)

ints = torch_tensorrt.dynamo.compile(M(), inputs=[torch.arange(12, dtype=torch.int32)])
halves = torch_tensorrt.dynamo.compile(M(), inputs=[torch.randn(12).half()])
print(json.dumps({
    "candidates": len(DYNAMO_ATEN_CONVERTERS[op]),
    "ints": [len(ints.plugin_layers), [str(t) for t in ints.fallback_targets]],
    "halves": [[l.plugin_id, l.aot] for l in halves.plugin_layers],
}))
"""
    out = json.loads(run_python(code, paths=[example_site, double],
                                env={"TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580"}).stdout.splitlines()[-1])
    assert out["candidates"] == 1
    assert out["ints"] == [0, ["example_plugin.leaky_relu_legacy.default"]]
    assert out["halves"] == [["example_plugin::leaky_relu_legacy", False]]


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
