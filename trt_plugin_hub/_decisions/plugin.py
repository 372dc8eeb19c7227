"""One plugin: the user's controls, duplicate names, the lock, requirements and QDP support."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from trt_plugin_hub import _upstream
from trt_plugin_hub._codes import Status
from trt_plugin_hub._discovery import Candidate
from trt_plugin_hub._environment import Environment
from trt_plugin_hub._manifest import PluginManifest
from trt_plugin_hub._reasons import Check, Reason
from trt_plugin_hub._settings import Settings
from trt_plugin_hub._upstream import AOT_MIN_TENSORRT, AOT_MIN_TORCH_TENSORRT, MIN_TORCH_TENSORRT, QDP_MIN_TENSORRT
from trt_plugin_hub._versions import check_specifier, release_at_least

from .model import LockCheck, OpDecision, PluginDecision
from .ops import decide_op

__all__ = ["decide_plugin", "duplicate", "screen"]


def screen(candidate: Candidate, settings: Settings) -> PluginDecision | None:
    """A discovery problem or the user's controls, which settle a plugin first; else ``None``."""
    if candidate.problem is not None or candidate.manifest is None:
        problem = candidate.problem or Reason("MANIFEST_MISSING", "no manifest")
        return PluginDecision(candidate, Status.REJECTED, (problem,),
                              (Check("manifest", False, problem.message),))
    checks = [Check("manifest", True, f"{candidate.manifest_path} (schema {candidate.manifest.schema_version})")]
    denied = settings.matches(settings.deny, candidate.names)
    if denied:
        reason = Reason("DENIED", f"TRT_PLUGIN_HUB_DENY matches {candidate.name} (pattern {denied!r})")
        return _controls_disabled(candidate, reason, checks)
    if settings.allow is not None and not settings.matches(settings.allow, candidate.names):
        reason = Reason("NOT_ALLOWED", f"TRT_PLUGIN_HUB_ALLOW={','.join(settings.allow)!r} does not name "
                                       f"{candidate.name} (or {candidate.entry_point.distribution})")
        return _controls_disabled(candidate, reason, checks)
    return None


def _side(candidate: Candidate) -> str:
    record = candidate.entry_point
    return (f"{record.distribution or '?'} {record.version or '?'} (entry point {record.name} = {record.value}, "
            f"{candidate.package_dir})")


def duplicate(candidate: Candidate, others: Sequence[Candidate]) -> PluginDecision:
    """Two distributions claim one plugin name: neither wins on a name its author picked."""
    manifest = _manifest(candidate)
    sides = "; ".join(_side(c) for c in (candidate, *others))
    message = (f"plugin name {candidate.name!r} is claimed by {len(others) + 1} distributions: {sides}. None of them "
               "activates: uninstall the one you do not want, or deny it with TRT_PLUGIN_HUB_DENY=<distribution>")
    return PluginDecision(candidate, Status.REJECTED, (Reason("DUPLICATE_PLUGIN", message),),
                          (Check("unique plugin name", False, message),),
                          tuple(OpDecision(op, Status.REJECTED) for op in manifest.ops))


def decide_plugin(candidate: Candidate, env: Environment, settings: Settings,
                  lock_check: LockCheck | None) -> PluginDecision:
    """A plugin past :func:`screen`: the lock, the environment and QDP support, then each of its ops."""
    manifest = _manifest(candidate)
    checks = [Check("manifest", True, f"{candidate.manifest_path} (schema {manifest.schema_version})")]
    if lock_check is not None:
        mismatch = lock_check(candidate)
        if mismatch is not None:
            checks.append(Check("lock", False, mismatch.message))
            return PluginDecision(candidate, Status.REJECTED, (mismatch,), tuple(checks),
                                  tuple(OpDecision(op, Status.REJECTED) for op in manifest.ops))
        checks.append(Check("lock", True, "matches the lock file"))

    common, common_checks = _environment_reasons(candidate, env, settings)
    qdp, qdp_checks = _qdp_reasons(env)
    checks += common_checks + qdp_checks
    has_legacy = any(op.kind == "legacy" for op in manifest.ops)
    plugin_reasons = list(common)
    if not has_legacy:
        plugin_reasons += qdp
    ops = []
    for op in manifest.ops:
        op_decision = decide_op(op, candidate, env, settings)
        extra = [] if (op.kind == "legacy" or not has_legacy) else qdp
        blocked = bool(plugin_reasons or extra)
        status: Status = op_decision.status
        if blocked and status is Status.AVAILABLE:
            status = Status.REJECTED
        ops.append(replace(op_decision, status=status, reasons=tuple(extra) + op_decision.reasons))
    if not plugin_reasons and not any(o.status is Status.AVAILABLE for o in ops):
        # Every op is blocked for its own reason: lift those reasons to the plugin, once each.
        for op_decision in ops:
            for reason in op_decision.reasons:
                if not reason.is_note and reason not in plugin_reasons:
                    plugin_reasons.append(reason)
    status = Status.REJECTED if plugin_reasons else Status.AVAILABLE
    return PluginDecision(candidate, status, tuple(plugin_reasons), tuple(checks), tuple(ops))


