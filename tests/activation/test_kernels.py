"""Kernels ops on the real upstream layers (Torch-TensorRT 2.14): the hub calls ``torch_tensorrt.kernels.ptx_op``
once per op, with the verified PTX and the manifest's values, and refuses everything that would make that call
adopt, repeat or half-do a registration.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from _support.dists import DRIVE, run_python
from _support.manifests import aot_op
from _support.plugins import add_plugin

pytestmark = pytest.mark.slow

TARGET = "sm_90, driver=580"

FUNCTIONS = textwrap.dedent('''
    import torch
    from trt_plugin_hub.aot import launch_params

    def meta(x: torch.Tensor) -> torch.Tensor:
        return torch.empty_like(x)

    def eager(x: torch.Tensor) -> torch.Tensor:
        return x * x

    def axpb_meta(x: torch.Tensor, a: float) -> torch.Tensor:
        return torch.empty_like(x)

    def axpb_aot(inputs, outputs, tactic):
        return launch_params("kern::axpb", inputs)

    def bad_aot(inputs):
        return launch_params("kern::badaot", inputs)

    def only_fp32(node, settings=None) -> bool:
        return True
''')

SELF_REGISTERING = textwrap.dedent('''
    import torch

    @torch.library.custom_op("kern::selfreg", mutates_args=())
    def selfreg(x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    def meta(x: torch.Tensor) -> torch.Tensor:
        return torch.empty_like(x)
''')


def _op(op_id: str, files: dict[str, str | bytes], **fields: Any) -> dict[str, Any]:
    entry = aot_op(op_id, "kern_ops.fns", files, package="kern_ops", archs=("sm_80", "sm_90"),
                   launch={"block_threads": 256, "elements_per_block": 256, "extras": ["numel"]})
    entry.update({"kind": "kernels", "schema": "(Tensor x) -> Tensor", "meta": "kern_ops.fns:meta", **fields})
    return entry


@pytest.fixture(scope="module")
def kernels_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("kernels-site")
    files: dict[str, str | bytes] = {"kern_ops/fns.py": FUNCTIONS, "kern_ops/selfreg.py": SELF_REGISTERING}
    ops = [
        _op("kern::square", files, eager="kern_ops.fns:eager", priority="high", supports_dynamic_shapes=True,
            capability_validator="kern_ops.fns:only_fp32", formats=[{"types": "FP32, FP32"}]),
        _op("kern::axpb", files, schema="(Tensor x, float a) -> Tensor", meta="kern_ops.fns:axpb_meta",
            aot="kern_ops.fns:axpb_aot"),
        _op("kern::selfreg", files, module="kern_ops.selfreg", meta="kern_ops.selfreg:meta"),
        _op("kern::badaot", files, aot="kern_ops.fns:bad_aot"),
        _op("kern::nometa", files, meta="kern_ops.fns:missing"),
    ]
    add_plugin(site, "kern-ops", "kern_ops", ops, files=files,
               requires={"torch_tensorrt": ">=2.6", "tensorrt": ">=10.7"})
    return site


PROBE = '''
import json, torch
import trt_plugin_hub
from tensorrt.plugin._lib import QDP_REGISTRY
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS

def summary(report):
    return {o.id: [o.status, o.mode, [r.code for r in o.reasons]] for p in report.plugins for o in p.ops}

def converters(name):
    packet = getattr(torch.ops.kern, name, None)
    return len(DYNAMO_ATEN_CONVERTERS.get(packet.default, [])) if packet is not None else None

def state():
    return {"qdp": sorted(k for k in QDP_REGISTRY if k.startswith("kern::")),
            "torch": sorted(n for n in ("square", "axpb", "selfreg", "badaot", "nometa")
                            if torch._C._jit_get_schemas_for_operator(f"kern::{n}")),
            "converters": {n: converters(n) for n in ("square", "axpb")}}
'''


def _run(site: Path, upstream_paths: list[Path], code: str) -> dict[str, Any]:
    proc = run_python(PROBE + textwrap.dedent(code), paths=[site, DRIVE, *upstream_paths],
                      env={"TRT_PLUGIN_HUB_TARGET": TARGET, "TRT_PLUGIN_HUB_AUTOLOAD": "0"})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_each_kernels_op_is_registered_once_or_refused_with_its_code(kernels_site, upstream_paths):
    out = _run(kernels_site, upstream_paths, '''
        import torch_tensorrt
        from drive import convert
        first = trt_plugin_hub.load()
        again = trt_plugin_hub.load(refresh=True)
        check = {o.id: {c.name: c.passed for c in o.checks} for p in first.plugins for o in p.ops}
        print(json.dumps({"first": summary(first), "again": summary(again), "state": state(), "checks": check,
                          "square": convert(torch.ops.kern.square.default, [(4, 300)]),
                          "axpb": convert(torch.ops.kern.axpb.default, [(4, 300)], [0.5]),
                          "square_fp16": convert(torch.ops.kern.square.default, [(4, 300)], dtype="float16"),
                          "axpb_fp16": convert(torch.ops.kern.axpb.default, [(4, 300)], [0.5], dtype="float16"),
                          "schema": str(torch.ops.kern.axpb.default._schema)}))
    ''')
    assert out["first"] == {
        "kern::square": ["active", "aot", []],
        "kern::axpb": ["active", "aot", []],
        "kern::selfreg": ["failed", "aot", ["KERNELS_SELF_REGISTERED"]],
        "kern::badaot": ["rejected", "aot", ["AOT_IMPL_SIGNATURE"]],
        "kern::nometa": ["failed", "aot", ["FUNCTION_UNRESOLVED"]],
    }
    assert out["checks"]["kern::square"]["torch_tensorrt.kernels"] and out["checks"]["kern::square"]["ptx bound"]
    assert out["checks"]["kern::square"]["formats"]
    # The declared formats reach TensorRT: an fp16 network finds no fp16 combination (real TensorRT
    # reformats around the plugin; the stand-in refuses). Without formats, ptx_op's plugin takes any type.
    assert not out["square_fp16"]["ok"] and "format combination" in out["square_fp16"]["error"], out["square_fp16"]
    assert out["axpb_fp16"]["ok"] and out["axpb_fp16"]["kind"] == "aot", out["axpb_fp16"]
    # A second load registers nothing again: one torch op, one QDP, one converter each.
    assert out["again"]["kern::square"] == ["active", "aot", ["ALREADY_REGISTERED"]]
    assert out["state"] == {"qdp": ["kern::axpb", "kern::square"], "torch": ["axpb", "selfreg", "square"],
                            "converters": {"square": 1, "axpb": 1}}
    assert out["schema"] == "kern::axpb(Tensor x, float a) -> Tensor"
    for name in ("square", "axpb"):
        layer = out[name]
        assert layer["ok"] and layer["kind"] == "aot" and layer["plugin"] == f"kern::{name}", layer
        assert layer["kernel_name"] == "scale_kernel" and layer["grid"] == [5, 1, 1] and layer["extras"] == [1200]


def test_refused_before_the_call_leaves_nothing_registered(kernels_site, upstream_paths):
    # QDP switched off where ptx_op looks, and an op that exists before the hub registers it.
    out = _run(kernels_site, upstream_paths, '''
        import torch_tensorrt, torch_tensorrt.kernels._ops as kops
        kops.ENABLED_FEATURES = kops.ENABLED_FEATURES._replace(qdp_plugin=False)
        off = trt_plugin_hub.load()
        print(json.dumps({"off": summary(off), "state": state()}))
    ''')
    assert out["off"]["kern::square"][:1] == ["rejected"] and out["off"]["kern::square"][2] == ["TENSORRT_NO_QDP"]
    assert out["state"]["qdp"] == [] and "square" not in out["state"]["torch"]
    taken = _run(kernels_site, upstream_paths, '''
        import torch_tensorrt

        @torch.library.custom_op("kern::square", mutates_args=())
        def mine(x: torch.Tensor) -> torch.Tensor:
            return x

        report = trt_plugin_hub.load()
        print(json.dumps({"ops": summary(report), "state": state()}))
    ''')
    assert taken["ops"]["kern::square"] == ["rejected", "aot", ["OP_ALREADY_DEFINED"]]
    assert "kern::square" not in taken["state"]["qdp"] and taken["state"]["converters"]["square"] == 0


def test_a_raising_ptx_op_is_reported_and_never_called_again(kernels_site, upstream_paths):
    out = _run(kernels_site, upstream_paths, '''
        import functools
        import torch_tensorrt, torch_tensorrt.kernels as kernels
        real, calls = kernels.ptx_op, []

        @functools.wraps(real)
        def half_way(*args, **kwargs):
            calls.append(args[0])
            raise RuntimeError("simulated failure after registration")

        kernels.ptx_op = half_way
        first = trt_plugin_hub.load()
        again = trt_plugin_hub.load(refresh=True)
        messages = {o.id: o.reasons[0].message for p in again.plugins for o in p.ops if o.reasons}
        print(json.dumps({"first": summary(first), "again": summary(again), "calls": calls,
                          "message": messages["kern::square"]}))
    ''')
    assert out["first"]["kern::square"] == ["failed", "aot", ["KERNELS_REGISTER_FAILED"]]
    assert out["again"]["kern::square"] == ["failed", "aot", ["KERNELS_REGISTER_FAILED"]]
    assert "restart" in out["message"]
    assert sorted(out["calls"]) == ["kern::axpb", "kern::square"]  # once each, across both loads
