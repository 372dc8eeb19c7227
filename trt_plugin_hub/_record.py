"""How the hub's public value types are made: frozen dataclasses whose methods are shared, not generated.

``@dataclass(frozen=True)`` writes and compiles six methods for each class when its module is
imported (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``):
0.4-0.9 ms a class on Python 3.11, and several such classes sit on the path every
``import torch_tensorrt`` takes. :class:`Frozen` supplies those methods, written once: equality and
hashing over the fields in order (only with the same class), the same ``repr``, and
``FrozenInstanceError`` on assignment or deletion. Each class writes its own ``__init__`` (its
signature is the documentation) and sets its fields with ``object.__setattr__``.

:func:`record` reads the fields from the class's annotations as ``dataclasses`` does. Registering
them with ``dataclasses`` (what ``@dataclass`` does even with every method turned off) costs
40-120 us a class at import, so it is done the first time anything asks for them:
``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work unchanged, and the hub's
own code copies records with :func:`replace`, which does not need it. ``tests/test_record.py``
checks every public record against a real frozen dataclass of the same fields.

Standard library only, and nothing compiled at import.
"""

from __future__ import annotations

import inspect
import operator
import threading
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, InitVar, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

__all__ = ["FACTORY", "Frozen", "Ordered", "record", "replace"]

if TYPE_CHECKING:  # annotations only: a TypeVar costs every import
    from typing import TypeVar

    T = TypeVar("T")


class _Factory:
    """The default of a parameter whose field has a ``default_factory``: shown as dataclasses show it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


#: ``def __init__(self, prefer: Mapping[str, str] = FACTORY)``: left out, the field's factory makes the value.
FACTORY: Any = _Factory()


class Frozen:
    """The methods a frozen dataclass generates, shared by every record.

    As ``dataclasses`` does: equality compares the fields with ``compare=True``, the hash covers
    those with ``hash=True`` (or, unset, ``compare=True``), the ``repr`` shows those with ``repr=True``.
    """

    __slots__ = ()
    #: The field names, in order (set by :func:`record`), and those equality, hashing and repr use.
    __record_fields__: ClassVar[tuple[str, ...]] = ()
    __record_compare__: ClassVar[tuple[str, ...]] = ()
    __record_hash__: ClassVar[tuple[str, ...]] = ()
    __record_repr__: ClassVar[tuple[str, ...]] = ()
    #: The fields ``__init__`` takes, which :func:`replace` passes on.
    __record_init__: ClassVar[tuple[str, ...]] = ()
    if TYPE_CHECKING:  # what record() adds: the class is a dataclass (dataclasses.replace, fields, asdict)
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = self.__record_compare__
        return _values(self, names) == _values(other, names)

    def __hash__(self) -> int:
        return hash(_values(self, self.__record_hash__))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __replace__(self, /, **changes: Any) -> Any:  # copy.replace (Python 3.13+), as dataclasses add it
        return replace(self, **changes)


class Ordered(Frozen):
    """A record that also orders as ``@dataclass(order=True)`` does: by its compared fields, in order."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return _ordered(self, other, operator.lt)

    def __le__(self, other: object) -> bool:
        return _ordered(self, other, operator.le)

    def __gt__(self, other: object) -> bool:
        return _ordered(self, other, operator.gt)

    def __ge__(self, other: object) -> bool:
        return _ordered(self, other, operator.ge)


def _ordered(left: Ordered, right: object, compare: Callable[[Any, Any], bool]) -> bool:
    if right.__class__ is not left.__class__:
        return NotImplemented  # type: ignore[no-any-return]  # the comparison protocol's "not my type"
    names = left.__record_compare__
    return bool(compare(_values(left, names), _values(right, names)))


