"""A report built when it is first read: what ``load()`` returns after an activation from the plan.

A process activated from the activation plan (:mod:`._warm`) does not need its report unless it
reads it; most never do. Making a pending report imports no report code.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ._record import Frozen

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._report import Report

__all__ = ["pending_report"]


class _ReportFields:
    """A pending report's ``__dataclass_fields__`` read on its class (``dataclasses.asdict`` does): the report's."""

    def __get__(self, instance: object, owner: type[Any]) -> Any:
        from ._report import Report

        return Report.__dataclass_fields__


class _PendingReport(Frozen):
    """A :class:`~trt_plugin_hub.Report` not built yet: the first access to anything on it builds it, once.

    Its ``build`` is called then (under a lock, so once however many threads read it first), the
    built report's fields are copied in and the object becomes a plain ``Report``: equal to the
    built one, the same ``repr``, and every later access costs what a ``Report``'s does. A ``build``
    that raises leaves it pending (the next access calls ``build`` again).

    It is no subclass of ``Report``, so that making one imports no report code: a process that
    never reads its report loads none of it. It derives from ``Report``'s base (``Frozen``), which
    Python requires of a class an object changes to. What Python looks up on the type (comparison,
    ``repr``, ``str``, ``hash``, ``format``) builds it and answers as the report; any attribute
    read does the same, and pickling and copying read one (``__reduce__``). ``__class__`` answers
    ``Report`` without building, so ``isinstance`` (which asks any object for it) builds nothing.
    """

    def __init__(self, build: Callable[[], Report]) -> None:  # the fields are set when built
        object.__setattr__(self, "_build", build)

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":  # what isinstance() asks of any object: answered without building
            from ._report import Report

            return Report
        return object.__getattribute__(_settled(self), name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(_settled(self), name, value)  # a Report's: frozen

    def __delattr__(self, name: str) -> None:
        delattr(_settled(self), name)

    def __eq__(self, other: object) -> bool:
        return bool(_settled(self) == other)

    def __hash__(self) -> int:
        return hash(_settled(self))

    def __repr__(self) -> str:
        return repr(_settled(self))

    def __str__(self) -> str:
        return str(_settled(self))

    def __format__(self, spec: str) -> str:
        return format(_settled(self), spec)

    def __dir__(self) -> list[str]:
        return dir(_settled(self))

    __dataclass_fields__ = _ReportFields()


_PENDING = threading.Lock()


def _settled(pending: Any) -> Report:
    """``pending``, built into a ``Report`` if it was still pending."""
    if type(pending) is _PendingReport:
        with _PENDING:
            if type(pending) is _PendingReport:
                from ._report import Report

                built = object.__getattribute__(pending, "_build")()
                state = object.__getattribute__(pending, "__dict__")
                state.update({each: getattr(built, each) for each in Report.__record_fields__})
                del state["_build"]
                object.__setattr__(pending, "__class__", Report)
    return pending  # type: ignore[no-any-return]  # a Report now


def pending_report(build: Callable[[], Report]) -> Report:
    """A report built by ``build`` when it is first read (:class:`_PendingReport`), not now.

    What :func:`trt_plugin_hub.load` returns after an activation from the activation plan: a process that never
    reads its report does not build it, nor import the report's code.
    """
    return _PendingReport(build)  # type: ignore[return-value]  # answers as a Report, becomes one when read
