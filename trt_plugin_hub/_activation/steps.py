"""What activating every kind of op shares: its outcome, the converter check and the per-process registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from trt_plugin_hub import _adapter, _guard
from trt_plugin_hub._adapter import DebugCheck
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._manifest import OpSpec
from trt_plugin_hub._reasons import Check, Reason, Status

__all__ = ["LEGACY_DONE", "REGISTERED", "Failed", "Outcome", "confirm_converter", "log", "registered_ops",
           "upstream_check"]

log = logging.getLogger("trt_plugin_hub.activation")  # its name in logging configurations

# (op id, overload) pairs this process has registered converters for: upstream neither
# de-duplicates nor unregisters, so the hub must never register one twice.
REGISTERED: dict[tuple[str, str], str] = {}
#: op id -> the legacy registration function that ran for it.
LEGACY_DONE: dict[str, str] = {}

#: How one op's activation ends: its status, the reasons and the checks it adds.
Outcome = tuple[Status, tuple[Reason, ...], tuple[Check, ...]]
#: Ends an op's activation with a failure (or, given ``status``, a rejection): code, sentence, cause.
Failed = Callable[..., tuple[Outcome, Failure | None]]


def registered_ops() -> dict[tuple[str, str], str]:
    """(op id, overload) -> plugin name, for every converter the hub registered in this process."""
    return dict(REGISTERED)


def upstream_check(what: str, check: Callable[..., DebugCheck], *args: Any) -> tuple[DebugCheck | None, Failure | None]:
    """One of ``_adapter``'s debugging checks, run as activation runs every call that may raise.

    ``(check, None)`` when upstream's state could be read, else ``(None, failure)``: an exception
    reading it is recorded as a failure, as one raised by plugin code is.
    """
    result, failure = _guard.call(what, check, *args)
    if result is not None and result.error is not None:
        return None, _guard.failure_of(result.error, what)
    return result, failure


def confirm_converter(op: OpSpec, checks: list[Check], failed: Failed,
                      mode: str | None = None) -> tuple[Outcome, Failure | None]:
    """The op is active once its overload is in ``DYNAMO_CONVERTERS`` (debugging check 2 of the upstream page)."""
    converter, failure = upstream_check("converter registry lookup", _adapter.converter_check, op.namespace, op.name,
                                        op.overload_name)
    if converter is None:
        return failed("CONVERTER_NOT_REGISTERED", f"cannot confirm the converter of {op.id}", failure)
    if not converter.passed:
        return failed("CONVERTER_NOT_REGISTERED", f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} is not in "
                      "DYNAMO_CONVERTERS after registration")
    checks.append(Check("converter registered", True, f"torch.ops.{op.namespace}.{op.name}.{op.overload_name} in "
                        f"DYNAMO_CONVERTERS{f' ({mode})' if mode else ''}"))
    return (Status.ACTIVE, (), tuple(checks)), None
