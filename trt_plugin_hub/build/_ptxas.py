"""Temporary re-export for ``trt_plugin_hub.validate``: delete with this package."""

from __future__ import annotations

from trt_plugin_hub.authoring._ptxbuild._ptxas import PTXAS_ENV, _candidates, _probe, assemble

__all__ = ["PTXAS_ENV", "_candidates", "_probe", "assemble"]