class _Registration:
    """A record's ``__dataclass_fields__`` until it is first read: the class is registered with ``dataclasses`` then."""

    __slots__ = ()

    def __get__(self, instance: object, owner: type[Any]) -> dict[str, Field[Any]]:
        with _REGISTERING:  # once
            if owner.__dict__.get("__dataclass_fields__") is self:
                for name, spec in owner.__dict__["__record_specs__"].items():
                    setattr(owner, name, spec)  # the field() calls, as the class statement wrote them
                dataclass(init=False, repr=False, eq=False)(owner)  # sets owner.__dataclass_fields__ over this one
        registered: dict[str, Field[Any]] = owner.__dict__["__dataclass_fields__"]
        return registered


_REGISTRATION = _Registration()
_REGISTERING = threading.Lock()


def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a record: it derives from :class:`Frozen` (not from another record) and has its own ``__init__``.

    The fields are the class's own annotations, in order, less ``ClassVar`` and ``InitVar`` ones;
    a ``dataclasses.field(...)`` default gives a field's ``compare``, ``hash``, ``repr`` and ``init``.
    """
    _check_shape(cls)
    own = cls.__dict__
    specs: dict[str, Field[Any]] = {}
    names: list[str] = []
    compared: list[str] = []
    hashed: list[str] = []
    shown: list[str] = []
    taken: list[str] = []
    # The class's own annotations, as ``inspect.get_annotations`` gives them: read from its namespace
    # where the class statement left them (every Python the hub supports, for a module that imports
    # ``annotations`` from ``__future__``), through ``inspect`` otherwise.
    annotations = own.get("__annotations__")
    if not isinstance(annotations, dict):
        annotations = inspect.get_annotations(cls)
    for name, annotation in annotations.items():
        if _not_a_field(annotation):
            continue
        names.append(name)
        spec = own.get(name)
        if isinstance(spec, Field):
            specs[name] = spec
            if spec.compare:
                compared.append(name)
            if spec.compare if spec.hash is None else spec.hash:
                hashed.append(name)
            if spec.repr:
                shown.append(name)
            if spec.init:
                taken.append(name)
        else:
            compared.append(name)
            hashed.append(name)
            shown.append(name)
            taken.append(name)
    for attribute, value in (("__record_fields__", names), ("__record_compare__", compared),
                             ("__record_hash__", hashed), ("__record_repr__", shown), ("__record_init__", taken),
                             ("__match_args__", taken)):
        setattr(cls, attribute, tuple(value))
    for name, spec in specs.items():  # the class attributes dataclasses leaves: a default, or none
        if spec.default is MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, spec.default)
    setattr(cls, "__record_specs__", specs)  # noqa: B010 - put back for dataclasses when it registers the class
    setattr(cls, "__dataclass_fields__", _REGISTRATION)  # noqa: B010 - read by dataclasses, registered on first read
    return cls


def _check_shape(cls: type[Any]) -> None:
    """Refuse a class that is not derived from :class:`Frozen`, lacks its own ``__init__`` or derives from a record."""
    if not issubclass(cls, Frozen) or "__init__" not in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: a record derives from Frozen and writes its own __init__")
    for base in cls.__mro__[1:-1]:
        if base is not Frozen and base is not Ordered and "__record_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record does not derive from another record")


def _not_a_field(annotation: object) -> bool:
    """A ``ClassVar`` or ``InitVar`` annotation, written as a string (``from __future__ import annotations``) or not."""
    if isinstance(annotation, str):
        head = annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1]
        return head in ("ClassVar", "InitVar")
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar \
        or isinstance(annotation, InitVar) or annotation is InitVar


def replace(instance: T, /, **changes: Any) -> T:
    """``dataclasses.replace`` for a record: a copy with ``changes``, made by the class's ``__init__``.

    As ``dataclasses.replace``, a field that ``__init__`` does not take cannot be changed
    (``ValueError``) and a name that is no field is refused by ``__init__`` (``TypeError``).
    """
    cls: Any = instance.__class__
    taken = cls.__record_init__
    for name in changes:
        if name in cls.__record_fields__ and name not in taken:
            raise ValueError(f"field {name} is declared with init=False, it cannot be specified with replace()")
    for name in taken:
        if name not in changes:
            changes[name] = getattr(instance, name)
    made: T = cls(**changes)
    return made


def _values(instance: object, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in names)
