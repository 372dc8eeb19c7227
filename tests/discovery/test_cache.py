"""The discovery cache: never stale, never fatal, shared safely between processes.

Most tests run each step in a fresh interpreter, as a user's processes would: what one process
caches, the next must either reuse (nothing installed changed) or ignore (something did).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from _support import plugins
from _support.dists import build_wheel, jit_op, make_dist, manifest, pip_install, write_plugin_source

from trt_plugin_hub import _cachefile
from trt_plugin_hub._discovery import cache, scan_candidates
from trt_plugin_hub._settings import read_settings
from trt_plugin_hub.cli import main as cli_main

GROUP = "torch_tensorrt.plugins"

# A child reports what discovery found and whether it had to scan the installed distributions.
DISCOVER = """
import json, sys
import importlib.metadata as metadata
scans = []
real = metadata.distributions
def counting(*args, **kwargs):
    scans.append(1)
    return real(*args, **kwargs)
metadata.distributions = counting
from trt_plugin_hub._discovery import discover
from trt_plugin_hub._settings import read_settings
found = {}
for c in discover(read_settings()):
    found[c.entry_point.distribution] = {
        "version": c.entry_point.version,
        "problem": c.problem.code if c.problem else None,
        "ops": [op.id for op in c.manifest.ops] if c.manifest else None,
    }
print(json.dumps({"scanned": len(scans), "found": found}))
"""


def settle(*paths: Path) -> None:
    """Date directories an hour back, as an environment installed earlier would be.

    The cache writes nothing for a sys.path directory modified in the last two seconds, so a
    test that wants a cache hit lets its directories "settle" first.
    """
    past = time.time() - 3600
    for path in paths:
        os.utime(path, (past, past))


def child(code: str, paths: Sequence[Path], cache_dir: Path, cwd: Path, env: Mapping[str, str] | None = None,
          ) -> dict:
    """Run ``code`` in a fresh interpreter with ``paths`` first on sys.path and the cache at ``cache_dir``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRT_PLUGIN_HUB_")}
    full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    full_env["TRT_PLUGIN_HUB_CACHE_DIR"] = str(cache_dir)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def add_plugin(site: Path, dist: str, package: str, version: str = "1.0.0", ops: Sequence[str] = ("op",)) -> None:
    plugins.add_plugin(site, dist, package, [jit_op(f"{package}::{op}", f"{package}.qdp") for op in ops],
                       version=version, init="raise RuntimeError('plugin code must not run during discovery')\n")


def remove_plugin(site: Path, dist: str, package: str, version: str) -> None:
    """What an uninstaller does: the package and its .dist-info folder go."""
    shutil.rmtree(site / package)
    shutil.rmtree(site / f"{dist.replace('-', '_')}-{version}.dist-info")


