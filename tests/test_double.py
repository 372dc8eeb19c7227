"""Tests of the TensorRT / Torch-TensorRT test doubles themselves.

Every scenario that imports the doubles runs in a fresh interpreter: the doubles keep
process-wide registries (as upstream does), and ``torch.library`` ops cannot be removed.
Scenarios print one JSON line as their last output line; the tests assert on it.
"""

from __future__ import annotations

import importlib.metadata
import json
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest

try:
    from doubles import make_double_site, run_python
except ImportError:  # tests/ imported as a package
    from tests.doubles import make_double_site, run_python

SiteFactory = Callable[..., Path]


@pytest.fixture(scope="module")
def make_site(tmp_path_factory: pytest.TempPathFactory) -> SiteFactory:
    """Build (once per configuration) a double site-packages directory."""
    cache: dict[tuple[tuple[str, Any], ...], Path] = {}

    def make(**kwargs: Any) -> Path:
        key = tuple(sorted(kwargs.items()))
        if key not in cache:
            cache[key] = make_double_site(tmp_path_factory.mktemp("site"), **kwargs)
        return cache[key]

    return make


def run_json(site: Path, code: str, **env: str) -> Any:
    proc = run_python(site, textwrap.dedent(code), extra_env=env or None)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# Shared snippet: a QDP plugin "dbl::<name>" with one tensor input and one float attribute.
TRT_PRELUDE = """
import json
from typing import Tuple, Union
import tensorrt as trt
import tensorrt.plugin as trtp
from tensorrt.plugin._lib import QDP_REGISTRY, QDP_CREATORS

def define(name, *, jit=True, aot=False, lazy=False):
    pid = "dbl::" + name
    @trtp.register(pid, lazy_register=lazy)
    def _desc(x: trtp.TensorDesc, s: float) -> Tuple[trtp.TensorDesc]:
        return x.like()
    if jit:
        @trtp.impl(pid)
        def _impl(x: trtp.Tensor, s: float, outputs: Tuple[trtp.Tensor], stream: int) -> None:
            pass
    if aot:
        @trtp.aot_impl(pid)
        def _aot(x: trtp.TensorDesc, s: float, outputs: Tuple[trtp.TensorDesc], tactic: int
                 ) -> Tuple[Union[str, bytes], Union[str, bytes], trtp.KernelLaunchParams, trtp.SymIntExprs]:
            return "k", "ptx", trtp.KernelLaunchParams(), trtp.SymIntExprs(0)
    return getattr(getattr(trtp.op, "dbl"), name)

def raises(exc, fn, *a, **k):
    try:
        fn(*a, **k)
    except exc as e:
        return type(e).__name__
    return None
"""


# ---------------------------------------------------------------------------------------------
# Generator and metadata (in-process: nothing is imported from the site)
# ---------------------------------------------------------------------------------------------


def test_generated_metadata_is_readable(tmp_path: Path) -> None:
    site = make_double_site(tmp_path, tensorrt_version="10.9.0.34", tensorrt_dist="tensorrt-cu12")
    versions = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions(path=[str(site)])}
    assert versions == {"tensorrt-cu12": "10.9.0.34", "torch_tensorrt": "2.9.0"}
    assert (site / "tensorrt_cu12-10.9.0.34.dist-info" / "INSTALLER").is_file()
    assert (site / "tensorrt" / "plugin" / "_lib.py").is_file()

    # Regenerating replaces the earlier versions instead of leaving two dist-infos around.
    make_double_site(tmp_path, tensorrt_version="10.5.0.18", torch_tensorrt_version=None)
    versions = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions(path=[str(site)])}
    assert versions == {"tensorrt-cu12": "10.5.0.18"}
    assert not (site / "torch_tensorrt").exists()
    assert not (site / "tensorrt" / "plugin").exists()


def test_metadata_and_feature_probes_in_subprocess(make_site: SiteFactory) -> None:
    new = make_site(torch_tensorrt_version=None)
    old = make_site(tensorrt_version="10.8.0.43", torch_tensorrt_version=None)
    rtx = make_site(rtx=True, torch_tensorrt_version=None)
    probe = """
        import importlib.metadata, importlib.util, json
        import tensorrt
        print(json.dumps({
            "dist": importlib.metadata.version("tensorrt-cu12"),
            "version": tensorrt.__version__,
            "plugin": importlib.util.find_spec("tensorrt.plugin") is not None,
            "aot_probe": hasattr(tensorrt, "QuickPluginCreationRequest"),
            "ttrt": importlib.util.find_spec("torch_tensorrt") is not None,
        }))
    """
    assert run_json(new, probe) == {
        "dist": "10.13.3.9", "version": "10.13.3.9", "plugin": True, "aot_probe": True, "ttrt": False,
    }
    assert run_json(old, probe) == {
        "dist": "10.8.0.43", "version": "10.8.0.43", "plugin": True, "aot_probe": False, "ttrt": False,
    }
    assert run_json(rtx, probe)["plugin"] is False


