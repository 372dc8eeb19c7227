"""An AOT op's kernel: its launch section, TensorRT's parameter order, and every PTX file.

Each PTX file is checked inside the package, present, with the recorded sha256, ``.target`` and
ISA, an ISA the declared drivers load, the entry kernel in TensorRT's AOT parameter order (input
pointers, the int32 ``launch.extras``, output pointers), and assembled by ``ptxas`` where one
that reads its ISA is found.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._launch.checks import (
    CUDA_ELEMENT_TYPES,
    INT32_ATTR_TYPES,
    TRITON_ELEMENT_TYPES,
    geometry_problems,
    param_kinds,
    signature_kinds,
    signature_split,
    triton_param_kind,
)
from trt_plugin_hub._manifest import (
    GEOMETRY_CODE,
    MANIFEST_FILENAME,
    NvrtcRecipe,
    OpSpec,
    TritonRecipe,
    recipe_options,
)
from trt_plugin_hub._ptx import (
    ArtifactCheck,
    ArtifactProblem,
    IsaLimit,
    PtxArtifact,
    PtxEntry,
    artifact_problems,
    assemble,
    find_ptxas,
    stale_sources,
)
from trt_plugin_hub._ptx.ptxas import PTXAS_ENV

from .model import BUILD_FIX, REBUILD_FIX, Findings, Severity
from .qdp import Signature
from .sources import Sources, qualify

__all__ = ["check_autotune_types", "check_built_from", "check_launch", "check_ptx", "expected_params", "ptxas_summary"]


def expected_params(ctx: Findings, op: OpSpec, where: str, signature: Signature | None,
                    manifest_file: str) -> list[tuple[str, str]] | None:
    """TensorRT's launch order for the op's kernel as (kind, label) pairs, or None if unknown."""
    if op.launch is None:
        return None
    extras = list(op.launch.extras)
    n_in = len(signature.tensors) if signature is not None else None
    n_out = signature.outputs if signature is not None else None
    if isinstance(op.recipe, TritonRecipe):
        kinds = signature_kinds(dict(op.recipe.signature))
        split = signature_split(kinds, len(extras), n_in)
        if n_in is not None and n_out is not None and split != (n_in, len(extras), n_out):
            has = (f"{split[0]} input pointer(s), {split[1]} int32 scalar(s) and {split[2]} output pointer(s)"
                   if split is not None else
                   f"parameters ({', '.join(kinds)}) that are not input pointers, {len(extras)} int32 scalar(s), "
                   "then output pointers")
            ctx.add(Severity.ERROR, "BUILD_SIGNATURE_MISMATCH", manifest_file, f"{where}.build.signature",
                    f"{op.id}: build.signature has {has}; the plugin has {n_in} input(s), {len(extras)} launch "
                    f"extra(s) and {n_out} output(s)",
                    "make build.signature list input pointers, then one i32 per launch.extras entry, then output "
                    "pointers")
        if split is not None:
            n_in = split[0] if n_in is None else n_in
            n_out = split[2] if n_out is None else n_out
    if n_in is None or n_out is None:
        return None
    names = list(signature.tensors) if signature is not None else [f"input {i}" for i in range(n_in)]
    kinds_in_order = param_kinds(n_in, len(extras), n_out)
    labels = ([f"{name} (input pointer)" for name in names[:n_in]] + [f"{extra} (int32)" for extra in extras]
              + [f"outputs[{i}] (output pointer)" for i in range(n_out)])
    return list(zip(kinds_in_order, labels, strict=True))


def check_launch(ctx: Findings, op: OpSpec, where: str, signature: Signature | None, manifest_file: str,
                 checked: list[str]) -> None:
    """The op's launch section: present, its ``attr:`` extras naming int32-passable plugin attributes."""
    if op.launch is None:
        # An error where the op's aot_impl calls the hub's launch: the engine build fails there.
        hub = signature is not None and signature.hub_launch
        ctx.add(Severity.ERROR if hub else Severity.WARNING, "LAUNCH_MISSING", manifest_file, f"{where}.launch",
                f"{op.id}: no launch section; trt_plugin_hub.aot.launch"
                f"{' (which its @trtp.aot_impl calls, so the engine build fails)' if hub else ''} and `verify` "
                "need it, and the kernel's parameter list cannot be checked",
                "declare launch: block_threads, elements_per_block and extras (int32 arguments after the inputs)")
        return
    types = dict(signature.attrs) if signature is not None else {}
    for index, name in op.launch.attribute_extras:
        extra = op.launch.extras[index]
        if signature is not None and name not in types:
            ctx.add(Severity.ERROR, "LAUNCH_ATTR_UNKNOWN", manifest_file, f"{where}.launch.extras[{index}]",
                    f"{op.id}: launch extra {extra!r} names no attribute of the plugin (attributes: "
                    f"{', '.join(types) or 'none'})", "name one of the @trtp.register attributes")
        elif types.get(name) is not None and types[name] not in INT32_ATTR_TYPES:
            ctx.add(Severity.ERROR, "LAUNCH_ATTR_TYPE", manifest_file, f"{where}.launch.extras[{index}]",
                    f"{op.id}: attribute {name!r} is {types[name]}; TensorRT passes AOT kernels int32 extras only",
                    "pass an int, bool or float attribute (a float travels as its int32 bits), or bake the value "
                    "into the kernel")
        elif types.get(name) == "float":
            checked.append(f"launch extra {extra!r}: float attribute travels as its float32 bit pattern "
                           "(trt_plugin_hub.aot.float_bits; read it back with __int_as_float or a Triton bitcast)")


