"""The pipeline in this process: report() decides only; load() activates once, and a bug of the hub costs one plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _support.dists import jit_op
from _support.plugins import add_plugin

from trt_plugin_hub import _activation, _pipeline
from trt_plugin_hub._errors import StrictModeError
from trt_plugin_hub._codes import Status
from trt_plugin_hub._report import findings_from
from trt_plugin_hub._settings import read_settings

TARGET = "sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580"
SETTINGS = {"TRT_PLUGIN_HUB_NO_CACHE": "1", "TRT_PLUGIN_HUB_TARGET": TARGET}


@pytest.fixture
def hub(site, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two plugins that would activate on ``TARGET``; no plugin code may run (activation is replaced)."""
    for package in ("alpha", "beta"):
        add_plugin(site, f"{package}-ops", package, [jit_op(f"{package}::op", f"{package}.qdp")],
                   init="raise RuntimeError('plugin code must not run in this test')\n")
    monkeypatch.setenv("TRT_PLUGIN_HUB_TARGET", TARGET)
    _pipeline.reset_for_tests()
    try:
        yield
    finally:
        _pipeline.reset_for_tests()


def _mine(report) -> dict:
    return {p.name: p for p in report.plugins if p.name in ("alpha-ops", "beta-ops")}


def test_report_decides_without_activating(hub, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_activation, "activate", lambda *a: pytest.fail("report() must not activate"))
    result = _pipeline.report(settings=read_settings(SETTINGS))
    assert not result.activated and result.environment.is_target
    assert {name: p.status for name, p in _mine(result).items()} == {"alpha-ops": "available", "beta-ops": "available"}
    assert _pipeline.loaded_report() is None


def test_report_with_the_hub_disabled_marks_the_plugins_disabled(hub):
    result = _pipeline.report(settings=read_settings({**SETTINGS, "TRT_PLUGIN_HUB_DISABLE": "1"}))
    for plugin in _mine(result).values():
        assert plugin.status is Status.DISABLED and plugin.reasons[0].code == "HUB_DISABLED"


def test_report_with_autoload_off_notes_it_on_the_plugins_that_would_activate(hub, site):
    add_plugin(site, "gamma-ops", "gamma", [jit_op("gamma::op", "gamma.qdp")],
               requires={"tensorrt": ">=99"})  # rejected: nothing to note
    result = _pipeline.report(settings=read_settings({**SETTINGS, "TRT_PLUGIN_HUB_AUTOLOAD": "0"}))
    mine = _mine(result)
    for plugin in mine.values():
        assert plugin.status is Status.AVAILABLE  # a note: the status stays
        assert plugin.reasons[-1].code == "AUTOLOAD_DISABLED" and plugin.reasons[-1].is_note
        assert "trt_plugin_hub.load()" in plugin.reasons[-1].message
    gamma = result.plugin("gamma-ops")
    assert gamma is not None and gamma.status is Status.REJECTED
    assert "AUTOLOAD_DISABLED" not in {r.code for r in gamma.reasons}
    assert not findings_from(mine.values())  # strict mode has nothing to say about a note
    on = _pipeline.report(settings=read_settings(SETTINGS))
    assert all(r.code != "AUTOLOAD_DISABLED" for p in _mine(on).values() for r in p.reasons)
    off = _pipeline.report(settings=read_settings({**SETTINGS, "TRT_PLUGIN_HUB_AUTOLOAD": "0",
                                                   "TRT_PLUGIN_HUB_DISABLE": "1"}))
    assert [[r.code for r in p.reasons] for p in _mine(off).values()] == [["HUB_DISABLED"], ["HUB_DISABLED"]]


def test_a_bug_while_activating_one_plugin_fails_only_that_plugin(hub, monkeypatch: pytest.MonkeyPatch):
    def activate(planned, context):
        if planned.name == "alpha-ops":
            raise RuntimeError("a bug in the hub")
        # nothing activated: the plugin's report is its decision

    monkeypatch.setattr(_activation, "activate", activate)
    result = _pipeline.load(settings=read_settings(SETTINGS))
    alpha, beta = _mine(result)["alpha-ops"], _mine(result)["beta-ops"]
    assert alpha.status is Status.FAILED and alpha.reasons[-1].code == "INTERNAL_ERROR"
    assert "RuntimeError: a bug in the hub" in alpha.reasons[-1].message
    assert [op.status for op in alpha.ops] == ["failed"]
    assert beta.status is Status.AVAILABLE  # decided, not activated: untouched by alpha's failure
    assert ("alpha-ops", "INTERNAL_ERROR") in [(f.subject, f.code) for f in result.findings]
    assert _pipeline.loaded_report() is result and _pipeline.load() is result  # once per process


def test_strict_load_raises_one_error_listing_the_failure(hub, monkeypatch: pytest.MonkeyPatch):
    def activate(planned, context):
        raise RuntimeError("a bug in the hub")

    monkeypatch.setattr(_activation, "activate", activate)
    with pytest.raises(StrictModeError) as info:
        _pipeline.load(strict=True, settings=read_settings(SETTINGS))
    assert {(f.subject, f.code) for f in info.value.findings} >= {("alpha-ops", "INTERNAL_ERROR"),
                                                                   ("beta-ops", "INTERNAL_ERROR")}
