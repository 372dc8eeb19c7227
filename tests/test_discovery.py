"""Discovery over real .dist-info folders: sorted, tied to distributions, bad entry points rejected."""

from __future__ import annotations

from fixtures import jit_op, make_dist, manifest
from trt_plugin_hub.discovery import discover


def plugin(site, dist, package, *, version="1.0.0", value=None, with_manifest=True, manifest_text=None):
    files = {f"{package}/__init__.py": "raise RuntimeError('plugin code must not run during discovery')\n"}
    if with_manifest:
        files[f"{package}/trt_plugin.json"] = manifest_text or manifest(dist, [jit_op(f"{package}::op", f"{package}.qdp")])
    make_dist(site, dist, version, entry_points={"torch_tensorrt.plugins": {package: value or package}}, files=files)


def test_candidates_are_sorted_and_tied_to_their_distribution(site):
    for dist, package in [("zz-ops", "zz"), ("aa-ops", "aa"), ("mm-ops", "mm")]:
        plugin(site, dist, package, version="2.0.1")
    found = [c for c in discover() if c.entry_point.distribution in {"zz-ops", "aa-ops", "mm-ops"}]
    assert [c.name for c in found] == ["aa-ops", "mm-ops", "zz-ops"]
    assert all(c.entry_point.version == "2.0.1" and c.problem is None for c in found)


def test_discovery_runs_no_plugin_code(site):
    plugin(site, "acme-ops", "acme")
    (candidate,) = [c for c in discover() if c.entry_point.distribution == "acme-ops"]
    assert candidate.manifest is not None and candidate.manifest_path.name == "trt_plugin.json"


def test_entry_point_to_missing_package_is_a_rejection(site):
    plugin(site, "ghost-ops", "ghost", value="not_installed_anywhere")
    (candidate,) = [c for c in discover() if c.entry_point.distribution == "ghost-ops"]
    assert candidate.problem.code == "ENTRY_POINT_NOT_FOUND" and "not_installed_anywhere" in candidate.problem.message


def test_entry_point_with_invalid_value_is_a_rejection(site):
    plugin(site, "bad-ops", "bad", value="bad-package!")
    (candidate,) = [c for c in discover() if c.entry_point.distribution == "bad-ops"]
    assert candidate.problem.code == "ENTRY_POINT_INVALID"


def test_missing_and_invalid_manifests_are_rejections(site):
    plugin(site, "bare-ops", "bare", with_manifest=False)
    plugin(site, "broken-ops", "broken", manifest_text='{"schema_version": 1, "name": "broken-ops", "ops": 3}')
    found = {c.entry_point.distribution: c for c in discover()}
    assert found["bare-ops"].problem.code == "MANIFEST_MISSING"
    assert found["broken-ops"].problem.code == "MANIFEST_INVALID" and "'ops'" in found["broken-ops"].problem.message


def test_two_distributions_claiming_one_plugin_name(site):
    text = manifest("same-name", [jit_op("one::op", "one.qdp")])
    plugin(site, "one-ops", "one", manifest_text=text)
    plugin(site, "two-ops", "two", manifest_text=text.replace("one::op", "two::op").replace("one.qdp", "two.qdp"))
    found = {c.entry_point.distribution: c for c in discover()}
    assert found["one-ops"].problem is None
    assert found["two-ops"].problem.code == "DUPLICATE_PLUGIN" and "one-ops" in found["two-ops"].problem.message
