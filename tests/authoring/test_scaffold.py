"""``trt-plugin-hub new``: the generated project builds into a wheel (PTX compiled for real),
validates without errors, lists once pip-installed, and activates on the real upstream Python layers
(each op converted as Torch-TensorRT's interpreter does, through ``tests/_support/upstream/drive.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _support.dists import DRIVE, build_wheel, pip_install, run_python, subprocess_env
from _support.upstream.drive import attribute_value

from trt_plugin_hub.authoring import (
    DEFAULT_KINDS,
    KINDS,
    ScaffoldError,
    create_project,
    project_names,
    render_project,
    validate,
)
from trt_plugin_hub.cli import main

pytestmark = pytest.mark.slow

TARGET = "sm_90, driver=580"


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """``trt-plugin-hub new acme-ops`` built, and installed into a site directory."""
    root = tmp_path_factory.mktemp("default")
    project = root / "acme-ops"
    assert main(["new", "acme-ops", "--dir", str(project)]) == 0
    wheel = build_wheel(project, root / "dist")
    site = root / "site"
    pip_install([wheel], site)
    return project, wheel, site


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A project with one op of each of the five approaches, built and installed."""
    root = tmp_path_factory.mktemp("every")
    project = root / "zoo-ops"
    create_project("zoo-ops", project, KINDS)
    wheel = build_wheel(project, root / "dist")
    site = root / "site"
    pip_install([wheel], site)
    return project, wheel, site


def test_default_project_has_one_jit_and_one_triton_aot_op_and_uses_the_hub_backend(default_project):
    project, wheel, _ = default_project
    manifest = json.loads((project / "acme_ops" / "trt_plugin.json").read_text())
    assert [(op["id"], op["kind"]) for op in manifest["ops"]] == [("acme_ops::scaled_add", "jit"),
                                                                   ("acme_ops::relu", "aot")]
    pyproject = (project / "pyproject.toml").read_text()
    assert 'build-backend = "trt_plugin_hub.authoring.backend"' in pyproject and '"triton==3.6.0"' in pyproject
    assert "nvrtc" not in pyproject
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        built = json.loads(archive.read("acme_ops/trt_plugin.json"))
    assert {f"acme_ops/{p['path']}" for p in built["ops"][1]["ptx"]} <= names
    assert {p["arch"] for p in built["ops"][1]["ptx"]} == {"sm_80", "sm_86", "sm_89", "sm_90a"}


def test_default_project_wheel_validates_without_errors_or_warnings(default_project):
    _, wheel, _ = default_project
    report = validate(wheel)
    assert [f.to_dict() for f in report.findings if f.severity != "info"] == []
    assert report.packages[0].ptx_files == 4


def test_installed_default_project_lists_as_rejected_for_missing_tensorrt_here(default_project):
    _, _, site = default_project
    data = json.loads(run_python("from trt_plugin_hub.cli import main; raise SystemExit(main(['list', '--json']))",
                                 paths=[site]).stdout)
    (plugin,) = data["plugins"]
    assert (plugin["name"], plugin["distribution"], plugin["version"]) == ("acme-ops", "acme-ops", "0.1.0")
    assert plugin["status"] == "rejected" and "TENSORRT_MISSING" in [r["code"] for r in plugin["reasons"]]


def test_installed_default_project_activates_with_tensorrt_present(default_project, upstream_paths: list[Path]):
    _, _, site = default_project
    proc = run_python("from trt_plugin_hub.cli import main; raise SystemExit(main(['list', '--load', '--json']))",
                      paths=[site, *upstream_paths], env={"TRT_PLUGIN_HUB_TARGET": TARGET})
    (plugin,) = json.loads(proc.stdout)["plugins"]
    assert plugin["status"] == "active"
    assert [(op["id"], op["status"], op["mode"]) for op in plugin["ops"]] == [
        ("acme_ops::scaled_add", "active", "jit"), ("acme_ops::relu", "active", "aot")]


