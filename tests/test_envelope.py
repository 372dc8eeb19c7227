"""One envelope for every JSON document: ``{"schema": "trt-plugin-hub/<document>/<n>", "trt_plugin_hub": ...}``.

Real command output (``list``, ``explain``, ``lock``, ``lock --check``, ``cache info``, ``validate``,
``verify``), ``Report.to_json()`` and lock files are validated against the JSON Schema each document
ships with (``trt_plugin_hub/schemas``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from _support.cli import run_cli
from _support.dists import REPO, jit_op, make_dist, manifest

from trt_plugin_hub._envelope import DOCUMENTS, SCHEMA_PREFIX, envelope, schema_id, schema_path
from trt_plugin_hub._version import __version__

jsonschema = pytest.importorskip("jsonschema")


def validate(document: str, data: Any) -> None:
    """``data`` is a valid ``document``, and begins with the envelope's two keys."""
    schema = json.loads(schema_path(document).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert list(data)[:2] == ["schema", "trt_plugin_hub"]
    assert data["schema"] == schema_id(document) and data["trt_plugin_hub"] == __version__


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("envelope") / "site"
    files = {"acme/__init__.py": "", "acme/qdp.py": "",
             "acme/trt_plugin.json": manifest("acme", [jit_op("acme::add", "acme.qdp")],
                                               requires={"tensorrt": ">=10.9", "compute_capability": {"min": "8.0"}})}
    make_dist(site, "acme-ops", "1.2.3", entry_points={"torch_tensorrt.plugins": {"acme": "acme"}}, files=files)
    return site


def cli_json(site: Path, *args: str, code: int | tuple[int, ...] = 0, **kwargs: Any) -> Any:
    proc = run_cli([site], *args, **kwargs)
    assert proc.returncode in ((code,) if isinstance(code, int) else code), proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_every_document_has_a_valid_schema_shipped_as_package_data():
    for document in DOCUMENTS:
        schema = json.loads(schema_path(document).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["schema"] == {"const": f"{SCHEMA_PREFIX}{document}/{DOCUMENTS[document]}"}
        assert schema["required"][:2] == ["schema", "trt_plugin_hub"]
    # Beside the documents' schemas lies the manifest's (tests/manifest/test_schema.py checks it).
    shipped = sorted(p.name for p in schema_path("report").parent.glob("*.schema.json")
                     if p.name != "trt_plugin.schema.json")
    assert shipped == sorted(f"{d}.schema.json" for d in DOCUMENTS)
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    package_data = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert '"schemas/*.json"' in package_data


def test_the_envelope_comes_first_and_cannot_be_overridden():
    assert list(envelope("lock", {"plugins": []})) == ["schema", "trt_plugin_hub", "plugins"]
    with pytest.raises(ValueError, match="envelope"):
        envelope("lock", {"schema": 1})


def test_the_documentation_names_every_document():
    text = (REPO / "docs" / "cli.rst").read_text(encoding="utf-8")
    for document in DOCUMENTS:
        assert f"``{schema_id(document)}``" in text, document


@pytest.mark.parametrize("extra", [(), ("--target", "sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580")],
                         ids=["here", "target"])
def test_list_json_is_a_report(plugin_site: Path, extra: tuple[str, ...]):
    validate("report", cli_json(plugin_site, "list", "--json", *extra))


def test_report_to_json_is_a_report(site: Path):
    from trt_plugin_hub._pipeline import report

    make_dist(site, "acme-ops", "1.2.3", entry_points={"torch_tensorrt.plugins": {"acme": "acme"}},
              files={"acme/__init__.py": "", "acme/trt_plugin.json": manifest("acme", [jit_op("acme::add", "acme.qdp")])})
    validate("report", json.loads(report().to_json()))


@pytest.mark.parametrize(("extra", "code"), [((), 1), (("--target", "sm_90, trt=10.13, tt=2.9, torch=2.9"), 0)],
                         ids=["rejected", "available"])
def test_explain_json_is_an_explanation(plugin_site: Path, extra: tuple[str, ...], code: int):
    validate("explain", cli_json(plugin_site, "explain", "acme", "--json", *extra, code=code))


def test_lock_json_the_lock_file_and_lock_check_json_are_their_documents(plugin_site: Path, tmp_path: Path):
    lock = tmp_path / "plugins.lock"
    printed = cli_json(plugin_site, "lock", "-o", str(lock), "--json")
    validate("lock", printed)
    validate("lock", json.loads(lock.read_text(encoding="utf-8")))
    assert [p["distribution"] for p in printed["plugins"]] == ["acme-ops"]
    checked = cli_json(plugin_site, "lock", "--check", str(lock), "--json")
    validate("lock-check", checked)
    assert checked["matches"] is True


def test_cache_info_json_is_its_document(plugin_site: Path, tmp_path: Path):
    data = cli_json(plugin_site, "cache", "info", "--json",
                    env={"TRT_PLUGIN_HUB_CACHE_DIR": str(tmp_path / "cache"), "TRT_PLUGIN_HUB_NO_CACHE": "0"})
    validate("cache-info", data)
    assert data["writable"] is True


def test_validate_json_is_its_document(plugin_site: Path):
    data = cli_json(plugin_site, "validate", str(plugin_site / "acme"), "--json", code=(0, 1))
    validate("validate", data)
    assert data["findings"] and data["ok"] is (data["summary"]["error"] == 0)


def test_verify_json_is_its_document(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("torch")
    pytest.importorskip("numpy")
    from _support.fake_gpu import FakeGpu, relu_kernel, scale_kernel
    from _support.verify import EXAMPLE, H100, SMALL, op_of

    from trt_plugin_hub import verify
    from trt_plugin_hub.cli import main
    from trt_plugin_hub.verify import VerifyReport
    from trt_plugin_hub.verify._plan import package_from_dir
    from trt_plugin_hub.verify._run import verify_op

    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    example = package_from_dir(str(EXAMPLE))
    gpu = FakeGpu({"relu_kernel": relu_kernel, "scale_kernel": scale_kernel})
    rng = random.Random(1)
    ops = tuple(verify_op(gpu, H100, example, op_of(example, op_id), SMALL, rng)
                for op_id in ("example_plugin::relu_aot", "example_plugin::scale_nvrtc"))
    measured = VerifyReport(device={"name": "stand-in"}, settings=SMALL, ops=ops, created="2026-01-01T00:00:00Z")
    monkeypatch.setattr(verify, "run_verify", lambda settings: measured)
    assert main(["verify", "--json"]) == 0
    validate("verify", json.loads(capsys.readouterr().out))