def check_ptx(ctx: Findings, op: OpSpec, where: str, package_dir: Path, expected: list[tuple[str, str]] | None,
              limit: IsaLimit | None, checked: list[str]) -> tuple[int, int]:
    """Every PTX file of an AOT op; returns (files checked, files assembled)."""
    manifest_file = ctx.show(package_dir / MANIFEST_FILENAME)
    files = assembled = 0
    for index, artifact in enumerate(op.ptx):
        read, built = _check_ptx_file(ctx, op, f"{where}.ptx[{index}]", package_dir, artifact, expected, limit,
                                      checked, manifest_file)
        files += read
        assembled += built
    return files, assembled


def _check_ptx_file(ctx: Findings, op: OpSpec, at: str, package_dir: Path, artifact: PtxArtifact,
                    expected: list[tuple[str, str]] | None, limit: IsaLimit | None, checked: list[str],
                    manifest_file: str) -> tuple[int, int]:
    """One PTX file of an AOT op; returns (1 if it was read, 1 if it was assembled)."""
    check = artifact_problems(package_dir, artifact, max_isa=limit.isa if limit else None)
    shown = ctx.show(check.path) if check.path is not None else manifest_file
    problems_before = len(ctx.findings)
    for problem in check.problems:
        _report(ctx, op, at, shown, artifact, check, problem, limit)
    text = check.text
    if text is None:  # outside the package, missing or unreadable: nothing more to check
        return (0, 0) if check.data is None else (1, 0)
    if check.entry is not None and expected is not None:
        _check_params(ctx, op, at, shown, artifact, check.entry, expected)
    if check.entry is not None:
        _check_geometry(ctx, op, at, shown, artifact, check.entry)
    assembled, assembled_note = _assemble(ctx, op, at, shown, artifact, check)
    if len(ctx.findings) == problems_before:
        checked.append(f"{artifact.path}: .target {text.target}, ISA {text.isa_text}, sha256 ok, "
                       f"{artifact.kernel}({len(check.entry.params) if check.entry else '?'} params) in TensorRT's "
                       f"order, {assembled_note}")
    return 1, assembled


