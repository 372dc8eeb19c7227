"""Temporary re-export for ``trt_plugin_hub.validate``: delete with this package."""

from __future__ import annotations

from trt_plugin_hub.authoring._ptxbuild._isa import isa_limit_for_driver

__all__ = ["isa_limit_for_driver"]
