"""The activation plan: a warm ``import torch_tensorrt`` activates from it, and anything it depends on invalidates it.

A pip-installed plugin (one JIT op, one AOT op) and a plugin whose module fails to import are
activated at ``import torch_tensorrt`` against the real Torch-TensorRT / TensorRT Python layers
(the ``upstream_paths`` fixture). The first process decides and leaves its plan; later ones
activate from it (``planned``), import none of the decision modules, and build the same report
when asked. Each thing the plan depends on is changed in turn and must send the process through
the full pipeline again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.dists import (
    RECORD_PLANS,
    build_wheel,
    jit_op,
    manifest,
    pip_install,
    qdp_module,
    relu_ptx,
    subprocess_env,
    write_plugin_source,
)
from _support.plugins import add_plugin

from trt_plugin_hub import _warm
from trt_plugin_hub._activation import PlannedPlugin, from_plain, plan_of, to_plain
from trt_plugin_hub._activation.plan import ROW
from trt_plugin_hub._settings import read_settings


#: Modules the full pipeline imports and the warm path must not.
DECIDING = ("trt_plugin_hub._decisions", "trt_plugin_hub._discovery.scan", "trt_plugin_hub._manifest.reader",
             "trt_plugin_hub._environment.probe")
#: What building a report imports besides: not imported until a report is asked for.
REPORTING = ("trt_plugin_hub._report", "trt_plugin_hub._codes")  # the report, its statuses and codes (enums)
#: The manifest's models and reader: a planned op carries what it needs of them (its id's parts).
MANIFEST = "trt_plugin_hub._manifest"
#: The lazy-export helper: only the first use of a package's exported names imports it.
LAZY = "trt_plugin_hub._lazy"
#: The environment stage's package: the warm path's GPU check is in its own module, :mod:`trt_plugin_hub._gpu`.
ENVIRONMENT = "trt_plugin_hub._environment"
#: What a warm activation of JIT and AOT ops does not need of three packages: the launch section's
#: checks, the stages beyond the warm path, and what registering a kernels op or launching a
#: packaged kernel asks of upstream.
COLD_PARTS = ("trt_plugin_hub._launch.checks", "trt_plugin_hub._pipeline.stages", "trt_plugin_hub._adapter.launch")

CHILD = RECORD_PLANS + """
import json, os, sys
import torch
if os.environ.get("FAKE_NUMPY"):
    import numpy
    numpy.__version__ = os.environ["FAKE_NUMPY"]
out = {}
try:
    import torch_tensorrt
    if os.environ.get("EXPLICIT_LOAD"):  # with TRT_PLUGIN_HUB_AUTOLOAD=0: the program calls load()
        import trt_plugin_hub
        out["specifiers_before_load"] = "packaging.specifiers" in sys.modules
        trt_plugin_hub.load()
        out["specifiers_after_load"] = "packaging.specifiers" in sys.modules
except Exception as exc:
    out["raised"] = type(exc).__name__
    out["codes"] = sorted(f.code for f in getattr(exc, "findings", ()))
out["modules"] = sorted(m for m in sys.modules if m.startswith("trt_plugin_hub"))
out["planned"] = planned
# Classes of the hub's loaded modules whose methods were generated when they were made (a
# NamedTuple, or a dataclass that is not a trt_plugin_hub._record record).
import dataclasses
from trt_plugin_hub._record import Frozen
# Records registered with dataclasses so far (each 40-120 us): asking is_dataclass below registers them.
out["registered"] = sorted(
    f"{name}.{value.__qualname__}" for name in out["modules"] for value in vars(sys.modules[name]).values()
    if isinstance(value, type) and value.__module__ == name and issubclass(value, Frozen)
    and isinstance(value.__dict__.get("__dataclass_fields__"), dict))
out["generated"] = sorted(
    f"{name}.{value.__qualname__}" for name in out["modules"] for value in vars(sys.modules[name]).values()
    if isinstance(value, type) and value.__module__ == name
    and ((issubclass(value, tuple) and hasattr(value, "_fields"))
         or (dataclasses.is_dataclass(value) and not issubclass(value, Frozen))))
