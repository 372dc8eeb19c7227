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
import sys
import threading
from typing import Any, ClassVar

import pytest

import trt_plugin_hub
from trt_plugin_hub._record import FACTORY, Frozen, Ordered, record, replace


def _records() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.walk_packages(trt_plugin_hub.__path__, "trt_plugin_hub."):
        if info.name.startswith("trt_plugin_hub.cli"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Frozen) and "__record_specs__" in vars(value):  # record()'s
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


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_the_fields_record_reads_are_those_dataclasses_register(cls: type[Any]) -> None:
    found = dataclasses.fields(cls)
    ref = _reference(cls)
    absent = object()
    assert {f.name: getattr(cls, f.name, absent) for f in found} == {  # class attributes: defaults, or none
        f.name: getattr(ref, f.name, absent) for f in found}
    assert cls.__record_fields__ == tuple(f.name for f in found)
    assert cls.__record_compare__ == tuple(f.name for f in found if f.compare)
    assert cls.__record_hash__ == tuple(f.name for f in found if (f.compare if f.hash is None else f.hash))
    assert cls.__record_repr__ == tuple(f.name for f in found if f.repr)
    assert cls.__record_init__ == tuple(f.name for f in found if f.init)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_replace_copies_as_dataclasses_replace_does(cls: type[Any]) -> None:
    values = _values(cls)
    mine = cls(**values)
    first, last = next(iter(values)), list(values)[-1]
    for changes in ({}, {first: _Value(999)}, {first: _Value(997), last: _Value(998)}):
        copied = replace(mine, **changes)
        assert type(copied) is cls and copied == dataclasses.replace(mine, **changes)
        assert all(getattr(copied, name) == changes.get(name, values[name]) for name in values)
    with pytest.raises(TypeError):
        replace(mine, not_a_field=1)
    with pytest.raises(TypeError):
        dataclasses.replace(mine, not_a_field=1)
    assert mine.__replace__(**{first: _Value(999)}) == replace(mine, **{first: _Value(999)})  # copy.replace, 3.13+


def _fresh() -> type[Any]:
    """A record made now, so that nothing has asked dataclasses about it yet."""

    @record
    class Fresh(Frozen):
        """Three kinds of field and a class variable."""

        kind: ClassVar[str] = "fresh"
        name: str
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple, compare=False)
        note: str = dataclasses.field(default="", repr=False)
        hidden: int = dataclasses.field(default=0, init=False, hash=False)

        def __init__(self, name: str, tags: tuple[str, ...] = FACTORY, note: str = "") -> None:
            object.__setattr__(self, "name", name)
            object.__setattr__(self, "tags", () if tags is FACTORY else tags)
            object.__setattr__(self, "note", note)
            object.__setattr__(self, "hidden", len(name))

    return Fresh


def test_a_record_is_registered_with_dataclasses_only_when_asked() -> None:
    cls = _fresh()
    made = cls("a", ("x",), "n")
    copied = replace(made, name="bb")
    assert copied == cls("bb", ("x",), "n") and copied.hidden == 2  # __init__ made the copy
    assert repr(made) == "_fresh.<locals>.Fresh(name='a', tags=('x',), hidden=1)"
    assert not isinstance(cls.__dict__["__dataclass_fields__"], dict)  # nothing asked dataclasses yet
    with pytest.raises(ValueError, match="init=False"):
        replace(made, hidden=5)
    defaults = {name: cls.__dict__.get(name, "absent") for name in ("name", "tags", "note", "hidden")}
    assert defaults == {"name": "absent", "tags": "absent", "note": "", "hidden": 0}  # as dataclasses leaves them

    assert dataclasses.is_dataclass(made)  # asking registers it
    assert isinstance(cls.__dict__["__dataclass_fields__"], dict)
    found = {f.name: f for f in dataclasses.fields(cls)}
    assert list(found) == ["name", "tags", "note", "hidden"]
    assert found["tags"].default_factory is tuple and found["note"].default == "" and not found["hidden"].init
    assert dataclasses.asdict(made) == {"name": "a", "tags": ("x",), "note": "n", "hidden": 1}
    with pytest.raises(ValueError, match="init=False"):
        dataclasses.replace(made, hidden=5)
    assert cls.__match_args__ == ("name", "tags", "note")
    assert {name: cls.__dict__.get(name, "absent") for name in defaults} == defaults  # the same once registered


def test_registering_at_once_from_many_threads_registers_once() -> None:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: a second registration would show
    try:
        for _ in range(50):
            cls = _fresh()
            start = threading.Barrier(8)
            seen: list[tuple[Any, ...]] = []

            def ask(cls: type[Any] = cls, start: threading.Barrier = start, seen: list[tuple[Any, ...]] = seen) -> None:
                start.wait()
                seen.append(tuple((f.name, f.default, f.default_factory) for f in dataclasses.fields(cls)))

            threads = [threading.Thread(target=ask) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(seen) == 8 and len(set(seen)) == 1
            assert ("tags", dataclasses.MISSING, tuple) in seen[0]  # registered twice, the factory is lost
    finally:
        sys.setswitchinterval(interval)


def test_a_record_does_not_derive_from_another() -> None:
    base = _fresh()

    class Derived(base):  # type: ignore[misc, valid-type]
        """More fields."""

        extra: int = 0

        def __init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="does not derive from another record"):
        record(Derived)


def test_a_record_without_annotations_has_no_fields_as_its_dataclass() -> None:
    @record
    class Empty(Frozen):
        def __init__(self) -> None:
            pass

    reference = dataclasses.make_dataclass("Empty", [], frozen=True)
    assert Empty.__record_fields__ == () and dataclasses.fields(Empty) == dataclasses.fields(reference) == ()
    assert Empty() == Empty() and hash(Empty()) == hash(reference())
    assert repr(Empty()).endswith(".Empty()") and repr(reference()).endswith("Empty()")