def _report(ctx: Findings, op: OpSpec, at: str, shown: str, artifact: PtxArtifact,
            check: ArtifactCheck, problem: ArtifactProblem, limit: IsaLimit | None) -> None:
    """``validate``'s finding for one problem of a PTX file."""
    field_name, path, text = f"{at}.{problem.field}", artifact.path, check.text
    if problem.code == "PTX_PATH_ESCAPES":
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: PTX path {path!r} points outside the package",
                "keep PTX files inside the package (the build writes them under ptx/)")
        return
    if problem.code == "PTX_MISSING":
        reason = problem.error.strerror if isinstance(problem.error, OSError) else None
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: {path} is not in the package ({reason or problem.error})",
                f"{BUILD_FIX}; and list the PTX files as package data (e.g. \"ptx/*.ptx\") so they reach the wheel")
        return
    if problem.code == "PTX_HASH_MISMATCH":
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: {path} has sha256 {check.sha256}, the manifest records {artifact.sha256}: the "
                "file was altered after the build, and the hub refuses it", REBUILD_FIX)
        return
    if problem.code == "PTX_INVALID" or text is None:
        ctx.add(Severity.ERROR, "PTX_INVALID", shown, field_name, f"{op.id}: {path}: {problem.error}", REBUILD_FIX)
        return
    if problem.code == "PTX_TARGET_MISMATCH":
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: {path} says .target {text.target} but is declared for {artifact.arch}; "
                "the hub would hand it to GPUs it was not built for", REBUILD_FIX)
        return
    if problem.code == "PTX_ISA_MISMATCH":
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: the manifest records PTX ISA {artifact.isa}, {path} says .version {text.isa_text}",
                REBUILD_FIX)
        return
    if problem.code == "PTX_KERNEL_MISSING":
        names = [e.name for e in text.entries]
        mangled = any(artifact.kernel in n for n in names)
        ctx.add(Severity.ERROR, problem.code, shown, field_name,
                f"{op.id}: {path} has no .entry {artifact.kernel!r} (entries: {', '.join(names) or 'none'})",
                'declare the CUDA kernel extern "C" so its name is not mangled' if mangled else REBUILD_FIX)
        return
    ctx.add(Severity.ERROR, "PTX_ISA_TOO_NEW", shown, field_name,
            f"{op.id}: {path} is PTX ISA {text.isa_text}, but {limit.describe() if limit else 'the drivers'}; "
            "those drivers fail to load it (CUDA_ERROR_UNSUPPORTED_PTX_VERSION), which TensorRT reports only when "
            "the engine runs",
            "rebuild with a compiler that writes an older ISA (Triton: the build lowers ptx_version "
            "itself; NVRTC: pin the NVRTC release, e.g. nvidia-cuda-nvrtc-cu12==12.8.* for ISA 8.7), or "
            "raise requires.cuda_driver")


def _check_params(ctx: Findings, op: OpSpec, at: str, shown: str, artifact: PtxArtifact, entry: PtxEntry,
                  expected: list[tuple[str, str]]) -> None:
    """The entry kernel takes its parameters in TensorRT's order."""
    if [p.kind for p in entry.params] != [kind for kind, _ in expected]:
        have = ", ".join(f"{p.ptx_type} {p.name}" for p in entry.params)
        want = ", ".join(f"{label} {'.u64' if kind == 'ptr' else '.u32/.s32'}" for kind, label in expected)
        ctx.add(Severity.ERROR, "PTX_PARAMS_MISMATCH", shown, f"{at}.kernel",
                f"{op.id}: kernel {artifact.kernel!r} takes ({have}); TensorRT launches it with ({want}): "
                "input pointers, then the int32 launch.extras, then output pointers",
                "reorder the kernel's parameters to that order (and launch.extras to match), then rebuild")


def _check_geometry(ctx: Findings, op: OpSpec, at: str, shown: str, artifact: PtxArtifact, entry: PtxEntry) -> None:
    """``launch.block_threads`` is a block the kernel runs (``.reqntid``) or accepts (``.maxntid``)."""
    if op.launch is None:
        return
    where = at.rpartition(".ptx[")[0]
    for problem in geometry_problems(op.launch, threads=entry.required_threads,
                                     threads_from=f"{artifact.path} says .reqntid {entry.required_threads}",
                                     max_threads=entry.max_threads,
                                     max_from=f"{artifact.path} says .maxntid {entry.max_threads}"):
        field_name = f"{where}.launch.{problem.key}"
        if any(f.code == GEOMETRY_CODE and f.field == field_name for f in ctx.findings):
            continue  # once per op, not once per architecture
        ctx.add(Severity.ERROR, GEOMETRY_CODE, shown, field_name,
                f"{op.id}: launch.{problem.key} is {problem.found}, but the kernel needs {problem.expected}; TensorRT "
                "would launch it with a block it cannot run",
                f"set launch.{problem.key} to match the kernel (or leave it out of a Triton op's launch section: the "
                "build writes it), then rebuild")


