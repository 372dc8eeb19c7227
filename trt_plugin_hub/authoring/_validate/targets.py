"""What ``validate`` is pointed at: a package directory, a project, a wheel or an installed distribution.

Each target resolves to its plugin packages, with the entry points that advertise them checked
against the packages found; :func:`validate` then checks every package.
"""

from __future__ import annotations

import configparser
import contextlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from trt_plugin_hub._errors import PtxBuildError, ValidationTargetError
from trt_plugin_hub._manifest import MANIFEST_FILENAME, read_manifest

from .kernels import ptxas_summary
from .model import Findings, Severity, ValidationReport
from .package import check_package
from .sources import import_root_of

__all__ = ["validate"]

_HUB_BACKEND = "trt_plugin_hub.authoring.backend"


def _entry_point_modules(text: str) -> list[str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    if not parser.has_section("torch_tensorrt.plugins"):
        return []
    return [value.partition(":")[0].strip() for value in parser["torch_tensorrt.plugins"].values()]


def _check_entry_points(ctx: Findings, modules: Sequence[str], packages: Sequence[tuple[str, Path]],
                        source_file: str, field_name: str, hint: str) -> None:
    declared = set(modules)
    for dotted, _path in packages:
        if dotted not in declared:
            ctx.add(Severity.ERROR, "ENTRY_POINT_MISSING", source_file, field_name,
                    f"no 'torch_tensorrt.plugins' entry point names package {dotted}, so the hub never discovers it",
                    hint.format(package=dotted, name=dotted.split(".")[-1]))


def _project_packages(ctx: Findings, project: Path) -> list[tuple[str, Path]]:
    try:
        from trt_plugin_hub.authoring._project import load_toml as _load_toml
        from trt_plugin_hub.authoring._project import plugin_package_dirs
    except ImportError as exc:  # the backend builds on setuptools
        raise ValidationTargetError(f"validating a project directory needs setuptools ({exc})") from exc
    try:
        dirs = plugin_package_dirs(project)
        config = _load_toml(project / "pyproject.toml")
    except (PtxBuildError, OSError, ValueError) as exc:
        raise ValidationTargetError(f"{project / 'pyproject.toml'}: {exc}") from exc
    packages = [(import_root_of(d)[1], d) for d in dirs]
    entry_points = config.get("project", {}).get("entry-points", {}).get("torch_tensorrt.plugins", {})
    modules = ([str(v).partition(":")[0].strip() for v in entry_points.values()]
               if isinstance(entry_points, dict) else [])
    _check_entry_points(ctx, modules, packages, "pyproject.toml", 'project.entry-points."torch_tensorrt.plugins"',
                        'add [project.entry-points."torch_tensorrt.plugins"] with {name} = "{package}"')
    for module in modules:
        if module not in {p for p, _ in packages}:
            ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", "pyproject.toml",
                    'project.entry-points."torch_tensorrt.plugins"',
                    f"the entry point names {module}, which is not a plugin package of this project (none of "
                    f"{', '.join(p for p, _ in packages) or 'none'})",
                    "point the entry point at the package holding trt_plugin.json, or list that package in "
                    "[tool.trt-plugin-hub] packages")
    backend = config.get("build-system", {}).get("build-backend")
    has_aot_build = any(_declares_aot_build(path) for _dotted, path in packages)
    if has_aot_build and backend != _HUB_BACKEND:
        ctx.add(Severity.WARNING, "BUILD_BACKEND", "pyproject.toml", "build-system.build-backend",
                f"AOT ops declare build sections but the project builds with {backend!r}, which compiles no PTX: "
                "the wheel ships whatever PTX is in the tree",
                f'set build-backend = "{_HUB_BACKEND}" and add "trt-plugin-hub" to [build-system] requires')
    return packages


def _declares_aot_build(path: Path) -> bool:
    """Whether the package's manifest (read in draft mode) has an AOT op with a build section."""
    manifest = read_manifest(path / MANIFEST_FILENAME, path.name, draft=True).manifest
    return manifest is not None and any(op.kind.prebuilt and op.build for op in manifest.ops)


def _manifest_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob(MANIFEST_FILENAME) if "__pycache__" not in p.parts)


def _wheel_packages(ctx: Findings, root: Path, wheel: Path) -> list[tuple[str, Path]]:
    infos = sorted(root.glob("*.dist-info"))
    text = ""
    info_name = infos[0].name if infos else f"{wheel.name} (no .dist-info)"
    if infos and (infos[0] / "entry_points.txt").is_file():
        text = (infos[0] / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
    modules = _entry_point_modules(text)
    packages: list[tuple[str, Path]] = []
    for module in modules:
        path = root.joinpath(*module.split("."))
        if not path.is_dir():
            ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", f"{info_name}/entry_points.txt", "torch_tensorrt.plugins",
                    f"the entry point names package {module}, which the wheel does not contain",
                    "include the package in the wheel or correct the entry point")
            continue
        packages.append((module, path))
    found = [(import_root_of(d)[1], d) for d in _manifest_dirs(root)]
    _check_entry_points(ctx, modules, found, f"{info_name}/entry_points.txt", "torch_tensorrt.plugins",
                        'add [project.entry-points."torch_tensorrt.plugins"] {name} = "{package}" to pyproject.toml '
                        "and rebuild")
    for dotted, path in found:
        if dotted not in {p for p, _ in packages}:
            packages.append((dotted, path))
    return packages