if "raised" not in out:
    import trt_plugin_hub._pipeline as pipeline
    out["pending"] = pipeline._warm_run is not None
    out["report_pending"] = type(pipeline._loaded).__name__ == "_PendingReport"  # type() builds nothing
    out["reports_read"] = pipeline._warm_run is not None and pipeline._warm_run[1]._report_part is not None
    report = pipeline.loaded_report()
    out["ops"] = {o.id: [str(o.status), [r.code for r in o.reasons]] for p in report.plugins for o in p.ops}
    out["plugins"] = {p.name: str(p.status) for p in report.plugins}
    out["status_types"] = sorted({type(o.status).__name__ for p in report.plugins for o in p.ops})
    whole = report.to_dict()  # all of it but the times
    del whole["timings_ms"]
    for plugin in whole["plugins"]:
        plugin.pop("activation_ms")
        for op in plugin["ops"]:
            op.pop("activation_ms")
    out["report"] = whole
    out["findings"] = sorted(f.code for f in report.findings)
    out["modules_after_report"] = sorted(m for m in sys.modules if m.startswith("trt_plugin_hub"))
print(json.dumps(out))
"""


def _delta(root: Path) -> Path:
    files, ptx = relu_ptx()
    ops = [jit_op("delta::plain", "delta_ops.qdp"),
           {"id": "delta::relu", "kind": "aot", "module": "delta_ops.qdp", "ptx": ptx,
            "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}}]
    return write_plugin_source(root / "delta", "delta-ops", "delta_ops", manifest("delta-ops", ops),
                               {"qdp": qdp_module(["delta::plain", "delta::relu"], aot=["delta::relu"])},
                               extra_files=files)


def _broken(root: Path) -> Path:
    return write_plugin_source(root / "broken", "broken-ops", "broken_ops",
                               manifest("broken-ops", [jit_op("broken::op", "broken_ops.qdp")]),
                               {"qdp": "raise RuntimeError('broken on purpose')\n"})


def _late(root: Path) -> Path:
    return write_plugin_source(root / "late", "late-ops", "late_ops",
                               manifest("late-ops", [jit_op("late::op", "late_ops.qdp")]),
                               {"qdp": qdp_module(["late::op"])})


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("warm")
    return {name: build_wheel(make(root), root / "dist")
            for name, make in (("delta", _delta), ("broken", _broken), ("late", _late))}


def _age(*paths: Path) -> None:
    """Date paths an hour back, and wait until every ctime below them is two seconds old (settled)."""
    past = time.time() - 3600
    newest = 0.0
    for path in paths:
        for item in [path, *path.rglob("*")]:
            newest = max(newest, item.stat().st_ctime)
        os.utime(path, (past, past))
    time.sleep(max(0.0, 2.2 - (time.time() - newest)))


class Host:
    """An installed, settled environment with a cache directory; :meth:`run` is one fresh process."""

    def __init__(self, root: Path, wheels: dict[str, Path], backend: list[Path]) -> None:
        self.site = root / "site"
        pip_install([wheels["delta"], wheels["broken"]], self.site)
        self.cwd = root / "cwd"
        self.cwd.mkdir()
        self.cache = root / "cache"
        self.backend = backend
        _age(self.site, self.cwd)

    def run(self, **env: str) -> dict[str, Any]:
        variables = {"TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580", "TRT_PLUGIN_HUB_NO_CACHE": "0",
                     "TRT_PLUGIN_HUB_CACHE_DIR": str(self.cache), "PYTHONDONTWRITEBYTECODE": "1", **env}
        proc = subprocess.run([sys.executable, "-c", CHILD], env=subprocess_env([self.site, *self.backend], variables),
                              cwd=self.cwd, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    @property
    def plan(self) -> Path:
        """The plan of processes with the default settings: the one the first process wrote."""
        return self.first_plan



@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Path], upstream_paths: list[Path]) -> Host:
    host = Host(tmp_path_factory.mktemp("host"), wheels, upstream_paths)
    cold = host.run()
    assert cold["planned"] == [False], cold
    (host.first_plan,) = host.cache.glob(f"{_warm.PREFIX}*.json")  # type: ignore[attr-defined]
    assert host.plan.stat().st_mode & 0o077 == 0  # private to this user, like the discovery cache
    host.cold = cold  # type: ignore[attr-defined]
    return host


def test_a_warm_process_activates_from_the_plan_without_deciding(host: Host):
    cold = host.cold  # type: ignore[attr-defined]
    assert cold["ops"]["delta::plain"][0] == "active" and cold["ops"]["delta::relu"][0] == "active", cold
    assert cold["ops"]["broken::op"] == ["failed", ["IMPORT_FAILED"]], cold
    warm = host.run()
    assert warm["planned"] == [True] and warm["pending"] and not warm["report_pending"], warm
    assert not warm["reports_read"]  # the plan's reports are JSON text, read when a report is asked for
    # None of the modules that discover, read manifests, probe or decide was imported ...
    assert not [m for m in warm["modules"] if m.startswith(DECIDING + REPORTING)], warm["modules"]
    assert not [m for m in warm["modules"] if m.startswith(MANIFEST)], warm["modules"]
    assert LAZY not in warm["modules"], warm["modules"]
    assert ENVIRONMENT not in warm["modules"], warm["modules"]  # the GPU check imports _gpu alone
    assert not [m for m in warm["modules"] if m in COLD_PARTS], warm["modules"]
    assert {"trt_plugin_hub._launch.checks", "trt_plugin_hub._pipeline.stages"} <= set(cold["modules"])  # deciding
    # ... and no class whose methods are compiled as it is made (0.1-0.9 ms each): each is a record
    # (trt_plugin_hub._record) or a slotted class.
    assert warm["generated"] == []
    # ... nor registered a record with dataclasses: the hub copies records without asking it.
    assert warm["registered"] == []
    # ... and the report, built on request from the reports the plan keeps, says what the cold
    # process's said, every field but the times.
    assert warm["ops"] == cold["ops"] and warm["plugins"] == cold["plugins"]
    assert warm["status_types"] == cold["status_types"] == ["Status"]  # activation's values, made statuses
    assert warm["report"] == cold["report"] and warm["findings"] == cold["findings"] == ["IMPORT_FAILED"]
    assert not [m for m in warm["modules_after_report"] if m.startswith(DECIDING)], warm["modules_after_report"]


def test_an_explicit_load_activates_from_the_plan_and_reports_without_deciding(host: Host):
    cold = host.cold  # type: ignore[attr-defined]
    out = host.run(TRT_PLUGIN_HUB_AUTOLOAD="0", EXPLICIT_LOAD="1")
    assert out["planned"] == [True] and not out["pending"], out
    assert out["report_pending"], out  # load() returned the report unbuilt: it is built when first read, below
    assert not [m for m in out["modules"] if m.startswith(DECIDING)], out["modules"]
    assert not [m for m in out["modules"] if m.startswith(REPORTING)], out["modules"]  # nor the report's code
    assert not [m for m in out["modules"] if m.startswith(MANIFEST)], out["modules"]  # nor the manifest's
    assert out["registered"] == []  # the report was built by copying records, without asking dataclasses
    # Nor what only deciding and building PTX need: the PTX tables, and packaging's specifiers (no
    # constraint is checked again: the plan is keyed on what they were checked against).
    assert "trt_plugin_hub._ptx.targets" not in out["modules"], out["modules"]
    assert out["specifiers_after_load"] == out["specifiers_before_load"], out
    assert out["report"]["settings"] == {**cold["report"]["settings"], "autoload": False}
    assert {**out["report"], "settings": None} == {**cold["report"], "settings": None}
    assert out["findings"] == cold["findings"]


def test_strict_mode_raises_from_a_warm_activation(host: Host):
    out = host.run(TRT_PLUGIN_HUB_STRICT="1")
    assert out["planned"] == [True] and out["raised"] == "StrictModeError" and out["codes"] == ["IMPORT_FAILED"], out


@pytest.mark.parametrize(("change", "env"), [
    ("a setting that shapes the decisions", {"TRT_PLUGIN_HUB_DENY": "broken-ops"}),
    ("another NumPy", {"FAKE_NUMPY": "1.99.0"}),
    ("another visible GPU", {"CUDA_VISIBLE_DEVICES": ""}),
])
def test_a_changed_input_sends_the_process_through_the_decisions(host: Host, change: str, env: dict[str, str]):
    out = host.run(**env)
    assert out["planned"] == [False], change
    assert any(m.startswith(DECIDING) for m in out["modules"])


def test_a_manifest_edited_in_place_is_read_again(host: Host):
    manifest_file = host.site / "delta_ops" / "trt_plugin.json"
    before = manifest_file.stat()
    manifest_file.write_bytes(manifest_file.read_bytes())  # same bytes, same size and mtime: a new ctime
    os.utime(manifest_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    out = host.run()
    assert out["planned"] == [False] and out["ops"] == host.cold["ops"], out  # type: ignore[attr-defined]
    _age(host.site)
    host.run()  # settled again: this process leaves a new plan
    assert host.run()["planned"] == [True]


@pytest.mark.parametrize("damage", ["garbage", "shared", "wrong shape"])
def test_a_damaged_or_foreign_plan_is_ignored(host: Host, damage: str):
    plan = host.plan
    original = plan.read_bytes()
    try:
        if damage == "garbage":
            plan.write_bytes(b"{not json")
        elif damage == "shared":
            plan.chmod(0o666)
        else:
            head, rest = original.split(b"\n")
            data = json.loads(head)
            data["plugins"] = [{"name": 3}]
            plan.write_bytes(json.dumps(data).encode() + b"\n" + rest)
        out = host.run()
        assert out["planned"] == [False] and out["ops"] == host.cold["ops"], out  # type: ignore[attr-defined]
    finally:
        plan.write_bytes(original)
        plan.chmod(0o600)


def _sleeping(text: str) -> str:
    part = json.loads(text)
    part["reports"][0]["status"] = "sleeping"  # not a status: the activation still runs from the plan
    return json.dumps(part)


def _with(**changes: object) -> Callable[[str], str]:
    return lambda text: json.dumps({**json.loads(text), **changes})


@pytest.mark.parametrize("damage", [_sleeping, lambda text: text[: len(text) // 2], _with(reports={}),
                                    _with(environment=[]), lambda text: "[]", lambda text: ""],
                         ids=["not-a-status", "cut-short", "not-a-list", "environment-not-an-object",
                              "not-an-object", "missing"])
def test_reports_the_plan_cannot_give_back_are_decided_afresh(host: Host, damage: Callable[[str], str]):
    # The plan's second line (the reports as decided, and the environment) is read only for a report.
    plan = host.plan
    original = plan.read_bytes()
    try:
        head, rest = original.split(b"\n")
        plan.write_bytes(head + b"\n" + damage(rest.decode()).encode())
        out = host.run()
        assert out["planned"] == [True] and any(m.startswith(DECIDING) for m in out["modules_after_report"]), out
        assert out["report"] == host.cold["report"], out  # type: ignore[attr-defined]
    finally:
        plan.write_bytes(original)
        plan.chmod(0o600)


def test_a_lock_file_rewritten_sends_the_process_through_the_decisions(host: Host, tmp_path: Path):
    lock = tmp_path / "plugins.lock"
    proc = subprocess.run([sys.executable, "-m", "trt_plugin_hub", "lock", "-o", str(lock)], cwd=host.cwd,
                          env=subprocess_env([host.site, *host.backend], {"TRT_PLUGIN_HUB_NO_CACHE": "1"}),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    _age(tmp_path)
    assert host.run(TRT_PLUGIN_HUB_LOCK=str(lock))["planned"] == [False]  # these settings have no plan yet
    locked = host.run(TRT_PLUGIN_HUB_LOCK=str(lock))
    assert locked["planned"] == [True] and locked["ops"] == host.cold["ops"], locked  # type: ignore[attr-defined]
    before = lock.stat()
    lock.write_bytes(lock.read_bytes())  # the same bytes: only its ctime says it was written
    os.utime(lock, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert host.run(TRT_PLUGIN_HUB_LOCK=str(lock))["planned"] == [False]


def test_a_new_install_is_found(host: Host, wheels: dict[str, Path]):
    pip_install([wheels["late"]], host.site)
    out = host.run()
    assert out["planned"] == [False] and out["ops"]["late::op"][0] == "active", out
    shutil.rmtree(host.site / "late_ops")
    for dist_info in host.site.glob("late_ops-*.dist-info"):
        shutil.rmtree(dist_info)


def test_a_plan_round_trips_every_field(site, example_site: Path, monkeypatch: pytest.MonkeyPatch):
    import importlib

    from trt_plugin_hub._pipeline import stages

    add_plugin(site, "epsilon-ops", "epsilon", [jit_op("epsilon::op", "epsilon.qdp")])
    monkeypatch.syspath_prepend(str(example_site))  # the example wheel, as pip installed it
    for name in [m for m in sys.modules if m.split(".")[0] == "example_plugin_pkg"]:
        monkeypatch.delitem(sys.modules, name)  # imported from elsewhere by another test: found where pip put it
    importlib.invalidate_caches()
    target = "sm_90, trt=10.13, tt=2.13, torch=2.13, driver=580"
    decisions, *_ = stages.discover_and_decide(read_settings({"TRT_PLUGIN_HUB_NO_CACHE": "1",
                                                     "TRT_PLUGIN_HUB_TARGET": target}), None)
    plans = [plan_of(d) for d in decisions if d.status == "available"]
    why = {d.candidate.name: [r.code for r in d.reasons] for d in decisions}
    assert {"epsilon-ops", "example"} <= {p.name for p in plans}, why
    kinds = {op.kind for p in plans for op in p.ops if op is not None}
    assert kinds == {"jit", "aot", "legacy", "kernels"}, kinds
    for plan in plans:
        plain = json.loads(json.dumps(to_plain(plan)))
        again = from_plain(plain)
        assert isinstance(again, PlannedPlugin) and to_plain(again) == plain
        for before, after in zip(plan.ops, again.ops, strict=True):
            assert (before is None) == (after is None)
            if before is not None and after is not None:
                assert [getattr(after, name) for name in ("id", "kind", "module", "mode", "launch", "formats")] == \
                       [getattr(before, name) for name in ("id", "kind", "module", "mode", "launch", "formats")]
                assert after.ptx_bytes is None  # never cached: activation reads and hashes them
                assert after.ptx_key == before.ptx_key
    # The identity that vouched for a PTX file's checked bytes travels as five integers, or not at all.
    aot = next(op for plan in plans for op in plan.ops if op is not None and op.mode == "aot")
    aot.ptx_key = (1, 2, 3, 4, 5)
    plain = json.loads(json.dumps(to_plain(PlannedPlugin("x", [aot]))))
    assert from_plain(plain).ops[0].ptx_key == (1, 2, 3, 4, 5)  # type: ignore[union-attr]
    for bad in (["1", 2, 3, 4, 5], [1, 2, 3], [1.0, 2, 3, 4, 5]):
        plain["ops"][0][ROW.index("ptx_key")] = bad
        with pytest.raises(TypeError):
            from_plain(plain)


@pytest.mark.parametrize("bad", [
    {"name": 1, "ops": []},
    {"name": "x", "ops": [{"id": "a::b"}]},
    {"name": "x", "ops": [["a::b"]]},
    {"name": "x", "ops": [[None] * len(ROW)]},
    {"name": "x", "ops": "nope"},
])
def test_a_malformed_plan_entry_is_refused(bad: dict[str, Any]):
    with pytest.raises((TypeError, ValueError, KeyError)):
        from_plain(bad)


def _proc(root: Path, driver: str, gpus: dict[str, str]) -> Path:
    """A stand-in for ``/proc/driver/nvidia``: the driver's version line and each GPU's information."""
    (root / "gpus").mkdir(parents=True, exist_ok=True)
    (root / "version").write_text(f"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {driver}  Release Build\n")
    for bus, model in gpus.items():
        (root / "gpus" / bus).mkdir(exist_ok=True)
        (root / "gpus" / bus / "information").write_text(f"Model: \t\t {model}\nBus Location: \t {bus}\n")
    return root


def test_the_gpu_fingerprint_changes_with_the_driver_and_every_gpu(tmp_path: Path):
    from trt_plugin_hub._gpu import gpu_fingerprint

    base = gpu_fingerprint(str(_proc(tmp_path / "a", "580.159.04", {"0000:00:06.0": "NVIDIA H200"})))
    assert base is not None and base == gpu_fingerprint(str(tmp_path / "a"))
    others = [
        _proc(tmp_path / "b", "580.160.01", {"0000:00:06.0": "NVIDIA H200"}),  # another driver
        _proc(tmp_path / "c", "580.159.04", {"0000:00:06.0": "NVIDIA H100 80GB HBM3"}),  # another GPU
        _proc(tmp_path / "d", "580.159.04", {"0000:00:06.0": "NVIDIA H200", "0000:00:07.0": "NVIDIA H200"}),
    ]
    assert len({base, *(gpu_fingerprint(str(root)) for root in others)}) == 4
    assert gpu_fingerprint(str(tmp_path / "missing")) is None


def test_an_unchanged_fingerprint_spares_nvml_and_a_changed_one_asks_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    from trt_plugin_hub import _gpu as gpu

    root = str(_proc(tmp_path / "proc", "580.159.04", {"0000:00:06.0": "NVIDIA H200"}))
    monkeypatch.setattr(gpu, "PROC_NVIDIA", root)
    asked: list[str | None] = []
    answer = gpu.GpuInfo(driver="580.159.04", cuda=(13, 0), cc=(9, 0), name="NVIDIA H200")

    def probe(notes: list[str], visible: str | None) -> gpu.GpuInfo:
        asked.append(visible)
        return answer

    monkeypatch.setattr(gpu, "probe_gpu", probe)
    settings = read_settings({})
    recorded = ["580.159.04", [13, 0], [9, 0], "NVIDIA H200"]
    assert _warm.gpu_holds(recorded, gpu.gpu_fingerprint(), settings) and asked == []  # no NVML
    assert _warm.gpu_holds(recorded, "another machine", settings) and len(asked) == 1  # NVML, same answer
    assert not _warm.gpu_holds(["580.159.04", [13, 0], [8, 0], "NVIDIA A100"], None, settings)
