"""The JSON Schema of ``trt_plugin.json``, generated from the reader's field tables.

The reader (:mod:`.reader`) walks one table of :class:`~.reader.Field` per manifest object; this
module turns the same tables into a JSON Schema (draft 2020-12) so editors can check a manifest
as it is typed. The schema says what a schema can: types, required fields, choices, patterns,
lengths, bounds, the fields each op kind may hold, no unknown fields but ``x-`` extensions. What
only the reader checks (PEP 440 specifiers, ``min <= max``, duplicate ops or architectures, the
``build`` section's compiler-specific fields) stays with the reader.

The hub ships the generated file as ``trt_plugin_hub/schemas/trt_plugin.schema.json``;
``python -m trt_plugin_hub._manifest.schema [PATH]`` writes it again (a test keeps it current).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .model import MAX_FIELD_CHARS
from .reader import PLUGIN_FIELDS, Field, _op_id, _ptx_path, _text

__all__ = ["SCHEMA_FILE", "SCHEMA_ID", "json_schema", "schema_text"]

#: The schema's ``$id``; a manifest names it in ``"$schema"``. It changes only with ``schema_version``.
SCHEMA_ID = "urn:trt-plugin-hub:schema:trt_plugin.json:1"
#: Where the generated schema ships, relative to the ``trt_plugin_hub`` package.
SCHEMA_FILE = "schemas/trt_plugin.schema.json"

_TEXT_GETTERS = (_text, _op_id, _ptx_path)


def _anchored(pattern: str) -> str:
    r"""A Python ``re.match`` pattern ending in ``\Z`` as an ECMA-262 pattern anchored at both ends."""
    return f"^{pattern.removesuffix(chr(92) + 'Z')}$"


def _types(f: Field) -> str | list[str]:
    types = f.json_type.split("|")
    return types[0] if len(types) == 1 else types


def _property(f: Field) -> dict[str, Any]:
    prop: dict[str, Any] = {"description": f.doc, "type": _types(f)}
    types = f.json_type.split("|")
    if f.choices:
        prop["enum"] = [int(c) for c in f.choices] if types == ["integer"] else list(f.choices)
    if "string" in types:
        limit = f.max_chars or (MAX_FIELD_CHARS if f.get in _TEXT_GETTERS else None)
        if limit is not None:
            prop["maxLength"] = limit
        if f.required and f.get in _TEXT_GETTERS:
            prop["minLength"] = 1
        if f.pattern is not None:
            prop["pattern"] = _anchored(f.pattern.pattern)
    if f.default is not None and not isinstance(f.default, tuple) and f.default != {}:
        prop["default"] = f.default
    if f.fields:
        obj = _object(f.fields)
        if "array" in types:
            prop["items"] = obj
        else:
            prop.update({k: v for k, v in obj.items() if k != "type"})
    for key, value in f.schema.items():
        if isinstance(value, dict) and isinstance(prop.get(key), dict):
            prop[key] = {**prop[key], **value}
        else:
            prop[key] = value
    if "number" in types and "pattern" in prop:  # the pattern constrains the string form only
        prop = {"description": prop.pop("description"),
                "anyOf": [{"type": "string", "pattern": prop.pop("pattern")}, {"type": "number", "minimum": 0}]}
    return prop


def _kind_rules(table: Sequence[Field]) -> list[dict[str, Any]]:
    """``if kind not in f.kinds then f absent`` (and ``if kind in f.kinds then f present`` when required)."""
    rules: list[dict[str, Any]] = []
    for f in table:
        if not f.kinds:
            continue
        allowed = {"properties": {"kind": {"enum": list(f.kinds)}}, "required": ["kind"]}
        rules.append({"if": {"not": allowed}, "then": {"not": {"required": [f.name]}}})
        if f.kind_required:
            rules.append({"if": allowed, "then": {"required": [f.name]}})
    return rules


def _object(table: Sequence[Field]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _property(f) for f in table},
        "patternProperties": {"^x-": {"description": "An extension: any value, ignored by the hub."}},
        "additionalProperties": False,
    }
    required = [f.name for f in table if f.required]
    if required:
        obj["required"] = required
    rules = _kind_rules(table)
    if rules:
        obj["allOf"] = rules
    return obj


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a version-1 ``trt_plugin.json``, from the reader's tables."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "trt_plugin.json",
        "description": "The manifest of a trt-plugin-hub plugin package (schema version 1). Generated from the "
                       "hub's manifest reader, which remains the authority.",
        **_object(PLUGIN_FIELDS),
    }


def schema_text() -> str:
    """:func:`json_schema` as the text of the shipped file."""
    return json.dumps(json_schema(), indent=2) + "\n"


def _main(argv: Sequence[str]) -> int:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / SCHEMA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