def check_built_from(ctx: Findings, op: OpSpec, where: str, package_dir: Path, checked: list[str]) -> None:
    """The PTX files are built from the sources and options the package holds now (``built_from``).

    One finding per op: every architecture's file is built from the same sources.
    """
    recorded = [(index, a.built_from) for index, a in enumerate(op.ptx) if a.built_from is not None]
    if not recorded:
        return
    package = ctx.show(package_dir)
    fix = (f"rebuild the PTX from the current sources: `trt-plugin-hub build {package}` (or `pip wheel --no-deps -w "
           "dist .` in the project), then validate the new wheel")
    stale: dict[str, tuple[int, str, str | None]] = {}
    for index, record in recorded:
        for rel, now in stale_sources(package_dir, record):
            stale.setdefault(rel, (index, dict(record.sources)[rel], now))
    for rel, (index, before, now) in stale.items():
        field_name = f"{where}.ptx[{index}].built_from.sources"
        if now is None:
            ctx.add(Severity.INFO, "PTX_SOURCE_UNAVAILABLE", ctx.show(package_dir / rel), field_name,
                    f"{op.id}: {rel}, a source the PTX was built from, is not in the package: whether the PTX is "
                    "stale was not checked", "ship the kernel source with the package (package data)")
            continue
        ctx.add(Severity.ERROR, "PTX_STALE", ctx.show(package_dir / rel), field_name,
                f"{op.id}: {rel} changed after its PTX was built (sha256 {now[:12]}..., the PTX was built from "
                f"{before[:12]}...): the {len(recorded)} PTX file(s) still hold the old kernel", fix)
    if op.recipe is not None:
        current = recipe_options(op.recipe)
        for _, record in recorded:
            changed = [key for key in sorted({*current, *record.options})
                       if current.get(key) != record.options.get(key)]
            if changed:
                key = changed[0]
                also = f" (also changed: {', '.join(changed[1:])})" if changed[1:] else ""
                ctx.add(Severity.ERROR, "PTX_STALE", ctx.show(package_dir / MANIFEST_FILENAME), f"{where}.build.{key}",
                        f"{op.id}: build.{key} is {current.get(key)!r}, but the PTX was built with "
                        f"{record.options.get(key)!r}{also}", fix)
                break
    if not any(f.code == "PTX_STALE" and f.field.startswith(f"{where}.") for f in ctx.findings):
        compilers = sorted({record.compiler for _, record in recorded})
        checked.append(f"built from the current sources and build options ({', '.join(compilers)})")


def _io_types(call: ast.Call) -> tuple[str, int] | None:
    """The ``io_types`` text of a ``trtp.AutoTuneCombination(...)`` call and its line, when written as a literal."""
    value = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "io_types"), None)
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value, value.lineno
    return None


_CUDA_QUALIFIERS = frozenset({"const", "volatile", "__restrict__", "__restrict", "restrict", "__global__",
                              "struct"})


