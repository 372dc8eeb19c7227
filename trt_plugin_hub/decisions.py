"""Old path of :mod:`trt_plugin_hub._decisions`, kept while modules still import it from here."""

from __future__ import annotations

from ._decisions import OpDecision, PluginDecision, PtxResolution, decide, resolve_ptx, safe_package_path

__all__ = ["OpDecision", "PluginDecision", "PtxResolution", "decide", "resolve_ptx", "safe_package_path"]
