"""The report of a plugin: its decision, merged with what activation did to each op; strict mode's findings."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _support.cli import last_json
from _support.decisions import decided
from _support.dists import jit_op, run_python
from _support.plugins import add_plugin, hub_env

from trt_plugin_hub._activation import OpActivation, PluginActivation
from trt_plugin_hub._environment.model import Environment, environment_from_dict
from trt_plugin_hub._manifest import OpKind, Priority
from trt_plugin_hub._codes import Status
from trt_plugin_hub._reasons import Check, Reason
from trt_plugin_hub._pending import pending_report
from trt_plugin_hub._report import (
    OpReport,
    PluginReport,
    Report,
    findings_from,
    findings_of,
    mark_disabled,
    plugin_from_dict,
    plugin_report,
)


def _acme(site):
    """A plugin with two JIT ops, both available on the H100."""
    add_plugin(site, "acme-ops", "acme", [jit_op("acme::add", "acme.qdp"), jit_op("acme::mul", "acme.qdp")])
    return decided()["acme-ops"]


def test_report_before_activation_is_the_decision(site):
    decision = _acme(site)
    report = plugin_report(decision)
    assert report.status is Status.AVAILABLE and report.distribution == "acme-ops" and report.version == "1.0.0"
    assert report.entry_point == "acme = acme" and report.location == str(site / "acme")
    assert [(op.id, op.status, op.mode) for op in report.ops] == [("acme::add", "available", "jit"),
                                                                   ("acme::mul", "available", "jit")]
    assert report.checks == decision.checks and report.activation_ms is None
    assert plugin_report(decision, None) == report


def test_activated_ops_add_their_reasons_checks_and_time(site):
    decision = _acme(site)
    note = Reason("ALREADY_REGISTERED", "acme.conv:register already ran in this process")
    activation = PluginActivation(
        (OpActivation(Status.ACTIVE, (note,), (Check("import", True, "acme.qdp"),), 1.5), None), activation_ms=2.0)
    report = plugin_report(decision, activation)
    add, mul = report.ops
    assert add.status is Status.ACTIVE and add.reasons == (note,) and add.activation_ms == 1.5
    assert add.checks == (Check("import", True, "acme.qdp"),)
    assert mul == plugin_report(decision).ops[1]  # not tried: as decided
    assert report.status is Status.ACTIVE and report.reasons == () and report.activation_ms == 2.0


def test_a_failed_op_fails_the_plugin_and_lifts_its_reason(site):
    decision = _acme(site)
    failed = Reason("IMPORT_FAILED", "importing acme.qdp for acme::add failed: RuntimeError: boom")
    undeclared = Reason("UNDECLARED_OP", "acme-ops registered QDP op acme::extra, which its manifest does not declare")
    activation = PluginActivation((OpActivation(Status.FAILED, (failed,)), OpActivation(Status.FAILED, (failed,))),
                                  (undeclared,), 3.0)
    report = plugin_report(decision, activation)
    assert report.status is Status.FAILED and [op.status for op in report.ops] == ["failed", "failed"]
    assert report.reasons == (undeclared, failed)  # each reason once
    assert [(f.subject, f.code) for f in findings_of(report, {})] == [("acme-ops / acme::add", "IMPORT_FAILED"),
                                                                     ("acme-ops", "UNDECLARED_OP")]


def test_an_active_op_beside_a_rejected_one_keeps_the_plugin_active(site):
    decision = _acme(site)
    taken = Reason("OP_ALREADY_DEFINED", "acme::mul is already defined as a torch op before acme-ops imports acme.qdp")
    activation = PluginActivation((OpActivation(Status.ACTIVE), OpActivation(Status.REJECTED, (taken,))))
    report = plugin_report(decision, activation)
    assert report.status is Status.ACTIVE and report.reasons == ()
    assert [(f.subject, f.code) for f in findings_of(report, {})] == [("acme-ops / acme::mul", "OP_ALREADY_DEFINED")]


def test_disabled_hub_marks_every_plugin_disabled_and_keeps_the_reasons_after(site):
    report = plugin_report(_acme(site))
    disabled = mark_disabled(report)
    assert disabled.status is Status.DISABLED and [r.code for r in disabled.reasons] == ["HUB_DISABLED"]
    assert {op.status for op in disabled.ops} == {Status.DISABLED}
    assert findings_of(disabled, {}) == []
    missing = Reason("TENSORRT_MISSING", "TensorRT is not installed")
    rejected = mark_disabled(replace(report, status=Status.REJECTED, reasons=(missing,)))
    assert rejected.status is Status.DISABLED and [r.code for r in rejected.reasons] == ["HUB_DISABLED",
                                                                                          "TENSORRT_MISSING"]
    assert {op.status for op in rejected.ops} == {Status.DISABLED} and findings_of(rejected, {}) == []


def test_strict_findings_name_a_duplicate_by_its_distribution_and_carry_the_exception(site):
    report = plugin_report(_acme(site))
    duplicate = Reason("DUPLICATE_PLUGIN", "plugin name 'acme-ops' is claimed by 2 distributions")
    rejected = replace(report, name="acme", status=Status.REJECTED, reasons=(duplicate,),
                       ops=tuple(replace(op, status=Status.REJECTED) for op in report.ops))
    assert [(f.subject, f.code) for f in findings_from([rejected])] == [("acme-ops", "DUPLICATE_PLUGIN")]
    error = RuntimeError("boom")
    failed = Reason("IMPORT_FAILED", "importing acme.qdp failed")
    broken = replace(report, status=Status.FAILED, ops=(replace(report.ops[0], status=Status.FAILED, reasons=(failed,)),
                                                        report.ops[1]))
    (finding,) = findings_of(broken, {"acme::add": error})
    assert finding.subject == "acme-ops / acme::add" and finding.exception is error


def test_report_is_json_ready(site):
    data = plugin_report(_acme(site)).to_dict()
    assert data["status"] == "available" and data["activation_ms"] is None
    assert [op["status"] for op in data["ops"]] == ["available", "available"]


ROUND_TRIP = """
import json, sys
import trt_plugin_hub
from trt_plugin_hub._environment.model import environment_from_dict
from trt_plugin_hub._report import plugin_from_dict
report = trt_plugin_hub.report()
again = [plugin_from_dict(json.loads(json.dumps(p.to_dict()))) for p in report.plugins]
env = environment_from_dict(json.loads(json.dumps(report.environment.to_dict())))
print(json.dumps({"plugins": len(report.plugins), "statuses": sorted({str(p.status) for p in report.plugins}),
                  "codes": len({r.code for p in report.plugins for r in p.reasons}),
                  "differ": [p.name for p, q in zip(report.plugins, again) if p != q or repr(p) != repr(q)],
                  "env": env == report.environment and env.notes == report.environment.notes}))
