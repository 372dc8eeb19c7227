"""End to end: pip-installed plugin wheels activate at `import torch_tensorrt`, once, in both orders.

TensorRT's and Torch-TensorRT's Python layers are the real upstream ones (the ``upstream_paths``
fixture: Torch-TensorRT 2.14.0 as pip installs it, TensorRT 11.1 with a stand-in for its compiled
module). Each op is converted the way Torch-TensorRT's interpreter does and, for AOT ops, driven
the way TensorRT's builder calls the plugin (``tests/_support/upstream/drive.py``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from _support.dists import (
    DRIVE,
    RELU_PTX,
    build_wheel,
    jit_op,
    manifest,
    pip_install,
    qdp_module,
    relu_ptx,
    run_python,
    write_plugin_source,
)

TARGET = "sm_90, driver=580"



def _alpha(root: Path) -> Path:
    files, ptx = relu_ptx()
    ops = [
        jit_op("alpha::twice", "alpha_ops.qdp", supports_dynamic_shapes=True),
        {"id": "alpha::relu", "kind": "aot", "module": "alpha_ops.qdp", "priority": "high", "ptx": ptx,
         "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}},
    ]
    return write_plugin_source(root / "alpha", "alpha-ops", "alpha_ops", manifest("alpha-ops", ops),
                               {"qdp": qdp_module(["alpha::twice", "alpha::relu"], aot=["alpha::relu"])},
                               extra_files=files)


def _beta(root: Path) -> Path:
    # Its module imports torch_tensorrt itself: activation must not recurse.
    source = "import torch_tensorrt\n" + qdp_module(["beta::neg"])
    return write_plugin_source(root / "beta", "beta-ops", "beta_ops",
                               manifest("beta-ops", [jit_op("beta::neg", "beta_ops.qdp")]), {"qdp": source})


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugins")
    wheels = [build_wheel(_alpha(root), root / "dist"), build_wheel(_beta(root), root / "dist")]
    site = root / "site"
    pip_install(wheels, site)
    return site


@pytest.fixture(scope="module")
def backend(upstream_paths: list[Path]) -> list[Path]:
    """The real Torch-TensorRT / TensorRT Python layers, after the plugin site on ``sys.path``."""
    return list(upstream_paths)


REPORT = """
import json, torch, trt_plugin_hub
from tensorrt.plugin._lib import QDP_REGISTRY
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS
import trt_plugin_hub._pipeline as L
report = L.loaded_report()
def count(ns, name):
    return len(DYNAMO_ATEN_CONVERTERS.get(getattr(getattr(torch.ops, ns), name).default, []))
out = {
    "autoloaded": report is not None,
    "statuses": {p.name: p.status for p in (report.plugins if report else [])},
    "ops": {o.id: [o.status, o.mode] for p in (report.plugins if report else []) for o in p.ops},
    "qdp": sorted(k for k in QDP_REGISTRY if k.split("::")[0] in ("alpha", "beta")),
}
if report:
    out["counts"] = {i: count(*i.split("::")) for i in ["alpha::twice", "alpha::relu", "beta::neg"]}
"""


def _run(paths, code, **env):
    return run_python(code, paths=paths, env={"TRT_PLUGIN_HUB_TARGET": TARGET, **env})


def _json(proc) -> dict:
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("order", ["import torch_tensorrt", "import torch\nimport torch_tensorrt"])
def test_plain_import_activates_every_compatible_plugin_once(plugin_site, backend, order):
    code = order + "\nimport torch_tensorrt as _t\nassert _t.__version__\n" + REPORT + "print(json.dumps(out))"
    out = _json(_run([plugin_site, *backend], code))
    assert out["autoloaded"], out
    assert out["statuses"] == {"alpha-ops": "active", "beta-ops": "active"}
    assert out["ops"] == {"alpha::twice": ["active", "jit"], "alpha::relu": ["active", "aot"],
                          "beta::neg": ["active", "jit"]}
    assert out["counts"] == {"alpha::twice": 1, "alpha::relu": 1, "beta::neg": 1}


@pytest.fixture(scope="module")
def converted(plugin_site, backend) -> dict:
    # What torch_tensorrt.dynamo.compile does per node, without a GPU: upstream's registry picks the
    # converter, the converter adds the plugin layer, TensorRT's builder asks the AOT plugin for its kernel.
    code = """
import json, torch, torch_tensorrt, trt_plugin_hub.aot as aot
from drive import convert
out = {}
for op in ("alpha.twice", "beta.neg", "alpha.relu"):
    ns, name = op.split(".")
    out[op] = convert(getattr(getattr(torch.ops, ns), name).default, [(4, 300)])
