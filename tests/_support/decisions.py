"""Deciding the plugins of a test's site for a host described in the test."""

from __future__ import annotations

from typing import Any

from _support import manifests
from trt_plugin_hub._decisions import PluginDecision, decide
from trt_plugin_hub._discovery import scan_candidates
from trt_plugin_hub._environment import Environment
from trt_plugin_hub._settings import read_settings

#: A production host: an H100 with TensorRT 10.13, Torch-TensorRT 2.9 and a CUDA 13 driver.
H100 = Environment(python="3.12.0", tensorrt="10.13.3.9", tensorrt_distribution="tensorrt-cu12", torch="2.9.0",
                   torch_tensorrt="2.9.0", driver="580.65.06", cuda_driver_version=(13, 0),
                   compute_capability=(9, 0), gpu_name="NVIDIA H100")


def aot_op(op_id: str, module: str, files: dict, archs=("sm_80", "sm_90a"), isa="8.7", **extra: Any) -> dict:
    """An AOT op shipping PTX for sm_80 and sm_90a unless told otherwise."""
    return manifests.aot_op(op_id, module, files, archs=archs, isa=isa, **extra)


def decided(env: Environment = H100, **settings_env: str) -> dict[str, PluginDecision]:
    """The decision of every installed plugin for ``env``, by plugin name."""
    return {d.candidate.name: d for d in decide(scan_candidates(), env, read_settings(settings_env))}