def test_every_approach_validates_and_converts_into_plugin_layers(every_kind, upstream_paths: list[Path]):
    _, wheel, site = every_kind
    report = validate(wheel)
    assert [f.to_dict() for f in report.findings if f.severity != "info"] == []
    assert [op.kind for op in report.packages[0].ops] == ["jit", "aot", "aot", "legacy", "kernels"]
    code = """
import json, torch, torch_tensorrt
import trt_plugin_hub._pipeline as L
from drive import convert

ops = torch.ops.zoo_ops
x = [(4, 300)]
print(json.dumps({
    "ops": [[o.id, o.status, o.mode] for p in L.loaded_report().plugins for o in p.ops],
    "layers": [convert(ops.scaled_add.default, x * 2, [0.5]), convert(ops.relu.default, x),
               convert(ops.scale.default, x, [2.0]), convert(ops.leaky_relu.default, x, [0.1]),
               convert(ops.square.default, x)],
}))
"""
    out = json.loads(run_python(code, paths=[site, DRIVE, *upstream_paths], env={"TRT_PLUGIN_HUB_TARGET": TARGET})
                     .stdout.splitlines()[-1])
    assert out["ops"] == [["zoo_ops::scaled_add", "active", "jit"], ["zoo_ops::relu", "active", "aot"],
                          ["zoo_ops::scale", "active", "aot"], ["zoo_ops::leaky_relu", "active", "legacy"],
                          ["zoo_ops::square", "active", "aot"]]
    assert all(layer["ok"] for layer in out["layers"]), out["layers"]
    assert [[layer["plugin"], layer["kind"], {k: attribute_value(v) for k, v in layer["attrs"].items()}]
            for layer in out["layers"]] == [
        ["zoo_ops::scaled_add", "jit", {"alpha": pytest.approx(0.5)}], ["zoo_ops::relu", "aot", {}],
        ["zoo_ops::scale", "aot", {"scale": pytest.approx(2.0)}],
        ["zoo_ops::leaky_relu", "jit", {"negative_slope": pytest.approx(0.1)}], ["zoo_ops::square", "aot", {}]]
    # The AOT ops hand TensorRT's builder the packaged sm_90 PTX and the manifest's launch.
    declared = {op["id"]: op for op in json.loads((site / "zoo_ops" / "trt_plugin.json").read_text())["ops"]}
    for layer in (layer for layer in out["layers"] if layer["kind"] == "aot"):
        op = declared[layer["plugin"]]
        (ptx,) = [p for p in op["ptx"] if p["arch"].rstrip("a") == "sm_90"]
        assert (layer["kernel_name"], layer["ptx_sha256"]) == (ptx["kernel"], ptx["sha256"]), layer["plugin"]
        assert layer["block"] == [op["launch"]["block_threads"], 1, 1]
        assert layer["grid"] == [-(-1200 // op["launch"]["elements_per_block"]), 1, 1]
        assert len(layer["extras"]) == len(op["launch"]["extras"]) and layer["extras"][0] == 1200


def _generated_tests(project: Path, paths: list[Path], *options: str) -> subprocess.CompletedProcess[str]:
    """The project's generated tests, run by pytest as its author runs them (the project installed)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests", *options],
                          cwd=project, capture_output=True, text=True, timeout=600, env=subprocess_env(paths))


def test_generated_project_tests_pass_through_the_hubs_pytest_plugin(every_kind, upstream_paths: list[Path]):
    project, _, site = every_kind
    # The real Torch-TensorRT and TensorRT Python layers: hub_activate activates every op.
    proc = _generated_tests(project, [site, *upstream_paths], "--trt-hub-target", TARGET)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "11 passed" in proc.stdout and "skipped" not in proc.stdout
    generated = (project / "tests" / "test_hub.py").read_text()
    assert "def test_every_op_activates_in_torch_tensorrt(hub_activate)" in generated
    assert ('OPS = ["zoo_ops::scaled_add", "zoo_ops::relu", "zoo_ops::scale", "zoo_ops::leaky_relu", '
            '"zoo_ops::square"]') in generated


def test_generated_project_tests_skip_activation_without_tensorrt(every_kind):
    project, _, site = every_kind
    proc = _generated_tests(project, [site])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10 passed, 1 skipped" in proc.stdout
    assert ("hub_activate needs TensorRT (with tensorrt.plugin) and Torch-TensorRT: tensorrt.plugin cannot be "
            "imported here") in proc.stdout


def test_generated_hub_tests_fail_when_the_activation_fails(every_kind, upstream_paths: list[Path]):
    project, _, site = every_kind
    # A host whose driver loads no PTX the package ships: the AOT ops are rejected, and the test says why.
    proc = _generated_tests(project, [site, *upstream_paths], "--trt-hub-target", "sm_90, driver=535",
                            "-k", "activates")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed" in proc.stdout and "PTX ISA" in proc.stdout


def test_generated_hub_tests_say_to_install_an_uninstalled_project(tmp_path: Path):
    project = tmp_path / "fresh-ops"
    create_project("fresh-ops", project, ["legacy"])  # never built, never installed
    proc = _generated_tests(project, [], "-k", "knows_every_op")
    assert proc.returncode == 1
    assert "no installed distribution has a 'torch_tensorrt.plugins' entry point naming 'fresh_ops'" in proc.stdout
    assert "(`pip install -e .`)" in proc.stdout


def test_the_hub_registers_its_pytest_plugin():
    from importlib.metadata import entry_points

    assert [ep.value for ep in entry_points(group="pytest11") if ep.name == "trt_plugin_hub"] == ["trt_plugin_hub.testing"]


def test_legacy_only_project_needs_no_build_to_validate(tmp_path: Path):
    project = tmp_path / "solo"
    create_project("solo", project, ["legacy"])
    assert not (project / "solo" / "qdp.py").exists()
    report = validate(project)
    assert report.findings == ()
    assert '"triton' not in (project / "pyproject.toml").read_text()


def test_the_readme_and_new_name_the_wheel_the_build_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # A capitalised name: the wheel's file name is the normalised one, in lower case.
    project = tmp_path / "Solo.Ops"
    assert main(["new", "Solo-Ops", "--kind", "legacy", "--dir", str(project)]) == 0
    printed = capsys.readouterr().out
    assert project_names("Solo-Ops").wheel_name == "solo_ops"
    assert "dist/solo_ops-0.1.0-py3-none-any.whl" in printed
    wheel = build_wheel(project, tmp_path / "dist")
    assert wheel.name == "solo_ops-0.1.0-py3-none-any.whl"
    assert "dist/solo_ops-*.whl" in (project / "README.md").read_text()


def test_rendering_picks_build_requirements_per_approach():
    nvrtc = render_project("acme", ["aot-nvrtc"])
    assert '"nvidia-cuda-nvrtc-cu12==12.8.*"' in nvrtc["pyproject.toml"] and "acme/kernels/scale.cu" in nvrtc
    # verify must test the float attribute with a value an ignored attribute would not match.
    (scale,) = json.loads(nvrtc["acme/trt_plugin.json"])["ops"]
    assert scale["x-verify"]["attrs"]["scale"] not in (0.0, 1.0)
    assert "from trt_plugin_hub.aot import launch" in nvrtc["acme/qdp.py"]
    jit = render_project("acme", ["jit"])
    assert "trt_plugin_hub.aot" not in jit["acme/qdp.py"] and "Union" not in jit["acme/qdp.py"]
    assert render_project("acme") == render_project("acme", DEFAULT_KINDS)


def test_kernels_project_provides_functions_and_leaves_registration_to_the_hub():
    files = render_project("acme", ["kernels"])
    (square,) = json.loads(files["acme/trt_plugin.json"])["ops"]
    assert (square["kind"], square["schema"], square["aot"]) == ("kernels", "(Tensor x) -> Tensor", None)
    assert square["meta"] == "acme.kernel_ops:square_meta" and square["launch"]["extras"] == ["numel"]
    assert '"nvidia-cuda-nvrtc-cu12==12.8.*"' in files["pyproject.toml"] and "acme/kernels/square.cu" in files
    # Nothing in the package defines or registers the op: the hub does, through ptx_op.
    assert "acme/qdp.py" not in files
    for text in (files["acme/kernel_ops.py"], files["acme/ops.py"]):
        assert "custom_op" not in text and "trtp." not in text and "ptx_op(" not in text


@pytest.mark.parametrize("name", ["1ops", "acme..ops", "acme ops", "", "trt", "std"])
def test_names_that_make_no_valid_package_or_namespace_are_refused(name: str):
    with pytest.raises(ScaffoldError):
        render_project(name)


@pytest.mark.parametrize("name, why", [
    ("import", "a Python keyword"), ("class", "a Python keyword"),
    ("json", "standard library's json"), ("Typing", "standard library's typing"),
    ("torch", "module torch"), ("torch-tensorrt", "module torch_tensorrt"), ("triton", "module triton"),
    ("trt-plugin-hub", "module trt_plugin_hub"),
])
def test_new_refuses_names_that_are_keywords_or_shadow_importable_modules(
        name: str, why: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(ScaffoldError, match=why):
        project_names(name)
    assert main(["new", name, "--dir", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and why in err
    package = name.replace("-", "_").lower()
    assert f"choose a name of your own, such as '{package.replace('_', '-')}-ops'" in err
    assert not (tmp_path / "p").exists()


def test_new_refuses_a_name_any_importable_module_already_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "acme_widgets.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    with pytest.raises(ScaffoldError, match="shadows the importable module acme_widgets"):
        project_names("acme-widgets")
    assert project_names("acme-gadgets").package == "acme_gadgets"


def test_new_refuses_a_non_empty_directory_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["new", "acme-ops", "--dir", str(tmp_path)]) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_unknown_kind_is_refused_by_the_command_line(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["new", "acme-ops", "--kind", "cuda-graph"])
    assert exc.value.code == 2
