"""The upstream boundary's calls: the debugging checks, the QDP registry and the runtime versions, where
upstream's state cannot be read (the real upstream layers are exercised by the integration tests).
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from types import SimpleNamespace

import pytest

from trt_plugin_hub import _adapter


def _unreadable(*args: object) -> object:
    raise RuntimeError("no TensorRT here")


def test_debugging_checks_are_the_upstream_page_s_three_in_order(monkeypatch: pytest.MonkeyPatch):
    definition = object()
    monkeypatch.setattr(_adapter, "qdp_registry", lambda: {"acme::add": definition})
    monkeypatch.setattr(_adapter, "torch_overload", lambda ns, name, overload: ("overload", ns, name, overload))
    monkeypatch.setattr(_adapter, "converter_registered", lambda overload: True)
    monkeypatch.setattr(_adapter, "converter_candidates", lambda overload: 2)
    first, second, third = _adapter.debugging_checks("acme", "add", "default", validator="acme_ops.qdp:ok")
    assert first.as_check().to_dict() == {"name": "1. acme::add in QDP_REGISTRY", "passed": True,
                                          "detail": "tensorrt.plugin._lib.QDP_REGISTRY"}
    assert first.found is definition and first.error is None
    assert second.as_check().to_dict() == {"name": "2. torch.ops.acme.add.default in DYNAMO_CONVERTERS",
                                           "passed": True, "detail": "2 converter candidate(s)"}
    assert second.found == ("overload", "acme", "add", "default")
    assert third.as_check().to_dict() == {
        "name": "3. capability validator of acme::add", "passed": True,
        "detail": "acme_ops.qdp:ok resolves to a callable; it runs per node at compile time (see a dryrun report)"}
    _, _, none_declared = _adapter.debugging_checks("acme", "add", "default")
    assert none_declared.detail == "none declared: every node is accepted"


def test_a_missing_definition_or_converter_fails_its_check(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_adapter, "qdp_registry", dict)
    monkeypatch.setattr(_adapter, "torch_overload", lambda ns, name, overload: object())
    monkeypatch.setattr(_adapter, "converter_registered", lambda overload: False)
    monkeypatch.setattr(_adapter, "converter_candidates", lambda overload: 0)
    registry, converter, _ = _adapter.debugging_checks("acme", "add", "default")
    assert (registry.passed, registry.found, registry.error) == (False, None, None)
    assert (converter.passed, converter.detail) == (False, "0 converter candidate(s)")


def test_upstream_state_that_cannot_be_read_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_adapter, "qdp_registry", _unreadable)
    monkeypatch.setattr(_adapter, "torch_overload", _unreadable)
    registry, converter, validator = _adapter.debugging_checks("acme", "add", "default")
    assert registry.as_check().to_dict() == {"name": "1. acme::add in QDP_REGISTRY", "passed": None,
                                             "detail": "cannot read: no TensorRT here"}
    assert isinstance(registry.error, RuntimeError)
    assert converter.as_check().to_dict() == {"name": "2. torch.ops.acme.add.default in DYNAMO_CONVERTERS",
                                              "passed": None, "detail": "no TensorRT here"}
    assert isinstance(converter.error, RuntimeError)
    assert validator.passed is True
    assert _adapter.qdp_ids() is None
    assert _adapter.plugin_def_or_none("acme::add") is None


def test_qdp_ids_and_plugin_def_read_the_registry(monkeypatch: pytest.MonkeyPatch):
    definition = object()
    monkeypatch.setattr(_adapter, "qdp_registry", lambda: {"acme::add": definition, "acme::mul": object()})
    assert _adapter.qdp_ids() == {"acme::add", "acme::mul"}
    assert _adapter.plugin_def_or_none("acme::add") is definition
    assert _adapter.plugin_def_or_none("acme::sub") is None


def test_runtime_versions_are_those_of_the_imported_modules(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "tensorrt", SimpleNamespace(__version__="10.13.3.9"))
    monkeypatch.setitem(sys.modules, "numpy", SimpleNamespace(__version__="2.4.0"))
    assert _adapter.runtime_versions() == ("10.13.3.9", "2.4.0")
    monkeypatch.delitem(sys.modules, "tensorrt")
    monkeypatch.setitem(sys.modules, "numpy", SimpleNamespace())
    assert _adapter.runtime_versions() == (None, None)


def test_qdp_switch_is_read_once_per_process_even_when_it_cannot_be_read(monkeypatch: pytest.MonkeyPatch):
    calls = []

    def read() -> str | None:
        calls.append(1)
        raise ImportError("no torch_tensorrt")

    monkeypatch.setattr(_adapter, "_QDP_SWITCH", [])
    monkeypatch.setattr(_adapter, "_read_qdp_switch", read)
    assert _adapter.qdp_switched_off() is None
    assert _adapter.qdp_switched_off() is None
    assert calls == [1]


CONVERTER_LOOKUP = """
import json
import torch
import _hub_test_cpu  # the upstream harness's torch.cuda patches
import torch_tensorrt
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_CONVERTERS, dynamo_tensorrt_converter
from trt_plugin_hub import _adapter