def _controls_disabled(candidate: Candidate, reason: Reason, checks: list[Check]) -> PluginDecision:
    manifest = _manifest(candidate)
    return PluginDecision(candidate, Status.DISABLED, (reason,), (*checks, Check("controls", False, reason.message)),
                          tuple(OpDecision(op, Status.DISABLED) for op in manifest.ops))


def _environment_reasons(candidate: Candidate, env: Environment,
                         settings: Settings) -> tuple[list[Reason], list[Check]]:
    manifest = _manifest(candidate)
    reasons: list[Reason] = []
    checks: list[Check] = []
    requires = manifest.requires
    if env.tensorrt is None:
        wanted = requires.tensorrt or f">={QDP_MIN_TENSORRT[0]}.{QDP_MIN_TENSORRT[1]}"
        msg = f"TensorRT is not installed: install it with `pip install \"tensorrt{wanted}\"`"
        reasons.append(Reason("TENSORRT_MISSING", msg))
        checks.append(Check("tensorrt installed", False, msg))
    else:
        checks.append(Check("tensorrt installed", True, f"{env.tensorrt} ({env.tensorrt_distribution or 'module'})"))
    if env.torch is None:
        msg = f"PyTorch is not installed: install it with `pip install \"torch{requires.torch or ''}\"`"
        reasons.append(Reason("TORCH_MISSING", msg))
        checks.append(Check("torch installed", False, msg))
    else:
        checks.append(Check("torch installed", True, env.torch))
    if env.torch_tensorrt is None:
        wanted = requires.torch_tensorrt or f">={MIN_TORCH_TENSORRT[0]}.{MIN_TORCH_TENSORRT[1]}"
        msg = (f"Torch-TensorRT is not installed: install it with `pip install \"torch-tensorrt{wanted}\"` "
               "(it generates the plugins' converters)")
        reasons.append(Reason("TORCH_TENSORRT_MISSING", msg))
        checks.append(Check("torch_tensorrt installed", False, msg))
    elif not release_at_least(env.torch_tensorrt, MIN_TORCH_TENSORRT):
        msg = f"Torch-TensorRT {env.torch_tensorrt} is too old: _generate_plugin_converter needs >=2.6"
        reasons.append(Reason("TORCH_TENSORRT_TOO_OLD", msg))
        checks.append(Check("torch_tensorrt >= 2.6", False, msg))
    else:
        checks.append(Check("torch_tensorrt installed", True, env.torch_tensorrt))

    installed = {
        "tensorrt": env.tensorrt,
        "torch": env.torch,
        "torch_tensorrt": env.torch_tensorrt,
        "python": env.python,
        "cuda_driver": env.driver,
    }
    for key, spec in requires.specifiers().items():
        if installed[key] is None and key in ("tensorrt", "torch", "torch_tensorrt"):
            checks.append(Check(f"requires {key}{spec}", None, "not checked: not installed"))
            continue
        if installed[key] is None and key == "cuda_driver" and env.compute_capability is None:
            checks.append(Check(f"requires {key}{spec}", None, "not checked: no GPU"))
            continue
        if installed[key] is None:
            msg = f"{candidate.name} requires {key} {spec}, which cannot be determined here"
            reasons.append(Reason("REQUIREMENT_UNKNOWN", msg))
            checks.append(Check(f"requires {key}{spec}", False, msg))
            continue
        result = check_specifier(spec, installed[key], prereleases=settings.prereleases)
        checks.append(Check(f"requires {key}{spec}", result.satisfied, result.detail))
        if not result.satisfied:
            reasons.append(Reason("REQUIREMENT_UNMET", f"{candidate.name} requires {key}: {result.detail}"))

    cc_range = requires.compute_capability
    if env.compute_capability is None:
        msg = "no NVIDIA GPU found (NVML reports none or is unavailable); engines with plugins need one"
        reasons.append(Reason("NO_GPU", msg))
        checks.append(Check("gpu", False, msg))
    elif not cc_range.contains(env.compute_capability):
        cc = env.compute_capability
        msg = (f"{candidate.name} supports compute capability {cc_range}, found {cc[0]}.{cc[1]} "
               f"({env.gpu_name or env.arch})")
        reasons.append(Reason("COMPUTE_CAPABILITY_UNSUPPORTED", msg))
        checks.append(Check("compute capability", False, msg))
    else:
        cc = env.compute_capability
        checks.append(Check("compute capability", True, f"{cc[0]}.{cc[1]} within {cc_range}"))
    return reasons, checks


