"""Decisions: which plugins and ops can activate here, and why not, before any plugin code runs.

Input: discovered candidates, an :class:`~trt_plugin_hub.environment.Environment` (this host or a
target) and :class:`~trt_plugin_hub.settings.Settings`. Output: one :class:`PluginDecision` per
candidate, each op accepted (status ``available``) or rejected with a stable code and a sentence.
Pure functions of their inputs, apart from reading the packaged PTX files they check.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import _upstream
from ._discovery import Candidate
from ._environment import TENSORRT_DISTRIBUTIONS, Environment
from ._errors import PtxFormatError
from ._reasons import Check, Reason, Status
from ._upstream import AOT_MIN_TENSORRT, AOT_MIN_TORCH_TENSORRT, MIN_TORCH_TENSORRT, QDP_MIN_TENSORRT
from .manifest import OpSpec, PtxArtifact
from .ptx import parse_arch, parse_ptx, select_ptx
from .settings import Settings, normalize_name
from .versions import check_specifier, release_at_least

__all__ = ["OpDecision", "PluginDecision", "decide", "resolve_ptx", "QDP_MIN_TENSORRT", "AOT_MIN_TENSORRT"]



@dataclass(frozen=True)
class OpDecision:
    """The decision for one op of one plugin."""

    op: OpSpec
    status: Status
    mode: str | None = None
    ptx: PtxArtifact | None = None
    ptx_path: Path | None = None
    ptx_bytes: bytes | None = field(default=None, repr=False, compare=False)
    reasons: tuple[Reason, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status is Status.AVAILABLE


@dataclass(frozen=True)
class PluginDecision:
    """The decision for one plugin package."""

    candidate: Candidate
    status: Status
    reasons: tuple[Reason, ...] = ()
    checks: tuple[Check, ...] = ()
    ops: tuple[OpDecision, ...] = ()


LockCheck = Callable[[Candidate], "Reason | None"]


def decide(
    candidates: Sequence[Candidate],
    env: Environment,
    settings: Settings,
    *,
    lock_check: LockCheck | None = None,
) -> tuple[PluginDecision, ...]:
    """Decide every candidate, then resolve op conflicts between the accepted ones.

    The user's controls apply first, then plugin names claimed by two distributions are
    resolved (so denying one side leaves the other), then everything else.
    """
    decisions: list[PluginDecision | None] = [_screen(c, settings) for c in candidates]
    claims: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        if decisions[index] is None:
            claims.setdefault(normalize_name(candidate.name), []).append(index)
    for indexes in claims.values():
        if len(indexes) > 1:
            for index in indexes:
                decisions[index] = _duplicate(candidates[index], [candidates[i] for i in indexes if i != index])
    result = [decision if decision is not None else _decide_plugin(candidates[i], env, settings, lock_check)
              for i, decision in enumerate(decisions)]
    return tuple(_resolve_conflicts(result, settings))


# ----------------------------------------------------------------------------------------------
# One plugin


def _screen(candidate: Candidate, settings: Settings) -> PluginDecision | None:
    """A discovery problem or the user's controls, which settle a plugin first; else ``None``."""
    if candidate.problem is not None or candidate.manifest is None:
        problem = candidate.problem or Reason("MANIFEST_MISSING", "no manifest")
        return PluginDecision(candidate, Status.REJECTED, (problem,),
                              (Check("manifest", False, problem.message),))
    checks = [Check("manifest", True, f"{candidate.manifest_path} (schema {candidate.manifest.schema_version})")]
    denied = settings.matches(settings.deny, candidate.names)
    if denied:
        reason = Reason("DENIED", f"TRT_PLUGIN_HUB_DENY matches {candidate.name} (pattern {denied!r})")
        return _disabled(candidate, reason, checks)
    if settings.allow is not None and not settings.matches(settings.allow, candidate.names):
        reason = Reason("NOT_ALLOWED", f"TRT_PLUGIN_HUB_ALLOW={','.join(settings.allow)!r} does not name "
                                       f"{candidate.name} (or {candidate.entry_point.distribution})")
        return _disabled(candidate, reason, checks)
    return None


def _side(candidate: Candidate) -> str:
    record = candidate.entry_point
    return (f"{record.distribution or '?'} {record.version or '?'} (entry point {record.name} = {record.value}, "
            f"{candidate.package_dir})")


def _duplicate(candidate: Candidate, others: Sequence[Candidate]) -> PluginDecision:
    """Two distributions claim one plugin name: neither wins on a name its author picked."""
    assert candidate.manifest is not None
    sides = "; ".join(_side(c) for c in (candidate, *others))
    message = (f"plugin name {candidate.name!r} is claimed by {len(others) + 1} distributions: {sides}. None of them "
               "activates: uninstall the one you do not want, or deny it with TRT_PLUGIN_HUB_DENY=<distribution>")
    return PluginDecision(candidate, Status.REJECTED, (Reason("DUPLICATE_PLUGIN", message),),
                          (Check("unique plugin name", False, message),),
                          tuple(OpDecision(op, Status.REJECTED) for op in candidate.manifest.ops))