# ---------------------------------------------------------------------------------------------
# tensorrt.plugin (no torch needed: fast)
# ---------------------------------------------------------------------------------------------


def test_duplicate_register_raises_and_changes_nothing(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
before = define("dup")
creators_before = list(trt.get_plugin_registry().all_creators)
err = None
try:
    @trtp.register("dbl::dup")
    def other(a: trtp.TensorDesc, b: trtp.TensorDesc) -> trtp.TensorDesc:
        return a.like()
except ValueError as e:
    err = str(e)
print(json.dumps({
    "err": err,
    "same_def": QDP_REGISTRY["dbl::dup"] is before and trtp.op.dbl.dup is before,
    "tensors": before.input_tensor_names,
    "creators_same": trt.get_plugin_registry().all_creators == creators_before,
    "n_registry": len(QDP_REGISTRY),
}))
""")
    assert out["err"] and "dup" in out["err"]
    assert out["same_def"] and out["creators_same"]
    assert out["tensors"] == ["x"] and out["n_registry"] == 1


def test_register_validation_rules(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
import numpy as np, numpy.typing as npt
T = trtp.TensorDesc
def reg(pid, fn):
    trtp.register(pid)(fn)
cases = {}
for ns in ["", "trt", "tensorrt", "std"]:
    def f(x: T) -> T: ...
    cases["reserved ns " + repr(ns)] = raises(ValueError, reg, ns + "::p", f)
def f(x: T) -> T: ...
cases["dot in ns"] = raises(ValueError, reg, "a.b::p", f)
cases["dot in name"] = raises(ValueError, reg, "ab::p.q", f)
for attr in ["outputs", "stream", "tactic"]:
    src = f"def g(x: T, {attr}: int) -> T: ..."
    scope = {"T": T}; exec(src, scope)
    cases["reserved attr " + attr] = raises(ValueError, reg, "ok::r_" + attr, scope["g"])
def g(x: T, s: float = 1.0) -> T: ...
cases["default value"] = raises(ValueError, reg, "ok::default", g)
def g(s: float, x: T) -> T: ...
cases["tensor not first"] = raises(ValueError, reg, "ok::order", g)
def g(x: T, s: float, y: T) -> T: ...
cases["interspersed"] = raises(ValueError, reg, "ok::mixed", g)
def g(x: T, s: list) -> T: ...
cases["list attr"] = raises(ValueError, reg, "ok::list", g)
def g(x: T, s) -> T: ...
cases["no annotation"] = raises(ValueError, reg, "ok::noann", g)
def g(x: T, a: int, b: float, c: str, d: bool, e: bytes, f: npt.NDArray[np.float32]) -> Tuple[T, T]: ...
cases["all types ok"] = raises(ValueError, reg, "ok::types", g)
print(json.dumps({"cases": cases, "types_attrs": list(trtp.op.ok.types.input_attrs),
                  "types_outputs": trtp.op.ok.types.num_outputs, "registry": sorted(QDP_REGISTRY)}))
""")
    cases = out["cases"]
    assert cases.pop("all types ok") is None
    assert all(v == "ValueError" for v in cases.values()), cases
    assert out["types_attrs"] == ["a", "b", "c", "d", "e", "f"] and out["types_outputs"] == 2
    assert out["registry"] == ["ok::types"]


def test_impl_overwrites_and_unregistered_ids_raise(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
d = define("ow", aot=True)
first_impl, first_aot = d.impl_func, d.aot_impl_func
@trtp.impl("dbl::ow")
def impl2(x, s, outputs, stream, tactic): pass
@trtp.aot_impl("dbl::ow")
def aot2(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc], tactic: int
         ) -> Tuple[str, bytes, trtp.KernelLaunchParams, trtp.SymIntExprs]: ...
def deco(which):
    def f(*a): pass
    getattr(trtp, which)("dbl::missing")(f)
