"""What ``validate`` is pointed at: the built example wheel, the installed distribution (by
distribution and plugin name), the source project and package directory all pass; an unknown target
is a usage error; a project's entry points are checked against its packages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.dists import REPO, run_python
from _support.validate import PACKAGE, project_copy, ptxas_available

from trt_plugin_hub.authoring import ValidationTargetError, validate
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow


def test_built_example_wheel_validates_clean_with_every_ptx_assembled(example_wheel: Path):
    report = validate(example_wheel)
    assert report.kind == "wheel"
    assert report.findings == (), [f.to_dict() for f in report.findings]
    (package,) = report.packages
    assert package.package == PACKAGE and package.plugin == "example"
    assert [(op.id, op.kind) for op in package.ops] == [
        ("example_plugin::scaled_add", "jit"), ("example_plugin::relu_aot", "aot"),
        ("example_plugin::scale_nvrtc", "aot"), ("example_plugin::leaky_relu_legacy", "legacy"),
        ("example_plugin::square_kernels", "kernels")]
    assert package.ptx_files == 12
    if ptxas_available():
        assert package.assembled == 12 and report.ptxas


def test_installed_distribution_validates_by_distribution_and_plugin_name(example_site: Path):
    for name in ("example-trt-plugins", "example"):
        proc = run_python("from trt_plugin_hub.cli import main; raise SystemExit(main(['validate', "
                          f"{name!r}, '--json']))", paths=[example_site])
        data = json.loads(proc.stdout)
        assert data["kind"] == "distribution" and data["ok"] is True
        assert data["summary"] == {"error": 0, "warning": 0, "info": 0}
        assert data["packages"][0]["plugin"] == "example"


def test_source_project_and_package_directory_validate_clean():
    for target in (REPO / "example_plugin_pkg", REPO / "example_plugin_pkg" / PACKAGE):
        report = validate(target)
        assert report.findings == (), [f.to_dict() for f in report.findings]
    assert validate(REPO / "example_plugin_pkg").kind == "project"


def test_unknown_target_is_a_usage_error_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["validate", "no-such-plugin-distribution"]) == 2
    assert "neither a path nor an installed plugin" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValidationTargetError):
        validate(tmp_path / "notes.txt")


def test_project_without_the_entry_point_is_an_error_pointing_at_pyproject(tmp_path: Path):
    project = project_copy(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('example = "example_plugin_pkg"', ""))
    report = validate(project)
    assert report.codes("error") == ["ENTRY_POINT_MISSING"]
    finding = report.findings[0]
    assert finding.file == "pyproject.toml" and "torch_tensorrt.plugins" in finding.field
