"""One plugin package: its manifest (read in draft mode), then each op's sources and, for AOT ops, kernels."""

from __future__ import annotations

from pathlib import Path

from trt_plugin_hub._errors import ManifestError, PtxBuildError
from trt_plugin_hub._manifest import (
    MANIFEST_FILENAME,
    NOT_BUILT,
    RESERVED_NAMESPACES,
    PluginManifest,
    read_manifest,
)
from trt_plugin_hub._ptx import IsaLimit, isa_limit_for_driver

from .kernels import check_autotune_types, check_built_from, check_launch, check_ptx, expected_params, ptxas_summary
from .model import BUILD_FIX, Findings, OpSummary, PackageResult, Severity, ValidationFinding
from .qdp import check_op_sources
from .sources import Sources, import_root_of

__all__ = ["check_package", "validate_package"]


def _reader_finding(ctx: Findings, exc: ManifestError, manifest_file: str) -> None:
    """``validate``'s finding for one error of the manifest reader: its own code and words where it has them."""
    if exc.rule in ("op.id.format", "op.id.dot", "op.id.identifier"):
        ctx.add(Severity.ERROR, "QDP_NAME_INVALID", manifest_file, exc.field,
                f"op id {exc.found!r} is not 'namespace::name' with identifiers and no '.' on either side "
                "(TensorRT refuses '.' in plugin namespaces and names)",
                "use identifiers such as 'my_ops::fused_gelu', the same in the torch op and @trtp.register")
    elif exc.rule == "op.id.reserved_namespace":
        namespace = str(exc.found).partition("::")[0]
        ctx.add(Severity.ERROR, "QDP_NAMESPACE_RESERVED", manifest_file, exc.field,
                f"op id {exc.found!r} uses namespace {namespace!r}, which TensorRT reserves "
                f"({', '.join(repr(n) for n in sorted(RESERVED_NAMESPACES))})",
                "use your own namespace, e.g. the package name")
    elif exc.rule == NOT_BUILT:
        ctx.add(Severity.ERROR, "PTX_NOT_BUILT", manifest_file, exc.field,
                f"{exc.op_id}: the AOT op has no PTX files yet (the manifest's ptx list is written by the build)",
                BUILD_FIX)
    else:
        ctx.add(Severity.ERROR, exc.code, manifest_file, exc.field, str(exc), _manifest_fix(exc))


def _manifest_fix(exc: ManifestError) -> str:
    """The fix for the manifest error the reader raised."""
    if exc.code == "MANIFEST_SCHEMA_UNSUPPORTED":
        return "write schema_version 1 (or upgrade trt-plugin-hub)"
    return f"correct field {exc.field!r}: {exc.expected} (see the manifest reference)" if exc.field else \
        "make the file a UTF-8 JSON object of at most 1 MiB (see the manifest reference)"


def validate_package(package_dir: Path | str, *,
                     root: Path | str | None = None) -> tuple[PackageResult, list[ValidationFinding]]:
    """Validate the plugin package at ``package_dir`` (the folder holding ``trt_plugin.json``).

    File names in findings are relative to ``root`` (default: the folder above the package).
    """
    package_dir = Path(package_dir)
    ctx = Findings(Path(root) if root is not None else package_dir.resolve().parent)
    result = check_package(ctx, package_dir)
    ptxas_summary(ctx)
    return result, ctx.findings


def check_package(ctx: Findings, package_dir: Path) -> PackageResult:
    """Validate one plugin package into ``ctx``: its manifest, then each op's sources and kernels."""
    import_root, dotted = import_root_of(package_dir)
    manifest_file = ctx.show(package_dir / MANIFEST_FILENAME)
    empty = PackageResult(dotted, ctx.show(package_dir), None, (), 0, 0)
    read = _read_manifest(ctx, package_dir, dotted, manifest_file)
    if read is None:
        return empty
    manifest, unbuilt = read
    limit = _isa_limit(ctx, manifest, manifest_file)
    sources = Sources(ctx, package_dir, import_root)
    top_package = dotted.split(".")[0]
    summaries = []
    files = assembled = 0
    for index, op in enumerate(manifest.ops):
        where = f"ops[{index}]"
        signature, checked = check_op_sources(ctx, sources, op, where, top_package)
        if op.kind.prebuilt:
            check_launch(ctx, op, where, signature, manifest_file, checked)
            check_autotune_types(ctx, sources, op, where, signature, checked)
            expected = expected_params(ctx, op, where, signature, manifest_file) if op.launch else None
            if expected is not None:
                checked.append("kernel parameters: " + ", ".join(label for _, label in expected))
            if index not in unbuilt:
                n_files, n_assembled = check_ptx(ctx, op, where, package_dir, expected, limit, checked)
                check_built_from(ctx, op, where, package_dir, checked)
                files += n_files
                assembled += n_assembled
        summaries.append(OpSummary(op.id, op.kind, tuple(checked)))
    return PackageResult(dotted, ctx.show(package_dir), manifest.name, tuple(summaries), files, assembled)


def _read_manifest(ctx: Findings, package_dir: Path, dotted: str,
                   manifest_file: str) -> tuple[PluginManifest, frozenset[int]] | None:
    """The package's manifest and the indexes of its unbuilt AOT ops; None (with findings) if unusable.

    Every error of the manifest is a finding, not only the first.
    """
    manifest_path = package_dir / MANIFEST_FILENAME
    if not manifest_path.is_file():
        ctx.add(Severity.ERROR, "MANIFEST_MISSING", manifest_file, "",
                f"package {dotted} has no {MANIFEST_FILENAME}", f"add {MANIFEST_FILENAME} next to __init__.py "
                "(`trt-plugin-hub new` writes one) and list it as package data")
        return None
    draft = read_manifest(manifest_path, dotted, draft=True)
    for error in draft.errors:
        _reader_finding(ctx, error, manifest_file)
    if draft.manifest is None:
        return None
    return draft.manifest, draft.unbuilt


def _isa_limit(ctx: Findings, manifest: PluginManifest, manifest_file: str) -> IsaLimit | None:
    """The newest PTX ISA the declared drivers load, where the package has AOT ops (None otherwise)."""
    if not any(op.kind.prebuilt for op in manifest.ops):
        return None
    try:
        return isa_limit_for_driver(manifest.requires.cuda_driver)
    except PtxBuildError as exc:
        ctx.add(Severity.ERROR, "CUDA_DRIVER_UNDECLARED", manifest_file, "requires.cuda_driver", str(exc),
                "declare the oldest supported driver, e.g. \"cuda_driver\": \">=570\" (loads PTX ISA <= 8.7)")
        return None