"""


@pytest.mark.parametrize("target", [True, False], ids=["target", "this host"])
def test_every_decided_report_of_the_failure_matrix_comes_back_from_its_json(failure_matrix_site: Path, target: bool):
    """The activation plan keeps each plugin's report as ``to_dict`` writes it; it must come back whole."""
    env = hub_env() if target else {"PYTHONDONTWRITEBYTECODE": "1"}
    out = last_json(run_python(ROUND_TRIP, paths=[failure_matrix_site], env=env).stdout)
    assert out["plugins"] >= 25 and out["codes"] >= 10, out
    assert out["differ"] == [] and out["env"] is True, out


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("requires"), lambda d: d.update(status="sleeping"), lambda d: d.update(name=3),
    lambda d: d["ops"].append({"id": "x::y"}), lambda d: d.update(reasons=[{"code": "X"}]),
    lambda d: d.update(checks=[{"name": "n", "passed": "yes", "detail": ""}]),
    lambda d: d.update(activation_ms="1"), lambda d: d.update(ops={}),
])
def test_a_damaged_plugin_report_is_refused(damage: Any):
    plugin = PluginReport("acme", "acme-ops", "1.0", Status.AVAILABLE, "acme = acme", ops=(
        OpReport("acme::relu", "default", OpKind.AOT, Priority.HIGH, Status.AVAILABLE,
                 checks=(Check("ptx", True, "ptx/relu.sm_90.ptx"),)),))
    data = plugin.to_dict()
    assert plugin_from_dict(json.loads(json.dumps(data))) == plugin
    damage(data)
    with pytest.raises((TypeError, ValueError, KeyError)):
        plugin_from_dict(data)