def _distribution_packages(ctx: Findings, name: str) -> tuple[Path, list[tuple[str, Path]]] | None:
    from importlib import metadata

    from packaging.utils import canonicalize_name  # imports packaging.tags: only when looking a name up

    from trt_plugin_hub._discovery import ENTRY_POINT_GROUP, locate_package, scan_candidates

    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        modules = [ep.value.partition(":")[0].strip() for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        if not modules:
            raise ValidationTargetError(f"distribution {name} advertises no '{ENTRY_POINT_GROUP}' entry point: it "
                                        "is not a plugin package")
        packages = []
        for module in modules:
            located = Path(str(dist.locate_file(module.replace(".", "/"))))
            path = located if located.is_dir() else locate_package(module)
            if path is None:
                ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", "entry_points.txt", ENTRY_POINT_GROUP,
                        f"{name}'s entry point names package {module}, which is not installed",
                        f"reinstall {name}")
                continue
            packages.append((module, path))
        return (Path(str(dist.locate_file(""))), packages)
    wanted = canonicalize_name(name)
    for candidate in scan_candidates():
        if wanted in {canonicalize_name(n) for n in candidate.names} and candidate.package_dir is not None:
            return (import_root_of(candidate.package_dir)[0], [(candidate.module, candidate.package_dir)])
    return None


@contextlib.contextmanager
def _resolved(target: str,
              ctx_factory: Callable[[Path], Findings]) -> Iterator[tuple[str, Findings, list[tuple[str, Path]]]]:
    path = Path(target)
    if path.is_file() and path.suffix == ".whl":
        with tempfile.TemporaryDirectory(prefix="trt-plugin-hub-validate-") as tmp:
            try:
                with zipfile.ZipFile(path) as archive:
                    # extractall drops absolute paths and '..' from member names.
                    archive.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ValidationTargetError(f"{target} is not a readable wheel: {exc}") from exc
            ctx = ctx_factory(Path(tmp))
            yield "wheel", ctx, _wheel_packages(ctx, Path(tmp), path)
        return
    if path.is_dir() and (path / MANIFEST_FILENAME).is_file():
        ctx = ctx_factory(path.resolve().parent)
        yield "package", ctx, [(import_root_of(path)[1], path)]
        return
    if path.is_dir() and (path / "pyproject.toml").is_file():
        ctx = ctx_factory(path.resolve())
        packages = _project_packages(ctx, path)
        if not packages:
            raise ValidationTargetError(f"project {target} has no package with a {MANIFEST_FILENAME} "
                                        "(list them in [tool.trt-plugin-hub] packages)")
        yield "project", ctx, packages
        return
    if path.exists():
        raise ValidationTargetError(f"{target} is not a plugin package (no {MANIFEST_FILENAME}), a project (no "
                                    "pyproject.toml) or a wheel (.whl)")
    ctx = ctx_factory(Path.cwd())
    found = _distribution_packages(ctx, target)
    if found is None:
        raise ValidationTargetError(f"{target!r} is neither a path nor an installed plugin distribution or plugin name")
    ctx.root = found[0]
    yield "distribution", ctx, found[1]


def validate(target: str | Path) -> ValidationReport:
    """Validate a package directory, project directory, wheel or installed distribution.

    Raises :class:`ValidationTargetError` when ``target`` is none of these; every problem of the
    plugin itself is a finding in the returned report.
    """
    text = str(target)
    with _resolved(text, Findings) as (kind, ctx, packages):
        if not packages and not any(f.severity == Severity.ERROR for f in ctx.findings):
            ctx.add(Severity.ERROR, "NO_PLUGIN", "", "",
                    f"{text} holds no plugin package: no {MANIFEST_FILENAME} and no 'torch_tensorrt.plugins' entry "
                    "point, so the hub finds nothing in it",
                    f"build the plugin project's wheel (its package holds {MANIFEST_FILENAME}, listed as package data, "
                    "and pyproject.toml declares the entry point), or validate the right file")
        results = tuple(check_package(ctx, path) for _dotted, path in packages)
        ptxas_summary(ctx)
        tools = tuple(sorted(set(ctx.ptxas_used.values())))
        return ValidationReport(text, kind, results, tuple(ctx.findings), tools)
