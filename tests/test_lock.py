"""Lock files: ``trt-plugin-hub lock`` records what is installed; with a lock set, only that activates.

A lock names each plugin's distribution, version, manifest sha256 and the sha256 of every PTX
file. With ``TRT_PLUGIN_HUB_LOCK`` set, a plugin activates only if it matches its entry exactly;
anything else is rejected with a reason naming the difference, and an unreadable lock rejects
every plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from _support.cli import find_plugin, last_json, run_cli
from _support.dists import jit_op, make_dist, manifest, qdp_module, run_python
from _support.manifests import aot_op, ptx_text, sha256
from _support.plugins import Dist, add_plugin, hub_env, install

from trt_plugin_hub._decisions import decide
from trt_plugin_hub._discovery import scan_candidates
from trt_plugin_hub._environment import Environment
from trt_plugin_hub._errors import LockError
from trt_plugin_hub._lock import (
    LOCK_SCHEMA,
    build_lock,
    lock_checker,
    read_lock,
    write_lock,
)
from trt_plugin_hub._pipeline import report
from trt_plugin_hub._settings import read_settings
from trt_plugin_hub._version import __version__

H100 = Environment(python="3.12.0", tensorrt="10.13.3.9", tensorrt_distribution="tensorrt-cu12", torch="2.9.0",
                   torch_tensorrt="2.9.0", driver="580.65.06", cuda_driver_version=(13, 0),
                   compute_capability=(9, 0), gpu_name="NVIDIA H100")


def put_plugin(site: Path, dist: str, package: str, version: str = "1.0.0", *, archs=("sm_80", "sm_90"),
               name: str | None = None, description: str | None = None, isa: str = "8.7") -> Path:
    """A plugin with one JIT op and one AOT op shipping PTX for ``archs``; returns its package dir."""
    files: dict[str, str | bytes] = {}
    ops = [jit_op(f"{package}::add", f"{package}.qdp"),
           aot_op(f"{package}::scale", f"{package}.qdp", files, package=package, archs=archs, isa=isa)]
    text = manifest(name or dist, ops)
    if description is not None:
        data = json.loads(text)
        data["description"] = description
        text = json.dumps(data, indent=2)
    files[f"{package}/qdp.py"] = qdp_module([f"{package}::add", f"{package}::scale"], aot=[f"{package}::scale"])
    for old in site.glob(f"{dist.replace('-', '_')}-*.dist-info"):
        shutil.rmtree(old)
    add_plugin(site, dist, package, ops, version=version, manifest_text=text, files=files)
    return site / package


def decided(lock: Path, env: Environment = H100) -> dict:
    return {d.candidate.entry_point.distribution: d
            for d in decide(scan_candidates(), env, read_settings({}), lock_check=lock_checker(lock))}


def reason_of(decision) -> tuple[str, str]:
    assert decision.reasons, decision
    return decision.reasons[0].code, decision.reasons[0].message


def write_current_lock(path: Path) -> dict:
    document = build_lock(scan_candidates())
    write_lock(document, path)
    return document


# ----------------------------------------------------------------------------------------------
# Writing a lock


def cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli([site], *args)


def test_lock_command_records_distribution_version_manifest_hash_and_every_ptx_hash(tmp_path: Path):
    site = tmp_path / "site"
    acme = put_plugin(site, "acme-ops", "acme", "1.2.0")
    beta = put_plugin(site, "beta-ops", "beta", "0.3.0rc1", archs=("sm_90a",))
    make_dist(site, "broken-ops", "1.0.0", entry_points={"torch_tensorrt.plugins": {"broken": "broken"}},
              files={"broken/__init__.py": "", "broken/trt_plugin.json": "{not json"})
    lock = tmp_path / "deploy" / "plugins.lock"

    proc = cli(site, "lock", "-o", str(lock))
    assert proc.returncode == 0, proc.stderr
    assert "2 plugin(s)" in proc.stderr

    document = json.loads(lock.read_text(encoding="utf-8"))
    assert document["schema"] == LOCK_SCHEMA == "trt-plugin-hub/lock/1" and document["trt_plugin_hub"] == __version__
    by_name = {p["name"]: p for p in document["plugins"]}
    assert sorted(by_name) == ["acme-ops", "beta-ops"]  # a plugin without a valid manifest cannot be locked
    assert by_name["acme-ops"] == {
        "name": "acme-ops", "distribution": "acme-ops", "version": "1.2.0",
        "manifest_sha256": sha256((acme / "trt_plugin.json").read_bytes()),
        "ptx": {f"ptx/scale.{arch}.ptx": sha256((acme / "ptx" / f"scale.{arch}.ptx").read_bytes())
                for arch in ("sm_80", "sm_90")},
    }
    assert by_name["beta-ops"]["version"] == "0.3.0rc1"
    assert by_name["beta-ops"]["ptx"] == {"ptx/scale.sm_90a.ptx": sha256(ptx_text("sm_90a"))}
    assert by_name["beta-ops"]["manifest_sha256"] == sha256((beta / "trt_plugin.json").read_bytes())


def test_lock_command_json_output_is_the_file_written(tmp_path: Path):
    site = tmp_path / "site"
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    proc = cli(site, "lock", "-o", str(lock), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(lock.read_text(encoding="utf-8"))


def test_lock_check_passes_unchanged_and_fails_naming_each_difference(tmp_path: Path):
    site = tmp_path / "site"
    put_plugin(site, "acme-ops", "acme")
    put_plugin(site, "gone-ops", "gone")
    lock = tmp_path / "plugins.lock"
    assert cli(site, "lock", "-o", str(lock)).returncode == 0

    same = cli(site, "lock", "--check", str(lock), "--json")
    assert same.returncode == 0 and json.loads(same.stdout) == {
        "schema": "trt-plugin-hub/lock-check/1", "trt_plugin_hub": __version__, "lock": str(lock), "matches": True,
        "differences": [], "missing": []}

    put_plugin(site, "acme-ops", "acme", "1.0.1")
    shutil.rmtree(site / "gone")
    for info in site.glob("gone_ops-*.dist-info"):
        shutil.rmtree(info)
    changed = cli(site, "lock", "--check", str(lock), "--json")
    assert changed.returncode == 1
    result = json.loads(changed.stdout)
    assert result["matches"] is False and result["missing"] == ["gone-ops"]
    [difference] = result["differences"]
    assert difference["plugin"] == "acme-ops" and difference["code"] == "LOCK_MISMATCH"
    assert "version 1.0.1, lock has 1.0.0" in difference["message"]

    text = cli(site, "lock", "--check", str(lock))
    assert text.returncode == 1
    assert "acme-ops: [LOCK_MISMATCH]" in text.stdout and "gone-ops: in the lock but not installed" in text.stdout


def test_lock_is_written_atomically_and_read_back_unchanged(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    path = tmp_path / "nested" / "plugins.lock"
    document = write_current_lock(path)
    assert path.read_text(encoding="utf-8").endswith("}\n")
    assert [p.name for p in path.parent.iterdir()] == ["plugins.lock"]  # no temporary file left behind
    locked = read_lock(path)
    assert set(locked) == {"acme-ops"}
    assert locked["acme-ops"].to_dict() == document["plugins"][0]

    write_lock({"schema": LOCK_SCHEMA, "plugins": []}, path)  # replacing keeps one file
    assert read_lock(path) == {}
    assert [p.name for p in path.parent.iterdir()] == ["plugins.lock"]


@pytest.mark.skipif(not hasattr(os, "umask") or os.name != "posix", reason="POSIX permission bits")
def test_lock_file_mode_follows_the_umask(tmp_path: Path):
    # A lock is meant to be shared (committed, copied into images): it gets the mode any new file
    # gets, 0644 under the usual umask 022, where it used to be 0600.
    old = os.umask(0o022)
    try:
        write_lock({"schema": LOCK_SCHEMA, "plugins": []}, tmp_path / "shared.lock")
        os.umask(0o077)
        write_lock({"schema": LOCK_SCHEMA, "plugins": []}, tmp_path / "private.lock")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.lock").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.lock").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read lock file"),
        ("{not json", "cannot read lock file"),
        (json.dumps({"schema": 99, "plugins": []}), "not a trt-plugin-hub lock file"),
        (json.dumps({"schema": "trt-plugin-hub/lock/2", "plugins": []}), "not a trt-plugin-hub lock file"),
        (json.dumps({"schema": 1, "plugins": {}}), "not a trt-plugin-hub lock file"),
        (json.dumps({"schema": 1, "plugins": [{"name": "acme-ops"}]}), "malformed plugin entry"),
        (json.dumps({"schema": 1, "plugins": [{"name": "a", "distribution": "a", "version": "1",
                                               "manifest_sha256": "0", "ptx": 5}]}), "malformed plugin entry"),
    ],
    ids=["missing", "not-json", "other-schema", "newer-schema", "plugins-not-a-list", "entry-missing-fields", "ptx-not-a-map"],
)
def test_unreadable_lock_raises_lock_error_and_rejects_every_plugin(tmp_path: Path, site: Path, content, words):
    put_plugin(site, "acme-ops", "acme")
    put_plugin(site, "beta-ops", "beta")
    lock = tmp_path / "plugins.lock"
    if content is not None:
        lock.write_text(content, encoding="utf-8")
    with pytest.raises(LockError, match=words):
        read_lock(lock)
    result = decided(lock)
    assert {d: r.status for d, r in result.items()} == {"acme-ops": "rejected", "beta-ops": "rejected"}
    for decision in result.values():
        code, message = reason_of(decision)
        assert code == "LOCK_MISMATCH" and words in message and "no plugin activates" in message
        assert all(op.status == "rejected" for op in decision.ops)


# ----------------------------------------------------------------------------------------------
# Deciding with a lock


def test_plugins_matching_the_lock_are_available_and_say_so(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    decision = decided(lock)["acme-ops"]
    assert decision.status == "available"
    assert any(c.name == "lock" and c.passed for c in decision.checks)


def test_plugin_missing_from_the_lock_is_rejected_naming_it_and_the_lock(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    put_plugin(site, "newcomer-ops", "newcomer", "2.0.0")
    result = decided(lock)
    assert result["acme-ops"].status == "available"
    code, message = reason_of(result["newcomer-ops"])
    assert result["newcomer-ops"].status == "rejected" and code == "NOT_IN_LOCK"
    assert "newcomer-ops" in message and "2.0.0" in message and str(lock) in message


def _change_version(site: Path) -> str:
    put_plugin(site, "acme-ops", "acme", "1.0.1")
    return "version 1.0.1, lock has 1.0.0"


def _change_manifest(site: Path) -> str:
    put_plugin(site, "acme-ops", "acme", description="same version, edited manifest")
    return "manifest sha256"


def _rebuild_ptx(site: Path) -> str:
    # A rebuilt wheel: new PTX bytes, manifest updated to match (the hash check alone would pass).
    put_plugin(site, "acme-ops", "acme", isa="8.5")
    return f"PTX ptx/scale.sm_90.ptx: {sha256(ptx_text('sm_90', '8.5'))[:12]}, lock has {sha256(ptx_text('sm_90'))[:12]}"


def _add_ptx(site: Path) -> str:
    put_plugin(site, "acme-ops", "acme", archs=("sm_80", "sm_90", "sm_100"))
    return "PTX ptx/scale.sm_100.ptx: " + sha256(ptx_text("sm_100"))[:12] + ", lock has absent"


def _drop_ptx(site: Path) -> str:
    shutil.rmtree(site / "acme" / "ptx")
    put_plugin(site, "acme-ops", "acme", archs=("sm_90",))
    return "PTX ptx/scale.sm_80.ptx: absent, lock has " + sha256(ptx_text("sm_80"))[:12]


def _other_distribution(site: Path) -> str:
    shutil.rmtree(site / "acme")
    for info in site.glob("acme_ops-*.dist-info"):
        shutil.rmtree(info)
    put_plugin(site, "acme-fork", "acme", name="acme-ops")
    return "distribution acme-fork, lock has acme-ops"


@pytest.mark.parametrize("change", [_change_version, _change_manifest, _rebuild_ptx, _add_ptx, _drop_ptx,
                                    _other_distribution],
                         ids=["version", "manifest", "ptx-rebuilt", "ptx-added", "ptx-removed", "distribution"])
def test_plugin_differing_from_the_lock_is_rejected_naming_the_difference(tmp_path: Path, site: Path, change):
    put_plugin(site, "acme-ops", "acme")
    put_plugin(site, "steady-ops", "steady")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    expected = change(site)
    result = decided(lock)
    changed = next(d for dist, d in result.items() if dist != "steady-ops")
    code, message = reason_of(changed)
    assert changed.status == "rejected" and code == "LOCK_MISMATCH", message
    assert expected in message, message
    assert "acme-ops" in message and str(lock) in message
    assert all(op.status == "rejected" for op in changed.ops)
    assert result["steady-ops"].status == "available"  # one plugin's drift does not touch another


def test_lock_entries_match_distribution_names_after_normalisation(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    document = build_lock(scan_candidates())
    document["plugins"][0]["distribution"] = "Acme_Ops"
    document["plugins"][0]["name"] = "ACME.ops"
    write_lock(document, lock)
    assert decided(lock)["acme-ops"].status == "available"


def test_altered_ptx_is_still_rejected_when_the_manifest_matches_the_lock(tmp_path: Path, site: Path):
    package = put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    path = package / "ptx" / "scale.sm_90.ptx"
    path.write_bytes(path.read_bytes().replace(b"ret;", b"trap;"))
    decision = decided(lock)["acme-ops"]
    # The lock pins the manifest, the manifest pins the bytes: the chain catches the edit.
    assert any(c.name == "lock" and c.passed for c in decision.checks)
    scale = next(op for op in decision.ops if op.op.id == "acme::scale")
    assert scale.status == "rejected" and scale.reasons[0].code == "PTX_HASH_MISMATCH"
    assert scale.ptx_bytes is None


def test_deny_still_wins_over_a_matching_lock(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    [decision] = decide(scan_candidates(), H100, read_settings({"TRT_PLUGIN_HUB_DENY": "acme-ops"}),
                        lock_check=lock_checker(lock))
    assert decision.status == "disabled" and decision.reasons[0].code == "DENIED"


def test_lock_environment_variable_applies_to_the_report(tmp_path: Path, site: Path):
    put_plugin(site, "acme-ops", "acme")
    lock = tmp_path / "plugins.lock"
    write_current_lock(lock)
    put_plugin(site, "newcomer-ops", "newcomer")
    settings = read_settings({"TRT_PLUGIN_HUB_LOCK": str(lock), "TRT_PLUGIN_HUB_NO_CACHE": "1"})
    result = report(target=H100, settings=settings)
    assert result.plugin("acme-ops").status == "available"
    newcomer = result.plugin("newcomer-ops")
    assert newcomer.status == "rejected" and newcomer.reasons[0].code == "NOT_IN_LOCK"
    unlocked = report(target=replace(H100), settings=read_settings({"TRT_PLUGIN_HUB_NO_CACHE": "1"}))
    assert unlocked.plugin("newcomer-ops").status == "available"


# ----------------------------------------------------------------------------------------------
# End to end: import torch_tensorrt with a lock configured


LOAD_SCRIPT = '''
import json, sys
import torch_tensorrt
import trt_plugin_hub
rep = trt_plugin_hub.load()
print(json.dumps({"report": rep.to_dict(),
                  "imported": sorted(m for m in sys.modules if m.split(".")[0] in ("locked", "extra", "drifted"))}))
'''


@pytest.mark.slow
def test_with_a_lock_only_matching_plugins_activate_at_import(tmp_path: Path, upstream_paths: list[Path]):
    site = tmp_path / "site"
    lock = tmp_path / "plugins.lock"
    put_plugin(site, "locked-ops", "locked")
    put_plugin(site, "drifted-ops", "drifted")
    proc = cli(site, "lock", "-o", str(lock))
    assert proc.returncode == 0, proc.stderr
    put_plugin(site, "drifted-ops", "drifted", "1.1.0")
    install(site, [Dist("extra-ops", "extra", {"extra/__init__.py": "",
                                                "extra/trt_plugin.json": manifest("extra-ops", [jit_op("extra::op",
                                                                                                         "extra.qdp")]),
                                                "extra/qdp.py": qdp_module(["extra::op"])})], tmp_path / "work")

    proc = run_python(LOAD_SCRIPT, paths=[site, *upstream_paths], env=hub_env(TRT_PLUGIN_HUB_LOCK=str(lock)))
    out = last_json(proc.stdout)
    locked = find_plugin(out["report"], "locked-ops")
    assert locked["status"] == "active" and {op["status"] for op in locked["ops"]} == {"active"}
    extra = find_plugin(out["report"], "extra-ops")
    assert extra["status"] == "rejected" and extra["reasons"][0]["code"] == "NOT_IN_LOCK"
    drifted = find_plugin(out["report"], "drifted-ops")
    assert drifted["status"] == "rejected" and drifted["reasons"][0]["code"] == "LOCK_MISMATCH"
    assert "version 1.1.0, lock has 1.0.0" in drifted["reasons"][0]["message"]
    # Rejected by the lock means none of their code ran.
    assert out["imported"] == ["locked", "locked.qdp"]
