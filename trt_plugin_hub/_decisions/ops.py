"""One op: reserved namespaces, then one rule per kind of op (the AOT rule checks its packaged PTX)."""

from __future__ import annotations

from collections.abc import Callable

from trt_plugin_hub import _upstream
from trt_plugin_hub._codes import Status
from trt_plugin_hub._discovery import Candidate
from trt_plugin_hub._environment import Environment
from trt_plugin_hub._manifest import OpKind, OpSpec
from trt_plugin_hub._ptx import resolve_ptx
from trt_plugin_hub._reasons import Check, Reason
from trt_plugin_hub._settings import Settings
from trt_plugin_hub._upstream import AOT_MIN_TENSORRT, AOT_MIN_TORCH_TENSORRT
from trt_plugin_hub._versions import release_at_least

from .model import OpDecision

__all__ = ["decide_op"]


def decide_op(op: OpSpec, candidate: Candidate, env: Environment, settings: Settings) -> OpDecision:
    """Whether ``op`` can activate here, by the rule of its kind."""
    owner = _upstream.namespace_owner(op.namespace)
    if owner is not None and op.id not in settings.allow_ops:
        return OpDecision(op, Status.REJECTED, reasons=(Reason("OP_NAMESPACE_RESERVED", (
            f"{op.id} is in namespace {op.namespace!r}, which belongs to {owner}: a plugin may not provide "
            f"or replace its ops; if this is intended, allow it with TRT_PLUGIN_HUB_ALLOW_OPS={op.id}")),))
    return _BY_KIND[op.kind](op, candidate, env)


def _legacy(op: OpSpec, candidate: Candidate, env: Environment) -> OpDecision:  # noqa: ARG001 - one signature per kind
    return OpDecision(op, Status.AVAILABLE, mode="legacy")


def _jit(op: OpSpec, candidate: Candidate, env: Environment) -> OpDecision:  # noqa: ARG001 - one signature per kind
    return OpDecision(op, Status.AVAILABLE, mode="jit")


def _aot(op: OpSpec, candidate: Candidate, env: Environment) -> OpDecision:
    # Upstream decides AOT vs JIT once, when the converter is generated, so everything the AOT
    # path needs is settled here, before any plugin code runs.
    checks: list[Check] = []
    blocker: Reason | None = None
    trt, tt = env.tensorrt, env.torch_tensorrt
    if not op.use_aot_if_available:
        blocker = Reason("AOT_FALLBACK_JIT", f"{op.id} sets use_aot_if_available=false")
    elif trt is not None and not release_at_least(trt, AOT_MIN_TENSORRT):
        blocker = Reason("AOT_UNSUPPORTED", f"AOT plugins need TensorRT >=10.9, found {trt}: upgrade TensorRT "
                         "(or let the op fall back to its JIT implementation with jit_fallback)")
    elif tt is not None and not release_at_least(tt, AOT_MIN_TORCH_TENSORRT):
        blocker = Reason("AOT_UNSUPPORTED", f"AOT converters need Torch-TensorRT >=2.8 (use_aot_if_available), "
                         f"found {tt}: upgrade Torch-TensorRT (or let the op fall back to its JIT implementation "
                         "with jit_fallback)")
    if blocker is None:
        chosen = _choose_ptx(op, candidate, env, checks)
        if isinstance(chosen, OpDecision):
            return chosen
        blocker = chosen
    if op.jit_fallback:
        note = Reason("AOT_FALLBACK_JIT", f"{op.id} runs its JIT implementation: {blocker.message}")
        return OpDecision(op, Status.AVAILABLE, mode="jit", reasons=(note,), checks=tuple(checks))
    return OpDecision(op, Status.REJECTED, reasons=(blocker,), checks=tuple(checks))


def _choose_ptx(op: OpSpec, candidate: Candidate, env: Environment, checks: list[Check]) -> OpDecision | Reason:
    """The packaged PTX for this GPU, verified (an available ``aot`` decision), or why none can run."""
    if env.compute_capability is None:
        # No GPU: the plugin is rejected for that already; say what would be chosen from.
        shipped = ", ".join(a.arch for a in op.ptx)
        return OpDecision(op, Status.AVAILABLE, mode="aot",
                          checks=(*checks, Check("ptx selection", None, f"no GPU: not checked (ships {shipped})")))
    resolution = resolve_ptx(op.id, op.ptx, candidate.package_dir, cc=env.compute_capability,
                             max_isa=env.max_ptx_isa, driver=env.driver, recall=True)
    checks.extend(resolution.checks)
    if resolution.problem is not None:
        return resolution.problem
    return OpDecision(op, Status.AVAILABLE, mode="aot", ptx=resolution.artifact, ptx_path=resolution.path,
                      ptx_bytes=resolution.data, ptx_key=resolution.key, checks=tuple(checks))


def _kernels(op: OpSpec, candidate: Candidate, env: Environment) -> OpDecision:
    # The hub registers a kernels op itself, through torch_tensorrt.kernels.ptx_op, with the PTX
    # chosen and verified here exactly as for an aot op; there is no JIT implementation to fall to.
    checks: list[Check] = []
    tt = env.torch_tensorrt
    if tt is not None and not _upstream.kernels_supported(tt):
        reason = Reason("KERNELS_UNSUPPORTED", (
            f"{op.id} is a torch_tensorrt.kernels op (registered through ptx_op), which needs Torch-TensorRT "
            f">=2.13, found {tt}: upgrade Torch-TensorRT, or declare the op as kind 'aot' with its own "
            "@trtp.register and @trtp.aot_impl"))
        return OpDecision(op, Status.REJECTED, reasons=(reason,), checks=(Check("torch_tensorrt.kernels", False,
                                                                                 reason.message),))
    if tt is not None:
        checks.append(Check("torch_tensorrt.kernels", True, f"Torch-TensorRT {tt} has ptx_op"))
    chosen = _choose_ptx(op, candidate, env, checks)
    if isinstance(chosen, OpDecision):
        return chosen
    return OpDecision(op, Status.REJECTED, reasons=(chosen,), checks=tuple(checks))


#: The rule of each kind of op.
_BY_KIND: dict[OpKind, Callable[[OpSpec, Candidate, Environment], OpDecision]] = {
    OpKind.LEGACY: _legacy,
    OpKind.JIT: _jit,
    OpKind.AOT: _aot,
    OpKind.KERNELS: _kernels,
}
