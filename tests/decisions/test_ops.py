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
