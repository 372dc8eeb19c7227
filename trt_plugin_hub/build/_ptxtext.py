"""Temporary re-export for ``trt_plugin_hub.validate``: delete with this package."""

from __future__ import annotations

from trt_plugin_hub.authoring._ptxbuild._ptxtext import find_entries, find_entry

__all__ = ["find_entries", "find_entry"]
