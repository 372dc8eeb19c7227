"""Every op the hub calls active converts under the real upstream layers of every release it claims.

The cells of :data:`_support.upstream.matrix.CELLS` (Torch-TensorRT 2.6-2.14 with the TensorRT each pins, in
the pip and tarball layouts, with numpy below 2.4 and the newest) each run in a fresh interpreter
over the real ``torch_tensorrt`` and ``tensorrt.plugin`` sources. The cells run two at a time in
one session fixture; each test then reads one cell's result. ``docs/support_matrix.rst`` is
generated from the same results, and a test keeps the committed page equal to them.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from _support.dists import DRIVE, REPO, build_wheel, manifest, pip_install, write_plugin_source
from _support.upstream import Cell, RegistryUnavailable, assemble, cell_paths, run_in_cell
from _support.upstream.drive import attribute_value
from _support.upstream.matrix import (
    CALLS,
    CELL_SCRIPT,
    CELLS,
    TARGET,
    TARGET_ARCHES,
    expected,
    matrix_plugins,
    parse_output,
    render_docs,
)

from trt_plugin_hub._manifest import read_manifest

pytestmark = pytest.mark.slow

DOCS_PAGE = REPO / "docs" / "support_matrix.rst"
WORKERS = max(2, min(4, os.cpu_count() or 2))


@pytest.fixture(scope="session")
def plugin_site(example_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example wheel and the four matrix plugins, installed with pip into one directory."""
    root = tmp_path_factory.mktemp("matrix-plugins")
    wheels = [example_wheel]
    for spec in matrix_plugins():
        text = manifest(spec["name"], spec["ops"], spec["requires"])
        project = write_plugin_source(root / spec["package"], spec["dist"], spec["package"], text, spec["modules"],
                                      extra_files=spec["files"])
        wheels.append(build_wheel(project, root / "dist"))
    site = root / "site"
    pip_install(wheels, site)
    return site


def _manifests(site: Path) -> dict[str, dict[str, Any]]:
    """Installed manifests by op id: (plugin requires, op, plugin name), read as the hub reads them."""
    found = {}
    for path in site.glob("*/trt_plugin.json"):
        manifest = read_manifest(path, path.parent.name)
        for op in manifest.ops:
            found[op.id] = {"requires": manifest.requires.specifiers(), "op": op, "plugin": manifest.name}
    return found


def _run_cell(cell: Cell, plugin_site: Path) -> dict[str, Any]:
    try:
        paths = cell_paths(cell)
    except RegistryUnavailable as exc:
        return {"unavailable": str(exc)}
    proc = run_in_cell(cell, CELL_SCRIPT.replace("sys.argv[1]", repr(json.dumps(CALLS))),
                       paths=[plugin_site, DRIVE, REPO], env={"TRT_PLUGIN_HUB_TARGET": TARGET})
    try:
        result = parse_output(proc.stdout)
    except ValueError:
        return {"crashed": f"exit {proc.returncode}: {proc.stderr[-2000:]}"}
    result["info"] = json.loads((paths[-1] / "upstream.json").read_text())
    return result


@pytest.fixture(scope="session")
def matrix(plugin_site: Path) -> dict[str, dict[str, Any]]:
    try:
        assemble(CELLS[-1])
    except RegistryUnavailable as exc:
        pytest.skip(f"real upstream unavailable: {exc}")
    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(zip((c.key for c in CELLS), pool.map(lambda c: _run_cell(c, plugin_site), CELLS)))
    return results


def _cell(matrix: dict[str, dict[str, Any]], cell: Cell) -> dict[str, Any]:
    result = matrix[cell.key]
    if "unavailable" in result:
        pytest.skip(result["unavailable"])
    assert "crashed" not in result, result.get("crashed")
    return result


