"""Running ``verify``: load each op's PTX, launch it as TensorRT does, compare, and time it.

Every output is poisoned (NaN) before each launch and followed by a poisoned guard region, so
elements left unwritten and writes past the end are both caught.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from trt_plugin_hub._errors import HubError
from trt_plugin_hub._launch import INT32_MAX, LaunchSpec, encode_extras, grid_x
from trt_plugin_hub._launch.checks import check_kernel_params, pack_kernel_args
from trt_plugin_hub._manifest import OpSpec
from trt_plugin_hub._ptx import resolve_ptx

from . import _device
from ._model import OpResult, SizeResult, VerifyReport, VerifySettings, VerifyStatus, numel_of
from ._plan import OpPlan, Package, collect_packages, plan_op

__all__ = ["POISON_BITS", "run_verify", "verify_op"]

#: A float32 quiet NaN's bit pattern: outputs are filled with it before each launch.
POISON_BITS = 0x7FC00000


def verify_op(gpu: _device.CudaDevice, env: Any, package: Package, op: OpSpec, settings: VerifySettings,
              rng: random.Random) -> OpResult:
    """Load, launch, compare and time one AOT op at every shape."""
    result = OpResult(plugin=package.name, op=op.id, status=VerifyStatus.ERROR, launch=op.launch)
    if op.launch is None:
        return replace(result, error="the op declares no 'launch' section, so how TensorRT launches it is unknown")
    resolution = resolve_ptx(op.id, op.ptx, package.package_dir, cc=env.compute_capability, max_isa=env.max_ptx_isa,
                             driver=env.driver)
    artifact = resolution.artifact
    if artifact is not None:
        result = replace(result, arch=artifact.arch, kernel=artifact.kernel, ptx=artifact.path,
                         sha256=artifact.sha256)
    if resolution.problem is not None or resolution.data is None or artifact is None:
        message = resolution.problem.message if resolution.problem else "no PTX"
        return replace(result, error=f"[{resolution.problem.code if resolution.problem else 'PTX_MISSING'}] {message}")
    try:
        plan = plan_op(package, op, settings)
    except ValueError as exc:
        return replace(result, error=str(exc))
    result = replace(result, reference=plan.reference_name, attrs=dict(plan.attrs), dtype=plan.dtype, rtol=plan.rtol)
    dtype = getattr(gpu.torch, plan.dtype, None)
    if not isinstance(dtype, gpu.torch.dtype) or not dtype.is_floating_point:
        return replace(result, error=f"x-verify.dtype {plan.dtype!r} is not a torch floating-point dtype")
    entry = resolution.text.entry(artifact.kernel) if resolution.text is not None else None
    if entry is None:  # resolve_ptx checked it
        return replace(result, error=f"{artifact.path}: no entry {artifact.kernel}")
    try:
        module, function = gpu.load(resolution.data, artifact.kernel)
    except RuntimeError as exc:
        return replace(result, error=f"{artifact.path}: {exc}")
    sizes: list[SizeResult] = []
    try:
        for shape in settings.shapes:
            sizes.append(_verify_shape(gpu, function, op.launch, entry.types, plan, dtype, shape, settings, rng))
            if sizes[-1].error and "illegal" in sizes[-1].error.lower():
                break  # the context is unusable after a fault: later shapes would only repeat it
    finally:
        gpu.unload(module)
    status = VerifyStatus.OK if sizes and all(s.passed for s in sizes) else VerifyStatus.MISMATCH
    return replace(result, status=status, sizes=tuple(sizes))


def _verify_shape(gpu: _device.CudaDevice, function: Any, launch: LaunchSpec, params: Sequence[str], plan: OpPlan,
                  dtype: Any, shape: tuple[int, ...], settings: VerifySettings, rng: random.Random) -> SizeResult:
    torch = gpu.torch
    numel = numel_of(shape)
    grid = grid_x(launch, numel)
    # Guard: one block's worth of poisoned elements after each output catches a kernel whose
    # bounds check is off for sizes that are not a multiple of elements_per_block.
    guard = launch.elements_per_block
    base = SizeResult(shape=shape, numel=numel, grid=grid, trials=0, max_rel_error=None, unwritten=0,
                      guard_overwritten=0, passed=False, bytes_moved=0)
    if grid > INT32_MAX:
        return replace(base, error=f"grid {grid} exceeds the CUDA limit")
    worst = 0.0
    unwritten = overwritten = 0
    trials = max(settings.trials, 1)
    try:
        generator = torch.Generator(device=gpu.tensor_device)
        generator.manual_seed(rng.getrandbits(63))
        # Inputs are allocated once and refilled for every trial, so the launch's pointers stay valid.
        inputs = [torch.empty(shape, dtype=dtype, device=gpu.tensor_device) for _ in plan.tensor_params]
        buffers: list[Any] = []
        outputs: list[Any] = []
        run: Callable[[], None] | None = None
        for _trial in range(trials):
            for tensor in inputs:
                tensor.normal_(generator=generator)
            expected = _as_tuple(plan.reference(*inputs, **plan.attrs))
            if run is None:
                # One output per tensor the reference returns, shaped and typed like it (the launch
                # contract makes output 0 like input 0, and so does the reference).
                buffers = [torch.empty(t.numel() + guard, dtype=t.dtype, device=gpu.tensor_device) for t in expected]
                outputs = [b[: t.numel()].view(t.shape) for b, t in zip(buffers, expected, strict=True)]
                extras = encode_extras(launch, numel, plan.attrs)
                args = pack_kernel_args([t.data_ptr() for t in inputs], extras, [t.data_ptr() for t in outputs])
                problem = check_kernel_params(params, args)
                if problem is not None:
                    return replace(base, error=problem)
                run = gpu.launcher(function, grid, launch, args)
            for buffer in buffers:
                _poison(torch, buffer)
            run()
            gpu.synchronize()
            for buffer, out, ref in zip(buffers, outputs, expected, strict=False):
                error, missing = _compare(torch, out, ref)
                worst = max(worst, error)
                unwritten += missing
                overwritten += _guard_damage(torch, buffer[out.numel():])
    except (RuntimeError, ValueError) as exc:
        return replace(base, error=str(exc).splitlines()[0])
    if run is None:  # trials >= 1: the first trial sets it or returns
        return replace(base, error="no trial ran")
    passed = unwritten == 0 and overwritten == 0 and worst <= plan.rtol
    nbytes = sum(t.numel() * t.element_size() for t in inputs) + sum(t.numel() * t.element_size() for t in outputs)
    result = replace(base, trials=trials, max_rel_error=worst, unwritten=unwritten,
                     guard_overwritten=overwritten, passed=passed, bytes_moved=nbytes)
    if not settings.time or not passed:
        return result
    try:
        kernel_ms = gpu.time_ms(run, settings.reps, settings.warmup)
        copy_ms = _time_copy(gpu, nbytes, dtype, settings)
        eager_ms = gpu.time_ms(lambda: plan.reference(*inputs, **plan.attrs), settings.reps, settings.warmup)
    except RuntimeError as exc:
        return replace(result, error=f"timing failed: {str(exc).splitlines()[0]}")
    return replace(result, kernel_ms=kernel_ms, copy_ms=copy_ms, eager_ms=eager_ms)


def _time_copy(gpu: _device.CudaDevice, nbytes: int, dtype: Any, settings: VerifySettings) -> float:
    """Median milliseconds of ``dst.copy_(src)`` moving ``nbytes`` (half read, half written)."""
    element = gpu.torch.empty((), dtype=dtype).element_size()
    src = gpu.torch.empty(max(nbytes // 2 // element, 1), dtype=dtype, device=gpu.tensor_device).normal_()
    dst = gpu.torch.empty_like(src)
    return gpu.time_ms(lambda: dst.copy_(src), settings.reps, settings.warmup)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _compare(torch: Any, out: Any, ref: Any) -> tuple[float, int]:
    """``(max|out - ref| / max|ref|, elements left unwritten)``, NaN-aware, in float64."""
    if out.shape != ref.shape:
        raise ValueError(f"the reference returns shape {tuple(ref.shape)}, the kernel's output is {tuple(out.shape)}")
    o = out.detach().to(torch.float64)
    r = ref.detach().to(device=out.device, dtype=torch.float64)
    o_nan, r_nan = torch.isnan(o), torch.isnan(r)
    unwritten = int((o_nan & ~r_nan).sum().item())
    # Equal values (infinities included) differ by 0; a NaN on one side only is an infinite error.
    diff = torch.where(o == r, torch.zeros_like(o), (o - r).abs())
    diff = torch.where(o_nan & r_nan, torch.zeros_like(diff), diff)
    diff = torch.nan_to_num(diff, nan=math.inf)
    finite = r[torch.isfinite(r)]
    scale = float(finite.abs().max().item()) if finite.numel() else 0.0
    worst = float(diff.max().item()) if diff.numel() else 0.0
    if worst == 0.0:
        return 0.0, unwritten
    return (worst / scale if scale > 0 else math.inf), unwritten


def _poison(torch: Any, buffer: Any) -> None:
    """Fill ``buffer`` with NaN (float32: the exact bits ``POISON_BITS``, so the guard check is bitwise)."""
    if buffer.element_size() == 4:
        buffer.view(torch.int32).fill_(POISON_BITS)
    else:
        buffer.fill_(float("nan"))


def _guard_damage(torch: Any, guard: Any) -> int:
    """Guard elements that no longer hold the poison: writes past the end of an output."""
    if guard.element_size() == 4:
        return int((guard.view(torch.int32) != POISON_BITS).sum().item())
    return int((~torch.isnan(guard)).sum().item())


def run_verify(settings: VerifySettings) -> VerifyReport:
    """Verify every selected AOT and kernels op on the current GPU.

    Raises :class:`Unavailable` when torch, cuda-python or a GPU is missing, and
    :class:`~trt_plugin_hub.HubError` for a ``--package`` that cannot be read.
    """
    torch, driver = _device.load_gpu_stack()  # looked up at call time: tests replace it
    packages, problems = collect_packages(settings)
    # Kernels ops run their PTX exactly as aot ops do: the same launch, the same calling convention.
    selected = [(p, op) for p in packages for op in p.manifest.ops if op.kind.prebuilt
                and (not settings.ops or op.id in settings.ops)]
    if settings.ops:
        known = {op.id for p in packages for op in p.manifest.ops if op.kind.prebuilt}
        unknown = sorted(set(settings.ops) - known)
        if unknown:
            raise HubError(f"no AOT op {', '.join(unknown)} (found: {', '.join(sorted(known)) or 'none'})")
    seed = settings.seed if settings.seed is not None else random.SystemRandom().getrandbits(31)
    settings = replace(settings, seed=seed)
    rng = random.Random(seed)
    gpu = _device.CudaDevice(torch, driver)
    try:
        env = _device.host_environment(gpu)
        device = gpu.device_info(env)
        results = tuple(verify_op(gpu, env, package, op, settings, rng) for package, op in selected)
    finally:
        gpu.close()
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return VerifyReport(device=device, settings=settings, ops=results, problems=tuple(problems), created=created)