def test_a_damaged_environment_is_refused():
    env = Environment(python="3.11.7", tensorrt="11.1.0", cuda_driver_version=(13, 0), compute_capability=(9, 0),
                      notes=("from metadata",))
    assert environment_from_dict(env.to_dict()) == env
    for damage in ({"compute_capability": "9"}, {"python": None}, {"notes": "x"}, {"driver": 580}):
        with pytest.raises((TypeError, ValueError, KeyError)):
            environment_from_dict({**env.to_dict(), **damage})


def _built(site) -> Report:
    decision = _acme(site)
    return Report((plugin_report(decision),), Environment(python="3.11.7", tensorrt="10.9.0"), activated=True, discovery_ms=1.5,
                  activation_ms=2.5, settings={"strict": False})


def test_a_pending_report_is_built_on_first_read_once_and_is_then_the_report(site):
    built = _built(site)
    calls: list[int] = []

    def build() -> Report:
        calls.append(1)
        return built

    pending = pending_report(build)
    assert isinstance(pending, Report) and not isinstance(pending, (type, dict)) and calls == []  # made, not built
    assert pending.__class__ is Report and calls == []
    # A field with a class default (activation_ms) is the built one's, not the default.
    assert pending.activation_ms == 2.5 and calls == [1]
    assert type(pending) is Report and pending == built and repr(pending) == repr(built)
    assert pending.plugins == built.plugins and pending.to_dict() == built.to_dict() and calls == [1]


@pytest.mark.parametrize("read", [
    pytest.param(lambda r: r == r, id="eq"),
    pytest.param(repr, id="repr"),
    pytest.param(str, id="str"),
    pytest.param(dataclasses.asdict, id="asdict"),
    pytest.param(dataclasses.fields, id="fields"),
    pytest.param(lambda r: replace(r, activated=False), id="replace"),
    pytest.param(copy.copy, id="copy"),
    pytest.param(lambda r: pickle.loads(pickle.dumps(r)), id="pickle"),
    pytest.param(lambda r: r.active_ops, id="property"),
])
def test_every_way_of_reading_a_pending_report_builds_it(site, read: Any):
    built = _built(site)
    pending = pending_report(lambda: built)
    read(pending)
    assert type(pending) is Report and pending == built


@pytest.mark.parametrize("again", [
    pytest.param(copy.copy, id="copy"),
    pytest.param(copy.deepcopy, id="deepcopy"),
    pytest.param(lambda r: pickle.loads(pickle.dumps(r)), id="pickle"),
    pytest.param(lambda r: replace(r), id="replace"),
])
def test_a_copy_of_a_pending_report_is_a_report_equal_to_the_built_one(site, again: Any):
    built = _built(site)
    pending = pending_report(lambda: built)
    made = again(pending)
    assert type(made) is Report and made == built and made.to_dict() == built.to_dict()
    assert type(pending) is Report


def test_a_pending_report_answers_as_a_dataclass_and_formats_as_the_report(site):
    built = _built(site)
    calls: list[int] = []

    def build() -> Report:
        calls.append(1)
        return built

    pending = pending_report(build)
    assert dataclasses.is_dataclass(pending) and calls == []  # asked of its class: nothing built
    assert f"{pending}" == str(built) and calls == [1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pending_report(lambda: built).activated = False  # frozen, as the report is


def test_threads_reading_a_pending_report_first_build_it_once(site):
    built = _built(site)
    calls: list[int] = []
    started = threading.Barrier(8)

    def build() -> Report:
        calls.append(1)
        return built

    pending = pending_report(build)
    seen: list[Any] = []

    def read() -> None:
        started.wait()
        seen.append(pending.plugins)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and seen == [built.plugins] * 8


def test_a_pending_report_whose_build_raises_stays_pending(site):
    built = _built(site)
    calls: list[int] = []

    def build() -> Report:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("not yet")
        return built

    pending = pending_report(build)
    with pytest.raises(RuntimeError, match="not yet"):
        _ = pending.plugins
    assert type(pending).__name__ == "_PendingReport"
    assert pending == built and calls == [1, 1]
