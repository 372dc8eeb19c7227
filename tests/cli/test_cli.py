"""The command line: list (table and JSON schema), explain, --target, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.cli import run_cli
from _support.dists import jit_op, make_dist, manifest, run_python


@pytest.fixture
def plugin_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    files = {"acme/__init__.py": "", "acme/qdp.py": "",
             "acme/trt_plugin.json": manifest("acme", [jit_op("acme::add", "acme.qdp")],
                                               requires={"tensorrt": ">=10.9", "compute_capability": {"min": "8.0"}})}
    make_dist(site, "acme-ops", "1.2.3", entry_points={"torch_tensorrt.plugins": {"acme": "acme"}}, files=files)
    return site


def test_list_json_has_the_documented_schema(plugin_site):
    proc = run_cli([plugin_site], "list", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (plugin,) = [p for p in data["plugins"] if p["distribution"] == "acme-ops"]
    assert {"name", "distribution", "version", "status", "reasons", "ops"} <= set(plugin)
    assert plugin["status"] in {"active", "rejected", "failed", "disabled", "available"}
    assert all(set(r) == {"code", "message"} for r in plugin["reasons"])
    (op,) = plugin["ops"]
    assert op["id"] == "acme::add" and op["kind"] == "jit" and op["priority"] == "standard" and "status" in op


def test_list_with_autoload_off_notes_it_and_keeps_the_status(plugin_site):
    target = "sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580"
    off = {"TRT_PLUGIN_HUB_TARGET": target, "TRT_PLUGIN_HUB_AUTOLOAD": "0"}
    proc = run_cli([plugin_site], "list", env=off)
    assert proc.returncode == 0, proc.stderr
    assert "available" in proc.stdout
    assert ("why: [AUTOLOAD_DISABLED] TRT_PLUGIN_HUB_AUTOLOAD=0: plugins activate only when "
            "trt_plugin_hub.load() is called") in proc.stdout
    proc = run_cli([plugin_site], "list", "--json", env={**off, "TRT_PLUGIN_HUB_AUTOLOAD": ""})
    (plugin,) = [p for p in json.loads(proc.stdout)["plugins"] if p["distribution"] == "acme-ops"]
    assert plugin["status"] == "available" and plugin["reasons"] == []  # empty is unset: autoload on


def test_list_table_says_why_nothing_activates_without_tensorrt(plugin_site):
    proc = run_cli([plugin_site], "list")
    assert "acme-ops" in proc.stdout and "1.2.3" in proc.stdout and "rejected" in proc.stdout
    assert "[TENSORRT_MISSING]" in proc.stdout and "tensorrt>=10.9" in proc.stdout


def test_list_strict_exits_one_when_a_plugin_is_rejected(plugin_site):
    assert run_cli([plugin_site], "list", "--strict").returncode == 1


def test_target_answers_for_a_production_host(plugin_site):
    ok = json.loads(run_cli([plugin_site], "list", "--json", "--target", "sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580").stdout)
    (plugin,) = [p for p in ok["plugins"] if p["name"] == "acme"]
    assert plugin["status"] == "available" and ok["environment"]["is_target"] is True
    old = json.loads(run_cli([plugin_site], "list", "--json", "--target", "sm_75 trt=10.8 tt=2.7 torch=2.7").stdout)
    (plugin,) = [p for p in old["plugins"] if p["name"] == "acme"]
    codes = {r["code"] for r in plugin["reasons"]}
    assert plugin["status"] == "rejected" and {"REQUIREMENT_UNMET", "COMPUTE_CAPABILITY_UNSUPPORTED"} <= codes


def test_unreadable_target_is_a_usage_error(plugin_site):
    proc = run_cli([plugin_site], "list", "--target", "warp-drive=9")
    assert proc.returncode == 2 and "unknown target item" in proc.stderr


def test_explain_unknown_plugin_is_a_usage_error_listing_installed_ones(plugin_site):
    proc = run_cli([plugin_site], "explain", "nope")
    assert proc.returncode == 2 and "acme" in proc.stderr


def test_explain_matches_distribution_name_and_shows_every_check(plugin_site):
    proc = run_cli([plugin_site], "explain", "ACME_OPS")
    assert proc.returncode == 1  # rejected here: no TensorRT
    assert "Plugin acme: rejected" in proc.stdout and "entry point:  acme = acme" in proc.stdout
    assert "[FAIL] tensorrt installed" in proc.stdout and "Activation: not activated" in proc.stdout


def test_explain_activates_and_runs_the_upstream_debugging_checks(tmp_path: Path, upstream_paths: list[Path]):
    from _support.dists import build_wheel, pip_install, qdp_module, write_plugin_source

    project = write_plugin_source(tmp_path / "src", "acme-ops", "acme_ops",
                                  manifest("acme", [jit_op("acme::add", "acme_ops.qdp")]),
                                  {"qdp": qdp_module(["acme::add"])})
    site = tmp_path / "site"
    pip_install([build_wheel(project, tmp_path / "dist")], site)
    proc = run_cli([site, *upstream_paths], "explain", "acme", "--json", "--load",
               env={"TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert data["status"] == "active" and data["ops"][0]["activation_ms"] is not None
    debug = {c["name"]: c["passed"] for c in data["debug_checks"]}
    assert debug == {"1. acme::add in QDP_REGISTRY": True,
                     "2. torch.ops.acme.add.default in DYNAMO_CONVERTERS": True,
                     "3. capability validator of acme::add": True}


def test_python_m_entry_point_works(plugin_site):
    proc = run_python("import runpy, sys\nsys.argv=['x', '--version']\nrunpy.run_module('trt_plugin_hub', run_name='__main__')",
                      paths=[plugin_site], check=False)
    assert "trt-plugin-hub 0.1.0" in proc.stdout
