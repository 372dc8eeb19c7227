"""One plugin: the environment, declared requirements, the user's controls and targets, each rule with its code
and a sentence with both sides.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from _support.decisions import H100, aot_op, decided
from _support.dists import jit_op
from _support.plugins import add_plugin

from trt_plugin_hub._environment import parse_target


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
