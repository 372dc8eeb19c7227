"""The one envelope of every JSON document the hub prints or writes.

Every ``--json`` output (``list``, ``explain``, ``lock``, ``lock --check``, ``cache info``,
``validate``, ``verify``), :meth:`trt_plugin_hub.Report.to_json` and lock files are one flat
object that begins with two keys::

    {"schema": "trt-plugin-hub/<document>/<n>", "trt_plugin_hub": "<version>", ...}

``<document>`` names the layout and ``<n>`` is its version, raised when a field changes meaning
or disappears (adding a field keeps it). The JSON Schema of each document ships with the package
(:func:`schema_path`, ``trt_plugin_hub/schemas/<document>.schema.json``). This module imports
the standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._version import __version__

__all__ = ["DOCUMENTS", "SCHEMA_PREFIX", "envelope", "schema_id", "schema_path"]

SCHEMA_PREFIX = "trt-plugin-hub/"

#: Every document and the version of its layout.
DOCUMENTS: Mapping[str, int] = {
    "report": 1,  # list --json, Report.to_json()
    "explain": 1,  # explain --json
    "lock": 1,  # lock files and lock --json
    "lock-check": 1,  # lock --check --json
    "cache-info": 1,  # cache info --json
    "validate": 1,  # validate --json
    "verify": 1,  # verify --json
}


def schema_id(document: str) -> str:
    """``trt-plugin-hub/<document>/<n>``, the value of a document's ``schema`` key."""
    return f"{SCHEMA_PREFIX}{document}/{DOCUMENTS[document]}"


def envelope(document: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` as the document ``document``: ``schema`` and ``trt_plugin_hub`` first, then its keys."""
    if "schema" in body or "trt_plugin_hub" in body:
        raise ValueError(f"the body of a {document} document must not set the envelope's keys")
    return {"schema": schema_id(document), "trt_plugin_hub": __version__, **body}


def schema_path(document: str) -> Path:
    """The JSON Schema file of ``document``, shipped as package data."""
    if document not in DOCUMENTS:
        raise KeyError(document)
    return Path(__file__).resolve().parent / "schemas" / f"{document}.schema.json"
