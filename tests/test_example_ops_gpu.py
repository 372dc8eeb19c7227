"""The example package's eager CUDA paths (its Triton JIT kernels) against the references, on a GPU.

Skipped, with the reason, where no CUDA GPU is visible. The AOT kernels' shipped PTX is checked
on the GPU by ``trt-plugin-hub verify`` (see docs/verify.rst).
"""

from __future__ import annotations

import sys

import pytest
from _support.dists import REPO

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA GPU is visible (torch.cuda.is_available() is False)", allow_module_level=True)
pytest.importorskip("triton")

sys.path.insert(0, str(REPO / "example_plugin_pkg"))
from example_plugin_pkg import ops  # noqa: E402

SIZES = [1, 1000, 1025, 4097, (3, 333, 7), 2**20 + 7]


def _randn(size):
    shape = size if isinstance(size, tuple) else (size,)
    return torch.randn(shape, device="cuda")


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_triton_jit_scaled_add_matches_reference(size):
    x, y = _randn(size), _randn(size)
    out = torch.ops.example_plugin.scaled_add(x, y, 0.75)
    torch.testing.assert_close(out, ops.reference_scaled_add(x, y, 0.75), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_triton_relu_matches_reference(size):
    x = _randn(size)
    x.view(-1)[0] = float("nan")
    out = torch.ops.example_plugin.relu_aot(x)
    torch.testing.assert_close(out, ops.reference_relu_aot(x), equal_nan=True, rtol=0, atol=0)


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_triton_leaky_relu_matches_reference(size):
    x = _randn(size)
    out = torch.ops.example_plugin.leaky_relu_legacy(x, 0.2)
    torch.testing.assert_close(out, ops.reference_leaky_relu_legacy(x, 0.2), rtol=1e-6, atol=1e-6)


def test_scale_matches_reference_on_the_gpu():
    x = _randn(4097)
    torch.testing.assert_close(torch.ops.example_plugin.scale_nvrtc(x, 2.5), ops.reference_scale_nvrtc(x, 2.5))
