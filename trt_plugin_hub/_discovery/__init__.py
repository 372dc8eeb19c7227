"""The discovery stage: the installed plugin packages, from the cross-process cache or a fresh scan.

:mod:`.scan` reads the ``torch_tensorrt.plugins`` entry points and each package's manifest
without running any plugin code; :mod:`.cache` keeps the scan's result between processes, with
each manifest the reader accepted, served while its file's identity is unchanged (read again
otherwise); it also remembers which PTX files the decisions checked
(:mod:`trt_plugin_hub._ptx.memo`), so that a warm process does not read them again.
"""

from __future__ import annotations

from trt_plugin_hub._settings import Settings

from .cache import cached_discover, remember, remembered, save_checked_ptx
from .scan import ENTRY_POINT_GROUP, Candidate, EntryPointRecord, locate_package, scan_candidates, scan_entry_points

__all__ = ["ENTRY_POINT_GROUP", "Candidate", "EntryPointRecord", "discover", "locate_package", "remember",
           "remembered", "save_checked_ptx", "scan_candidates", "scan_entry_points"]


def discover(settings: Settings) -> tuple[Candidate, ...]:
    """Every plugin package installed, as candidates; never raises for a plugin's fault.

    Served from the cross-process cache unless ``settings`` bypass it (``TRT_PLUGIN_HUB_NO_CACHE``)
    or know no place for it.
    """
    return cached_discover(settings)
