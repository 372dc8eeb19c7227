"""Every record answers as the frozen dataclass of the same fields would (``trt_plugin_hub._record``).

The reference is built by ``dataclasses.make_dataclass(..., frozen=True)`` from the record's own
fields, so a field added to a class but not to its ``__init__`` (or with another default) fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from typing import Any

import pytest

import trt_plugin_hub
from trt_plugin_hub._record import FACTORY, Frozen, Ordered, record


def _records() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.walk_packages(trt_plugin_hub.__path__, "trt_plugin_hub."):
        if info.name.startswith("trt_plugin_hub.cli"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Frozen) and value.__module__ != "trt_plugin_hub._record":
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


RECORDS = _records()


def test_the_public_records_on_the_warm_path_are_records() -> None:
    names = {cls.__name__ for cls in RECORDS}
    assert {"Settings", "Reason", "Check", "LaunchSpec", "PackagedKernel", "Report", "PluginReport", "OpReport",
            "Environment", "Finding"} <= names


def _reference(cls: type[Any]) -> type[Any]:
    specs = []
    for f in dataclasses.fields(cls):
        flags = {"compare": f.compare, "repr": f.repr, "hash": f.hash}
        if f.default_factory is not dataclasses.MISSING:
            specs.append((f.name, f.type, dataclasses.field(default_factory=f.default_factory, **flags)))
        elif f.default is not dataclasses.MISSING:
            specs.append((f.name, f.type, dataclasses.field(default=f.default, **flags)))
        else:
            specs.append((f.name, f.type, dataclasses.field(**flags)))
    made = dataclasses.make_dataclass(cls.__name__, specs, frozen=True, order=issubclass(cls, Ordered))
    made.__qualname__ = cls.__qualname__
    return made


class _Value:
    """A field value that hashes, compares and prints by its index (any type is accepted)."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Value) and other.index == self.index

    def __hash__(self) -> int:
        return hash(("value", self.index))

    def __repr__(self) -> str:
        return f"<value {self.index}>"


def _values(cls: type[Any], offset: int = 0) -> dict[str, Any]:
    return {f.name: _Value(offset + i) for i, f in enumerate(dataclasses.fields(cls))}


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_a_record_answers_as_its_frozen_dataclass(cls: type[Any]) -> None:
    ref = _reference(cls)
    mine_sig, ref_sig = inspect.signature(cls), inspect.signature(ref)
    assert [(p.name, p.kind) for p in mine_sig.parameters.values()] == [
        (p.name, p.kind) for p in ref_sig.parameters.values()]
    for name, param in ref_sig.parameters.items():
        default = mine_sig.parameters[name].default
        if repr(param.default) == "<factory>":
            assert default is FACTORY, name
        else:
            assert default == param.default, name

    values = _values(cls)
    mine, theirs = cls(**values), ref(**values)
    positional = cls(*values.values())
    if "__repr__" not in cls.__dict__:  # a class may print itself its own way
        assert repr(mine) == repr(theirs)
    assert mine == positional and not (mine != positional)
    assert hash(mine) == hash(theirs)  # both hash the tuple of the fields' values
    assert dataclasses.astuple(mine) == dataclasses.astuple(theirs)
    assert dataclasses.asdict(mine) == dataclasses.asdict(theirs)
    assert mine.__match_args__ == theirs.__match_args__
    assert dataclasses.is_dataclass(mine)
    other = dict(values)
    first = next(iter(values))
    other[first] = _Value(999)
    assert mine != cls(**other)
    for f in dataclasses.fields(cls):  # a field left out of equality: changing it changes neither side's answer
        changed_value = {**values, f.name: _Value(998)}
        assert (mine == cls(**changed_value)) == (theirs == ref(**changed_value)), f.name
    assert (mine == theirs) is False  # another class: never equal, as dataclasses compare
    assert mine.__eq__(theirs) is NotImplemented
    changed = dataclasses.replace(mine, **{first: _Value(999)})
    assert type(changed) is cls and changed == cls(**other)

    for action in (lambda o: setattr(o, first, 1), lambda o: delattr(o, first),
                   lambda o: setattr(o, "not_a_field", 1)):
        with pytest.raises(dataclasses.FrozenInstanceError) as mine_error:
            action(mine)
        with pytest.raises(dataclasses.FrozenInstanceError) as their_error:
            action(theirs)
        assert str(mine_error.value) == str(their_error.value)
    assert getattr(mine, first) == values[first]  # nothing changed

    if issubclass(cls, Ordered):  # ordered as the dataclass orders, field by field
        low, high = cls(*range(len(values))), cls(*range(1, len(values) + 1))
        ref_low, ref_high = ref(*range(len(values))), ref(*range(1, len(values) + 1))
        for op in ("__lt__", "__le__", "__gt__", "__ge__"):
            assert getattr(low, op)(high) == getattr(ref_low, op)(ref_high), op
            assert getattr(high, op)(low) == getattr(ref_high, op)(ref_low), op
            assert getattr(low, op)(low) == getattr(ref_low, op)(ref_low), op
        assert low.__lt__(ref_low) is NotImplemented

    restored = pickle.loads(pickle.dumps(cls(**_values(cls, 1000))))
    assert restored == cls(**_values(cls, 1000))
    assert copy.deepcopy(mine) == mine and copy.copy(mine) == mine


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_defaults_and_factories_as_the_dataclass_gives_them(cls: type[Any]) -> None:
    ref = _reference(cls)
    required = {f.name: _Value(i) for i, f in enumerate(dataclasses.fields(cls))
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    mine, theirs = cls(**required), ref(**required)
    if "__repr__" not in cls.__dict__:
        assert repr(mine) == repr(theirs)
    assert dataclasses.astuple(mine) == dataclasses.astuple(theirs)
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:  # a fresh value each time, never shared
            assert getattr(mine, f.name) is not getattr(cls(**required), f.name)
    with pytest.raises(TypeError):
        cls(**required, not_a_field=1)
    if required:
        with pytest.raises(TypeError):
            cls()


def test_record_refuses_a_class_it_cannot_make() -> None:
    class NoInit(Frozen):
        """Fields but no __init__."""

        x: int

    class NotFrozen:
        """No Frozen base."""

        def __init__(self) -> None:
            pass

    for cls in (NoInit, NotFrozen):
        with pytest.raises(TypeError, match="derives from Frozen and writes its own __init__"):
            record(cls)
