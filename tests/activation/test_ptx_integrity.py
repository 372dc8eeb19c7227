"""A PTX file altered after install never reaches TensorRT, even when the decisions are served warm.

A warm process does not read a PTX file it checked before if the file's identity (device, inode,
size, mtime_ns, ctime_ns) is unchanged (``trt_plugin_hub._ptx.memo``); activation reads the bytes
it hands to TensorRT and checks their sha256 right then. Here a pip-installed plugin is activated
at ``import torch_tensorrt`` with the discovery cache on, against the real Torch-TensorRT /
TensorRT Python layers (the ``upstream_paths`` fixture), and its AOT op is converted and built the
way TensorRT's builder asks for the kernel (``tests/_support/upstream/drive.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _support.dists import (
    DRIVE,
    RECORD_PLANS,
    build_wheel,
    manifest,
    pip_install,
    qdp_module,
    relu_ptx,
    subprocess_env,
    write_plugin_source,
)

CHOSEN = "gamma_ops/ptx/relu.sm_90a.ptx"  # what an sm_90 GPU gets

# Counts the decisions' reads of PTX files; optionally alters the chosen file (size and mtime kept)
# right after the decisions, before activation binds it, or (``after-activation``) once
# activation has bound it, before TensorRT asks for it.
CHILD = RECORD_PLANS + """
import json, os, sys
import trt_plugin_hub._pipeline as pipeline
import trt_plugin_hub._decisions as decisions_stage
import trt_plugin_hub._ptx.artifact as artifact
reads = []
real_check = artifact.artifact_problems
def counting(*args, **kwargs):
    reads.append(str(args[1].path))
    return real_check(*args, **kwargs)
artifact.artifact_problems = counting
alter = sys.argv[1] if len(sys.argv) > 1 else None
after_activation = sys.argv[2:] == ["after-activation"]
def alter_file():
    st = os.stat(alter)
    with open(alter, "r+b") as handle:
        data = handle.read().replace(b"ret;", b"ret ")
        handle.seek(0)
        handle.write(data)
    os.utime(alter, ns=(st.st_atime_ns, st.st_mtime_ns))
if alter and not after_activation:
    real_decide = decisions_stage.decide
    def decide_then_alter(*args, **kwargs):
        decisions = real_decide(*args, **kwargs)
        alter_file()
        return decisions
    decisions_stage.decide = decide_then_alter
import torch, torch_tensorrt
import trt_plugin_hub.aot as aot
from drive import convert
import gamma_ops.qdp  # defines the torch op (activation imported it only if it went that far)
if alter and after_activation:
    alter_file()
report = pipeline.loaded_report()
(op,) = [o for p in report.plugins for o in p.ops if o.id == "gamma::relu"]
out = {"planned": planned, "status": str(op.status), "codes": [r.code for r in op.reasons], "messages": [r.message for r in op.reasons], "reads": reads,
       "bound": list(aot.bound_ops()), "converted": convert(torch.ops.gamma.relu.default, [(4, 300)]),
       "converted_again": convert(torch.ops.gamma.relu.default, [(4, 300)])}
