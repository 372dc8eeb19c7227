"""PEP 517 build backend for plugin packages: setuptools, with the PTX built first.

A plugin's ``pyproject.toml`` says::

    [build-system]
    requires = ["setuptools>=69", "trt-plugin-hub", "triton==3.6.0"]
    build-backend = "trt_plugin_hub.authoring.backend"

    [tool.trt-plugin-hub]
    packages = ["my_plugin_pkg"]   # directories (relative to pyproject.toml) holding trt_plugin.json

``build_wheel`` and ``build_editable`` run :func:`~trt_plugin_hub.authoring.build_ptx` on each of
those packages, then hand over to ``setuptools.build_meta``; the PTX files and the updated
manifest must be package data of the plugin so they land in the wheel. ``build_sdist`` builds
no PTX: an sdist is source, and the wheel built from it compiles its own. Every other hook is
setuptools' own.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools

from trt_plugin_hub._errors import PtxBuildError

from ._project import plugin_package_dirs
from ._ptxbuild import build_ptx

__all__ = [
    "BACKEND",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

logger = logging.getLogger(__name__)

#: What a plugin's ``pyproject.toml`` sets as ``build-backend`` to build with this module.
BACKEND = "trt_plugin_hub.authoring.backend"

get_requires_for_build_wheel = _setuptools.get_requires_for_build_wheel
get_requires_for_build_sdist = _setuptools.get_requires_for_build_sdist
get_requires_for_build_editable = _setuptools.get_requires_for_build_editable
prepare_metadata_for_build_wheel = _setuptools.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable
# Source distributions carry kernel sources, never build products.
build_sdist = _setuptools.build_sdist


def _log(line: str) -> None:
    # Frontends show a backend's output on failure or with -v; stderr keeps stdout clean for them.
    sys.stderr.write(f"trt-plugin-hub: {line}\n")
    sys.stderr.flush()


def _build_all_ptx() -> None:
    # PEP 517 runs every hook with the project directory as the working directory.
    package_dirs = plugin_package_dirs(Path.cwd())
    try:
        for package_dir in package_dirs:
            build_ptx(package_dir, log=_log)
    except PtxBuildError as exc:
        _log(f"error: {exc}")
        raise


def build_wheel(wheel_directory: str, config_settings: dict[str, Any] | None = None,
                metadata_directory: str | None = None) -> str:
    """Build the PTX of every plugin package, then the wheel with setuptools."""
    _build_all_ptx()
    return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(wheel_directory: str, config_settings: dict[str, Any] | None = None,
                   metadata_directory: str | None = None) -> str:
    """Build the PTX in place (an editable install reads it from the source tree), then the editable wheel."""
    _build_all_ptx()
    return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))
