"""NVML's answer is reused while the NVIDIA kernel module describes the driver and GPUs as before."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from trt_plugin_hub import _gpu as gpu

H200 = gpu.GpuInfo(driver="580.159.04", cuda=(13, 0), cc=(9, 0), name="NVIDIA H200")


def _proc(root: Path, model: str) -> str:
    (root / "gpus" / "0000:00:06.0").mkdir(parents=True, exist_ok=True)
    (root / "version").write_text("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04\n")
    (root / "gpus" / "0000:00:06.0" / "information").write_text(f"Model: \t\t {model}\n")
    return str(root)


@pytest.fixture
def nvml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str | None]:
    """NVML answering H200, each call recorded; an empty memo; the kernel module's files under tmp_path."""
    calls: list[str | None] = []

    def query(visible: str | None) -> gpu.GpuInfo:
        calls.append(visible)
        return H200

    monkeypatch.setattr(gpu, "_nvml_query", query)
    monkeypatch.setattr(gpu, "_KNOWN", {})
    monkeypatch.setattr(gpu, "_known_changed", False)
    monkeypatch.setattr(gpu, "PROC_NVIDIA", _proc(tmp_path / "proc", "NVIDIA H200"))
    return calls


def test_nvml_is_asked_once_while_the_kernel_module_says_the_same(nvml: list[str | None]):
    assert gpu.probe_gpu([], None) == H200 and gpu.probe_gpu([], None) == H200
    assert nvml == [None] and gpu.gpu_unsaved()
    assert gpu.probe_gpu([], "0") == H200 and nvml == [None, "0"]  # another visible set: asked again


def test_a_changed_gpu_is_asked_again(nvml: list[str | None], tmp_path: Path):
    gpu.probe_gpu([], None)
    _proc(tmp_path / "proc", "NVIDIA H100 80GB HBM3")  # the kernel module now describes another GPU
    gpu.probe_gpu([], None)
    assert nvml == [None, None]


def test_answers_survive_the_cache_file_and_spare_nvml_in_the_next_process(nvml: list[str | None],
                                                                           monkeypatch: pytest.MonkeyPatch):
    gpu.probe_gpu([], None)
    saved = json.loads(json.dumps(gpu.exported_gpu()))
    assert not gpu.gpu_unsaved()
    monkeypatch.setattr(gpu, "_KNOWN", {})  # a new process ...
    gpu.seed_gpu(saved)  # ... seeded from the cache file
    assert gpu.probe_gpu([], None) == H200 and nvml == [None]


def test_without_the_kernel_module_files_nvml_is_asked_every_time(nvml: list[str | None],
                                                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(gpu, "PROC_NVIDIA", str(tmp_path / "absent"))
    gpu.probe_gpu([], None)
    gpu.probe_gpu([], None)
    assert nvml == [None, None] and gpu.exported_gpu() == []


@pytest.mark.parametrize("entry", [None, "x", [1, None, [None, None, [9, 0], None]], ["f", 3, [None, None, [9, 0], None]],
                                   ["f", None, ["d", [13], [9, 0], "n"]], ["f", None, ["d", None, None, "n"]]])
def test_malformed_cached_answers_are_skipped(nvml: list[str | None], entry: object):
    gpu.seed_gpu([entry])
    assert gpu._KNOWN == {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="device nodes are Linux's")
def test_without_a_device_node_nvml_is_not_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    loaded: list[str] = []

    def cdll(name: str) -> object:
        loaded.append(name)
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(gpu.ctypes, "CDLL", cdll)
    monkeypatch.setattr(gpu, "_KNOWN", {})
    monkeypatch.setattr(gpu, "PROC_NVIDIA", str(tmp_path / "no-driver"))
    monkeypatch.setattr(gpu, "DEVICE_NODES", (str(tmp_path / "nvidiactl"), str(tmp_path / "dxg")))
    notes: list[str] = []
    assert gpu.probe_gpu(notes, None) == gpu.GpuInfo()
    assert loaded == [] and "no NVIDIA device node" in notes[0], notes
    (tmp_path / "dxg").touch()  # WSL 2's node: NVML may answer, so it is asked
    assert gpu.probe_gpu([], None) == gpu.GpuInfo() and loaded == ["libnvidia-ml.so.1"]