print(json.dumps(out))
"""


def _gamma(root: Path) -> Path:
    files, ptx = relu_ptx()
    ops = [{"id": "gamma::relu", "kind": "aot", "module": "gamma_ops.qdp", "ptx": ptx,
            "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}}]
    return write_plugin_source(root / "gamma", "gamma-ops", "gamma_ops", manifest("gamma-ops", ops),
                               {"qdp": qdp_module(["gamma::relu"], aot=["gamma::relu"])}, extra_files=files)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gamma")
    return build_wheel(_gamma(root), root / "dist")


class Host:
    """An installed environment whose directories have settled, so that the discovery cache is written."""

    def __init__(self, root: Path, wheel: Path, backend: list[Path]) -> None:
        self.site = root / "site"
        pip_install([wheel], self.site)
        self.drive = root / "drive"
        self.drive.mkdir()
        shutil.copy2(DRIVE / "drive.py", self.drive / "drive.py")
        self.cwd = root / "cwd"
        self.cwd.mkdir()
        self.cache = root / "cache"
        self.backend = backend
        past = time.time() - 3600
        for directory in (self.site, self.drive, self.cwd):
            os.utime(directory, (past, past))
        # The memo remembers a file only once its ctime is two seconds old.
        age = time.time() - os.stat(self.chosen).st_ctime
        time.sleep(max(0.0, 2.2 - age))

    @property
    def chosen(self) -> Path:
        return self.site / CHOSEN

    def run(self, *args: str) -> dict[str, Any]:
        env = subprocess_env([self.site, self.drive, *self.backend], {
            "TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580", "TRT_PLUGIN_HUB_NO_CACHE": "0",
            "TRT_PLUGIN_HUB_CACHE_DIR": str(self.cache), "PYTHONDONTWRITEBYTECODE": "1", "TRT_PLUGIN_HUB_LOG": "DEBUG"})
        proc = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=self.cwd, capture_output=True,
                              text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["log"] = [line for line in proc.stderr.splitlines() if "plan" in line]
        return out


@pytest.fixture
def host(tmp_path: Path, wheel: Path, upstream_paths: list[Path]) -> Host:
    host = Host(tmp_path, wheel, upstream_paths)
    original = hashlib.sha256(host.chosen.read_bytes()).hexdigest()
    cold = host.run()
    assert cold["planned"] == [False], cold
    assert cold["status"] == "active" and cold["reads"] == ["ptx/relu.sm_90a.ptx"], cold
    assert cold["converted"]["ok"] and cold["converted"]["ptx_sha256"] == original, cold
    warm = host.run()
    # Activated from the plan the cold run left: no decisions, no PTX file read but the bytes handed
    # over; TensorRT gets the same verified bytes. The report, built on request, decides from the memo.
    assert warm["planned"] == [True], warm
    assert warm["status"] == "active" and warm["reads"] == [], warm
    assert warm["converted"]["ok"] and warm["converted"]["ptx_sha256"] == original, warm
    return host


def _refused(out: dict[str, Any]) -> None:
    assert out["status"] == "rejected" and out["codes"] == ["PTX_HASH_MISMATCH"], out
    assert "gamma::relu" not in out["bound"]
    # No converter was generated: TensorRT never sees the op, let alone the altered bytes.
    assert not out["converted"]["ok"] and "no validated converter" in out["converted"]["error"], out


def test_ptx_altered_keeping_size_and_mtime_is_refused_after_a_warm_cache(host: Host):
    before = os.stat(host.chosen)
    data = host.chosen.read_bytes()
    altered = data.replace(b"ret;", b"ret ")
    assert altered != data and len(altered) == len(data)
    host.chosen.write_bytes(altered)
    os.utime(host.chosen, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(host.chosen)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    out = host.run()
    # The plan holds (it never vouches for PTX bytes): activation reads the file, finds another
    # sha256 and refuses it before any converter exists; the report's decisions, run because the
    # activation ended differently, see the changed ctime, check the file afresh and refuse it too.
    assert out["planned"] == [True], out
    assert out["reads"] == ["ptx/relu.sm_90a.ptx"]
    _refused(out)


def test_bytes_altered_after_a_warm_decision_are_refused_at_hand_over(host: Host):
    # Without a plan the decisions run, served from the memo (the file is unchanged then); the file
    # changes before activation reads it: the hand-over check refuses it with the same code.
    for plan in host.cache.glob("plan-*.json"):
        plan.unlink()
    out = host.run(str(host.chosen))
    assert out["planned"] == [False], out
    assert out["reads"] == []
    _refused(out)


def test_bytes_altered_after_a_warm_activation_are_refused_when_tensorrt_asks(host: Host):
    # Activated from the plan, the file still had the identity it had when its bytes were checked:
    # the op is bound unread. The file changes before TensorRT asks for the kernel; the aot_impl's
    # read checks the sha256 and refuses, every time it is asked: the altered bytes never reach it.
    out = host.run(str(host.chosen), "after-activation")
    assert out["planned"] == [True], out
    assert out["status"] == "active" and out["reads"] == [] and "gamma::relu" in out["bound"], out
    for attempt in (out["converted"], out["converted_again"]):
        assert not attempt["ok"], attempt
        assert "PTX_HASH_MISMATCH" in attempt["error"] and "changed after activation" in attempt["error"], attempt