def _qdp_reasons(env: Environment) -> tuple[list[Reason], list[Check]]:
    """TensorRT / Torch-TensorRT facts every QDP op depends on."""
    reasons: list[Reason] = []
    checks: list[Check] = []
    trt, tt = env.tensorrt, env.torch_tensorrt
    if trt is None:
        return reasons, checks
    if not env.tensorrt_has_qdp:
        detail = next((n.split(": ", 1)[1] for n in env.notes if n.startswith(f"TensorRT {trt}: ")), "")
        msg = f"TensorRT {trt} ({env.tensorrt_distribution or 'module'}) has no usable tensorrt.plugin module"
        msg += f" ({detail})" if detail else " (TensorRT-RTX and lean builds ship none)"
        if release_at_least(trt, QDP_MIN_TENSORRT) and not release_at_least(trt, (10, 15)):
            msg += (f": install the 'tensorrt' package of the same release (pip install tensorrt=={trt}), "
                    "which adds tensorrt/plugin, or TensorRT >= 10.15")
        reasons.append(Reason("TENSORRT_NO_QDP", msg))
    elif not release_at_least(trt, QDP_MIN_TENSORRT):
        msg = f"QDP plugins need TensorRT >=10.7, found {trt}"
        reasons.append(Reason("TENSORRT_TOO_OLD", msg))
    elif (tt is not None and release_at_least(tt, AOT_MIN_TORCH_TENSORRT)
          and not release_at_least(trt, AOT_MIN_TENSORRT)):
        msg = (f"Torch-TensorRT {tt} generates converters that call add_plugin(aot=...), which needs TensorRT >=10.9, "
               f"found {trt}")
        reasons.append(Reason("TORCH_TENSORRT_NEEDS_TENSORRT_10_9", msg))
    else:
        gated = _upstream.qdp_gate(trt, tt)
        if gated:
            reasons.append(Reason("TENSORRT_NO_QDP", gated))
    checks.append(Check("QDP support", not reasons, reasons[0].message if reasons else f"TensorRT {trt} supports QDP"))
    if not reasons and _upstream.scalar_attributes_broken(trt, env.numpy):
        checks.append(Check("scalar attributes", False, _numpy_sentence(trt, env.numpy)))
    return reasons, checks


def _numpy_sentence(trt: str | None, numpy: str | None) -> str:
    return (f"TensorRT {trt} cannot pass int or float plugin attributes with numpy {numpy} (fixed in TensorRT "
            "11.2.1): ops with such attributes are refused at activation; install 'numpy<2.4' or TensorRT >= 11.2.1")


def _manifest(candidate: Candidate) -> PluginManifest:
    """The manifest of a candidate past :func:`screen`, which settles every candidate without one."""
    if candidate.manifest is None:
        raise ValueError(f"{candidate.name} has no manifest: screen() settles it")
    return candidate.manifest