def _cuda_pointers(package_dir: Path, source: str, kernel: str) -> list[tuple[str, str]] | None:
    """(name, element type) of each pointer parameter of the CUDA kernel ``kernel``, or None if unreadable."""
    try:
        text = (package_dir / source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", text, flags=re.DOTALL)
    match = re.search(rf"\b{re.escape(kernel)}\s*\(([^)]*)\)\s*\{{", text)
    if match is None:
        return None
    pointers: list[tuple[str, str]] = []
    for param in (p.strip() for p in match.group(1).split(",") if p.strip()):
        if "*" not in param:
            continue
        base, _, name = param.rpartition("*")
        words = [w for w in base.replace("*", " ").split() if w not in _CUDA_QUALIFIERS]
        names = [w for w in name.split() if w not in _CUDA_QUALIFIERS]
        pointers.append((names[-1] if names else f"param {len(pointers)}", " ".join(words)))
    return pointers


def _kernel_pointers(op: OpSpec, package_dir: Path) -> tuple[list[tuple[str, str, tuple[str, ...]]], str] | None:
    """Each pointer parameter of the op's kernel: (name, its type as written, the TensorRT types it holds).

    Also returns the manifest field that declares them. None when they cannot be read.
    """
    recipe = op.recipe
    if isinstance(recipe, TritonRecipe):
        return [(name, kind, TRITON_ELEMENT_TYPES.get(kind, ())) for name, kind in recipe.signature
                if triton_param_kind(kind) == "ptr"], "build.signature"
    if isinstance(recipe, NvrtcRecipe):
        pointers = _cuda_pointers(package_dir, recipe.source, recipe.kernel)
        if pointers is None:
            return None
        return [(name, f"{kind}*", CUDA_ELEMENT_TYPES.get(kind, ())) for name, kind in pointers], "build.source"
    return None


def check_autotune_types(ctx: Findings, sources: Sources, op: OpSpec, where: str, signature: Signature | None,
                         checked: list[str]) -> None:
    """Each type an ``@trtp.autotune`` combination offers is the element type the kernel is compiled for.

    The kernel's types are ``build.signature``'s (Triton) or the CUDA kernel's pointer parameters
    (NVRTC). TensorRT picks any combination the autotune function offers; the PTX reads and writes
    the types the kernel was compiled for, so another type is read as garbage. Positions are the
    inputs, then the outputs, as the kernel's pointers are. Combinations built at run time (not a
    string literal) are not checked.
    """
    found = _kernel_pointers(op, sources.package_dir)
    if found is None:
        return
    pointers, declared_in = found
    labels = [*(signature.tensors if signature is not None else ())]
    for source in sources.search_order(sources.module(op.module)):
        for entry in (d for d in source.decorated if d.kind == "autotune" and d.op_id == op.id):
            for node in ast.walk(entry.function):
                if not (isinstance(node, ast.Call)
                        and (qualify(node.func, source.aliases) or "").endswith(".AutoTuneCombination")):
                    continue
                literal = _io_types(node)
                if literal is None:
                    continue
                text, line = literal
                positions = [p.strip() for p in text.split(",")]
                if len(positions) != len(pointers):
                    continue  # the parameter checks say which count is wrong
                for index, (position, (name, kind, allowed)) in enumerate(zip(positions, pointers, strict=True)):
                    offered = [t.strip() for t in position.replace("*", "|").split("|") if t.strip()]
                    wrong = [t for t in offered if t not in allowed]
                    if not wrong or not allowed:
                        continue
                    label = labels[index] if index < len(labels) else (
                        f"outputs[{index - len(labels)}]" if labels else f"position {index}")
                    field_name = (f"{where}.build.signature.{name}" if declared_in == "build.signature"
                                  else f"{where}.build.source")
                    ctx.add(Severity.ERROR, "AUTOTUNE_TYPE_MISMATCH", f"{source.display}:{line}", field_name,
                            f"{op.id}: @trtp.autotune offers {'|'.join(wrong)} for {label} (I/O position {index}), "
                            f"but the kernel is compiled with {name} as {kind} ({declared_in}): TensorRT may pick "
                            f"{wrong[0]} and the PTX would read and write it as {allowed[0]}",
                            f"offer only {allowed[0]} at that position, or compile the kernel for that type "
                            f"({declared_in})")
            if not any(f.code == "AUTOTUNE_TYPE_MISMATCH" and f.field.startswith(f"{where}.") for f in ctx.findings):
                checked.append(f"@trtp.autotune types match the kernel's ({declared_in})")
            return


def _assemble(ctx: Findings, op: OpSpec, at: str, shown: str, artifact: PtxArtifact,
              check: ArtifactCheck) -> tuple[int, str]:
    """``ptxas`` on the file where one reads its ISA; returns (1 if assembled, a note for the summary)."""
    text = check.text
    if text is None or check.data is None:
        return 0, "not assembled (unreadable)"
    tool = find_ptxas(text.isa, prefer="path")
    if tool is None:
        ctx.ptxas_missing[text.isa] = ctx.ptxas_missing.get(text.isa, 0) + 1
        return 0, "not assembled (no ptxas)"
    where = {"env": PTXAS_ENV, "path": "PATH"}.get(tool.origin, "bundled with Triton; none on PATH reads this ISA")
    label = f"{tool.version} ({where})"
    ctx.ptxas_used[tool.path] = label
    try:
        assemble(check.data.decode("ascii", errors="replace"), text.target, tool, op_id=op.id, arch=artifact.arch)
    except PtxBuildError as exc:
        # The build's message is a headline then ptxas' own log, which names a temporary copy.
        log = str(exc).partition("\n")[2].strip().replace("kernel.ptx", Path(artifact.path).name)
        ctx.add(Severity.ERROR, "PTXAS_FAILED", shown, f"{at}.path",
                f"{op.id}: {label} -arch={text.target} rejects {artifact.path}:\n{log}", REBUILD_FIX)
        return 0, "not assembled (no ptxas)"
    return 1, f"assembled by {tool.version}"


def ptxas_summary(ctx: Findings) -> None:
    """One note per PTX ISA no ``ptxas`` was found for."""
    for isa, count in sorted(ctx.ptxas_missing.items()):
        ctx.add(Severity.INFO, "PTXAS_UNAVAILABLE", "", "",
                f"no ptxas that reads PTX ISA {isa[0]}.{isa[1]} was found (searched TRT_PLUGIN_HUB_PTXAS, Triton's "
                f"bundled ptxas and PATH): {count} PTX file(s) were not assembled",
                "install a CUDA toolkit whose ptxas reads that ISA (CUDA 12.8 reads 8.7, 13.0 reads 9.0) and put "
                "it on PATH, or set TRT_PLUGIN_HUB_PTXAS")
