"""One plugin package: its manifest (read as data), then each op's sources and, for AOT ops, kernels."""

from __future__ import annotations

import json
import re
from pathlib import Path

from trt_plugin_hub._errors import ManifestError, PtxBuildError
from trt_plugin_hub._ptx import IsaLimit, isa_limit_for_driver
from trt_plugin_hub.manifest import (
    MANIFEST_FILENAME,
    MAX_MANIFEST_BYTES,
    RESERVED_NAMESPACES,
    PluginManifest,
    parse_manifest,
)

from .kernels import check_launch, check_ptx, expected_params, ptxas_summary
from .model import BUILD_FIX, Findings, OpSummary, PackageResult, Severity, ValidationFinding
from .qdp import check_op_sources
from .sources import Sources, import_root_of

__all__ = ["check_package", "validate_package"]


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _raw_precheck(ctx: Findings, raw: object, manifest_file: str) -> tuple[object, set[int], set[str]]:
    """Checks on the raw JSON that the schema reader would stop at one by one.

    Returns the data to parse (AOT ops without PTX get a placeholder, so the source checks still
    run before the first build), the indexes of those ops, and the fields already reported.
    """
    reported: set[str] = set()
    unbuilt: set[int] = set()
    if not isinstance(raw, dict) or not isinstance(raw.get("ops"), list):
        return raw, unbuilt, reported
    ops = []
    for index, op in enumerate(raw["ops"]):
        where = f"ops[{index}]"
        if isinstance(op, dict) and isinstance(op.get("id"), str):
            op_id = op["id"]
            namespace, sep, name = op_id.partition("::")
            if not sep or "::" in name or "." in namespace or "." in name or (
                    namespace not in RESERVED_NAMESPACES and not (_IDENT.match(namespace) and _IDENT.match(name))):
                ctx.add(Severity.ERROR, "QDP_NAME_INVALID", manifest_file, f"{where}.id",
                        f"op id {op_id!r} is not 'namespace::name' with identifiers and no '.' on either side "
                        "(TensorRT refuses '.' in plugin namespaces and names)",
                        "use identifiers such as 'my_ops::fused_gelu', the same in the torch op and @trtp.register")
                reported.add(f"{where}.id")
            elif namespace in RESERVED_NAMESPACES:
                ctx.add(Severity.ERROR, "QDP_NAMESPACE_RESERVED", manifest_file, f"{where}.id",
                        f"op id {op_id!r} uses namespace {namespace!r}, which TensorRT reserves "
                        f"({', '.join(repr(n) for n in sorted(RESERVED_NAMESPACES))})",
                        "use your own namespace, e.g. the package name")
                reported.add(f"{where}.id")
        if isinstance(op, dict) and op.get("kind") == "aot" and not op.get("ptx"):
            ctx.add(Severity.ERROR, "PTX_NOT_BUILT", manifest_file, f"{where}.ptx",
                    f"{op.get('id')}: the AOT op has no PTX files yet (the manifest's ptx list is written by the "
                    "build)", BUILD_FIX)
            unbuilt.add(index)
            ops.append({**op, "ptx": [{"arch": "sm_80", "path": "ptx/not-built.ptx", "kernel": "not_built",
                                       "sha256": "0" * 64}]})
        else:
            ops.append(op)
    return {**raw, "ops": ops}, unbuilt, reported


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
        if op.kind == "aot":
            check_launch(ctx, op, where, signature, manifest_file, checked)
            expected = expected_params(ctx, op, where, signature, manifest_file) if op.launch else None
            if expected is not None:
                checked.append("kernel parameters: " + ", ".join(label for _, label in expected))
            if index not in unbuilt:
                n_files, n_assembled = check_ptx(ctx, op, where, package_dir, expected, limit, checked)
                files += n_files
                assembled += n_assembled
        summaries.append(OpSummary(op.id, op.kind, tuple(checked)))
    return PackageResult(dotted, ctx.show(package_dir), manifest.name, tuple(summaries), files, assembled)


def _read_manifest(ctx: Findings, package_dir: Path, dotted: str,
                   manifest_file: str) -> tuple[PluginManifest, set[int]] | None:
    """The package's manifest and the indexes of its unbuilt AOT ops; None (with findings) if unusable."""
    manifest_path = package_dir / MANIFEST_FILENAME
    if not manifest_path.is_file():
        ctx.add(Severity.ERROR, "MANIFEST_MISSING", manifest_file, "",
                f"package {dotted} has no {MANIFEST_FILENAME}", f"add {MANIFEST_FILENAME} next to __init__.py "
                "(`trt-plugin-hub new` writes one) and list it as package data")
        return None
    try:
        raw_bytes = manifest_path.read_bytes()
        if len(raw_bytes) > MAX_MANIFEST_BYTES:
            raise OSError(f"{len(raw_bytes)} bytes, more than the {MAX_MANIFEST_BYTES} the hub reads")
        raw = json.loads(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        code = "MANIFEST_UNREADABLE" if not isinstance(exc, json.JSONDecodeError) else "MANIFEST_INVALID"
        ctx.add(Severity.ERROR, code, manifest_file, "",
                f"{MANIFEST_FILENAME} of {dotted} cannot be read as UTF-8 JSON: {exc}",
                "write the manifest as UTF-8 JSON")
        return None
    data, unbuilt, reported = _raw_precheck(ctx, raw, manifest_file)
    try:
        manifest: PluginManifest = parse_manifest(data, dotted)
    except ManifestError as exc:
        if exc.field not in reported:
            ctx.add(Severity.ERROR, exc.code, manifest_file, exc.field, str(exc), _manifest_fix(exc))
        return None
    return manifest, unbuilt


def _isa_limit(ctx: Findings, manifest: PluginManifest, manifest_file: str) -> IsaLimit | None:
    """The newest PTX ISA the declared drivers load, where the package has AOT ops (None otherwise)."""
    if not any(op.kind == "aot" for op in manifest.ops):
        return None
    try:
        return isa_limit_for_driver(manifest.requires.cuda_driver)
    except PtxBuildError as exc:
        ctx.add(Severity.ERROR, "CUDA_DRIVER_UNDECLARED", manifest_file, "requires.cuda_driver", str(exc),
                "declare the oldest supported driver, e.g. \"cuda_driver\": \">=570\" (loads PTX ISA <= 8.7)")
        return None
