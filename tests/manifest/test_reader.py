"""The manifest reader: valid manifests parse, every invalid one names package, field and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._manifest import MAX_MANIFEST_BYTES, parse_manifest, read_manifest

SHA = "0" * 64


def base(**changes):
    data = {
        "schema_version": 1,
        "name": "acme-ops",
        "requires": {"tensorrt": ">=10.9", "compute_capability": {"min": "8.0", "max": "9.0"}},
        "ops": [
            {"id": "acme::add", "kind": "jit", "module": "acme.qdp"},
            {"id": "acme::relu", "kind": "aot", "module": "acme.qdp", "priority": "high",
             "ptx": [{"arch": "sm_80", "path": "ptx/relu.sm_80.ptx", "kernel": "relu_kernel", "sha256": SHA,
                      "isa": "8.7"}],
             "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}},
        ],
    }
    data.update(changes)
    return data


def test_valid_manifest_parses_with_defaults_filled_in():
    manifest = parse_manifest(base(), "acme-ops")
    add, relu = manifest.ops
    assert (add.namespace, add.name, add.overload_name, add.priority) == ("acme", "add", "default", "standard")
    assert add.use_aot_if_available is True and add.supports_dynamic_shapes is False
    assert relu.priority == "high" and relu.ptx[0].kernel == "relu_kernel"
    assert relu.launch is not None and relu.launch.extras == ("numel",)
    assert manifest.requires.compute_capability.contains((8, 6))
    assert not manifest.requires.compute_capability.contains((10, 0))


def _error(data) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        parse_manifest(data, "acme-ops")
    assert info.value.package == "acme-ops"
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field", "code"),
    [
        (lambda d: d.update(schema_version=2), "schema_version", "MANIFEST_SCHEMA_UNSUPPORTED"),
        (lambda d: d.update(schema_version="1"), "schema_version", "MANIFEST_INVALID"),
        (lambda d: d.update(colour="red"), "colour", "MANIFEST_INVALID"),
        (lambda d: d.update(ops=[]), "ops", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(id="acme.add"), "ops[0].id", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(id="acme::a.dd"), "ops[0].id", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(id="trt::add"), "ops[0].id", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(id="::add"), "ops[0].id", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(kind="fast"), "ops[0].kind", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(priority="urgent"), "ops[0].priority", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(capability_validator="nocolon"), "ops[0].capability_validator", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(supports_dynamic_shapes="yes"), "ops[0].supports_dynamic_shapes", "MANIFEST_INVALID"),
        (lambda d: d["ops"].append(dict(d["ops"][0])), "ops[2].id", "MANIFEST_INVALID"),
        (lambda d: d["ops"][1].update(ptx=[]), "ops[1].ptx", "MANIFEST_INVALID"),
        (lambda d: d["ops"][1]["ptx"][0].update(sha256="xyz"), "ops[1].ptx[0].sha256", "MANIFEST_INVALID"),
        (lambda d: d["ops"][1]["ptx"][0].update(arch="ampere"), "ops[1].ptx[0].arch", "MANIFEST_INVALID"),
        (lambda d: d["requires"].update(tensorrt=">>10"), "requires.tensorrt", "MANIFEST_INVALID"),
        (lambda d: d["requires"].update(compute_capability={"min": "9.0", "max": "8.0"}),
         "requires.compute_capability", "MANIFEST_INVALID"),
        (lambda d: d["ops"][0].update(kind="legacy"), "ops[0].register", "MANIFEST_INVALID"),
    ],
)
def test_invalid_manifest_is_rejected_naming_the_field(mutate, field, code):
    data = base()
    mutate(data)
    error = _error(data)
    assert error.field == field
    assert error.code == code
    assert "expected" in str(error)


def test_manifest_file_that_is_not_utf8_is_unreadable(tmp_path: Path):
    path = tmp_path / "trt_plugin.json"
    path.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(ManifestError) as info:
        read_manifest(path, "acme-ops")
    assert info.value.code == "MANIFEST_UNREADABLE" and "UTF-8" in str(info.value)


def test_huge_manifest_is_refused_before_parsing(tmp_path: Path):
    path = tmp_path / "trt_plugin.json"
    path.write_bytes(b" " * (MAX_MANIFEST_BYTES + 1))
    with pytest.raises(ManifestError) as info:
        read_manifest(path, "acme-ops")
    assert info.value.code == "MANIFEST_UNREADABLE"


def test_read_manifest_records_the_file_hash(tmp_path: Path):
    import hashlib

    path = tmp_path / "trt_plugin.json"
    raw = json.dumps(base()).encode()
    path.write_bytes(raw)
    assert read_manifest(path, "acme-ops").sha256 == hashlib.sha256(raw).hexdigest()


def test_invalid_json_is_reported_as_invalid_manifest(tmp_path: Path):
    path = tmp_path / "trt_plugin.json"
    path.write_text("{not json")
    with pytest.raises(ManifestError) as info:
        read_manifest(path, "acme-ops")
    assert info.value.code == "MANIFEST_INVALID" and "valid JSON" in str(info.value)
