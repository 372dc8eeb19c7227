"""The one way into plugin code.

Every call the hub makes into a plugin package (importing its modules, resolving its
``module:function`` references, calling a legacy ``register`` function, inspecting its
functions, and the capability validators Torch-TensorRT calls on the hub's behalf) goes through
:func:`call`. A plugin can then neither end the process nor stop another plugin, the report or
strict mode:

* ``KeyboardInterrupt`` propagates: it is the user stopping the program, not a plugin fault.
  A ``BaseExceptionGroup`` that holds one propagates as ``KeyboardInterrupt`` too.
* ``SystemExit`` is recorded against the plugin: a plugin must not end the user's process.
* ``GeneratorExit`` and every other ``BaseException`` (``Exception`` included, ``MemoryError``
  and ``RecursionError`` among them) are recorded against the plugin.

What cannot be caught from Python is documented in the security page: ``os._exit``, signals,
hangs and crashes in native code.

A failure is described defensively (:func:`describe`): an exception whose ``__str__`` or
``__repr__`` raises, or returns something that is not a string, still yields a description, and
messages are capped at :data:`MAX_MESSAGE_CHARS` characters in the report and in strict mode's
error; the full text goes to the ``trt_plugin_hub`` logger at DEBUG level.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = [
    "MAX_MESSAGE_CHARS",
    "Failure",
    "call",
    "cap",
    "describe",
    "guarded_validator",
    "import_module",
    "resolve",
]

log = logging.getLogger("trt_plugin_hub")

#: The longest plugin-provided text (exception messages) kept in a report or strict-mode error.
MAX_MESSAGE_CHARS = 2000

if TYPE_CHECKING:  # annotations only: a TypeVar costs every import
    from typing import TypeVar

    T = TypeVar("T")


class Failure:
    """A plugin's call that did not return: its exception, described safely (a slotted class: cheap to define)."""

    __slots__ = ("exception", "message", "type_name")

    def __init__(self, type_name: str, message: str, exception: BaseException) -> None:
        self.type_name = type_name
        self.message = message
        self.exception = exception

    def __repr__(self) -> str:
        return f"Failure({self.type_name!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


def cap(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters; the full text is logged at DEBUG level]"


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
        if isinstance(text, str):
            return text
    except BaseException as inner:  # a broken __str__ must not escape
        if isinstance(inner, KeyboardInterrupt):
            raise
    try:
        text = repr(exc)
        if isinstance(text, str):
            return f"<str() failed; repr: {text}>"
    except BaseException as inner:
        if isinstance(inner, KeyboardInterrupt):
            raise
    return "<the exception's str() and repr() both failed>"


def describe(exc: BaseException) -> tuple[str, str, str]:
    """(type name, capped message, full message) of ``exc``; never raises but KeyboardInterrupt."""
    try:
        qualname: object = type(exc).__qualname__  # a metaclass can make it anything
        name = qualname if isinstance(qualname, str) else "BaseException"
    except BaseException:  # noqa: BLE001 - a metaclass can make even this raise
        name = "BaseException"
    full = _text(exc)
    return name, cap(full), full


def _interrupt_in(exc: BaseException) -> bool:
    if isinstance(exc, KeyboardInterrupt):
        return True
    group = getattr(sys.modules.get("builtins"), "BaseExceptionGroup", None)
    if group is not None and isinstance(exc, group):
        try:
            return exc.subgroup(KeyboardInterrupt) is not None
        except Exception:  # noqa: BLE001
            return False
    return False


def failure_of(exc: BaseException, what: str) -> Failure:
    """Record ``exc`` raised by plugin code while doing ``what``: logged, described, returned."""
    if _interrupt_in(exc):
        raise KeyboardInterrupt from exc
    name, message, full = describe(exc)
    log.debug("trt-plugin-hub: %s raised %s: %s", what, name, full)
    return Failure(name, message, exc)


def call(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T | None, Failure | None]:
    """``function(*args, **kwargs)`` as a call into plugin code: (result, None) or (None, failure)."""
    try:
        return function(*args, **kwargs), None
    except BaseException as exc:  # noqa: BLE001 - see the module docstring for each kind
        return None, failure_of(exc, what)


def import_module(name: str) -> Failure | None:
    """Import a plugin module; on failure the half-imported module is removed from ``sys.modules``."""
    already = name in sys.modules
    _, failure = call(f"import {name}", importlib.import_module, name)
    if failure is not None and not already:
        sys.modules.pop(name, None)
    return failure


def resolve(reference: str) -> tuple[Any, Failure | None]:
    """The object a ``module:attribute`` reference names (importing the module runs plugin code)."""
    module_name, _, attribute = reference.partition(":")

    def get() -> Any:
        return getattr(importlib.import_module(module_name), attribute)

    return call(f"resolve {reference}", get)


def guarded_validator(reference: str, validator: Callable[..., Any]) -> Callable[..., bool]:
    """A capability validator that Torch-TensorRT may call without a plugin fault escaping.

    A validator that raises, or returns something that is not a bool, declines the node (the
    converter is not used for it, so the node runs in PyTorch) and the failure is logged once.
    """
    reported: list[bool] = []

    def validate(*args: Any, **kwargs: Any) -> bool:
        result, failure = call(f"capability validator {reference}", validator, *args, **kwargs)
        if failure is not None:
            if not reported:
                reported.append(True)
                log.warning("trt-plugin-hub: capability validator %s raised %s; the node is left to PyTorch",
                            reference, failure)
            return False
        return result is True or (result is not None and _truthy(result))

    validate.__wrapped__ = validator  # type: ignore[attr-defined]
    return validate


def _truthy(value: Any) -> bool:
    result, failure = call("bool() of a capability validator's result", bool, value)
    return bool(result) if failure is None else False