@torch.library.custom_op("lookup::op", mutates_args=())
def op(x: torch.Tensor) -> torch.Tensor:
    return x.clone()

candidates = [torch.ops.aten.relu.default, torch.ops.aten.add.Tensor, torch.ops.lookup.op.default]
states = []
def record():
    states.append([[_adapter.converter_registered(c), c in DYNAMO_CONVERTERS] for c in candidates])
record()
dynamo_tensorrt_converter(torch.ops.lookup.op.default)(lambda ctx, target, args, kwargs, name: None)
record()
DYNAMO_CONVERTERS.set_disallowed_targets({torch.ops.lookup.op.default, torch.ops.aten.relu.default})
record()
import inspect
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter as gen
states.append([[_adapter._signature_names(gen) == tuple(inspect.signature(gen).parameters), True]])
print(json.dumps(states))
"""


def test_the_converter_lookup_answers_as_the_registry_does(upstream_paths):
    """On the real Torch-TensorRT layers: registered, unregistered and disallowed overloads alike."""
    from _support.dists import run_python

    states = json.loads(run_python(CONVERTER_LOOKUP, paths=upstream_paths).stdout.strip().splitlines()[-1])
    assert states.pop() == [[True, True]]  # the real generator's parameter names, read as its signature gives them
    assert all(hub == registry for state in states for hub, registry in state), states
    assert [state[2][1] for state in states] == [False, True, False]  # what each step changed
    assert [state[0][1] for state in states] == [True, True, False]


def test_each_generator_is_called_with_the_options_its_own_signature_takes(monkeypatch: pytest.MonkeyPatch):
    """The generator's parameters are read once per function: a release whose generator differs gets its own."""
    calls: list[tuple[str, dict[str, object]]] = []

    def older(namespace, op_name, overload=None, capability_validator=None, priority=None,
              supports_dynamic_shapes=False):
        calls.append(("older", {"priority": priority}))

    def newer(namespace, op_name, overload=None, capability_validator=None, priority=None,
              supports_dynamic_shapes=False, requires_output_allocator=False, use_aot_if_available=False):
        calls.append(("newer", {"priority": priority, "requires_output_allocator": requires_output_allocator,
                                "use_aot_if_available": use_aot_if_available}))

    def generate(generator: object, **options: bool) -> None:
        monkeypatch.setitem(sys.modules, _adapter._GENERATOR_MODULE,
                            SimpleNamespace(_generate_plugin_converter=generator))
        _adapter.generate_converter("acme", "add", None, capability_validator=None, supports_dynamic_shapes=True,
                                    **{"high_priority": False, "requires_output_allocator": False,
                                       "use_aot_if_available": False, **options})

    registry = SimpleNamespace(ConverterPriority=SimpleNamespace(HIGH="high", STANDARD="standard"))
    monkeypatch.setitem(sys.modules, _adapter._REGISTRY_MODULE, registry)
    # The older generator is never handed the newer one's options (it would raise TypeError).
    for generator in (older, newer, older, newer):
        generate(generator)
    generate(newer, requires_output_allocator=True, high_priority=True)
    assert calls == [("older", {"priority": "standard"}),
                     ("newer", {"priority": "standard", "requires_output_allocator": False,
                                "use_aot_if_available": False}),
                     ("older", {"priority": "standard"}),
                     ("newer", {"priority": "standard", "requires_output_allocator": False,
                                "use_aot_if_available": False}),
                     ("newer", {"priority": "high", "requires_output_allocator": True,
                                "use_aot_if_available": False})]
    with pytest.raises(TypeError, match="requires_output_allocator"):
        generate(older, requires_output_allocator=True)


def _plain(a, b=1, *args, c, d=2, **kw): ...
def _slashed(a, /, b, *, c): ...
def _keywords_only(*, x): ...
def _no_varargs(a, **kw): ...
def _declared(a, b): ...


_declared.__signature__ = inspect.Signature([inspect.Parameter("z", inspect.Parameter.KEYWORD_ONLY)])  # type: ignore[attr-defined]


@functools.wraps(_plain)
def _wrapper(*args, **kwargs): ...


@pytest.mark.parametrize("function", [_plain, _slashed, _keywords_only, _no_varargs, _declared, _wrapper, len,
                                      functools.partial(_plain, 1), lambda x, *y: None])
def test_parameter_names_are_those_the_signature_gives(function: object):
    assert _adapter._signature_names(function) == tuple(inspect.signature(function).parameters)
