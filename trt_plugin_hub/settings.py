"""Old path of :mod:`trt_plugin_hub._settings`, kept while modules still import it from here."""

from __future__ import annotations

from ._settings import ENV_VARS, Settings, read_settings

__all__ = ["ENV_VARS", "Settings", "read_settings"]