k = aot.packaged_kernel("alpha::relu")
out["packaged"] = {"arch": k.arch, "kernel": k.kernel_name, "head": k.ptx.decode().splitlines()[1]}
print(json.dumps(out))
"""
    return _json(_run([plugin_site, DRIVE, *backend], code))


def test_converted_plugin_ops_become_plugin_layers_jit_or_aot_as_declared(converted):
    for op, plugin_id in (("alpha.twice", "alpha::twice"), ("beta.neg", "beta::neg"), ("alpha.relu", "alpha::relu")):
        assert converted[op]["ok"], converted[op]
        assert converted[op]["plugin"] == plugin_id and converted[op]["plugin_layers"] == 1
        assert converted[op]["converter_module"].endswith("_generate_plugin_converter")
    assert [converted[op]["kind"] for op in ("alpha.twice", "beta.neg", "alpha.relu")] == ["jit", "jit", "aot"]


def test_aot_op_gets_the_verified_ptx_for_the_gpu(converted):
    assert converted["packaged"] == {"arch": "sm_90a", "kernel": "relu_kernel", "head": ".target sm_90a"}
    relu = converted["alpha.relu"]
    # What TensorRT's builder receives is exactly the sm_90a file the hub chose for an sm_90 GPU.
    expected = RELU_PTX.format(arch="sm_90a").encode()
    assert relu["kernel_name"] == "relu_kernel" and relu["ptx_sha256"] == hashlib.sha256(expected).hexdigest()
    # The manifest's launch section: grid = cdiv(numel, 1024), 128 threads, numel as the one extra.
    assert relu["grid"] == [2, 1, 1] and relu["block"] == [128, 1, 1]
    assert relu["extras"] == [1200] and relu["extra_dtypes"] == ["INT32"]


def test_autoload_off_activates_nothing_until_load_is_called(plugin_site, backend):
    code = "import torch_tensorrt\n" + REPORT + """
before = out
r1 = trt_plugin_hub.load()
r2 = trt_plugin_hub.load()
exec(compile(open(__file__).read() if False else "", "x", "exec"))
print(json.dumps({"before": before["autoloaded"], "same": r1 is r2, "active": sorted(r1.active_ops),
                  "counts": {i: count(*i.split("::")) for i in ["alpha::twice", "alpha::relu", "beta::neg"]}}))
"""
    out = _json(_run([plugin_site, *backend], code, TRT_PLUGIN_HUB_AUTOLOAD="0"))
    assert out["before"] is False
    assert out["same"] is True
    assert out["active"] == ["alpha::relu", "alpha::twice", "beta::neg"]
    assert out["counts"] == {"alpha::twice": 1, "alpha::relu": 1, "beta::neg": 1}


def test_refresh_registers_nothing_twice(plugin_site, backend):
    code = "import torch_tensorrt\n" + REPORT + """
r = trt_plugin_hub.load(refresh=True)
notes = sorted({reason.code for p in r.plugins for o in p.ops for reason in o.reasons})
print(json.dumps({"counts": {i: count(*i.split("::")) for i in ["alpha::twice", "alpha::relu", "beta::neg"]},
                  "notes": notes}))
"""
    out = _json(_run([plugin_site, *backend], code))
    assert out["counts"] == {"alpha::twice": 1, "alpha::relu": 1, "beta::neg": 1}
    assert "ALREADY_REGISTERED" in out["notes"]


def test_without_tensorrt_nothing_activates_and_import_torch_still_works(plugin_site):
    code = "import torch, trt_plugin_hub\nr = trt_plugin_hub.load()\n" \
           "print(json.dumps({p.name: [p.status, [x.code for x in p.reasons]] for p in r.plugins}))"
    out = _json(run_python("import json\n" + code, paths=[plugin_site]))
    assert out["alpha-ops"][0] == "rejected" and "TENSORRT_MISSING" in out["alpha-ops"][1]
    assert out["beta-ops"][0] == "rejected"


def test_driverless_host_keeps_torch_importable_when_torch_tensorrt_cannot_import(plugin_site, backend, tmp_path):
    # Without the test's torch.cuda patches (an empty sitecustomize shadows them) and with no GPU
    # visible, the real torch_tensorrt fails to import, as it does on any host without a driver.
    unpatched = tmp_path / "unpatched"
    unpatched.mkdir()
    (unpatched / "sitecustomize.py").write_text("", encoding="utf-8")
    code = """
import sys, torch
try:
    import torch_tensorrt
    print("torch_tensorrt imported")
except Exception as exc:
    print("torch_tensorrt refused:", type(exc).__name__)
import trt_plugin_hub._pipeline as L
print("loaded:", L.loaded_report() is not None)
print("torch works:", torch.ones(3).sum().item() == 3.0)
print("plugin code ran:", any(m.startswith(("alpha_ops", "beta_ops")) for m in sys.modules))
"""
    proc = _run([plugin_site, unpatched, *backend], code, CUDA_VISIBLE_DEVICES="")
    assert "torch_tensorrt refused" in proc.stdout, proc.stdout + proc.stderr
    assert "loaded: False" in proc.stdout and "torch works: True" in proc.stdout
    assert "plugin code ran: False" in proc.stdout
