"""Concurrency: many threads loading and importing at once, several processes sharing a cache.

Threads: every op is registered exactly once and every caller gets the same report object.
Processes: started together with one ``TRT_PLUGIN_HUB_CACHE_DIR``, they all reach the same report,
and later processes reading the shared cache reach it too. TensorRT and Torch-TensorRT are the real
upstream Python layers (the ``upstream_paths`` fixture).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from _support.cases import CASES, build_site
from _support.cli import find_plugin, last_json
from _support.dists import run_python, spawn
from _support.plugins import GOOD_AOT, GOOD_DIST, GOOD_JIT, PROBE, hub_env

pytestmark = pytest.mark.slow

#: A few bad plugins beside the good one, so the shared report has rejections and failures too.
BESIDE = ("import_raises_exception", "ptx_hash_mismatch", "conflict_same_priority", "manifest_not_json",
          "undeclared_op")


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory, upstream_paths: list[Path]) -> list[Path]:
    """The plugins' site directory, then the real upstream layers: a process's ``sys.path``."""
    root = tmp_path_factory.mktemp("concurrency")
    site = build_site(root, [c for c in CASES if c.key in BESIDE])
    # The discovery cache does not trust a directory modified in the last two seconds.
    past = time.time() - 60
    os.utime(site, (past, past))
    return [site, *upstream_paths]


def _comparable(out: dict[str, Any]) -> dict[str, Any]:
    """The probe output without timings, which legitimately differ between runs."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("timings_ms", "activation_ms")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(out)


THREADS_SCRIPT = PROBE + '''
import json, os, sys, threading, time
N = 16
barrier = threading.Barrier(N)
results = [None] * N
errors = []

def worker(i):
    try:
        barrier.wait()
        if i % 2:
            import torch_tensorrt
            import trt_plugin_hub
            results[i] = trt_plugin_hub.load()
        else:
            import trt_plugin_hub
            results[i] = trt_plugin_hub.load()
            import torch_tensorrt
    except BaseException as exc:
        errors.append(f"{i}: {type(exc).__name__}: {exc}")

threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(N)]
for t in threads:
    t.start()
deadline = time.monotonic() + 120
for t in threads:
    t.join(timeout=max(0.0, deadline - time.monotonic()))
alive = sum(t.is_alive() for t in threads)
out = {"alive": alive, "errors": errors}
if not alive:
    from trt_plugin_hub import _pipeline
    final = _pipeline.loaded_report()
    out["distinct_reports"] = len({id(r) for r in results})
    out["all_final"] = all(r is final for r in results)
    out.update(probe(final))
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)  # never wait for a stuck daemon thread
'''


def test_threads_loading_and_importing_at_once_register_each_op_once_and_share_one_report(paths: list[Path]):
    out = last_json(run_python(THREADS_SCRIPT, paths=paths, env=hub_env(), timeout=300).stdout)
    assert out["alive"] == 0 and out["errors"] == []
    assert out["distinct_reports"] == 1 and out["all_final"]
    report = out["report"]
    assert find_plugin(report, GOOD_DIST)["status"] == "active"
    active = [f"{op['id']}.{op['overload']}" for p in report["plugins"] for op in p["ops"] if op["status"] == "active"]
    assert f"{GOOD_JIT}.default" in active and f"{GOOD_AOT}.default" in active
    assert sorted(active) == out["registered"]
    assert all(out["converters"][key] == 1 for key in active), out["converters"]
    assert not any(r["code"] == "ALREADY_REGISTERED" for p in report["plugins"] for op in p["ops"]
                   for r in op["reasons"])


RACE_SCRIPT = '''
import importlib.machinery, json, os, sys, threading, time
import torch  # the hub's import hook is installed; torch_tensorrt is not imported yet


class SlowInit:
    """Keeps torch_tensorrt initialising for a second (a real one takes seconds to import)."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch_tensorrt.dynamo":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        real = spec.loader

        class Slow:
            def create_module(self, spec):
                return None

            def exec_module(self, module):
                time.sleep(1.0)
                real.exec_module(module)

        spec.loader = Slow()
        return spec


sys.meta_path.insert(0, SlowInit())
out = {}

def importer():
    import torch_tensorrt
    out["imported"] = True

def loader():
    while "torch_tensorrt" not in sys.modules:
        time.sleep(0.005)
    import trt_plugin_hub
    out["status"] = trt_plugin_hub.load().plugin("good-ops").status

threads = [threading.Thread(target=importer, daemon=True), threading.Thread(target=loader, daemon=True)]
for t in threads:
    t.start()
deadline = time.monotonic() + 10
for t in threads:
    t.join(timeout=max(0.0, deadline - time.monotonic()))
out["alive"] = sum(t.is_alive() for t in threads)
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
'''


def test_load_in_one_thread_while_another_imports_torch_tensorrt_completes(paths: list[Path]):
    out = last_json(run_python(RACE_SCRIPT, paths=paths, env=hub_env(), timeout=120).stdout)
    assert out == {"imported": True, "status": "active", "alive": 0}


PROCESS_SCRIPT = PROBE + '''
import json
import torch_tensorrt
import trt_plugin_hub
rep = trt_plugin_hub.load()
out = probe(rep)
out["same_report"] = trt_plugin_hub.load() is rep
print(json.dumps(out))
'''


def _run_together(paths: list[Path], envs: list[dict[str, str]]) -> list[dict[str, Any]]:
    procs = [spawn(PROCESS_SCRIPT, paths, env) for env in envs]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        outs.append(last_json(stdout))
    return outs


def test_processes_sharing_a_cache_all_reach_the_same_report(paths: list[Path], tmp_path: Path):
    cache = tmp_path / "cache"
    shared = hub_env(TRT_PLUGIN_HUB_CACHE_DIR=str(cache), TRT_PLUGIN_HUB_NO_CACHE="0")

    cold = _run_together(paths, [shared] * 3)
    first = _comparable(cold[0])
    for other in cold[1:]:
        assert _comparable(other) == first
    assert all(out["same_report"] for out in cold)
    assert find_plugin(first["report"], GOOD_DIST)["status"] == "active"
    assert len(first["report"]["plugins"]) == len(BESIDE) + 2  # the good plugin and the conflict's winner
    assert all(count == 1 for count in first["converters"].values() if count)

    files = sorted(p.name for p in cache.rglob("*") if p.is_file()) if cache.exists() else []
    try:
        import trt_plugin_hub._discovery.cache  # noqa: F401
    except ImportError:
        pass  # no discovery cache in this hub version: the runs above still had to agree
    else:
        assert files, "no process wrote the discovery cache"
        assert all(not name.startswith(".") for name in files), files  # no torn temporary files

    # Warm processes read what the cold ones wrote; a process without the cache agrees with both.
    warm = _run_together(paths, [shared, hub_env(TRT_PLUGIN_HUB_NO_CACHE="1")])
    assert _comparable(warm[0]) == first
    uncached = _comparable(warm[1])
    assert uncached["report"].pop("settings")["use_cache"] is False
    first["report"].pop("settings")
    assert uncached == first
    if files:
        assert sorted(p.name for p in cache.rglob("*") if p.is_file()) == files

