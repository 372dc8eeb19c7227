"""``verify``'s GPU stack: without a GPU (or without cuda-python) the command exits 2 with the reason.
The one test that launches the shipped PTX runs only where a CUDA GPU and cuda-python are present.
"""

from __future__ import annotations

import json

import pytest
from _support.verify import EXAMPLE

from trt_plugin_hub.cli import EXIT_OK, EXIT_USAGE, main
from trt_plugin_hub.verify import Unavailable, _device

pytest.importorskip("torch")
pytest.importorskip("numpy")


def _gpu_reason() -> str | None:
    """Why the real-GPU test cannot run here, or ``None``."""
    try:
        _device.load_gpu_stack()
    except Unavailable as exc:
        return str(exc)
    return None


def test_without_a_gpu_verify_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]):
    reason = _gpu_reason()
    if reason is None:
        pytest.skip("a CUDA GPU is present: the no-GPU path cannot be shown here")
    assert main(["verify"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("trt-plugin-hub: error: verify needs a CUDA GPU with PyTorch and cuda-python: ")
    assert reason in err


def test_missing_cuda_python_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def missing() -> None:
        raise Unavailable("cuda-python is not installed (no module cuda.bindings.driver)")

    monkeypatch.setattr(_device, "load_gpu_stack", missing)
    assert main(["verify", "--json"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "cuda-python is not installed" in captured.err


@pytest.mark.skipif(_gpu_reason() is not None, reason=f"needs a CUDA GPU, torch and cuda-python: {_gpu_reason()}")
def test_shipped_ptx_runs_and_matches_on_this_gpu(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]):
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    code = main(["verify", "--package", str(EXAMPLE), "--sizes", "1,1000,1025,4097,3x333x7,1048583",
                 "--reps", "5", "--warmup", "1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, json.dumps(data, indent=1)
    assert {op["op"] for op in data["ops"]} == {"example_plugin::relu_aot", "example_plugin::scale_nvrtc",
                                                "example_plugin::square_kernels"}
    assert all(op["status"] == "ok" and op["shapes_passed"] == 6 for op in data["ops"])
