"""Discovery over real .dist-info folders: sorted, tied to distributions, bad entry points rejected."""

from __future__ import annotations

from _support.dists import jit_op, make_dist, manifest
from _support.plugins import add_plugin

from trt_plugin_hub._discovery import scan_candidates


def plugin(site, dist, package, *, version="1.0.0", value=None, with_manifest=True, manifest_text=None):
    add_plugin(site, dist, package, [jit_op(f"{package}::op", f"{package}.qdp")], version=version, entry_value=value,
               with_manifest=with_manifest, manifest_text=manifest_text,
               init="raise RuntimeError('plugin code must not run during discovery')\n")


def test_candidates_are_sorted_and_tied_to_their_distribution(site):
    for dist, package in [("zz-ops", "zz"), ("aa-ops", "aa"), ("mm-ops", "mm")]:
        plugin(site, dist, package, version="2.0.1")
    found = [c for c in scan_candidates() if c.entry_point.distribution in {"zz-ops", "aa-ops", "mm-ops"}]
    assert [c.name for c in found] == ["aa-ops", "mm-ops", "zz-ops"]
    assert all(c.entry_point.version == "2.0.1" and c.problem is None for c in found)


def test_discovery_runs_no_plugin_code(site):
    plugin(site, "acme-ops", "acme")
    (candidate,) = [c for c in scan_candidates() if c.entry_point.distribution == "acme-ops"]
    assert candidate.manifest is not None and candidate.manifest_path.name == "trt_plugin.json"


def test_entry_point_to_missing_package_is_a_rejection(site):
    plugin(site, "ghost-ops", "ghost", value="not_installed_anywhere")
    (candidate,) = [c for c in scan_candidates() if c.entry_point.distribution == "ghost-ops"]
    assert candidate.problem.code == "ENTRY_POINT_NOT_FOUND" and "not_installed_anywhere" in candidate.problem.message


def test_entry_point_with_invalid_value_is_a_rejection(site):
    plugin(site, "bad-ops", "bad", value="bad-package!")
    (candidate,) = [c for c in scan_candidates() if c.entry_point.distribution == "bad-ops"]
    assert candidate.problem.code == "ENTRY_POINT_INVALID"


def test_missing_and_invalid_manifests_are_rejections(site):
    plugin(site, "bare-ops", "bare", with_manifest=False)
    plugin(site, "broken-ops", "broken", manifest_text='{"schema_version": 1, "name": "broken-ops", "ops": 3}')
    found = {c.entry_point.distribution: c for c in scan_candidates()}
    assert found["bare-ops"].problem.code == "MANIFEST_MISSING"
    assert found["broken-ops"].problem.code == "MANIFEST_INVALID" and "'ops'" in found["broken-ops"].problem.message


def _decisions(**env):
    from trt_plugin_hub._decisions import decide
    from trt_plugin_hub._environment import Environment
    from trt_plugin_hub._settings import read_settings

    host = Environment(python="3.11.7")
    return {d.candidate.entry_point.distribution: d for d in decide(scan_candidates(), host, read_settings(env))}


def test_two_distributions_claiming_one_plugin_name_both_lose_and_both_are_named(site):
    text = manifest("same-name", [jit_op("one::op", "one.qdp")])
    plugin(site, "one-ops", "one", manifest_text=text)
    plugin(site, "two-ops", "two", manifest_text=text.replace("one::op", "two::op").replace("one.qdp", "two.qdp"))
    found = _decisions()
    for dist in ("one-ops", "two-ops"):
        (reason,) = found[dist].reasons
        assert found[dist].status == "rejected" and reason.code == "DUPLICATE_PLUGIN"
        assert "one-ops 1.0.0" in reason.message and "two-ops 1.0.0" in reason.message
        assert "TRT_PLUGIN_HUB_DENY" in reason.message


def test_denying_one_side_of_a_duplicate_name_leaves_the_other(site):
    text = manifest("same-name", [jit_op("one::op", "one.qdp")])
    plugin(site, "one-ops", "one", manifest_text=text)
    plugin(site, "two-ops", "two", manifest_text=text.replace("one::op", "two::op").replace("one.qdp", "two.qdp"))
    found = _decisions(TRT_PLUGIN_HUB_DENY="two-ops")
    assert found["two-ops"].status == "disabled"
    assert "DUPLICATE_PLUGIN" not in [r.code for r in found["one-ops"].reasons]


def test_entry_point_into_a_package_its_distribution_does_not_install_is_foreign(site):
    plugin(site, "victim-ops", "victim")
    # The squatter's entry point names the victim's package; its own RECORD lists other files.
    make_dist(site, "squat-ops", "9.9.9", entry_points={"torch_tensorrt.plugins": {"victim": "victim"}},
              files={"squat/__init__.py": ""})
    found = {c.entry_point.distribution: c for c in scan_candidates()}
    assert found["victim-ops"].problem is None
    assert found["squat-ops"].problem.code == "ENTRY_POINT_FOREIGN"
    assert "squat-ops 9.9.9" in found["squat-ops"].problem.message and "victim/trt_plugin.json" in found[
        "squat-ops"].problem.message


def test_malformed_entry_points_of_any_distribution_cost_only_that_distribution(site):
    plugin(site, "fine-ops", "fine")
    unrelated = make_dist(site, "unrelated", "1.0", files={"unrelated/__init__.py": ""})
    (unrelated / "entry_points.txt").write_text("[console_scripts]\nbroken line without equals\n")
    broken = make_dist(site, "broken-plugin", "1.0", files={"bp/__init__.py": ""})
    (broken / "entry_points.txt").write_text("[torch_tensorrt.plugins]\nbp\n")
    found = {c.entry_point.distribution: c for c in scan_candidates()}
    assert found["fine-ops"].problem is None
    assert "unrelated" not in found
    assert found["broken-plugin"].problem.code == "ENTRY_POINT_INVALID"