@pytest.mark.parametrize("cell", CELLS, ids=[c.key for c in CELLS])
def test_every_decision_in_the_cell_is_right(matrix, plugin_site, cell):
    result = _cell(matrix, cell)
    facts = result["facts"]
    manifests = _manifests(plugin_site)
    assert set(result["ops"]) == set(manifests), "every installed op is in the report"
    wrong = []
    for op_id, hub in result["ops"].items():
        spec = manifests[op_id]
        status, what = expected(op_id, spec["op"].kind, spec["requires"], facts, cell.torch_tensorrt)
        codes = [c for c, _ in hub["reasons"] + hub["plugin_reasons"]]
        if status == "active":
            if hub["status"] != "active" or hub["mode"] != what:
                wrong.append(f"{op_id}: hub says {hub['status']}/{hub['mode']} {codes}, expected active/{what}")
        elif hub["status"] == "active" or what not in codes:
            wrong.append(f"{op_id}: hub says {hub['status']} {codes}, expected {status} with {what}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("cell", CELLS, ids=[c.key for c in CELLS])
def test_every_active_op_converts_into_a_plugin_layer_of_its_kind(matrix, plugin_site, cell):
    result = _cell(matrix, cell)
    manifests = _manifests(plugin_site)
    for op_id, hub in result["ops"].items():
        if hub["status"] != "active":
            continue
        converted = result["convert"][op_id]
        assert converted["ok"], f"{op_id} is active but does not convert: {converted}"
        assert converted["plugin"] == op_id
        assert converted["kind"] == {"legacy": "jit"}.get(hub["mode"], hub["mode"]), converted
        if hub["mode"] != "legacy":
            assert converted["converter_module"].endswith("_generate_plugin_converter"), converted
        shapes, attrs = CALLS[op_id]
        if attrs and hub["mode"] != "legacy":
            # The attribute given in the graph reaches the plugin, as the type it registered
            # (kernels ops register scalars as one-element arrays, as upstream's generator does).
            values = list(converted["attrs"].values())
            if manifests[op_id]["op"].kind == "kernels":
                values = [attribute_value(v) for v in values]
            assert values == attrs, converted
        assert converted["output_shapes"] == [shapes[0]]


@pytest.mark.parametrize("cell", CELLS, ids=[c.key for c in CELLS])
def test_aot_layers_hand_tensorrt_the_verified_ptx_and_the_declared_launch(matrix, plugin_site, cell):
    result = _cell(matrix, cell)
    manifests = _manifests(plugin_site)
    site_packages = {m["plugin"]: m for m in manifests.values()}
    for op_id, hub in result["ops"].items():
        if hub["status"] != "active" or hub["mode"] != "aot":
            continue
        converted = result["convert"][op_id]
        op = manifests[op_id]["op"]
        artifact = next(a for a in op.ptx if a.arch in TARGET_ARCHES)
        package = next(plugin_site.glob(f"*/{artifact.path}")).parent.parent
        data = (package / artifact.path).read_bytes()
        import hashlib

        assert converted["kernel_name"] == artifact.kernel
        assert converted["ptx_sha256"] == hashlib.sha256(data).hexdigest() == artifact.sha256
        shapes, attrs = CALLS[op_id]
        numel = 1
        for size in shapes[0]:
            numel *= size
        launch = op.launch
        assert launch is not None
        assert converted["grid"] == [-(-numel // launch.elements_per_block), 1, 1]
        assert converted["block"] == [launch.block_threads, 1, 1]
        want = []
        for extra in launch.extras:
            if extra == "numel":
                want.append(numel)
            elif op_id == "example_plugin::scale_nvrtc":
                import struct

                want.append(struct.unpack("<i", struct.pack("<f", attrs[0]))[0])
            else:
                want.append(attrs[0])
        assert converted["extras"] == want
        assert set(converted["extra_dtypes"]) <= {"INT32"}
        assert site_packages  # the plugins were installed


@pytest.mark.parametrize("cell", CELLS, ids=[c.key for c in CELLS])
def test_every_refusal_names_its_fix_and_bypassing_the_hub_fails_as_it_says(matrix, cell):
    result = _cell(matrix, cell)
    fixes = {
        "TENSORRT_NO_QDP": ("install", "switches QDP plugins off"),
        "NUMPY_SCALAR_ATTRIBUTES": ("numpy<2.4", "TensorRT >= 11.2.1"),
        "AOT_IMPL_SIGNATURE": ("every attribute",),
        "REQUIREMENT_UNMET": ("requires",),
        "AOT_UNSUPPORTED": ("upgrade",),
        "KERNELS_UNSUPPORTED": ("upgrade", ">=2.13"),
    }
    for op_id, hub in result["ops"].items():
        if hub["status"] == "active":
            continue
        for code, message in hub["reasons"] + hub["plugin_reasons"]:
            if code in fixes:
                assert any(word in message for word in fixes[code]), f"{op_id}: {code}: {message}"
        codes = {c for c, _ in hub["reasons"]}
        if codes & {"NUMPY_SCALAR_ATTRIBUTES", "AOT_IMPL_SIGNATURE"}:
            bypass = result["bypass"][op_id]
            assert not bypass["ok"] and "TypeError" in bypass["error"], bypass
        if "KERNELS_UNSUPPORTED" in codes and not result["facts"]["torch_tensorrt_import"]:
            bypass = result["bypass"][op_id]
            assert not bypass["ok"] and "torch_tensorrt.kernels" in bypass["error"], bypass


KERNELS_OPS = ("example_plugin::square_kernels", "mkern::axpb")


@pytest.mark.parametrize("cell", CELLS, ids=[c.key for c in CELLS])
def test_kernels_ops_are_registered_once_through_ptx_op_with_the_manifest_values(matrix, plugin_site, cell):
    result = _cell(matrix, cell)
    manifests = _manifests(plugin_site)
    release = tuple(int(p) for p in cell.torch_tensorrt.split(".")[:2])
    for op_id in (*KERNELS_OPS, "mkern::selfreg"):
        hub, op = result["ops"][op_id], manifests[op_id]["op"]
        assert hub["kind"] == "kernels"
        if release < (2, 13) or hub["plugin_status"] == "rejected":
            # No torch_tensorrt.kernels (or no QDP): refused before any of the package's code ran.
            assert hub["status"] != "active" and op_id not in result["kernels"], hub
            continue
        if op_id == "mkern::selfreg":
            # Its module defines the op at import: the hub calls nothing and says why.
            assert hub["status"] == "failed" and [c for c, _ in hub["reasons"]] == ["KERNELS_SELF_REGISTERED"], hub
            continue
        assert hub["status"] == "active" and hub["mode"] == "aot", hub
        registered = result["kernels"][op_id]
        ns, name = op_id.split("::")
        # The torch op was defined from the manifest's schema, the QDP with its AOT implementation, and
        # exactly one converter, with the manifest's dynamic-shape support.
        assert registered["schema"] == f"{ns}::{name}{op.schema}", registered
        assert registered["qdp"] and registered["aot_impl"] == "_aot_impl", registered
        assert registered["converters"] == 1 and registered["dynamic"] == [op.supports_dynamic_shapes], registered
        artifact = next(a for a in op.ptx if a.arch in TARGET_ARCHES)
        # ptx_op keeps the verified PTX, decoded: the same bytes the manifest hashes.
        assert registered["aot_impl_ptx_sha256"] == artifact.sha256
        # The converter built an AOT plugin layer whose kernel and launch TensorRT's builder got.
        converted = result["convert"][op_id]
        assert converted["ok"] and converted["kind"] == "aot" and converted["plugin"] == op_id, converted
        assert converted["kernel_name"] == artifact.kernel and converted["ptx_sha256"] == artifact.sha256
        launch = op.launch
        numel = 4 * 300
        assert converted["grid"] == [-(-numel // launch.elements_per_block), 1, 1]
        assert converted["block"] == [launch.block_threads, 1, 1] and converted["shared_mem"] == launch.shared_mem
        assert converted["extras"] == [numel] and converted["extra_dtypes"] == ["INT32"]
        # ptx_op restricts no types; the hub registers the manifest's formats after it.
        fp16 = registered["fp16"]
        if op.formats:
            assert not fp16["ok"] and "format combination" in fp16.get("error", ""), fp16
        else:
            assert fp16["ok"] and fp16["kind"] == "aot", fp16


def test_the_matrix_covers_the_releases_layouts_and_numpy_lines_it_claims(matrix):
    releases = {c.torch_tensorrt for c in CELLS if c.layout == "pip"}
    assert {"2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.12.0", "2.13.0", "2.14.0"} <= releases
    tarball = {c.torch_tensorrt for c in CELLS if c.layout == "tarball"}
    assert {"2.6.0", "2.7.0", "2.8.0", "2.9.0"} <= tarball
    numpys = {matrix[c.key]["facts"]["numpy"] for c in CELLS if "facts" in matrix[c.key]}
    assert any(n.startswith("2.3") for n in numpys) and any(not n.startswith(("2.3", "2.2")) for n in numpys)


def _rows(matrix: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for cell in CELLS:
        result = matrix[cell.key]
        if "facts" not in result:
            continue
        facts = result["facts"]
        ops = {}
        for op_id, hub in result["ops"].items():
            if hub["status"] == "active":
                ops[op_id] = {"legacy": "jit (legacy)"}.get(hub["mode"], hub["mode"])
            else:
                plugin_codes = [c for c, _ in hub["plugin_reasons"]] if hub["plugin_status"] == "rejected" else []
                codes = plugin_codes or [c for c, _ in hub["reasons"]] or [c for c, _ in hub["plugin_reasons"]]
                ops[op_id] = codes[0] if codes else hub["status"]
        notes = []
        if facts["torch_tensorrt_import"]:
            notes.append(f"Torch-TensorRT {cell.torch_tensorrt} does not import with "
                         f"{result['info']['layout']} TensorRT {facts['tensorrt']}: "
                         f"{facts['torch_tensorrt_import'].splitlines()[0][:120]}")
        if cell.torch_tensorrt.startswith("2.10.") and facts["qdp_feature"] is False:
            notes.append("Torch-TensorRT 2.10.0 reports QDP off for every TensorRT (its public plugin API raises); "
                         "the private generator the hub calls still works there.")
        numpy_label = "< 2.4" if cell.numpy == "lt2.4" else "newest"
        rows.append({"torch_tensorrt": cell.torch_tensorrt, "tensorrt": facts["tensorrt"], "layout": cell.layout,
                     "numpy": f"{facts['numpy']} ({numpy_label})", "ops": ops, "notes": notes})
    return rows


def _normalize(text: str) -> str:
    # The newest numpy changes with time; the page is compared without its exact versions.
    return re.sub(r"\d+\.\d+\.\d+ \((< 2\.4|newest)\)", r"(\1)", text)


def test_support_matrix_page_is_generated_from_this_run(matrix, request):
    rendered = render_docs(_rows(matrix))
    if request.config.getoption("--write-support-matrix"):
        DOCS_PAGE.write_text(rendered, encoding="utf-8")
    assert DOCS_PAGE.exists(), "run pytest tests/test_upstream_matrix.py --write-support-matrix"
    assert _normalize(DOCS_PAGE.read_text(encoding="utf-8")) == _normalize(rendered), (
        "docs/support_matrix.rst differs from this matrix run: regenerate it with --write-support-matrix")