print(json.dumps({
    "impl_replaced": d.impl_func is impl2 and d.impl_func is not first_impl,
    "aot_replaced": d.aot_impl_func is aot2 and d.aot_impl_func is not first_aot,
    "tactic": d.expects_tactic,
    "aot_attrs": d.aot_impl_attr_names,
    "unregistered": {w: raises(ValueError, deco, w) for w in ["impl", "aot_impl", "autotune"]},
}))
""")
    assert out["impl_replaced"] and out["aot_replaced"] and out["tactic"] is True
    assert out["aot_attrs"] == []
    assert out["unregistered"] == {"impl": "ValueError", "aot_impl": "ValueError", "autotune": "ValueError"}


def test_creators_and_lazy_registration(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
reg = trt.get_plugin_registry()
class CppCreator(trt.IPluginCreatorV3One):
    def __init__(self):
        trt.IPluginCreatorV3One.__init__(self)
        self.name, self.plugin_version, self.plugin_namespace = "pre", "1", "dbl"
cpp = CppCreator()
reg.register_creator(cpp, "dbl")
define("eager")
lazy = define("lazy", lazy=True)
define("pre")
lazy_before = reg.get_creator("lazy", "1", "dbl")
net = trt.INetworkDefinition()
x = net.add_input("x", trt.float32, (4,))
layer = net.add_plugin(lazy(x, s=1.0), aot=False)
eager = reg.get_creator("eager", "1", "dbl")
print(json.dumps({
    "eager": [eager.name, eager.plugin_version, eager.plugin_namespace],
    "lazy_before": lazy_before is not None,
    "lazy_after": reg.get_creator("lazy", "1", "dbl") is not None,
    "cpp_kept": reg.get_creator("pre", "1", "dbl") is cpp,
    "creator_keys": sorted(QDP_CREATORS),
    "layer": [layer.plugin_id, layer.aot, layer.attrs],
}))
""")
    assert out["eager"] == ["eager", "1", "dbl"]
    assert out["lazy_before"] is False and out["lazy_after"] is True
    assert out["cpp_kept"] is True
    assert out["creator_keys"] == ["dbl::eager", "dbl::lazy", "dbl::pre"]
    assert out["layer"] == ["dbl::lazy", False, {"s": 1.0}]