def _decide_plugin(candidate: Candidate, env: Environment, settings: Settings,
                   lock_check: LockCheck | None) -> PluginDecision:
    assert candidate.manifest is not None
    checks = [Check("manifest", True, f"{candidate.manifest_path} (schema {candidate.manifest.schema_version})")]
    if lock_check is not None:
        mismatch = lock_check(candidate)
        if mismatch is not None:
            checks.append(Check("lock", False, mismatch.message))
            return PluginDecision(candidate, Status.REJECTED, (mismatch,), tuple(checks),
                                  tuple(OpDecision(op, Status.REJECTED) for op in candidate.manifest.ops))
        checks.append(Check("lock", True, "matches the lock file"))

    common, common_checks = _environment_reasons(candidate, env, settings)
    qdp, qdp_checks = _qdp_reasons(env)
    checks += common_checks + qdp_checks
    has_legacy = any(op.kind == "legacy" for op in candidate.manifest.ops)
    plugin_reasons = list(common)
    if not has_legacy:
        plugin_reasons += qdp
    ops = []
    for op in candidate.manifest.ops:
        op_decision = _decide_op(op, candidate, env, settings)
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


def _disabled(candidate: Candidate, reason: Reason, checks: list[Check]) -> PluginDecision:
    assert candidate.manifest is not None
    return PluginDecision(candidate, Status.DISABLED, (reason,), tuple(checks) + (Check("controls", False, reason.message),),
                          tuple(OpDecision(op, Status.DISABLED) for op in candidate.manifest.ops))


def _environment_reasons(candidate: Candidate, env: Environment, settings: Settings) -> tuple[list[Reason], list[Check]]:
    assert candidate.manifest is not None
    reasons: list[Reason] = []
    checks: list[Check] = []
    requires = candidate.manifest.requires
    if env.tensorrt is None:
        msg = ("TensorRT is not installed: plugins need the tensorrt package (QDP needs >=10.7); "
               f"none of {', '.join(TENSORRT_DISTRIBUTIONS)} was found")
        reasons.append(Reason("TENSORRT_MISSING", msg))
        checks.append(Check("tensorrt installed", False, msg))
    else:
        checks.append(Check("tensorrt installed", True, f"{env.tensorrt} ({env.tensorrt_distribution or 'module'})"))
    if env.torch is None:
        msg = "PyTorch is not installed"
        reasons.append(Reason("TORCH_MISSING", msg))
        checks.append(Check("torch installed", False, msg))
    else:
        checks.append(Check("torch installed", True, env.torch))
    if env.torch_tensorrt is None:
        msg = "Torch-TensorRT is not installed: converters are generated by torch_tensorrt >=2.6"
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
        msg = f"{candidate.name} supports compute capability {cc_range}, found {cc[0]}.{cc[1]} ({env.gpu_name or env.arch})"
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
    elif tt is not None and release_at_least(tt, AOT_MIN_TORCH_TENSORRT) and not release_at_least(trt, AOT_MIN_TENSORRT):
        msg = f"Torch-TensorRT {tt} generates converters that call add_plugin(aot=...), which needs TensorRT >=10.9, found {trt}"
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


# ----------------------------------------------------------------------------------------------
# One op


def _decide_op(op: OpSpec, candidate: Candidate, env: Environment, settings: Settings) -> OpDecision:
    owner = _upstream.namespace_owner(op.namespace)
    if owner is not None and op.id not in settings.allow_ops:
        return OpDecision(op, Status.REJECTED, reasons=(Reason("OP_NAMESPACE_RESERVED", (
            f"{op.id} is in namespace {op.namespace!r}, which belongs to {owner}: a plugin may not provide "
            f"or replace its ops; if this is intended, allow it with TRT_PLUGIN_HUB_ALLOW_OPS={op.id}")),))
    if op.kind == "legacy":
        return OpDecision(op, Status.AVAILABLE, mode="legacy")
    if op.kind == "jit":
        return OpDecision(op, Status.AVAILABLE, mode="jit")

    # AOT: upstream decides AOT vs JIT once, when the converter is generated, so everything the
    # AOT path needs is settled here, before any plugin code runs.
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
    if blocker is None and env.compute_capability is None:
        # No GPU: the plugin is rejected for that already; say what would be chosen from.
        shipped = ", ".join(a.arch for a in op.ptx)
        return OpDecision(op, Status.AVAILABLE, mode="aot",
                          checks=(Check("ptx selection", None, f"no GPU: not checked (ships {shipped})"),))
    if blocker is None:
        resolution = resolve_ptx(op, candidate.package_dir, env)
        checks.extend(resolution.checks)
        if resolution.problem is not None:
            blocker = resolution.problem
        else:
            return OpDecision(op, Status.AVAILABLE, mode="aot", ptx=resolution.artifact, ptx_path=resolution.path,
                              ptx_bytes=resolution.data, checks=tuple(checks))
    if op.jit_fallback:
        note = Reason("AOT_FALLBACK_JIT", f"{op.id} runs its JIT implementation: {blocker.message}")
        return OpDecision(op, Status.AVAILABLE, mode="jit", reasons=(note,), checks=tuple(checks))
    return OpDecision(op, Status.REJECTED, reasons=(blocker,), checks=tuple(checks))


