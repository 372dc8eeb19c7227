"""Legacy ops: the package's own registration function registers the converter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trt_plugin_hub import _adapter, _guard
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._reasons import Check, Reason

from .plan import PlannedOp
from .steps import LEGACY_DONE, REGISTERED, confirm_converter, scalar_attribute_problem

if TYPE_CHECKING:
    from .steps import Failed, Outcome

__all__ = ["activate_legacy_op"]


def activate_legacy_op(plugin: str, op: PlannedOp, checks: list[Check],
                       failed: Failed) -> tuple[Outcome, Failure | None]:
    """Run the ``register`` function of a legacy op whose module imported, once per process."""
    key = (op.id, op.overload_name)
    register = op.register
    if register is None:
        raise ValueError(f"{op.id} is a legacy op without a register function")
    if register in LEGACY_DONE.values() or key in REGISTERED:
        note = Reason("ALREADY_REGISTERED", f"{register} already ran in this process")
        return ("active", (note,), tuple(checks)), None
    function, failure = _guard.resolve(register)
    if failure is not None or not callable(function):
        return failed("LEGACY_REGISTER_FAILED", f"register function {register} does not resolve to a "
                      "callable", failure)
    _, failure = _guard.call(f"{register}()", function)
    if failure is not None:
        return failed("LEGACY_REGISTER_FAILED", f"{register}() raised", failure)
    LEGACY_DONE[op.id] = register
    REGISTERED[key] = plugin
    problem = scalar_attribute_problem(op.id, _adapter.plugin_def_or_none(op.id))
    if problem is not None:
        return failed("NUMPY_SCALAR_ATTRIBUTES", f"{problem}; {register} registered a converter that will "
                      "fail when it runs")
    return confirm_converter(op, checks, failed)

