"""The trusted form: a manifest the reader accepted, as plain JSON, rebuilt equal field by field.

The discovery cache keeps manifests in this form and rebuilds them without validating them again,
so the rebuilt manifest must be the reader's result exactly: every field (those left out of ``==``
too, such as ``extensions``), with the same types, after a trip through JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from _support.cases import CASES
from _support.example import EXAMPLE_PROJECT
from _support.plugins import good_plugin

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import PluginManifest, from_trusted_form, parse_manifest, read_manifest, trusted_form
from trt_plugin_hub.authoring._scaffold import KINDS, render_project


def _shape(value: Any) -> Any:
    """``value`` spelled out with every type: dataclasses field by field, mappings, sequences, scalars."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, [(f.name, _shape(getattr(value, f.name))) for f in dataclasses.fields(value)])
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, Mapping):
        return (type(value).__name__, [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_shape(v) for v in value])
    return (type(value).__name__, value)


def _round_trip(manifest: PluginManifest) -> PluginManifest:
    form = trusted_form(manifest)
    assert form is not None
    return from_trusted_form(json.loads(json.dumps(form)))


def _manifest_files(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    yield "example", (EXAMPLE_PROJECT / "example_plugin_pkg" / "trt_plugin.json").read_bytes()
    dists = [good_plugin()]
    for case in CASES:
        dists += case.make(tmp_path / "site")
    for dist in dists:
        for relative, content in dist.files.items():
            if relative.endswith("trt_plugin.json"):
                yield f"{dist.name}:{relative}", content if isinstance(content, bytes) else content.encode()
    for path in sorted((tmp_path / "site").rglob("trt_plugin.json")):
        if path.is_file():
            yield f"site:{path.relative_to(tmp_path)}", path.read_bytes()
    for kind in KINDS:
        files = render_project("trusted-form-demo", (kind,))
        for relative, text in files.items():
            if relative.endswith("trt_plugin.json"):
                yield f"scaffold {kind}:{relative}", text.encode()


def test_every_manifest_the_reader_accepts_is_rebuilt_identical(tmp_path: Path):
    (tmp_path / "site").mkdir()
    compared: list[str] = []
    for name, data in _manifest_files(tmp_path):
        path = tmp_path / "read" / "trt_plugin.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        try:
            fresh = read_manifest(path, "demo")
        except ManifestError:
            continue  # the failure matrix's broken manifests: nothing is cached for them
        rebuilt = _round_trip(fresh)
        assert rebuilt == fresh, name
        assert _shape(rebuilt) == _shape(fresh), name
        compared.append(name)
    assert compared[0] == "example"
    assert any(name.startswith("scaffold") for name in compared)
    assert len(compared) >= 20, compared
    example = read_manifest(EXAMPLE_PROJECT / "example_plugin_pkg" / "trt_plugin.json", "demo")
    assert {op.kind.value for op in example.ops} == {"jit", "aot", "legacy", "kernels"}  # every kind compared


def test_every_field_survives_including_those_equality_ignores():
    sha = "a" * 64
    data = {
        "schema_version": 1, "name": "acme-ops", "description": "d", "x-top": {"nested": [1, 2.5, None, True]},
        "requires": {"tensorrt": ">=10.9", "torch": ">=2.8", "torch_tensorrt": "~=2.9", "python": ">=3.10",
                     "cuda_driver": ">=570", "compute_capability": {"min": 8.0, "max": "9.0"}},
        "ops": [
            {"id": "acme::a", "kind": "jit", "module": "acme.qdp", "overload": "Tensor", "priority": "high",
             "supports_dynamic_shapes": True, "requires_output_allocator": True, "use_aot_if_available": False,
             "capability_validator": "acme.qdp:ok", "x-verify": {"atol": 1e-3}},
            {"id": "acme::b", "kind": "aot", "module": "acme.qdp", "jit_fallback": True,
             "ptx": [{"arch": "sm_90", "path": "ptx/b.ptx", "kernel": "b", "sha256": sha, "isa": "8.7",
                      "built_from": {"compiler": "triton 3.6.0", "sources": {"acme/k.py": sha},
                                     "options": {"num_warps": 4, "constexprs": {"BLOCK_SIZE": 1024}}}}],
             "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel", "attr:s"],
                        "shared_mem": 16},
             "build": {"compiler": "triton", "source": "acme.k:b"}},
            {"id": "acme::c", "kind": "legacy", "module": "acme.legacy", "register": "acme.legacy:register"},
            {"id": "acme::d", "kind": "kernels", "module": "acme.kernels", "schema": "(Tensor x) -> Tensor",
             "meta": "acme.kernels:meta", "eager": "acme.kernels:eager", "aot": "acme.kernels:aot",
             "formats": [{"types": "FP32, FP32"}],
             "ptx": [{"arch": "sm_80", "path": "ptx/d.ptx", "kernel": "d", "sha256": sha}]},
        ],
    }
    fresh = parse_manifest(data, "acme-ops")
    rebuilt = _round_trip(fresh)
    assert _shape(rebuilt) == _shape(fresh)
    assert rebuilt.extensions == {"x-top": {"nested": [1, 2.5, None, True]}}
    assert rebuilt.ops[0].extensions == {"x-verify": {"atol": 1e-3}}
    built = rebuilt.ops[1].ptx[0].built_from
    assert built is not None and isinstance(built.options, MappingProxyType)
    assert rebuilt.requires.compute_capability.min == (8, 0)


def test_drafts_with_recipes_have_no_trusted_form():
    draft = read_manifest(EXAMPLE_PROJECT / "example_plugin_pkg" / "trt_plugin.json", "demo", draft=True)
    assert draft.manifest is not None and any(op.recipe is not None for op in draft.manifest.ops)
    assert trusted_form(draft.manifest) is None


@pytest.mark.parametrize("damaged", [None, {}, {"ops": 3}, {"ops": [[1, 2]]}, "text", {"ops": [], "requires": []}])
def test_a_form_of_another_shape_raises(damaged: Any):
    with pytest.raises((KeyError, TypeError, ValueError)):
        from_trusted_form(damaged)
