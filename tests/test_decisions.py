"""Decisions on real .dist-info folders: every rule gives its code and a sentence with both sides."""

from __future__ import annotations

from dataclasses import replace

import pytest

from _support import manifests
from _support.dists import jit_op
from _support.plugins import add_plugin
from trt_plugin_hub.decisions import decide
from trt_plugin_hub._discovery import scan_candidates
from trt_plugin_hub._environment import Environment, parse_target
from trt_plugin_hub.settings import read_settings

H100 = Environment(python="3.12.0", tensorrt="10.13.3.9", tensorrt_distribution="tensorrt-cu12", torch="2.9.0",
                   torch_tensorrt="2.9.0", driver="580.65.06", cuda_driver_version=(13, 0),
                   compute_capability=(9, 0), gpu_name="NVIDIA H100")


def aot_op(op_id: str, module: str, files: dict, archs=("sm_80", "sm_90a"), isa="8.7", **extra):
    """An AOT op shipping PTX for sm_80 and sm_90a unless told otherwise."""
    return manifests.aot_op(op_id, module, files, archs=archs, isa=isa, **extra)


def decided(env=H100, **settings_env):
    return {d.candidate.name: d for d in decide(scan_candidates(), env, read_settings(settings_env))}


def codes(decision):
    return [r.code for r in decision.reasons] + [r.code for op in decision.ops for r in op.reasons]


def test_compatible_plugin_is_available_with_each_op_accepted(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [jit_op("acme::add", "acme.qdp"), aot_op("acme::relu", "acme.qdp", files)],
            requires={"tensorrt": ">=10.9"}, files=files)
    d = decided()["acme-ops"]
    assert d.status == "available"
    assert [(o.op.id, o.mode) for o in d.ops] == [("acme::add", "jit"), ("acme::relu", "aot")]
    assert d.ops[1].ptx.arch == "sm_90a"


@pytest.mark.parametrize(
    ("env_change", "code", "words"),
    [
        (dict(tensorrt=None, tensorrt_distribution=None), "TENSORRT_MISSING", ["not installed"]),
        (dict(tensorrt="10.6.0"), "TENSORRT_TOO_OLD", [">=10.7", "10.6.0"]),
        (dict(tensorrt="10.8.0.43", torch_tensorrt="2.8.0"), "TORCH_TENSORRT_NEEDS_TENSORRT_10_9", ["10.9", "10.8.0.43"]),
        (dict(tensorrt="10.14.1", torch_tensorrt="2.10.0"), "TENSORRT_NO_QDP", ["10.14"]),
        (dict(tensorrt_has_qdp=False), "TENSORRT_NO_QDP", ["tensorrt.plugin"]),
        (dict(torch_tensorrt=None), "TORCH_TENSORRT_MISSING", ["not installed"]),
        (dict(torch_tensorrt="2.5.0"), "TORCH_TENSORRT_TOO_OLD", ["2.5.0", ">=2.6"]),
        (dict(compute_capability=None), "NO_GPU", ["GPU"]),
        (dict(compute_capability=(7, 5)), "COMPUTE_CAPABILITY_UNSUPPORTED", ["8.0", "7.5"]),
    ],
)
def test_environment_rules_reject_with_code_and_both_versions(site, env_change, code, words):
    add_plugin(site, "acme-ops", "acme", [jit_op("acme::add", "acme.qdp")],
            requires={"compute_capability": {"min": "8.0"}})
    d = decided(replace(H100, **env_change))["acme-ops"]
    assert d.status == "rejected"
    reason = next(r for r in d.reasons if r.code == code)
    assert all(w in reason.message for w in words), reason.message


def test_declared_specifier_unmet_names_requirement_and_found_version(site):
    add_plugin(site, "acme-ops", "acme", [jit_op("acme::add", "acme.qdp")], requires={"torch": ">=2.10"})
    d = decided()["acme-ops"]
    reason = next(r for r in d.reasons if r.code == "REQUIREMENT_UNMET")
    assert "torch" in reason.message and ">=2.10" in reason.message and "2.9.0" in reason.message


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


def test_high_priority_wins_a_conflict_and_the_loser_says_who_won(site):
    add_plugin(site, "alpha-ops", "alpha", [jit_op("shared::op", "alpha.qdp")])
    add_plugin(site, "beta-ops", "beta", [jit_op("shared::op", "beta.qdp", priority="high")])
    result = decided()
    assert result["beta-ops"].ops[0].status == "available"
    assert [r.code for r in result["beta-ops"].ops[0].reasons] == ["CONFLICT_WON"]
    lost = result["alpha-ops"].ops[0].reasons[0]
    assert lost.code == "CONFLICT_LOST" and "beta-ops" in lost.message and "priority" in lost.message
    assert result["alpha-ops"].status == "rejected"


def test_equal_priority_tie_is_broken_deterministically_and_preference_overrides(site):
    add_plugin(site, "zeta-ops", "zeta", [jit_op("shared::op", "zeta.qdp")])
    add_plugin(site, "alpha-ops", "alpha", [jit_op("shared::op", "alpha.qdp")])
    first = decided()
    assert first["alpha-ops"].ops[0].status == "available" and first["zeta-ops"].ops[0].status == "rejected"
    assert "tie" in first["zeta-ops"].ops[0].reasons[0].message
    preferred = decided(TRT_PLUGIN_HUB_PREFER="shared::op=Zeta_Ops")
    assert preferred["zeta-ops"].ops[0].status == "available"
    assert preferred["alpha-ops"].ops[0].status == "rejected"


def test_deny_beats_allow_and_names_match_distribution_or_plugin(site):
    add_plugin(site, "acme-ops", "acme", [jit_op("acme::add", "acme.qdp")], name="acme")
    add_plugin(site, "other-ops", "other", [jit_op("other::add", "other.qdp")])
    result = decided(TRT_PLUGIN_HUB_ALLOW="acme_ops,other-ops", TRT_PLUGIN_HUB_DENY="ACME")
    assert result["acme"].status == "disabled" and result["acme"].reasons[0].code == "DENIED"
    assert result["other-ops"].status == "available"
    only = decided(TRT_PLUGIN_HUB_ALLOW="other-*")
    assert only["acme"].status == "disabled" and only["acme"].reasons[0].code == "NOT_ALLOWED"


def test_target_decides_for_another_host(site):
    files: dict = {}
    add_plugin(site, "acme-ops", "acme", [aot_op("acme::relu", "acme.qdp", files, archs=("sm_80",), isa="9.0")],
            files=files)
    ok = decided(parse_target("sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580", base=H100))["acme-ops"]
    assert ok.status == "available" and ok.ops[0].ptx.arch == "sm_80"
    old_driver = decided(parse_target("sm_90 trt=10.13 driver=570", base=H100))["acme-ops"]
    assert old_driver.ops[0].reasons[0].code == "PTX_ISA_TOO_NEW"
    assert "570" in old_driver.ops[0].reasons[0].message


def test_legacy_only_plugin_does_not_need_qdp(site):
    add_plugin(site, "legacy-ops", "legacy", [{"id": "legacy::op", "kind": "legacy", "module": "legacy.conv",
                                            "register": "legacy.conv:register"}])
    d = decided(replace(H100, tensorrt="10.3.0"))["legacy-ops"]
    assert d.status == "available" and d.ops[0].mode == "legacy"
