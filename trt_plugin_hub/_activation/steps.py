"""What activating every kind of op shares: its outcome, the converter check and the per-process registry."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from trt_plugin_hub import _adapter, _guard, _launch, _upstream
from trt_plugin_hub._adapter import DebugCheck
from trt_plugin_hub._cachefile import file_identity
from trt_plugin_hub._guard import Failure
from trt_plugin_hub._reasons import Check, Reason

from .plan import PlannedOp, PlannedPtx

__all__ = ["LEGACY_DONE", "REGISTERED", "bind_verified_ptx", "confirm_converter", "log",
           "registered_ops", "resolve_validator", "scalar_attribute_problem", "upstream_check"]

log = logging.getLogger("trt_plugin_hub.activation")  # its name in logging configurations

# (op id, overload) pairs this process has registered converters for: upstream neither
# de-duplicates nor unregisters, so the hub must never register one twice.
REGISTERED: dict[tuple[str, str], str] = {}
#: op id -> the legacy registration function that ran for it.
LEGACY_DONE: dict[str, str] = {}

if TYPE_CHECKING:  # for annotations only (a Callable alias is slow to make at import)
    from typing import Literal, TypeAlias

    #: The status an op's activation ends in: a value of ``Status`` (its report turns it into one).
    OpStatus: TypeAlias = Literal["active", "rejected", "failed"]
    #: How one op's activation ends: its status, the reasons and the checks it adds.
    Outcome: TypeAlias = tuple[OpStatus, tuple[Reason, ...], tuple[Check, ...]]
    #: Ends an op's activation with a failure (or, given ``status``, a rejection): code, sentence, cause.
    Failed: TypeAlias = Callable[..., tuple[Outcome, Failure | None]]


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


def confirm_converter(op: PlannedOp, checks: list[Check], failed: Failed,
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
    return ("active", (), tuple(checks)), None


def bind_verified_ptx(op: PlannedOp, checks: list[Check], failed: Failed, *,
                      deferred: bool = False) -> tuple[bytes | None, tuple[Outcome, Failure | None] | None]:
    """Bind an op's verified PTX for TensorRT: ``(bytes, None)``, or ``(None, how the op ended)``.

    A decision taken from the memo of checked files, or from the plan, did not read the file: its
    bytes are read and hashed here, at the moment they are handed on, so a file altered after it
    was checked never reaches TensorRT. With ``deferred`` (an AOT op, whose bytes TensorRT asks
    for through its ``aot_impl`` when it builds an engine), a file that still has the identity
    it had when its bytes were checked is bound unread: ``(None, None)``; it is read and hashed
    when TensorRT asks (:func:`_launch.bind_deferred`).
    """
    artifact = op.ptx
    if artifact is None:
        raise ValueError(f"{op.id} was accepted without verified PTX")
    data = op.ptx_bytes
    if data is None and deferred and op.ptx_key is not None and op.ptx_path is not None \
            and file_identity(op.ptx_path) == op.ptx_key:
        _launch.bind_deferred(op.id, _reader(op.id, op.ptx_path, artifact, op.launch))
    else:
        if data is None:
            data, code = _read_verified(op.ptx_path, artifact.sha256)
            if data is None:
                return None, failed(code or "PTX_MISSING", f"{op.id}: {artifact.path} {_unusable(code)}: it was "
                                    "altered after it was checked and is not handed to TensorRT (reinstall the plugin)",
                                    status="rejected")
        _launch.bind(_kernel(op.id, artifact, data, op.launch))
    # The same check whether the bytes are read now or when TensorRT asks: the same report.
    checks.append(Check("ptx bound", True, f"{artifact.path} ({artifact.arch}, sha256 verified)"))
    return data, None


def _kernel(op_id: str, artifact: PlannedPtx, data: bytes, launch: _launch.LaunchSpec | None) -> _launch.PackagedKernel:
    return _launch.PackagedKernel(op_id, artifact.kernel, data, artifact.arch, artifact.path, artifact.sha256, launch)


def _read_verified(path: str | None, sha256: str) -> tuple[bytes | None, str | None]:
    """:func:`trt_plugin_hub._ptx.memo.read_verified`, imported when a file is read (a warm activation binds unread)."""
    from trt_plugin_hub._ptx import memo

    return memo.read_verified(path, sha256)


def _unusable(code: str | None) -> str:
    """Why :func:`trt_plugin_hub._ptx.memo.read_verified` refused a file, as the end of a sentence naming it."""
    return "cannot be read" if code == "PTX_MISSING" else "no longer has the sha256 the manifest records"


def _reader(op_id: str, path: str, artifact: PlannedPtx,
            launch: _launch.LaunchSpec | None) -> Callable[[], _launch.PackagedKernel]:
    """What reads and verifies a deferred op's PTX when TensorRT asks for it."""

    def read() -> _launch.PackagedKernel:
        data, code = _read_verified(path, artifact.sha256)
        if data is None:
            from trt_plugin_hub._errors import HubError  # only when refusing

            raise HubError(f"{code}: {op_id}: {artifact.path} {_unusable(code)}: it changed after activation and "
                           "is not handed to TensorRT (reinstall the plugin, then restart the process)")
        return _kernel(op_id, artifact, data, launch)

    return read


def resolve_validator(op: PlannedOp, checks: list[Check],
                      failed: Failed) -> tuple[Callable[..., bool] | None, tuple[Outcome, Failure | None] | None]:
    """The op's capability validator, wrapped so a raising one declines the node.

    ``(validator, None)`` (``None`` when none is declared), or ``(None, how the op ended)`` when it
    does not resolve to a callable.
    """
    if not op.capability_validator:
        return None, None
    found, failure = _guard.resolve(op.capability_validator)
    if failure is not None or not callable(found):
        return None, failed("VALIDATOR_UNRESOLVED", f"capability validator {op.capability_validator} does not "
                            "resolve to a callable", failure)
    checks.append(Check("capability validator", True, op.capability_validator))
    return _guard.guarded_validator(op.capability_validator, found), None


def scalar_attribute_problem(op_id: str, definition: object | None) -> str | None:
    """Why TensorRT here cannot hand this QDP definition its int/float attributes, or ``None``."""
    if definition is None:
        return None
    attrs = getattr(definition, "input_attrs", None)
    names = _upstream.scalar_attribute_names(attrs if isinstance(attrs, Mapping) else None)
    trt_version, numpy_version = _adapter.runtime_versions()
    if not names or not _upstream.scalar_attributes_broken(trt_version, numpy_version):
        return None
    listed = ", ".join(repr(n) for n in names)
    return (f"{op_id} has int/float attribute(s) {listed}, which TensorRT {trt_version} cannot pass with numpy "
            f"{numpy_version} (add_plugin raises TypeError; fixed in TensorRT 11.2.1): install 'numpy<2.4' or "
            "TensorRT >= 11.2.1")
