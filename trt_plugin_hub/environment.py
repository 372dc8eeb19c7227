"""Old path of :mod:`trt_plugin_hub._environment`, kept while modules still import it from here."""

from __future__ import annotations

from ._environment import TENSORRT_DISTRIBUTIONS, Environment, parse_target, probe_environment

__all__ = ["TENSORRT_DISTRIBUTIONS", "Environment", "parse_target", "probe_environment"]
