"""Old path of :mod:`trt_plugin_hub._pipeline`, kept while modules still import it from here."""

from __future__ import annotations

from ._pipeline import load, loaded_report, report

__all__ = ["load", "loaded_report", "report"]