@pytest.fixture
def env(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(site, cache dir, working directory), the site and working directory settled."""
    site, cache_dir, cwd = tmp_path / "site", tmp_path / "cache", tmp_path / "cwd"
    site.mkdir()
    cwd.mkdir()
    add_plugin(site, "alpha-ops", "alpha")
    settle(site, cwd)
    return site, cache_dir, cwd


def run(env: tuple[Path, Path, Path], extra_env: Mapping[str, str] | None = None, paths: Sequence[Path] = ()) -> dict:
    site, cache_dir, cwd = env
    return child(DISCOVER, [site, *paths], cache_dir, cwd, extra_env)


# ----------------------------------------------------------------------------------------------
# Install, upgrade, remove: seen by the next process


def test_second_process_is_served_from_the_cache(env):
    first = run(env)
    second = run(env)
    assert first["scanned"] == 1 and second["scanned"] == 0
    assert first["found"] == second["found"]
    assert second["found"]["alpha-ops"] == {"version": "1.0.0", "problem": None, "ops": ["alpha::op"]}


def test_install_is_seen_on_the_next_process_start(env):
    site = env[0]
    run(env)
    assert run(env)["scanned"] == 0
    add_plugin(site, "beta-ops", "beta")
    after = run(env)
    assert after["scanned"] == 1 and set(after["found"]) >= {"alpha-ops", "beta-ops"}


def test_upgrade_is_seen_on_the_next_process_start(env):
    site = env[0]
    run(env)
    assert run(env)["scanned"] == 0
    remove_plugin(site, "alpha-ops", "alpha", "1.0.0")
    add_plugin(site, "alpha-ops", "alpha", version="2.0.0", ops=("op", "op2"))
    after = run(env)["found"]["alpha-ops"]
    assert after == {"version": "2.0.0", "problem": None, "ops": ["alpha::op", "alpha::op2"]}


def test_remove_is_seen_on_the_next_process_start(env):
    site = env[0]
    add_plugin(site, "beta-ops", "beta")
    settle(site)
    run(env)
    assert set(run(env)["found"]) >= {"alpha-ops", "beta-ops"}
    remove_plugin(site, "beta-ops", "beta", "1.0.0")
    after = run(env)
    assert after["scanned"] == 1 and "beta-ops" not in after["found"] and "alpha-ops" in after["found"]


def test_changes_keep_being_seen_after_the_cache_is_rebuilt(env):
    site = env[0]
    run(env)
    add_plugin(site, "beta-ops", "beta")
    settle(site)  # the install has settled: the next process caches it
    assert run(env)["scanned"] == 1
    warm = run(env)
    assert warm["scanned"] == 0 and "beta-ops" in warm["found"]
    remove_plugin(site, "beta-ops", "beta", "1.0.0")
    assert "beta-ops" not in run(env)["found"]


@pytest.mark.slow
def test_wheel_installed_by_pip_is_seen_on_the_next_process_start(env, tmp_path):
    site = env[0]
    run(env)
    assert run(env)["scanned"] == 0
    project = write_plugin_source(tmp_path / "src", "gamma-ops", "gamma",
                                  manifest("gamma-ops", [jit_op("gamma::op", "gamma.qdp")]), {"qdp": ""})
    pip_install([build_wheel(project, tmp_path / "wheels")], site)
    after = run(env)
    assert after["found"]["gamma-ops"] == {"version": "1.0.0", "problem": None, "ops": ["gamma::op"]}


def test_manifest_edited_in_place_is_never_served_stale(env):
    """An editable install changes a manifest without touching any .dist-info folder."""
    site = env[0]
    run(env)
    path = site / "alpha" / "trt_plugin.json"
    path.write_text(manifest("alpha-ops", [jit_op("alpha::op", "alpha.qdp"), jit_op("alpha::new", "alpha.qdp")]))
    # Rewriting a file inside the package leaves the site directory's mtime as it was.
    after = run(env)
    assert after["scanned"] == 0  # still a cache hit...
    assert after["found"]["alpha-ops"]["ops"] == ["alpha::op", "alpha::new"]  # ...with the new manifest
    path.write_text("{broken")
    assert run(env)["found"]["alpha-ops"]["problem"] == "MANIFEST_INVALID"


def test_editable_checkout_changes_are_seen(tmp_path):
    """The package lives outside the directory holding its .dist-info, as with editable installs."""
    site, src, cache_dir, cwd = tmp_path / "site", tmp_path / "src", tmp_path / "cache", tmp_path / "cwd"
    for d in (site, src, cwd):
        d.mkdir()
    (src / "delta").mkdir()
    (src / "delta" / "__init__.py").write_text("")
    (src / "delta" / "trt_plugin.json").write_text(manifest("delta-ops", [jit_op("delta::op", "delta.qdp")]))
    # An editable install: RECORD lists the .pth that points at the source tree, not the package.
    make_dist(site, "delta-ops", "0.1.0", entry_points={GROUP: {"delta": "delta"}},
              files={"__editable__.delta_ops-0.1.0.pth": f"{src}\n"})
    settle(site, src, cwd)
    env = (site, cache_dir, cwd)
    assert run(env, paths=[src])["found"]["delta-ops"]["problem"] is None
    assert run(env, paths=[src])["scanned"] == 0
    (src / "delta" / "trt_plugin.json").unlink()  # src's own mtime is unchanged
    assert run(env, paths=[src])["found"]["delta-ops"]["problem"] == "MANIFEST_MISSING"
    settle(site, src)
    run(env, paths=[src])
    (src / "delta" / "trt_plugin.json").write_text(manifest("delta-ops", [jit_op("delta::op", "delta.qdp")]))
    assert run(env, paths=[src])["found"]["delta-ops"]["problem"] is None
    shutil.rmtree(src / "delta")
    settle(src)
    assert run(env, paths=[src])["found"]["delta-ops"]["problem"] == "ENTRY_POINT_NOT_FOUND"


PTX = """.version 8.7
.target sm_90
.address_size 64

.visible .entry kern(
\t.param .u64 kern_param_0
)
{
\tret;
}
"""

DECIDE = """
import json
from trt_plugin_hub import report
r = report(target="sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580")
(p,) = [p for p in r.plugins if p.distribution == "epsilon-ops"]
print(json.dumps({"status": p.status, "codes": sorted({x.code for op in p.ops for x in op.reasons})}))
"""


def test_a_warm_cache_never_changes_a_ptx_decision(env):
    """Decisions are not cached: a PTX file altered after caching is refused at once."""
    site, cache_dir, cwd = env
    data = PTX.encode()
    op = {"id": "epsilon::k", "kind": "aot", "module": "epsilon.qdp",
          "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]},
          "ptx": [{"arch": "sm_90", "path": "k.sm_90.ptx", "kernel": "kern", "sha256": hashlib.sha256(data).hexdigest()}]}
    files = {"epsilon/__init__.py": "", "epsilon/k.sm_90.ptx": data, "epsilon/trt_plugin.json": manifest("epsilon-ops", [op])}
    make_dist(site, "epsilon-ops", "1.0.0", entry_points={GROUP: {"epsilon": "epsilon"}}, files=files)
    settle(site)
    assert child(DECIDE, [site], cache_dir, cwd)["status"] == "available"
    assert run(env)["scanned"] == 0  # the cache is warm
    (site / "epsilon" / "k.sm_90.ptx").write_bytes(data.replace(b"ret;", b"trap;"))
    after = child(DECIDE, [site], cache_dir, cwd)
    assert after["status"] == "rejected" and "PTX_HASH_MISMATCH" in after["codes"]


# ----------------------------------------------------------------------------------------------
# Robustness: corrupt, foreign, read-only, bypassed, concurrent


def cache_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("discovery-*.json"))


@pytest.mark.parametrize("damage", [
    b"", b"{not json", b"[]", b"null", b'{"schema": 1}', b'{"schema": 1, "state": [], "candidates": []}',
    b"\xff\xfe\x00garbage",
])
def test_corrupt_cache_is_ignored_and_rebuilt(env, damage):
    cache_dir = env[1]
    expected = run(env)["found"]
    (path,) = cache_files(cache_dir)
    path.write_bytes(damage)
    damaged = run(env)
    assert damaged["scanned"] == 1 and damaged["found"] == expected
    assert run(env)["scanned"] == 0  # rewritten whole


def test_cache_with_matching_state_but_damaged_entries_is_ignored(env):
    cache_dir = env[1]
    expected = run(env)["found"]
    (path,) = cache_files(cache_dir)
    data = json.loads(path.read_text())
    for bad in ([{"ep": 5}], [{"ep": ["a", "b", None, None], "dir": 3, "manifest": None, "problem": None}],
                [{"ep": ["a", "b", None, None], "dir": None, "manifest": None, "problem": ["DUPLICATE_PLUGIN", "x"]}],
                "nonsense"):
        path.write_text(json.dumps({**data, "candidates": bad}))
        after = run(env)
        assert after["scanned"] == 1 and after["found"] == expected


def test_cache_written_for_another_state_is_ignored(env):
    cache_dir = env[1]
    run(env)
    (path,) = cache_files(cache_dir)
    data = json.loads(path.read_text())
    data["state"][5] = [0 for _ in data["state"][5]]  # other directory mtimes
    data["candidates"] = []
    path.write_text(json.dumps(data))
    after = run(env)
    assert after["scanned"] == 1 and "alpha-ops" in after["found"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_cache_others_may_write_is_not_trusted(env):
    cache_dir = env[1]
    run(env)
    (path,) = cache_files(cache_dir)
    path.chmod(0o666)
    assert run(env)["scanned"] == 1


def test_unwritable_location_is_skipped_silently(env, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    site, _, cwd = env
    for location in (blocker / "cache", Path("/proc/trt-plugin-hub-test-cache")):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRT_PLUGIN_HUB_")}
        full_env.update(PYTHONPATH=str(site), TRT_PLUGIN_HUB_CACHE_DIR=str(location))
        proc = subprocess.run([sys.executable, "-c", DISCOVER], env=full_env, cwd=cwd, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 0 and proc.stderr == ""
        assert "alpha-ops" in json.loads(proc.stdout)["found"]


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root ignores permission bits")
def test_read_only_cache_directory_is_used_but_not_written(env):
    cache_dir = env[1]
    run(env)
    cache_dir.chmod(0o500)
    try:
        assert run(env)["scanned"] == 0  # an existing file is still read
        add_plugin(env[0], "beta-ops", "beta")
        settle(env[0])
        assert "beta-ops" in run(env)["found"]  # a miss: rediscovered, nothing written, no error
        assert "beta-ops" in run(env)["found"]
    finally:
        cache_dir.chmod(0o700)


def test_bypass_variable_neither_reads_nor_writes(env):
    cache_dir = env[1]
    bypass = {"TRT_PLUGIN_HUB_NO_CACHE": "1"}
    assert run(env, bypass)["scanned"] == 1 and not cache_dir.exists()
    run(env)
    (path,) = cache_files(cache_dir)
    data = json.loads(path.read_text())
    data["candidates"][0]["ep"][3] = "9.9.9"  # a file that does not match what is installed
    path.write_text(json.dumps(data))
    assert run(env)["found"]["alpha-ops"]["version"] == "9.9.9"  # proof the file is what is read
    assert run(env, bypass)["found"]["alpha-ops"]["version"] == "1.0.0"


def test_recently_changed_directory_is_not_cached_until_it_settles(tmp_path):
    site, cache_dir, cwd = tmp_path / "site", tmp_path / "cache", tmp_path / "cwd"
    site.mkdir()
    cwd.mkdir()
    add_plugin(site, "alpha-ops", "alpha")
    settle(cwd)  # the site has just been installed
    env = (site, cache_dir, cwd)
    assert run(env)["scanned"] == 1 and run(env)["scanned"] == 1 and not cache_files(cache_dir)
    settle(site)
    run(env)
    assert run(env)["scanned"] == 0


CONCURRENT = """
import json, sys, time
from trt_plugin_hub._discovery import cache, scan_candidates
from trt_plugin_hub._settings import read_settings
directory = read_settings().cache_dir
expected = scan_candidates()
key = cache.cache_key()
path = directory / key.filename("discovery-")
deadline = float(sys.argv[1])
while time.time() < deadline:  # start together
    time.sleep(0.001)
bad = 0
for _ in range(40):
    cache._store(directory, path, key, expected)  # every writer replaces the file
    if path.exists():
        json.loads(path.read_bytes())  # never a torn file
        hit = cache._load(path, key)
        bad += hit is not None and hit != expected
print(json.dumps({"bad": bad}))
"""


def test_concurrent_writers_leave_a_valid_cache(env):
    site, cache_dir, cwd = env
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRT_PLUGIN_HUB_")}
    full_env.update(PYTHONPATH=str(site), TRT_PLUGIN_HUB_CACHE_DIR=str(cache_dir))
    start = str(time.time() + 2.0)
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, start], env=full_env, cwd=cwd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert json.loads(out)["bad"] == 0
    assert len(cache_files(cache_dir)) == 1 and not list(cache_dir.glob(".discovery-*"))
    assert run(env)["scanned"] == 0 and "alpha-ops" in run(env)["found"]


# ----------------------------------------------------------------------------------------------
# In process: same answer as scan_candidates(), command line


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sys.path = one settled site + the standard library; the cache in a temporary directory."""
    site = tmp_path / "site"
    site.mkdir()
    stdlib = [p for p in sys.path
              if p and "site-packages" not in p and (Path(p, "os.py").exists() or p.endswith("lib-dynload"))]
    monkeypatch.setattr(sys, "path", [str(site), *stdlib])
    monkeypatch.setenv("TRT_PLUGIN_HUB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TRT_PLUGIN_HUB_NO_CACHE", raising=False)
    return site


def test_cached_discover_equals_discover_in_every_state(isolated, monkeypatch):
    site = isolated
    add_plugin(site, "good-ops", "good", ops=("a", "b"))
    add_plugin(site, "twin-a", "twina")
    add_plugin(site, "twin-b", "twinb")
    for twin in ("twina", "twinb"):  # two distributions claiming one plugin name
        (site / twin / "trt_plugin.json").write_text(manifest("twin", [jit_op(f"{twin}::op", f"{twin}.qdp")]))
    make_dist(site, "bare-ops", "1.0", entry_points={GROUP: {"bare": "bare"}}, files={"bare/__init__.py": ""})
    make_dist(site, "ghost-ops", "1.0", entry_points={GROUP: {"ghost": "not_installed_anywhere"}})
    make_dist(site, "weird-ops", "1.0", entry_points={GROUP: {"weird": "bad-name!"}})
    add_plugin(site, "broken-ops", "broken")
    (site / "broken" / "trt_plugin.json").write_text('{"schema_version": 1, "name": "broken-ops", "ops": 3}')
    settle(site)
    scans = []
    real = cache.scan_candidates
    monkeypatch.setattr(cache, "scan_candidates", lambda: scans.append(1) or real())
    expected = scan_candidates()
    codes = {c.entry_point.distribution: c.problem.code if c.problem else None for c in expected}
    # Two distributions sharing a plugin name are settled by the decisions, not by discovery.
    assert codes == {"good-ops": None, "twin-a": None, "twin-b": None, "bare-ops": "MANIFEST_MISSING",
                     "ghost-ops": "ENTRY_POINT_NOT_FOUND", "weird-ops": "ENTRY_POINT_INVALID",
                     "broken-ops": "MANIFEST_INVALID"}
    settings = read_settings()
    assert cache.cached_discover(settings) == expected and len(scans) == 1  # miss, written
    assert cache.cached_discover(settings) == expected and len(scans) == 1  # hit, same candidates


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_cache_file_is_private_and_leaves_no_temporary_file(isolated):
    add_plugin(isolated, "good-ops", "good")
    settle(isolated)
    old = os.umask(0o022)
    try:
        cache.cached_discover(read_settings())
    finally:
        os.umask(old)
    directory = read_settings().cache_dir
    (path,) = cache_files(directory)
    assert (path.stat().st_mode & 0o777, directory.stat().st_mode & 0o777) == (0o600, 0o700)
    assert [p.name for p in directory.iterdir()] == [path.name]


def test_cache_info_and_clear(isolated, capsys):
    add_plugin(isolated, "good-ops", "good")
    settle(isolated)
    assert cli_main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files"] == 0 and info["current_valid"] is False and info["bypassed"] is False
    assert info["plan_present"] is False and Path(info["plan_file"]).name.startswith("plan-")
    cache.cached_discover(read_settings())
    assert cli_main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files"] == 1 and info["current_valid"] is True and info["current_plugins"] == 1
    assert info["writable"] is True and Path(info["current_file"]).exists()
    assert cli_main(["cache", "info"]) == 0
    assert "current" in capsys.readouterr().out
    Path(info["plan_file"]).write_text("{}")  # where the next activation would leave its plan
    Path(info["plan_file"]).chmod(0o600)
    assert cli_main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plan_present"] is True
    assert cli_main(["cache", "clear"]) == 0
    assert "Removed 2 cache file(s)" in capsys.readouterr().out
    assert not list(Path(info["directory"]).glob("discovery-*"))
    assert cli_main(["cache", "clear"]) == 0 and "Removed 0" in capsys.readouterr().out



def test_key_costs_one_stat_per_sys_path_entry(isolated, monkeypatch):
    calls = []
    real = os.stat
    monkeypatch.setattr(cache.os, "stat", lambda p, *a, **k: calls.append(p) or real(p, *a, **k))
    cache.cache_key()
    assert len(calls) == len(sys.path) + 4  # + the hub's own discovery and manifest-reading code (four files)


# ----------------------------------------------------------------------------------------------
# Manifests: served from the cache by file identity, read again when it changed


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Manifests the cache reads from their files (rather than rebuilding them from their trusted form)."""
    reads: list[str] = []
    real = cache.read_manifest
    monkeypatch.setattr(cache, "read_manifest", lambda path, *a, **k: reads.append(path.parent.name) or real(path, *a, **k))
    return reads


def _settled_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written now count as settled (otherwise a manifest is kept once its ctime is 2 s old)."""
    monkeypatch.setattr(_cachefile, "SETTLE_NS", -10**9)


def test_manifests_are_served_from_the_cache_while_their_files_are_unchanged(isolated, monkeypatch, counted_reads):
    add_plugin(isolated, "good-ops", "good", ops=("a", "b"))
    add_plugin(isolated, "other-ops", "other")
    settle(isolated)
    _settled_now(monkeypatch)
    expected = scan_candidates()
    settings = read_settings()
    assert cache.cached_discover(settings) == expected  # a miss: scanned, each manifest kept with its identity
    (path,) = cache_files(settings.cache_dir)
    kept = {item["ep"][0]: item["m"] for item in json.loads(path.read_text())["candidates"]}
    assert all(entry is not None and len(entry[0]) == 5 for entry in kept.values())
    warm = cache.cached_discover(settings)
    assert warm == expected and counted_reads == []  # rebuilt from the trusted form, not read
    assert [c.manifest_key for c in warm] == [c.manifest_key for c in expected]


def test_a_manifest_altered_keeping_size_and_mtime_is_read_again(isolated, monkeypatch, counted_reads):
    add_plugin(isolated, "good-ops", "good", ops=("a", "b"))
    settle(isolated)
    _settled_now(monkeypatch)
    settings = read_settings()
    cache.cached_discover(settings)
    path = isolated / "good" / "trt_plugin.json"
    before = os.stat(path)
    text = path.read_text()
    altered = text.replace("good::b", "good::c")
    assert altered != text and len(altered) == len(text)
    path.write_text(altered)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and mtime as before
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    (candidate,) = cache.cached_discover(settings)
    assert counted_reads == ["good"]
    assert candidate.manifest is not None and [op.id for op in candidate.manifest.ops] == ["good::a", "good::c"]
    assert candidate == next(iter(scan_candidates()))
    # The new identity is kept once the decisions are done: the next process rebuilds it again.
    cache.save_checked_ptx()
    counted_reads.clear()
    (again,) = cache.cached_discover(settings)
    assert counted_reads == [] and again == candidate


@pytest.mark.parametrize("damage", [
    "junk", [1], [[0, 0, 0, 0, 0], {}], "key", {"ops": 3}, {"ops": [[1]]}, {"ops": [], "requires": None},
])
def test_a_corrupt_manifest_entry_falls_back_to_reading_the_file(isolated, monkeypatch, counted_reads, damage):
    add_plugin(isolated, "good-ops", "good", ops=("a", "b"))
    settle(isolated)
    _settled_now(monkeypatch)
    settings = read_settings()
    expected = scan_candidates()
    cache.cached_discover(settings)
    (path,) = cache_files(settings.cache_dir)
    data = json.loads(path.read_text())
    (item,) = data["candidates"]
    key, form = item["m"]
    if damage == "key":
        item["m"] = [[*key[:4], key[4] - 1], form]  # what a stale entry holds: another identity of the file
    elif isinstance(damage, dict):
        item["m"] = [key, damage]
    else:
        item["m"] = damage
    path.write_text(json.dumps(data))
    assert cache.cached_discover(settings) == expected
    assert counted_reads == ["good"]  # read from the file; the rest of the cache file still served


def test_a_recently_written_manifest_is_not_kept(isolated, counted_reads):
    add_plugin(isolated, "good-ops", "good")
    settle(isolated)  # the site directory is settled, the manifest file's ctime is now
    settings = read_settings()
    cache.cached_discover(settings)
    (path,) = cache_files(settings.cache_dir)
    assert [item["m"] for item in json.loads(path.read_text())["candidates"]] == [None]
    cache.cached_discover(settings)
    assert counted_reads == ["good"]  # read again, as before the cache kept manifests
    cache.save_checked_ptx()
    assert [item["m"] for item in json.loads(path.read_text())["candidates"]] == [None]  # still not kept


def test_entries_other_stages_keep_are_written_with_the_cache_file(isolated, monkeypatch):
    add_plugin(isolated, "good-ops", "good")
    settle(isolated)
    settings = read_settings()
    cache.cached_discover(settings)  # a miss: written
    assert cache.remembered("probe") is None
    cache.remember("probe", {"answers": [1, "two"]})
    cache.save_checked_ptx()
    cache.cached_discover(settings)  # a hit: the entry is back
    assert cache.remembered("probe") == {"answers": [1, "two"]}
    monkeypatch.setenv("TRT_PLUGIN_HUB_NO_CACHE", "1")
    cache.cached_discover(read_settings())
    cache.remember("probe", "ignored")
    assert cache.remembered("probe") is None


def test_a_warm_process_takes_the_installed_versions_from_the_cache_file(isolated, monkeypatch):
    import trt_plugin_hub
    from trt_plugin_hub._environment import metadata

    add_plugin(isolated, "good-ops", "good")
    settle(isolated)
    monkeypatch.setattr(metadata, "_ANSWERS", {})
    first = trt_plugin_hub.report()  # discovery written to the cache, then the versions
    monkeypatch.setattr(metadata, "_ANSWERS", {})  # a new process...
    monkeypatch.setattr(metadata, "_listing", lambda *a: pytest.fail("a sys.path directory was listed"))
    warm = trt_plugin_hub.report()  # ...lists no directory for the versions
    assert warm.environment == first.environment
    assert [p.to_dict() for p in warm.plugins] == [p.to_dict() for p in first.plugins]


def test_the_hook_finder_is_left_out_of_the_key_and_other_finders_are_not(monkeypatch: pytest.MonkeyPatch):
    """The autoload hook puts its module on ``sys.meta_path`` and takes it off later: the key must not move."""
    import _trt_plugin_hub_autoload as hook

    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if f is not hook])
    plain = _cachefile._finder_names()  # noqa: SLF001
    monkeypatch.setattr(sys, "meta_path", [hook, *sys.meta_path])
    assert _cachefile._finder_names() == plain  # noqa: SLF001

    class ServesModules:
        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> None:
            return None

    monkeypatch.setattr(sys, "meta_path", [ServesModules(), *sys.meta_path])
    assert _cachefile._finder_names() != plain  # noqa: SLF001
