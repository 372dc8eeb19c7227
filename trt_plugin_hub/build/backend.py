"""Temporary re-export for ``trt_plugin_hub.validate``: delete with this package.

Not a build backend: plugin projects build with ``trt_plugin_hub.authoring.backend``.
"""

from __future__ import annotations

from trt_plugin_hub.authoring._project import load_toml as _load_toml
from trt_plugin_hub.authoring._project import plugin_package_dirs

__all__ = ["_load_toml", "plugin_package_dirs"]
