"""The JSON Schema of ``trt_plugin.json``: generated from the reader's tables, shipped current,
accepting the example's and the scaffold's manifests, and rejecting what the reader rejects
wherever a schema can say so.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from _support.dists import REPO

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import parse_manifest
from trt_plugin_hub._manifest.schema import SCHEMA_FILE, SCHEMA_ID, json_schema, schema_text
from trt_plugin_hub.authoring import KINDS, render_project

EXAMPLE = REPO / "example_plugin_pkg" / "example_plugin_pkg" / "trt_plugin.json"


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((resources.files("trt_plugin_hub") / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_shipped_schema_is_the_one_generated_from_the_reader_tables():
    shipped = (resources.files("trt_plugin_hub") / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text(), "regenerate it: python -m trt_plugin_hub._manifest.schema"
    assert json_schema()["$id"] == SCHEMA_ID


def test_example_manifest_names_the_schema_and_follows_it():
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert data["$schema"] == SCHEMA_ID
    assert list(_validator().iter_errors(data)) == []


@pytest.mark.parametrize("kinds", [("jit", "aot-triton"), KINDS, ("legacy",), ("aot-nvrtc",)])
def test_scaffold_manifests_name_the_schema_and_follow_it(kinds: tuple[str, ...]):
    files = render_project("acme-ops", kinds)
    data = json.loads(files["acme_ops/trt_plugin.json"])
    assert data["$schema"] == SCHEMA_ID
    assert list(_validator().iter_errors(data)) == []
    parse_manifest(data, "acme_ops", draft=True)  # the reader agrees (unbuilt AOT ops aside)


def _set(path: str, value: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return edit


_DELETE = object()

#: Edits of the example's manifest the reader rejects, each one a schema can express.
BROKEN = {
    "schema_version 2": _set("schema_version", 2),
    "schema_version a string": _set("schema_version", "1"),
    "no name": _set("name", _DELETE),
    "name with a space": _set("name", "acme ops"),
    "unknown top-level field": _set("plugins", []),
    "$schema not a string": _set("$schema", 1),
    "no ops": _set("ops", []),
    "op id without namespace": _set("ops/0/id", "scaled_add"),
    "op id with a dot": _set("ops/0/id", "example.plugin::scaled_add"),
    "reserved namespace": _set("ops/0/id", "trt::scaled_add"),
    "unknown kind": _set("ops/0/kind", "cuda"),
    "module with a space": _set("ops/0/module", "example plugin"),
    "priority unknown": _set("ops/0/priority", "urgent"),
    "flag not a bool": _set("ops/0/supports_dynamic_shapes", "yes"),
    "validator not module:function": _set("ops/0/capability_validator", "example_plugin_pkg.qdp"),
    "unknown op field": _set("ops/0/colour", "red"),
    "launch on a jit op": _set("ops/0/launch", {"block_threads": 128, "elements_per_block": 1024}),
    "build on a jit op": _set("ops/0/build", {"compiler": "triton"}),
    "ptx on a jit op": _set("ops/0/ptx", []),
    "register on a jit op": _set("ops/0/register", "example_plugin_pkg.legacy:register"),
    "legacy op without register": _set("ops/3/register", _DELETE),
    "block_threads too large": _set("ops/1/launch/block_threads", 2048),
    "launch extra unknown": _set("ops/1/launch/extras", ["size"]),
    "ptx arch unknown": _set("ops/1/ptx/0/arch", "ampere"),
    "ptx sha256 upper case": _set("ops/1/ptx/0/sha256", "A" * 64),
    "ptx path with a backslash": _set("ops/1/ptx/0/path", "ptx\\relu.ptx"),
    "ptx without kernel": _set("ops/1/ptx/0/kernel", _DELETE),
    "ptx isa malformed": _set("ops/1/ptx/0/isa", "8"),
    "compute capability malformed": _set("requires/compute_capability/min", "eight"),
    "unknown requirement": _set("requires/cuda", ">=12"),
    "requirement not a string": _set("requires/tensorrt", 10),
    "unknown build compiler": _set("ops/1/build/compiler", "nvcc"),
    "description too long": _set("description", "x" * 2001),
}


@pytest.mark.parametrize("edit", list(BROKEN.values()), ids=list(BROKEN))
def test_manifests_the_reader_rejects_the_schema_rejects_too(edit: Any):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert list(_validator().iter_errors(data)) == []
    broken = copy.deepcopy(data)
    edit(broken)
    draft = parse_manifest(broken, "example_plugin_pkg", draft=True)
    if edit is not BROKEN["unknown build compiler"]:  # strict mode keeps an aot op's build section opaque
        with pytest.raises(ManifestError):
            parse_manifest(broken, "example_plugin_pkg")
    assert draft.problems, "the reader accepts this edit"
    assert list(_validator().iter_errors(broken)), "the schema accepts this edit"


def test_extensions_are_allowed_everywhere_the_reader_allows_them():
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["x-team"] = "vision"
    data["ops"][1]["x-verify"] = {"attrs": {}}
    data["ops"][1]["launch"]["x-note"] = 1
    parse_manifest(data, "example_plugin_pkg")
    assert list(_validator().iter_errors(data)) == []