def test_add_plugin_is_strict(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
jit_only = define("jit_only")
aot_only = define("aot_only", jit=False, aot=True)
both = define("both", aot=True)
net = trt.INetworkDefinition()
x = net.add_input("x", trt.float32, (4,))
F = trt.NetworkDefinitionCreationFlag
prefer_jit = trt.INetworkDefinition(1 << int(F.PREFER_JIT_PYTHON_PLUGINS))
def add(n, d, **kw):
    return n.add_plugin(d(x, s=2.0), **kw)
out = {
    "aot_missing": raises(ValueError, add, net, jit_only, aot=True),
    "jit_missing": raises(ValueError, add, net, aot_only, aot=False),
    "both_no_flag": raises(ValueError, add, net, both),
    "only_aot_no_flag": add(net, aot_only).aot,
    "only_jit_no_flag": add(net, jit_only).aot,
    "both_strict_aot": add(net, both, aot=True).aot,
    "both_prefer_jit": add(prefer_jit, both).aot,
    "none_is_false": add(net, both, aot=None).aot,
    "bad_attr_type": raises(ValueError, both, x, s=2),
    "missing_attr": raises(ValueError, both, x),
    "not_itensor": raises(ValueError, both, object(), s=2.0),
}
layer = net.plugin_layers[0]
out["layer"] = [layer.plugin_id, layer.aot, layer.attrs, layer.inputs[0].name, layer.num_outputs]
out["n_layers"] = net.num_layers
print(json.dumps(out))
""")
    assert out["aot_missing"] == out["jit_missing"] == out["both_no_flag"] == "ValueError"
    assert out["only_aot_no_flag"] is True and out["only_jit_no_flag"] is False
    assert out["both_strict_aot"] is True and out["both_prefer_jit"] is False
    assert out["none_is_false"] is False
    assert out["bad_attr_type"] == out["missing_attr"] == out["not_itensor"] == "ValueError"
    assert out["layer"] == ["dbl::aot_only", True, {"s": 2.0}, "x", 1]
    assert out["n_layers"] == 4


def test_tensorrt_10_8_has_no_aot(make_site: SiteFactory) -> None:
    site = make_site(tensorrt_version="10.8.0.43", torch_tensorrt_version=None)
    out = run_json(site, TRT_PRELUDE + """
d = define("old")
net = trt.INetworkDefinition()
x = net.add_input("x", trt.float32, (4,))
print(json.dumps({
    "probe": hasattr(trt, "QuickPluginCreationRequest"),
    "aot_impl": hasattr(trtp, "aot_impl"),
    "klp": hasattr(trtp, "KernelLaunchParams"),
    "aot_field": hasattr(d, "aot_impl_func"),
    "aot_kwarg": raises(TypeError, net.add_plugin, d(x, s=1.0), aot=False),
    "plain": net.add_plugin(d(x, s=1.0)).aot,
    "creator_keys": sorted(QDP_CREATORS),
}))
""")
    assert out == {
        "probe": False, "aot_impl": False, "klp": False, "aot_field": False,
        "aot_kwarg": "TypeError", "plain": False, "creator_keys": ["old::dbl"],
    }


# ---------------------------------------------------------------------------------------------
# torch_tensorrt (each scenario imports torch: ~1-3 s)
# ---------------------------------------------------------------------------------------------

TORCH_PRELUDE = """
import torch
@torch.library.custom_op("dbl::scale", mutates_args=())
def scale(x: torch.Tensor, s: float = 2.0) -> torch.Tensor:
    return x * s
@scale.register_fake
def _(x, s=2.0):
    return torch.empty_like(x)
@torch.library.custom_op("dbl::shift", mutates_args=())
def shift(x: torch.Tensor, s: float = 1.0) -> torch.Tensor:
    return x + s
@shift.register_fake
def _(x, s=1.0):
    return torch.empty_like(x)
"""


def test_aot_chosen_at_generation_and_compile_makes_plugin_layers(make_site: SiteFactory) -> None:
    site = make_site()
    out = run_json(site, "import torch_tensorrt\n" + TRT_PRELUDE + TORCH_PRELUDE + """
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
define("scale")                      # JIT only at generation time
conv_scale = _generate_plugin_converter("dbl", "scale")
@trtp.aot_impl("dbl::scale")         # added too late: must not switch the converter to AOT
def late(x: trtp.TensorDesc, s: float, outputs: Tuple[trtp.TensorDesc], tactic: int
         ) -> Tuple[str, str, trtp.KernelLaunchParams, trtp.SymIntExprs]: ...
define("shift", aot=True)            # AOT available at generation time
conv_shift = _generate_plugin_converter("dbl", "shift")

class M(torch.nn.Module):
    def forward(self, x):
        return torch.ops.dbl.shift(torch.ops.dbl.scale(x, 3.0) + 1.0, 0.5)

res = torch_tensorrt.dynamo.compile(M(), inputs=[torch.randn(2, 3)])
print(json.dumps({
    "decided": [conv_scale._double_use_aot, conv_shift._double_use_aot],
    "layers": [[l.plugin_id, l.aot, l.attrs] for l in res.plugin_layers],
    "fallback": [str(t) for t in res.fallback_targets],
    "counts": [len(DYNAMO_ATEN_CONVERTERS[torch.ops.dbl.scale.default]),
               len(DYNAMO_ATEN_CONVERTERS[torch.ops.dbl.shift.default])],
    "eager_ok": bool(torch.allclose(res(torch.ones(2, 3)), torch.full((2, 3), 4.5))),
}))
""")
    assert out["decided"] == [False, True]
    assert out["layers"] == [["dbl::scale", False, {"s": 3.0}], ["dbl::shift", True, {"s": 0.5}]]
    assert out["fallback"] == ["aten.add.Tensor"]
    assert out["counts"] == [1, 1]  # each overload registered exactly once
    assert out["eager_ok"] is True


def test_registry_priority_order_and_no_dedup(make_site: SiteFactory) -> None:
    site = make_site()
    out = run_json(site, """
import sys
import torch_tensorrt                       # first import of the process: check upstream's order
mods = list(sys.modules)
torch_first = mods.index("torch") < mods.index("tensorrt")
import json, torch
from torch_tensorrt.dynamo.conversion._ConverterRegistry import (
    DYNAMO_ATEN_CONVERTERS, DYNAMO_CONVERTERS, ConverterPriority, dynamo_tensorrt_converter,
    _DOUBLE_REGISTRATION_LOG)
key = torch.ops.aten.relu.default
def std(ctx, target, args, kwargs, name): return "std"
def high(ctx, target, args, kwargs, name): return "high"
dynamo_tensorrt_converter(key)(std)
dynamo_tensorrt_converter(key)(std)                      # same function again: kept twice
dynamo_tensorrt_converter(key, priority=ConverterPriority.HIGH,
                          capability_validator=lambda node, settings: node.name == "wanted")(high)
g = torch.fx.Graph()
x = g.placeholder("x")
wanted = g.call_function(key, (x,)); wanted.name = "wanted"
other = g.call_function(key, (x,)); other.name = "other"
print(json.dumps({
    "torch_first": torch_first,
    "members": [m.name for m in ConverterPriority],
    "order": [c.converter_implementation.__name__ for c in DYNAMO_ATEN_CONVERTERS[key]],
    "in": key in DYNAMO_CONVERTERS,
    "not_in": torch.ops.aten.sin.default in DYNAMO_CONVERTERS,
    "pick_wanted": DYNAMO_CONVERTERS[wanted][0].__name__,
    "pick_other": DYNAMO_CONVERTERS[other][0].__name__,
    "log": len(_DOUBLE_REGISTRATION_LOG),
    "no_unregister": [hasattr(DYNAMO_CONVERTERS, n) for n in ("unregister", "remove", "pop")],
}))
""")
    assert out["torch_first"] is True
    assert out["members"] == ["STANDARD", "HIGH"]
    assert out["order"] == ["high", "std", "std"]
    assert out["in"] is True and out["not_in"] is False
    assert out["pick_wanted"] == "high" and out["pick_other"] == "std"
    assert out["log"] == 3 and out["no_unregister"] == [False, False, False]


def test_torch_tensorrt_2_7_rejects_use_aot_kwarg_and_imports_without_driver(make_site: SiteFactory) -> None:
    site = make_site(tensorrt_version="10.9.0.34", torch_tensorrt_version="2.7.0")
    # 2.7 has no import-time device query, so a host without a driver imports fine.
    out = run_json(site, TRT_PRELUDE + TORCH_PRELUDE + """
import torch_tensorrt
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
define("scale", aot=True)
err = raises(TypeError, _generate_plugin_converter, "dbl", "scale", use_aot_if_available=True)
conv = _generate_plugin_converter("dbl", "scale", requires_output_allocator=False)
print(json.dumps({"err": err, "has_qdp_field": hasattr(torch_tensorrt.ENABLED_FEATURES, "qdp_plugin"),
                  "decided": conv._double_use_aot}))
""", TRT_DOUBLE_NO_DRIVER="1")
    assert out == {"err": "TypeError", "has_qdp_field": False, "decided": False}


def test_torch_tensorrt_2_6_rejects_requires_output_allocator(make_site: SiteFactory) -> None:
    site = make_site(tensorrt_version="10.7.0.23", torch_tensorrt_version="2.6.0")
    out = run_json(site, TRT_PRELUDE + TORCH_PRELUDE + """
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
from torch_tensorrt.dynamo.conversion._ConverterRegistry import dynamo_tensorrt_converter
define("scale")
print(json.dumps({
    "gen": raises(TypeError, _generate_plugin_converter, "dbl", "scale", requires_output_allocator=True),
    "deco": raises(TypeError, dynamo_tensorrt_converter, torch.ops.dbl.scale.default, requires_output_allocator=True),
}))
""")
    assert out == {"gen": "TypeError", "deco": "TypeError"}


def test_feature_gate_off_on_2_10_private_function_still_works(make_site: SiteFactory) -> None:
    site = make_site(tensorrt_version="10.14.1.48", torch_tensorrt_version="2.10.0")
    out = run_json(site, TRT_PRELUDE + TORCH_PRELUDE + """
import torch_tensorrt
from torch_tensorrt.dynamo.conversion import plugins
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
define("scale")
import types
print(json.dumps({
    "qdp": torch_tensorrt.ENABLED_FEATURES.qdp_plugin,
    "attr_is_module": isinstance(plugins._generate_plugin_converter, types.ModuleType),
    "public": raises(NotImplementedError, plugins.generate_plugin_converter, "dbl::scale"),
    "private": callable(_generate_plugin_converter("dbl", "scale")),
}))
""")
    assert out == {"qdp": False, "attr_is_module": True, "public": "NotImplementedError", "private": True}


def test_import_fails_without_driver_from_2_8(make_site: SiteFactory) -> None:
    site = make_site(torch_tensorrt_version="2.8.0", tensorrt_version="10.12.0.36")
    out = run_json(site, """
import json
try:
    import torch_tensorrt
    err = None
except RuntimeError as e:
    err = str(e)
print(json.dumps({"err": err}))
""", TRT_DOUBLE_NO_DRIVER="1")
    assert out["err"] and "NVIDIA driver" in out["err"]


def test_private_function_needs_tensorrt_plugin_module(make_site: SiteFactory) -> None:
    site = make_site(rtx=True)
    out = run_json(site, """
import json, torch_tensorrt
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
try:
    _generate_plugin_converter("dbl", "scale")
    err = None
except RuntimeError as e:
    err = str(e)
print(json.dumps({"err": err, "qdp": torch_tensorrt.ENABLED_FEATURES.qdp_plugin}))
""")
    assert "10.7.0 or higher" in out["err"] and out["qdp"] is False


def test_torch_tensorrt_2_8_on_tensorrt_10_8_cannot_convert(make_site: SiteFactory) -> None:
    """Every 2.8+ converter needs TensorRT >= 10.9: the AOT probe reads a field 10.8 lacks, and
    even a JIT converter passes ``aot=`` to ``add_plugin``."""
    site = make_site(tensorrt_version="10.8.0.43", torch_tensorrt_version="2.8.0")
    out = run_json(site, TRT_PRELUDE + TORCH_PRELUDE + """
from torch_tensorrt.dynamo.conversion import ConversionContext
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
define("scale")
probe = raises(AttributeError, _generate_plugin_converter, "dbl", "scale")
conv = _generate_plugin_converter("dbl", "scale", use_aot_if_available=False)
net = trt.INetworkDefinition()
x = net.add_input("x", trt.float32, (2,))
print(json.dumps({"probe": probe,
                  "convert": raises(TypeError, conv, ConversionContext(net), None, (x, 2.0), {}, "n")}))
""")
    assert out == {"probe": "AttributeError", "convert": "TypeError"}


ATTRS_SCENARIO = TRT_PRELUDE + """
import torch
from torch_tensorrt.dynamo.conversion import ConversionContext
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter

def op_and_plugin(name, schema_defaults):
    params = ", ".join(f"{n}: {t}" + (f" = {d}" if d is not None else "") for n, t, d in schema_defaults)
    scope = {"torch": torch}
    exec(f"def f(x: torch.Tensor, {params}) -> torch.Tensor:\\n    return x.clone()", scope)
    torch.library.custom_op("dbl::" + name, mutates_args=())(scope["f"])
    exec(f"def d(x: trtp.TensorDesc, a: float, b: int) -> trtp.TensorDesc:\\n    return x.like()", globals(), scope)
    trtp.register("dbl::" + name)(scope["d"])
    @trtp.impl("dbl::" + name)
    def _impl(x, a, b, outputs, stream): pass
    return _generate_plugin_converter("dbl", name)

def convert(conv):
    net = trt.INetworkDefinition()
    x = net.add_input("x", trt.float32, (2,))
    try:
        return conv(ConversionContext(net), None, (x, 3.0, 4), {}, "n") and net.plugin_layers[0].attrs
    except ValueError as e:
        return "ValueError"

print(json.dumps({
    "all_defaults": convert(op_and_plugin("all", [("a", "float", 1.0), ("b", "int", 2)])),
    "no_defaults": convert(op_and_plugin("none", [("a", "float", None), ("b", "int", None)])),
    "mixed": convert(op_and_plugin("mixed", [("a", "float", None), ("b", "int", 2)])),
}))
"""


@pytest.mark.parametrize(
    ("version", "trt_version", "expected"),
    [
        # 2.7-2.9 keep only schema arguments that have a default.
        ("2.9.0", "10.13.3.9", {"all_defaults": {"a": 3.0, "b": 4}, "no_defaults": "ValueError", "mixed": "ValueError"}),
        # 2.10+ append non-default attributes after the defaulted ones (order check fails).
        ("2.10.0", "10.14.1.48", {"all_defaults": {"a": 3.0, "b": 4}, "no_defaults": {"a": 3.0, "b": 4}, "mixed": "ValueError"}),
    ],
)
def test_converter_attribute_assembly_by_release(
    make_site: SiteFactory, version: str, trt_version: str, expected: dict[str, Any]
) -> None:
    site = make_site(torch_tensorrt_version=version, tensorrt_version=trt_version)
    assert run_json(site, ATTRS_SCENARIO) == expected
