"""How the hub's public value types are made: frozen dataclasses whose methods are shared, not generated.

``@dataclass(frozen=True)`` writes and compiles six methods for each class when its module is
imported (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``):
0.4-0.9 ms a class on Python 3.11, and several such classes sit on the path every
``import torch_tensorrt`` takes. :func:`record` registers the fields as ``dataclasses`` does, so
``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work unchanged, and
:class:`Frozen` supplies the other methods, written once: equality and hashing over the fields in
order (only with the same class), the same ``repr``, and ``FrozenInstanceError`` on assignment or
deletion. Each class writes its own ``__init__`` (its signature is the documentation) and sets
its fields with ``object.__setattr__``. ``tests/test_record.py`` checks every public record
against a real frozen dataclass of the same fields.

Standard library only, and nothing compiled at import.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from dataclasses import Field

__all__ = ["FACTORY", "Frozen", "Ordered", "record"]

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


def record(cls: type[T]) -> type[T]:
    """Register ``cls``'s fields as a dataclass's; ``cls`` derives from :class:`Frozen` and has its own ``__init__``."""
    if not issubclass(cls, Frozen) or "__init__" not in cls.__dict__:
        raise TypeError(f"{cls.__qualname__}: a record derives from Frozen and writes its own __init__")
    made = dataclass(init=False, repr=False, eq=False)(cls)
    found = fields(made)
    made.__record_fields__ = tuple(f.name for f in found)
    made.__record_compare__ = tuple(f.name for f in found if f.compare)
    made.__record_hash__ = tuple(f.name for f in found if (f.compare if f.hash is None else f.hash))
    made.__record_repr__ = tuple(f.name for f in found if f.repr)
    return made


def _values(instance: object, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in names)
