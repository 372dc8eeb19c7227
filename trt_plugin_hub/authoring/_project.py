"""A plugin project's ``pyproject.toml``: reading it, and the plugin packages ``[tool.trt-plugin-hub]`` names."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from typing import Any

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._manifest import MANIFEST_FILENAME

__all__ = ["load_toml", "plugin_package_dirs"]

_CONFIG_TABLE = "trt-plugin-hub"


def load_toml(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError as exc:
            raise PtxBuildError("reading pyproject.toml on Python 3.10 needs 'tomli' in [build-system] "
                                "requires") from exc
    with path.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def plugin_package_dirs(project_dir: Path) -> list[Path]:
    """The plugin package directories of the project at ``project_dir``.

    Taken from ``[tool.trt-plugin-hub] packages``; without that key, every top-level or
    ``src/`` directory holding a ``trt_plugin.json`` is used.
    """
    project_dir = project_dir.resolve()
    pyproject = project_dir / "pyproject.toml"
    config = load_toml(pyproject).get("tool", {}).get(_CONFIG_TABLE, {}) if pyproject.is_file() else {}
    packages = config.get("packages")
    if packages is None:
        return sorted({p.parent for pattern in (f"*/{MANIFEST_FILENAME}", f"src/*/{MANIFEST_FILENAME}")
                       for p in project_dir.glob(pattern)})
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise PtxBuildError(f"[tool.{_CONFIG_TABLE}] packages must be a list of directory names, "
                            f"found {packages!r}")
    dirs = []
    for name in packages:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise PtxBuildError(f"[tool.{_CONFIG_TABLE}] packages: {name!r} must be a path inside the project")
        path = project_dir / rel
        if not (path / MANIFEST_FILENAME).is_file():
            raise PtxBuildError(f"[tool.{_CONFIG_TABLE}] packages: {name!r} has no {MANIFEST_FILENAME}")
        dirs.append(path)
    return dirs