@dataclass(frozen=True)
class PtxResolution:
    """The PTX chosen for a GPU, verified, or the reason none can be used."""

    artifact: PtxArtifact | None
    path: Path | None
    data: bytes | None
    problem: Reason | None
    checks: tuple[Check, ...]


def resolve_ptx(op: OpSpec, package_dir: Path | None, env: Environment) -> PtxResolution:
    """Choose the packaged PTX for ``env``'s GPU and verify it: path, sha256, target, ISA, entry."""
    shipped = ", ".join(a.arch for a in op.ptx) or "none"
    checks: list[Check] = []

    def fail(code: str, message: str, artifact: PtxArtifact | None = None, path: Path | None = None) -> PtxResolution:
        checks.append(Check("ptx", False, message))
        return PtxResolution(artifact, path, None, Reason(code, message), tuple(checks))

    if env.compute_capability is None:
        return fail("PTX_NO_MATCH", f"no GPU to choose PTX for; {op.id} ships {shipped}")
    cc = env.compute_capability
    chosen_arch = select_ptx([a.arch for a in op.ptx], cc)
    if chosen_arch is None:
        return fail("PTX_NO_MATCH", f"{op.id} has no PTX that runs on sm_{cc[0]}{cc[1]}; the package ships {shipped}"
                    " (an sm_XXa target runs only on that exact architecture)")
    artifact = next(a for a in op.ptx if a.arch == chosen_arch)
    checks.append(Check("ptx selection", True, f"{artifact.arch} for sm_{cc[0]}{cc[1]} (ships {shipped})"))
    if package_dir is None:
        return fail("PTX_MISSING", f"{op.id}: the plugin's package directory is unknown", artifact)
    path = safe_package_path(package_dir, artifact.path)
    if path is None:
        return fail("PTX_PATH_ESCAPES", f"{op.id}: PTX path {artifact.path!r} points outside the package", artifact)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return fail("PTX_MISSING", f"{op.id}: {artifact.path} is not in the package (reinstall it)", artifact, path)
    except OSError as exc:
        return fail("PTX_MISSING", f"{op.id}: {artifact.path} cannot be read ({exc.strerror})", artifact, path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != artifact.sha256:
        return fail("PTX_HASH_MISMATCH", f"{op.id}: {artifact.path} has sha256 {digest[:16]}..., the manifest "
                    f"records {artifact.sha256[:16]}...: the file was altered and will not be used", artifact, path)
    checks.append(Check("ptx sha256", True, f"{artifact.path} matches {artifact.sha256[:16]}..."))
    try:
        header = parse_ptx(data)
    except PtxFormatError as exc:
        return fail("PTX_INVALID", f"{op.id}: {artifact.path}: {exc}", artifact, path)
    if parse_arch(header.target) != parse_arch(artifact.arch):
        return fail("PTX_TARGET_MISMATCH", f"{op.id}: {artifact.path} has .target {header.target}, declared for "
                    f"{artifact.arch}", artifact, path)
    if header.entry(artifact.kernel) is None:
        found = ", ".join(e.name for e in header.entries) or "none"
        return fail("PTX_INVALID", f"{op.id}: {artifact.path} has no kernel {artifact.kernel!r} (entries: {found})",
                    artifact, path)
    max_isa = env.max_ptx_isa
    if max_isa is None:
        checks.append(Check("ptx isa", None, f"ISA {header.isa_text}; driver unknown, not checked"))
    elif header.isa > max_isa:
        return fail("PTX_ISA_TOO_NEW", f"{op.id}: {artifact.path} is PTX ISA {header.isa_text}; driver "
                    f"{env.driver} loads ISA <= {max_isa[0]}.{max_isa[1]} (update the driver or rebuild with a "
                    "lower ptx_version)", artifact, path)
    else:
        checks.append(Check("ptx isa", True, f"ISA {header.isa_text} <= {max_isa[0]}.{max_isa[1]} (driver {env.driver})"))
    return PtxResolution(artifact, path, data, None, tuple(checks))


def safe_package_path(package_dir: Path, relative: str) -> Path | None:
    """``package_dir / relative`` if it stays inside the package, links followed; else ``None``.

    Lexically: no absolute path, no ``..``. Then each component below the package is checked with
    ``lstat``; only a symbolic link (rare) costs a full resolution, which must land inside the
    package too. This is a few system calls, not a ``realpath`` of the whole absolute path.
    """
    if not relative or os.path.isabs(relative) or relative.startswith(("/", "\\")):
        return None
    parts = Path(relative).parts
    if ".." in parts:
        return None
    current = package_dir
    for part in parts:
        current = current / part
        try:
            is_link = stat.S_ISLNK(os.lstat(current).st_mode)
        except OSError:
            return current  # missing: the caller reports PTX_MISSING with this path
        if is_link:
            root = package_dir.resolve()
            target = (package_dir / relative).resolve()
            try:
                target.relative_to(root)
            except ValueError:
                return None
            return target
    return current


# ----------------------------------------------------------------------------------------------
# Conflicts


def _resolve_conflicts(decisions: list[PluginDecision], settings: Settings) -> list[PluginDecision]:
    claims: dict[str, list[tuple[int, int]]] = {}
    for p_index, decision in enumerate(decisions):
        if decision.status is not Status.AVAILABLE:
            continue
        for o_index, op_decision in enumerate(decision.ops):
            if op_decision.accepted:
                claims.setdefault(op_decision.op.id, []).append((p_index, o_index))
    updates: dict[tuple[int, int], OpDecision] = {}
    winners_by_holder: dict[tuple[int, int], str] = {}
    for op_id, holders in sorted(claims.items()):
        plugins = {p for p, _ in holders}
        if len(plugins) < 2:
            continue
        winner, rule = _pick_winner(op_id, holders, decisions, settings)
        winner_plugin = decisions[winner].candidate
        losers = sorted({decisions[p].candidate.name for p in plugins if p != winner})
        for p_index, o_index in holders:
            op_decision = decisions[p_index].ops[o_index]
            if p_index == winner:
                note = Reason("CONFLICT_WON", f"{op_id} is also claimed by {', '.join(losers)}; {winner_plugin.name} "
                              f"wins ({rule})")
                updates[(p_index, o_index)] = replace(op_decision, reasons=op_decision.reasons + (note,))
            else:
                winners_by_holder[(p_index, o_index)] = winner_plugin.name
                lost = Reason("CONFLICT_LOST", f"{op_id} is provided by {winner_plugin.name} "
                              f"({winner_plugin.entry_point.distribution}) instead ({rule}); set "
                              f"TRT_PLUGIN_HUB_PREFER={op_id}={decisions[p_index].candidate.name} to choose this one")
                updates[(p_index, o_index)] = replace(op_decision, status=Status.REJECTED,
                                                      reasons=op_decision.reasons + (lost,))
    result = []
    for p_index, decision in enumerate(decisions):
        ops = tuple(updates.get((p_index, o_index), op) for o_index, op in enumerate(decision.ops))
        if ops != decision.ops:
            decision = replace(decision, ops=ops)
            if not any(op.accepted for op in ops):
                winners = sorted({w for (p, _), w in winners_by_holder.items() if p == p_index})
                decision = replace(decision, status=Status.REJECTED, reasons=decision.reasons + (
                    Reason("CONFLICT_LOST", f"every op of {decision.candidate.name} is provided by another plugin "
                           f"({', '.join(winners)})"),))
        result.append(decision)
    return result


def _pick_winner(op_id: str, holders: list[tuple[int, int]], decisions: list[PluginDecision],
                 settings: Settings) -> tuple[int, str]:
    preferred = settings.prefer.get(op_id)
    if preferred:
        for p_index, _ in holders:
            names = {normalize_name(n) for n in decisions[p_index].candidate.names}
            if preferred in names:
                return p_index, "TRT_PLUGIN_HUB_PREFER names it"
    def key(holder: tuple[int, int]) -> tuple[int, str, str, str]:
        p_index, o_index = holder
        candidate = decisions[p_index].candidate
        high = decisions[p_index].ops[o_index].op.priority == "high"
        return (0 if high else 1, normalize_name(candidate.name), candidate.entry_point.distribution or "",
                candidate.entry_point.version or "")
    ordered = sorted(holders, key=key)
    first, second = key(ordered[0]), key(ordered[1])
    if first[0] != second[0]:
        return ordered[0][0], "priority high beats standard"
    return ordered[0][0], "equal priority: tie broken by plugin name, alphabetically"


__all__ += ["safe_package_path", "PtxResolution"]
