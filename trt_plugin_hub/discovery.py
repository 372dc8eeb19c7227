"""Old path of :mod:`trt_plugin_hub._discovery`, kept while modules still import it from here.

``discover`` here is the fresh scan (:func:`trt_plugin_hub._discovery.scan_candidates`).
"""

from __future__ import annotations

from ._discovery import ENTRY_POINT_GROUP, Candidate, EntryPointRecord, locate_package, scan_entry_points
from ._discovery import scan_candidates as discover

__all__ = ["ENTRY_POINT_GROUP", "Candidate", "EntryPointRecord", "discover", "locate_package", "scan_entry_points"]
