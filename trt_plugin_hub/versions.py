"""Old path of :mod:`trt_plugin_hub._versions`, kept while modules still import it from here."""

from __future__ import annotations

from ._versions import SpecCheck, check_specifier, parse_version, release_at_least, release_tuple

__all__ = ["SpecCheck", "check_specifier", "parse_version", "release_at_least", "release_tuple"]
