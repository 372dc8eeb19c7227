"""The build step: compile every AOT op's kernel, check the PTX, write it and record it in the manifest."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import posixpath
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from trt_plugin_hub._atomic import write_atomic
from trt_plugin_hub._errors import PtxBuildError, PtxFormatError
from trt_plugin_hub._launch.checks import LAUNCH_BOUNDS, geometry_problems, param_order_problem
from trt_plugin_hub._manifest import MANIFEST_FILENAME, NvrtcRecipe, TritonRecipe, read_manifest, recipe_options
from trt_plugin_hub._ptx import (
    ARCH,
    BuildRecord,
    IsaLimit,
    Ptxas,
    assemble,
    find_entries,
    find_ptxas,
    format_isa,
    isa_limit_for_driver,
    max_isa_for_cuda,
    parse_arch,
    ptx_isa,
    ptx_target,
    safe_package_path,
    source_digest,
    target_matches,
)

from .edit import machine_path_problems
from .plan import AotOpBuild, CompiledKernel, plan_builds

__all__ = ["BuildResult", "BuiltPtx", "build_ptx"]

logger = logging.getLogger(__name__)

Log = Callable[[str], object]

# CUDA releases with an NVRTC on the package index, newest first: used to tell an author which
# NVRTC writes a PTX ISA their declared driver loads.
_NVRTC_RELEASES = ((13, 1), (13, 0), (12, 9), (12, 8), (12, 6), (12, 5), (12, 4), (12, 3), (12, 2), (12, 1), (12, 0))


@dataclass(frozen=True)
class BuiltPtx:
    """One PTX file the build wrote, as recorded in the manifest."""

    op_id: str
    arch: str
    requested_arch: str
    path: str
    kernel: str
    sha256: str
    isa: str
    compiler: str
    seconds: float
    assembled_with: str | None = None
    built_from: BuildRecord | None = None

    def manifest_entry(self) -> dict[str, Any]:
        """The object stored in the op's ``ptx`` list."""
        entry: dict[str, Any] = {"arch": self.arch, "path": self.path, "kernel": self.kernel, "sha256": self.sha256,
                                 "isa": self.isa}
        if self.built_from is not None:
            entry["built_from"] = self.built_from.to_json()
        return entry


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_ptx` did to a package."""

    package_dir: Path
    manifest_path: Path
    artifacts: tuple[BuiltPtx, ...]
    removed: tuple[str, ...] = ()
    isa_limit: str | None = None
    manifest_changed: bool = False
    seconds: float = 0.0


def _nvrtc_hint(limit: IsaLimit) -> str:
    for cuda in _NVRTC_RELEASES:
        isa = max_isa_for_cuda(cuda)
        if isa is not None and isa <= limit.isa:
            major, minor = cuda
            wheel = "nvidia-cuda-nvrtc-cu12" if major == 12 else "nvidia-cuda-nvrtc"
            bindings = "cuda-bindings>=12.9,<13" if major == 12 else f"cuda-bindings>={major}.{minor},<{major + 1}"
            return (f"build with NVRTC {major}.{minor} (PTX ISA {format_isa(isa)}): add "
                    f"'{wheel}=={major}.{minor}.*' and '{bindings}' to [build-system] requires")
    return "build with an older NVRTC"


def _check_isa(ptx: str, limit: IsaLimit, compiler: str, op: AotOpBuild, arch: str) -> tuple[int, int]:
    isa = ptx_isa(ptx)
    if isa is None:
        raise PtxBuildError("the PTX has no .version directive", op_id=op.op_id, arch=arch)
    if isa > limit.isa:
        fix = _nvrtc_hint(limit) if op.compiler == "nvrtc" else "lower the PTX version"
        raise PtxBuildError(
            f"{compiler} produced PTX ISA {format_isa(isa)}, too new for the declared driver: "
            f"{limit.describe()}. Drivers that old would refuse this PTX "
            f"(CUDA_ERROR_UNSUPPORTED_PTX_VERSION). Either {fix}, or raise requires.cuda_driver.",
            op_id=op.op_id, arch=arch)
    return isa


def _check_target(ptx: str, op: AotOpBuild, arch: str) -> str:
    target = ptx_target(ptx)
    # Triton always writes the architecture-specific target ('a') from sm_90 on; that PTX only
    # runs on that exact architecture, which is what the manifest then records.
    if target is None or not target_matches(arch, target):
        raise PtxBuildError(f"asked for {arch}, the PTX says .target {target}", op_id=op.op_id, arch=arch)
    return target


def _check_params(ptx: str, compiled: CompiledKernel, op: AotOpBuild, arch: str) -> None:
    try:
        entries = find_entries(ptx)
    except PtxFormatError as exc:
        raise PtxBuildError(f"the PTX's entries cannot be read: {exc}", op_id=op.op_id, arch=arch) from exc
    entry = next((e for e in entries if e.name == compiled.kernel), None)
    if entry is None:
        names = [e.name for e in entries]
        hint = ""
        if any(compiled.kernel in n for n in names):
            hint = " (its name is C++-mangled: declare the kernel extern \"C\")"
        raise PtxBuildError(f"the PTX has no .entry named {compiled.kernel!r}{hint}; entries: {names}",
                            op_id=op.op_id, arch=arch)
    declared = op.declared_params
    if declared is not None and len(entry.params) != declared:
        raise PtxBuildError(f"kernel {entry.name!r} has {len(entry.params)} PTX parameters, the manifest declares "
                            f"{declared}", op_id=op.op_id, arch=arch)
    # What the PTX itself says of its block: Triton writes .reqntid, CUDA's __launch_bounds__ .maxntid.
    for problem in geometry_problems(op.launch, threads=entry.required_threads,
                                     threads_from=f"the PTX of {entry.name!r} says .reqntid {entry.required_threads}",
                                     max_threads=entry.max_threads,
                                     max_from=f"the PTX of {entry.name!r} says .maxntid {entry.max_threads}"):
        raise PtxBuildError(f"launch.{problem.key} is {problem.found}, expected {problem.expected}: TensorRT would "
                            "launch the kernel with a block it cannot run", op_id=op.op_id, arch=arch)
    n_extras = len(op.launch.extras)
    if param_order_problem([p.kind for p in entry.params], n_extras):
        shown = ", ".join(f"{p.ptx_type} {p.name}" for p in entry.params)
        raise PtxBuildError(
            f"kernel {entry.name!r} takes ({shown}); TensorRT passes input pointers, then {n_extras} int32 "
            "extra(s) (launch.extras), then output pointers", op_id=op.op_id, arch=arch)


_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.MULTILINE)


def _cuda_sources(package_dir: Path, source: str) -> list[str]:
    """``source`` and the files it includes with quotes, recursively, where they lie inside the package."""
    found: list[str] = []
    pending = [source]
    while pending:
        rel = pending.pop(0)
        path = safe_package_path(package_dir, rel)
        if rel in found or path is None or not path.is_file():
            continue
        found.append(rel)
        text = path.read_text(encoding="utf-8", errors="replace")
        base = PurePosixPath(rel).parent
        for include in _INCLUDE.findall(text):
            candidate = posixpath.normpath((base / include).as_posix())
            if not candidate.startswith("../"):
                pending.append(candidate)
    return found


def _build_record(op: AotOpBuild, package_dir: Path, compiler: str, kernel_file: Path | None) -> BuildRecord:
    """What the op's PTX is built from: the compiler, each source file's sha256 and the recipe's options."""
    recipe = op.recipe
    sources: list[str] = []
    if isinstance(recipe, NvrtcRecipe):
        sources = _cuda_sources(package_dir, recipe.source)
    elif kernel_file is not None:
        try:
            sources = [kernel_file.resolve().relative_to(package_dir.resolve()).as_posix()]
        except ValueError:  # a kernel module outside the package: nothing validate could compare
            sources = []
    digests = tuple((rel, source_digest(package_dir / rel)) for rel in sources)
    return BuildRecord(compiler=compiler, sources=digests, options=recipe_options(recipe))


def _kernel_file(fn: Any) -> Path | None:
    import inspect

    try:
        return Path(inspect.getfile(getattr(fn, "fn", fn)))
    except (TypeError, OSError):
        return None


def _compile_op(op: AotOpBuild, archs: Sequence[str], package_dir: Path, limit: IsaLimit, log: Log,
                forbidden: tuple[str, ...]) -> list[tuple[BuiltPtx, bytes]]:
    recipe = op.recipe
    compile_one: Callable[[str], CompiledKernel]
    if isinstance(recipe, TritonRecipe):
        from .triton import compile_triton, default_isa, load_triton_kernel, triton_version

        label = triton_version()
        # Triton's own default can exceed what the declared driver loads; never ask for more.
        isa = min(limit.isa, default_isa())
        fn = load_triton_kernel(package_dir, recipe, op_id=op.op_id)
        kernel_file = _kernel_file(fn)

        def compile_one(arch: str) -> CompiledKernel:
            return compile_triton(fn, recipe, parse_arch(arch), isa, op_id=op.op_id, shared_mem=op.launch.shared_mem)
    else:
        from .nvrtc import compile_nvrtc, nvrtc_version

        label = nvrtc_version()
        kernel_file = None

        def compile_one(arch: str) -> CompiledKernel:
            return compile_nvrtc(package_dir, recipe, arch, op_id=op.op_id)

    results: list[tuple[BuiltPtx, bytes]] = []
    targets: dict[str, str] = {}
    record = _build_record(op, package_dir, label, kernel_file)
    for arch in archs:
        prefix = f"compiling {op.op_id} for {arch} with {label} ..."
        start = time.perf_counter()
        try:
            compiled = compile_one(arch)
            ptx = compiled.ptx
            isa = _check_isa(ptx, limit, compiled.compiler, op, arch)
            target = _check_target(ptx, op, arch)
            if target in targets:
                raise PtxBuildError(f"{targets[target]} and {arch} both build {target}; list one of them",
                                    op_id=op.op_id, arch=arch)
            targets[target] = arch
            _check_params(ptx, compiled, op, arch)
            problems = machine_path_problems(ptx, forbidden)
            if problems:
                raise PtxBuildError("the PTX is not machine-independent: " + "; ".join(problems),
                                    op_id=op.op_id, arch=arch)
            tool: Ptxas | None = find_ptxas(isa)
            if tool is not None:
                assemble(ptx, target, tool, op_id=op.op_id, arch=arch)
            else:
                logger.warning("%s [%s]: no ptxas that reads PTX ISA %s was found; the PTX was not assembled",
                               op.op_id, arch, format_isa(isa))
        except PtxBuildError:
            log(f"{prefix} FAILED")
            raise
        seconds = time.perf_counter() - start
        data = ptx.encode("ascii")
        rel = f"{op.output_dir}/{op.stem}.{target}.ptx"
        results.append((BuiltPtx(op_id=op.op_id, arch=target, requested_arch=arch, path=rel,
                                 kernel=compiled.kernel, sha256=hashlib.sha256(data).hexdigest(),
                                 isa=format_isa(isa), compiler=compiled.compiler, seconds=seconds,
                                 assembled_with=(f"ptxas {tool.cuda[0]}.{tool.cuda[1]}" if tool else None),
                                 built_from=record), data))
        checked = "" if tool else ", not assembled: no suitable ptxas"
        log(f"{prefix} ok ({seconds:.2f} s, {target}, PTX ISA {format_isa(isa)}{checked})")
    return results


def _launch_json(op: AotOpBuild, written: object) -> dict[str, Any]:
    """The op's launch section as written, with the fields the build derived filled in (in field order)."""
    section = dict(written) if isinstance(written, dict) else {}
    derived = {"block_threads": op.launch.block_threads, "elements_per_block": op.launch.elements_per_block}
    missing = {key: value for key, value in derived.items() if key not in section}
    if not missing:
        return section
    order = [name for name, *_ in LAUNCH_BOUNDS]
    filled = {key: section.get(key, missing.get(key)) for key in order if key in section or key in missing}
    filled.update((key, value) for key, value in section.items() if key not in filled)
    return filled


def _ordered_entries(op: AotOpBuild, old: object, built: Iterable[BuiltPtx], keep_old: bool) -> list[dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    if keep_old and isinstance(old, list):
        entries.update({e["arch"]: e for e in old if isinstance(e, dict) and isinstance(e.get("arch"), str)})
    for item in built:
        entries[item.arch] = item.manifest_entry()
    def rank(target: str) -> tuple[int, str]:
        # Where the architecture it was built for is declared (Triton writes sm_90a for sm_90).
        return (next((i for i, arch in enumerate(op.archs) if target_matches(arch, target)), len(op.archs)), target)

    return [entries[a] for a in sorted(entries, key=rank)]


def _stale_files(package_dir: Path, op: AotOpBuild, keep: set[str]) -> list[str]:
    directory = package_dir / op.output_dir
    if not directory.is_dir():
        return []
    prefix, suffix = f"{op.stem}.", ".ptx"
    found = []
    for path in sorted(directory.iterdir()):
        rel = f"{op.output_dir}/{path.name}"
        name = path.name
        if (name.startswith(prefix) and name.endswith(suffix) and ARCH.match(name[len(prefix):-len(suffix)])
                and rel not in keep):
            found.append(rel)
    return found


def _arch_filter(archs: Sequence[str] | None, ops: Sequence[AotOpBuild]) -> set[str] | None:
    if archs is None:
        return None
    wanted = set(archs)
    declared = {a for op in ops for a in op.archs}
    unknown = sorted(wanted - declared)
    if unknown:
        raise PtxBuildError(f"no AOT op declares {unknown} in build.archs (declared: {sorted(declared)})")
    return wanted


def build_ptx(package_dir: Path | str, *, archs: Sequence[str] | None = None, log: Log = print) -> BuildResult:
    """Build the PTX of every AOT op of the plugin package at ``package_dir``.

    Reads ``trt_plugin.json``, compiles each AOT op's kernel for each architecture in its
    ``build.archs`` (only those also in ``archs`` when given), checks each result (PTX ISA
    loadable by the declared ``requires.cuda_driver``, ``.target``, parameter list in TensorRT's
    order with no hidden parameters, no build-machine paths, assembles with ``ptxas``), writes
    ``<output_dir>/<op>.<target>.ptx`` and records every file in the op's ``ptx`` list. Nothing
    is written unless every kernel builds. The same sources and compilers give the same bytes.

    Progress goes to ``log`` one line at a time. Raises :class:`PtxBuildError` on any failure.
    """
    started = time.perf_counter()
    package_dir = Path(package_dir).resolve()
    manifest_path = package_dir / MANIFEST_FILENAME
    if not manifest_path.is_file():
        raise PtxBuildError(f"no {MANIFEST_FILENAME} in {package_dir}")
    draft = read_manifest(manifest_path, package_dir.name, draft=True)
    ops = plan_builds(draft)
    wanted = _arch_filter(archs, ops)
    if not ops:
        log(f"{package_dir.name}: no AOT ops, no PTX to build")
        return BuildResult(package_dir=package_dir, manifest_path=manifest_path, artifacts=(),
                           seconds=time.perf_counter() - started)
    limit = isa_limit_for_driver(draft.manifest.requires.cuda_driver if draft.manifest is not None else None)
    forbidden = tuple(str(p) for p in (package_dir, package_dir.parent) if len(p.parts) > 2)

    built: dict[int, list[tuple[BuiltPtx, bytes]]] = {}
    for op in ops:
        op_archs = [a for a in op.archs if wanted is None or a in wanted]
        if not op_archs:
            log(f"skipping {op.op_id}: none of its architectures was asked for")
            continue
        built[op.index] = _compile_op(op, op_archs, package_dir, limit, log, forbidden)

    # Everything compiled and checked: only now touch the package.
    removed: list[str] = []
    # The manifest as written, with only the ptx lists replaced: other keys keep their order.
    document = copy.deepcopy(dict(draft.raw or {}))
    ops_json = document["ops"]
    for op in ops:
        if op.index not in built:
            continue
        items = built[op.index]
        for item, data in items:
            write_atomic(package_dir / item.path, data, mode=0o644, skip_if_same=True)
        if wanted is None:
            for rel in _stale_files(package_dir, op, {item.path for item, _ in items}):
                (package_dir / rel).unlink()
                removed.append(rel)
                log(f"removed stale {rel}")
        op_json = ops_json[op.index]
        op_json["launch"] = _launch_json(op, op_json.get("launch"))
        op_json["ptx"] = _ordered_entries(op, op_json.get("ptx"), (i for i, _ in items), keep_old=wanted is not None)

    new_text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    changed = write_atomic(manifest_path, new_text.encode("utf-8"), mode=0o644, skip_if_same=True)
    artifacts = tuple(item for op in ops for item, _ in built.get(op.index, ()))
    seconds = time.perf_counter() - started
    log(f"built {len(artifacts)} PTX file(s) for {len(built)} AOT op(s) in {seconds:.1f} s "
        f"(PTX ISA <= {format_isa(limit.isa)} for driver {limit.spec}); "
        f"{MANIFEST_FILENAME} {'updated' if changed else 'unchanged'}")
    return BuildResult(package_dir=package_dir, manifest_path=manifest_path, artifacts=artifacts,
                       removed=tuple(removed), isa_limit=format_isa(limit.isa), manifest_changed=changed,
                       seconds=seconds)
