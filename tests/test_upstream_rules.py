"""The hub's upstream rules, each checked against the real upstream sources it is read from."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from _support.upstream import Cell, RegistryUnavailable, run_in_cell

from trt_plugin_hub import _upstream

TENSORRT_MINORS = ("10.13.3", "10.14.1", "10.15.1", "10.16.1", "11.0.0", "11.1.0")
GATED_RELEASES = ("2.9.0", "2.10.0", "2.11.0", "2.12.0", "2.13.0", "2.14.0")

FEATURES_PROBE = """
import importlib, json, sys
import tensorrt
out = {}
for version in %r:
    # From 2.9, torch_tensorrt puts a proxy in sys.modules["tensorrt"]: set the version on both.
    tensorrt.__version__ = version
    setattr(sys.modules["tensorrt"], "__version__", version)
    for name in [m for m in sys.modules if m == "torch_tensorrt._features"]:
        del sys.modules[name]
    features = importlib.import_module("torch_tensorrt._features")
    out[version] = getattr(features.ENABLED_FEATURES, "qdp_plugin", None)
print("GATES " + json.dumps(out))
"""


@pytest.mark.slow
def test_qdp_gate_is_what_each_release_features_py_says():
    """Each release's own _features.py, run with each TensorRT version, decides QDP on or off."""

    def probe(release: str) -> dict[str, bool]:
        proc = run_in_cell(Cell(release, "tarball" if release == "2.9.0" else "pip"), FEATURES_PROBE % (TENSORRT_MINORS,))
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("GATES "))
        return json.loads(line[len("GATES "):])

    try:
        with ThreadPoolExecutor(2) as pool:
            verdicts = dict(zip(GATED_RELEASES, pool.map(probe, GATED_RELEASES)))
    except RegistryUnavailable as exc:
        pytest.skip(f"real upstream unavailable: {exc}")
    for release, by_trt in verdicts.items():
        for trt, qdp_on in by_trt.items():
            hub_gated = _upstream.qdp_gate(trt, release) is not None
            if release.startswith("2.10."):
                # 2.10.0 reports QDP off for every TensorRT; its gate proper is 10.14.x only.
                assert qdp_on is False
                assert hub_gated == trt.startswith("10.14."), (release, trt)
            else:
                assert hub_gated == (not qdp_on), (release, trt, qdp_on)


def test_newer_releases_keep_the_newest_gate():
    assert _upstream.qdp_gate("10.14.1", "2.15.0") is not None
    assert _upstream.qdp_gate("10.15.1", "2.15.0") is None
    assert _upstream.qdp_gate("10.14.1", "2.9.0") is None
    assert _upstream.qdp_gate(None, "2.14.0") is None


@pytest.mark.parametrize(("tensorrt", "numpy", "broken"), [
    ("11.1.0.106", "2.4.0", True),
    ("10.7.0", "2.4.6", True),
    ("11.2.1.2", "2.4.6", False),
    ("11.1.0.106", "2.3.5", False),
    ("11.1.0.106", "2.5.0rc1", True),
    ("11.1.0.106", None, False),
    (None, "2.4.0", False),
])
def test_scalar_attribute_rule_follows_numpy_and_tensorrt(tensorrt, numpy, broken):
    assert _upstream.scalar_attributes_broken(tensorrt, numpy) is broken


def test_only_int_and_float_attributes_are_scalar_ones():
    import numpy as np

    attrs = {"a": int, "b": float, "c": bool, "d": str, "e": bytes, "f": np.ndarray}
    assert _upstream.scalar_attribute_names(attrs) == ["a", "b"]


def test_aot_impl_that_skips_an_attribute_cannot_be_called_as_tensorrt_calls_it():
    def full(x, scale, outputs, tactic):
        return None

    def partial(x, outputs, tactic):
        return None

    def star(*args):
        return None

    attrs = {"scale": float}
    assert _upstream.aot_impl_call_problem(full, ["x"], attrs) is None
    assert _upstream.aot_impl_call_problem(star, ["x"], attrs) is None
    problem = _upstream.aot_impl_call_problem(partial, ["x"], attrs)
    assert problem is not None and "x, scale, outputs, tactic" in problem


def test_generator_keywords_follow_the_release_signature():
    old = ("namespace", "op_name", "overload", "capability_validator", "priority", "supports_dynamic_shapes")
    assert _upstream.generator_keywords(old, use_aot=False, requires_output_allocator=False) == {}
    with pytest.raises(TypeError):
        _upstream.generator_keywords(old, use_aot=True, requires_output_allocator=False)
    new = old + ("requires_output_allocator", "use_aot_if_available")
    assert _upstream.generator_keywords(new, use_aot=False, requires_output_allocator=True) == {
        "use_aot_if_available": False, "requires_output_allocator": True}


@pytest.mark.slow
def test_torch_pairing_is_what_each_release_metadata_pins():
    """Each Torch-TensorRT wheel's own Requires-Dist on torch: the hub flags exactly the torch it excludes."""
    import zipfile

    from _support.upstream import _requires, _torch_tensorrt_wheel
    from _support.upstream.matrix import RELEASES
    from packaging.version import Version

    for release in RELEASES:
        try:
            wheel = _torch_tensorrt_wheel(release)
        except RegistryUnavailable as exc:
            pytest.skip(f"real upstream unavailable: {exc}")
        with zipfile.ZipFile(wheel) as zf:
            metadata = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        pins = [r for r in _requires(metadata) if r.name == "torch"]
        assert pins, f"torch-tensorrt {release} pins no torch"
        major, minor = Version(release).release[:2]
        for torch in (f"{major}.{minor}.0", f"{major}.{minor}.1", f"{major}.{minor - 1}.0", f"{major}.{minor + 1}.0"):
            allowed = all(r.specifier.contains(torch, prereleases=True) for r in pins)
            flagged = _upstream.torch_pairing_problem(torch, release) is not None
            assert flagged is not allowed, (release, torch, [str(r) for r in pins])


_SHAPES = [
    "def f(a, b, c): pass", "def f(a, b=1, c=2): pass", "def f(a, /, b, *, c): pass", "def f(a, /, b, *, c=1): pass",
    "def f(*args): pass", "def f(a, *args, k=1): pass", "def f(a, *args, k): pass", "def f(**kw): pass",
    "def f(a, b, c, d, e): pass", "def f(): pass", "def f(a, b, c, *, d=1, e=2, **kw): pass",
]


@pytest.mark.parametrize("source", _SHAPES)
@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5])
def test_the_code_object_reading_agrees_with_inspect(source: str, count: int):
    import functools
    import inspect

    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102 - the test's own function shapes
    function = namespace["f"]
    try:
        inspect.signature(function).bind(*range(count))
        binds = True
    except TypeError:
        binds = False
    # The quick reading never says "binds" where inspect says it does not; for a plain function it agrees.
    assert _upstream._binds_positionally(function, count) == binds  # noqa: SLF001
    # What inspect follows instead of the code object: the quick reading defers to it.
    wrapped = functools.wraps(function)(lambda *a, **k: None)
    assert _upstream._binds_positionally(wrapped, count) is False  # noqa: SLF001
    if count >= 2:  # the tensors, then outputs and tactic: ``count`` arguments in all
        tensors = [f"x{i}" for i in range(count - 2)]
        assert (_upstream.aot_impl_call_problem(function, tensors, {}) is None) is binds
