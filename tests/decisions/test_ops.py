"""One op: AOT needs and fallbacks, and the packaged PTX chosen for the GPU and verified before anything runs."""

from __future__ import annotations

from dataclasses import replace

from _support.decisions import H100, aot_op, decided
from _support.plugins import add_plugin


def test_aot_op_needs_tensorrt_10_9_and_falls_back_to_jit_when_it_can(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [aot_op("acme::relu", "acme.qdp", files),
                                       aot_op("acme::gelu", "acme.qdp", files, jit_fallback=True)], files=files)
    env = replace(H100, tensorrt="10.8.0.43", torch_tensorrt="2.7.0")
    d = decided(env)["acme-ops"]
    relu, gelu = d.ops
    assert relu.status == "rejected" and relu.reasons[0].code == "AOT_UNSUPPORTED"
    assert "10.8.0.43" in relu.reasons[0].message
    assert gelu.status == "available" and gelu.mode == "jit" and gelu.reasons[0].code == "AOT_FALLBACK_JIT"

def test_no_ptx_for_the_gpu_names_gpu_and_shipped_archs(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [aot_op("acme::relu", "acme.qdp", files, archs=("sm_90a",))], files=files)
    d = decided(replace(H100, compute_capability=(8, 0)))["acme-ops"]
    reason = d.ops[0].reasons[0]
    assert reason.code == "PTX_NO_MATCH" and "sm_80" in reason.message and "sm_90a" in reason.message
    assert d.status == "rejected"

def test_ptx_isa_newer_than_driver_is_rejected(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [aot_op("acme::relu", "acme.qdp", files, isa="9.5")], files=files)
    d = decided()["acme-ops"]
    assert d.ops[0].reasons[0].code == "PTX_ISA_TOO_NEW" and "9.5" in d.ops[0].reasons[0].message

def test_altered_ptx_is_never_accepted(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [aot_op("acme::relu", "acme.qdp", files)], files=files)
    path = site / "acme/ptx/relu.sm_90a.ptx"
    path.write_bytes(path.read_bytes().replace(b"ret;", b"trap;"))
    d = decided()["acme-ops"]
    assert d.ops[0].status == "rejected" and d.ops[0].reasons[0].code == "PTX_HASH_MISMATCH"
    assert d.ops[0].ptx_bytes is None

def test_ptx_path_escaping_the_package_is_rejected(site):
    files: dict = {}
    op = aot_op("acme::relu", "acme.qdp", files, archs=("sm_90a",))
    op["ptx"][0]["path"] = "../elsewhere.ptx"
    add_plugin(site, "acme-ops", "acme", [op], files=files)
    d = decided()["acme-ops"]
    assert d.ops[0].reasons[0].code == "PTX_PATH_ESCAPES"


def _kernels_op(op_id: str, files: dict, **extra) -> dict:
    entry = aot_op(op_id, "acme.fns", files)
    entry.update({"kind": "kernels", "schema": "(Tensor x) -> Tensor", "meta": "acme.fns:meta", **extra})
    return entry


def test_kernels_op_needs_torch_tensorrt_2_13_and_has_no_jit_to_fall_to(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [_kernels_op("acme::square", files),
                                       aot_op("acme::relu", "acme.qdp", files)], files=files)
    old = decided(replace(H100, tensorrt="10.13.3.9", torch_tensorrt="2.12.0"))["acme-ops"]
    square, relu = old.ops
    assert square.status == "rejected" and [r.code for r in square.reasons] == ["KERNELS_UNSUPPORTED"]
    assert "2.12.0" in square.reasons[0].message and ">=2.13" in square.reasons[0].message
    assert square.ptx_bytes is None  # nothing was chosen for an op that cannot register
    assert relu.status == "available" and old.status == "available"  # the plugin's other op is unaffected
    new = decided(replace(H100, tensorrt="11.1.0.106", torch_tensorrt="2.14.0"))["acme-ops"]
    square = new.ops[0]
    # Chosen and verified for the GPU exactly as for an aot op.
    assert square.status == "available" and square.mode == "aot" and square.ptx is not None
    assert square.ptx.arch == "sm_90a" and square.ptx_bytes == (site / "acme" / square.ptx.path).read_bytes()


def test_kernels_op_with_altered_ptx_is_rejected_not_registered(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [_kernels_op("acme::square", files)], files=files)
    path = site / "acme/ptx/square.sm_90a.ptx"
    path.write_bytes(path.read_bytes().replace(b"ret;", b"trap;"))
    d = decided(replace(H100, tensorrt="11.1.0.106", torch_tensorrt="2.14.0"))["acme-ops"]
    assert d.ops[0].status == "rejected" and d.ops[0].reasons[0].code == "PTX_HASH_MISMATCH"
