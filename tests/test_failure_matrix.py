"""Every bad plugin is isolated with a precise reason, beside a good plugin that still activates.

One site directory holds the good plugin and every case of :data:`_support.cases.CASES` (real
``.dist-info`` folders, some installed from wheels with pip); TensorRT and Torch-TensorRT are the
real upstream Python layers after it on ``sys.path`` (the ``upstream_paths`` fixture). One
interpreter imports ``torch_tensorrt`` and calls ``trt_plugin_hub.load()`` there; each case is
then a test reading that one report. A second interpreter does the same in strict mode. Integrity
of packaged PTX is checked on the same run: what TensorRT's builder receives from the good AOT op
(driven through ``tests/_support/upstream/drive.py``) is the verified file, and nothing of a plugin with
altered PTX is bound or imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _support.cases import (
    CASES,
    Case,
    keyboard_interrupt_plugin,
)
from _support.cli import all_reasons, find_plugin, last_json
from _support.dists import DRIVE, run_python
from _support.manifests import ptx_text, sha256
from _support.plugins import (
    GOOD_AOT,
    GOOD_DIST,
    GOOD_JIT,
    GOOD_PACKAGE,
    PROBE,
    good_plugin,
    hub_env,
    install,
)
from packaging.utils import canonicalize_name

from trt_plugin_hub._ptx import safe_package_path
from trt_plugin_hub._codes import CODES

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parent.parent / "docs"

MATRIX_SCRIPT = PROBE + '''
import hashlib, json, os
out = {}
try:
    IMPORT_ORDER
    out["import_error"] = None
except BaseException as exc:
    out["import_error"] = f"{type(exc).__name__}: {exc}"
import trt_plugin_hub
from trt_plugin_hub import _pipeline
autoloaded = _pipeline.loaded_report()
rep = trt_plugin_hub.load()
out["autoloaded"] = autoloaded is not None
out["same_report"] = autoloaded is rep and trt_plugin_hub.load() is rep
out.update(probe(rep))

# What TensorRT receives when it builds an engine: the good ops converted the way Torch-TensorRT's
# interpreter does, the AOT one then driven the way TensorRT's builder calls the plugin.
import torch
from drive import convert

def call_aot():
    return convert(torch.ops.good.scale.default, [(4, 256)])

out["jit_call"] = convert(torch.ops.good.relu.default, [(4, 256)])
# A capability validator that raises when Torch-TensorRT asks it declines the node, nothing more.
out["validator_call"] = convert(torch.ops.case_validator_raises.op.default, [(4, 256)])
# A core op's converters are Torch-TensorRT's own, whatever a plugin declared for it.
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS
out["aten_relu_converters"] = [getattr(c.converter_implementation, "__module__", "?")
                               for c in DYNAMO_ATEN_CONVERTERS.get(torch.ops.aten.relu.default, [])]
out["aot_call"] = call_aot()
# The file changes on disk after activation: the verified bytes in memory are what is used.
path = os.path.join(os.path.dirname(sys.modules[GOOD_PACKAGE].__file__), "ptx", "scale.sm_90.ptx")
original = open(path, "rb").read()
try:
    open(path, "wb").write(original.replace(b"ret;", b"trap;"))
    out["aot_call_after_tamper"] = call_aot()
finally:
    open(path, "wb").write(original)
print(json.dumps(out))
'''

STRICT_SCRIPT = '''
import json
out = {}
try:
    import torch_tensorrt
    out["import"] = None
except BaseException as exc:
    out["import"] = type(exc).__name__
import trt_plugin_hub
try:
    trt_plugin_hub.load()
    out["load"] = None
except BaseException as exc:
    out["load"] = {"type": type(exc).__name__, "message": str(exc),
                   "cause": type(exc.__cause__).__name__ if exc.__cause__ is not None else None,
                   "findings": [[f.subject, f.code, f.message] for f in getattr(exc, "findings", ())]}
print(json.dumps(out))
'''


def _script(body: str) -> str:
    return (f"import sys\nGOOD_AOT = {GOOD_AOT!r}\nGOOD_PACKAGE = {GOOD_PACKAGE!r}\n") + body


@pytest.fixture(scope="module")
def site(failure_matrix_site: Path) -> Path:
    return failure_matrix_site


ORDERS = {"torch_tensorrt_alone": "import torch_tensorrt", "torch_first": "import torch; import torch_tensorrt"}


@pytest.fixture(scope="module", params=sorted(ORDERS))
def matrix(request: pytest.FixtureRequest, site: Path, upstream_paths: list[Path]) -> dict[str, Any]:
    """The report of one process that imports torch_tensorrt (in each import order) beside every case."""
    script = _script(MATRIX_SCRIPT).replace("IMPORT_ORDER", ORDERS[request.param])
    proc = run_python(script, paths=[site, DRIVE, *upstream_paths], env=hub_env(), timeout=300)
    return last_json(proc.stdout)


@pytest.fixture(scope="module")
def strict(site: Path, upstream_paths: list[Path]) -> dict[str, Any]:
    proc = run_python(STRICT_SCRIPT, paths=[site, *upstream_paths], env=hub_env(TRT_PLUGIN_HUB_STRICT="1"),
                      timeout=300)
    return last_json(proc.stdout)


# ----------------------------------------------------------------------------------------------
# The matrix


def test_matrix_has_at_least_25_distinct_cases_over_many_codes():
    keys = [c.key for c in CASES]
    assert len(keys) == len(set(keys)) >= 25
    codes = {c.code for c in CASES}
    assert len(codes) >= 20, sorted(codes)
    assert codes <= set(CODES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_bad_plugin_gets_its_code_and_a_sentence_while_the_good_one_activates(matrix: dict[str, Any], case: Case):
    report = matrix["report"]
    assert matrix["import_error"] is None

    good = find_plugin(report, GOOD_DIST)
    assert good["status"] == "active"
    assert {op["id"]: op["status"] for op in good["ops"]} == {GOOD_JIT: "active", GOOD_AOT: "active"}

    bad = find_plugin(report, case.dist)
    reasons = all_reasons(bad)
    coded = [r for r in reasons if r["code"] == case.code]
    assert coded, f"{case.dist}: {bad['status']} {[(r['code'], r['message']) for r in reasons]}"
    assert bad["status"] == case.status, reasons
    # The sentence says what is wrong with this plugin, in words a person can act on.
    precise = [r for r in coded if all(w in r["message"] for w in case.words)]
    assert precise, f"{case.words} not all in any of {[r['message'] for r in coded]}"
    assert all(len(r["message"].split()) >= 4 for r in coded), coded  # a sentence, not a bare code
    for companion in case.companions:
        assert find_plugin(report, companion)["status"] == "active"


def test_both_sides_of_a_duplicate_plugin_name_are_rejected_and_named(matrix: dict[str, Any]):
    for dist in ("case-duplicate-a-first", "case-duplicate-plugin-name"):
        plugin = find_plugin(matrix["report"], dist)
        (reason,) = plugin["reasons"]
        assert plugin["status"] == "rejected" and reason["code"] == "DUPLICATE_PLUGIN"
        assert "case-duplicate-a-first" in reason["message"] and "case-duplicate-plugin-name" in reason["message"]


def test_a_plugin_exception_message_is_capped_in_the_report(matrix: dict[str, Any]):
    from _support.cases import HUGE_MESSAGE_CHARS

    from trt_plugin_hub._guard import MAX_MESSAGE_CHARS

    plugin = find_plugin(matrix["report"], "case-exception-message-huge")
    (reason,) = [r for r in all_reasons(plugin) if r["code"] == "IMPORT_FAILED"][:1]
    assert MAX_MESSAGE_CHARS <= len(reason["message"]) < MAX_MESSAGE_CHARS + 300
    assert f"{HUGE_MESSAGE_CHARS - MAX_MESSAGE_CHARS} more characters" in reason["message"]


def test_a_raising_capability_validator_declines_the_node_instead_of_failing_the_conversion(
        matrix: dict[str, Any]):
    plugin = find_plugin(matrix["report"], "case-validator-raises")
    assert plugin["status"] == "active"
    call = matrix["validator_call"]
    assert call["ok"] is False and call["error"].startswith("no validated converter"), call


def test_no_plugin_gets_in_front_of_torch_tensorrts_converter_for_a_core_op(matrix: dict[str, Any]):
    modules = matrix["aten_relu_converters"]
    assert modules and all(m.startswith("torch_tensorrt.") for m in modules), modules


def test_allow_ops_lets_the_user_admit_an_exact_core_op(site: Path, upstream_paths: list[Path]):
    code = ("import json, trt_plugin_hub\n"
            "r = trt_plugin_hub.report()\n"
            "(p,) = [p for p in r.plugins if p.distribution == 'case-op-in-pytorch-namespace']\n"
            "print(json.dumps([[x.code for x in o.reasons] for o in p.ops]))")
    out = run_python(code, paths=[site, *upstream_paths], env=hub_env(TRT_PLUGIN_HUB_ALLOW_OPS="aten::relu"))
    allowed = json.loads(out.stdout.strip().splitlines()[-1])
    out = run_python(code, paths=[site, *upstream_paths], env=hub_env(TRT_PLUGIN_HUB_ALLOW_OPS="aten::gelu"))
    other = json.loads(out.stdout.strip().splitlines()[-1])
    assert allowed == [[]] and other == [["OP_NAMESPACE_RESERVED"]]


MALFORMED_SCRIPT = '''
import json, subprocess, sys
import trt_plugin_hub
listed = subprocess.run([sys.executable, "-m", "trt_plugin_hub", "list", "--json"], capture_output=True, text=True)
out = {"list_exit": listed.returncode, "list_stderr": listed.stderr[-500:]}
try:
    data = json.loads(listed.stdout)
    out["listed"] = {p["distribution"]: [p["status"], [r["code"] for r in p["reasons"]]] for p in data["plugins"]}
except ValueError:
    out["listed"] = None
rep = trt_plugin_hub.load()  # must return a report, whatever the metadata of other distributions holds
out["loaded"] = {p.distribution: p.status for p in rep.plugins}
print(json.dumps(out))
'''


def test_malformed_entry_points_of_any_distribution_cost_only_that_distribution(
        tmp_path_factory: pytest.TempPathFactory, upstream_paths: list[Path]):
    from _support.cases import malformed_metadata_dists

    root = tmp_path_factory.mktemp("malformed")
    install(root / "site", [good_plugin(wheel=False), *malformed_metadata_dists()], root / "work")
    # check=False: the good plugin's module imports torch, whose own entry-point scan fails on the
    # broken file; PyTorch then tears down badly at exit, which is beyond the hub's reach.
    out = last_json(run_python(MALFORMED_SCRIPT, paths=[root / "site", *upstream_paths], env=hub_env(),
                               check=False).stdout)
    assert out["list_exit"] in (0, 1), out["list_stderr"]
    assert out["listed"] is not None and "Traceback" not in out["list_stderr"]
    assert out["listed"]["case-entry-points-malformed"] == ["rejected", ["ENTRY_POINT_INVALID"]]
    assert out["listed"][GOOD_DIST][0] == "available"
    assert "case-unrelated-broken-metadata" not in out["listed"]
    assert set(out["loaded"]) >= {GOOD_DIST, "case-entry-points-malformed"}


@pytest.mark.parametrize("case", [c for c in CASES if c.status == "rejected"], ids=lambda c: c.key)
def test_rejected_plugin_runs_no_code_and_registers_nothing(matrix: dict[str, Any], case: Case):
    bad = find_plugin(matrix["report"], case.dist)
    imported = [m for m in matrix["imported"] if m == case.package or m.startswith(case.package + ".")]
    assert imported == []
    claimed_by_others = set(matrix["active_ops"])
    for op in bad["ops"]:
        assert op["status"] == "rejected"
        # An op in PyTorch's namespace exists anyway; whose converters it has is checked above.
        if op["id"] not in claimed_by_others and not op["id"].startswith("aten::"):
            assert not matrix["converters"].get(f"{op['id']}.{op['overload']}")
            assert op["id"] not in (matrix["qdp"] or [])


def test_every_active_op_has_exactly_one_converter_and_one_report(matrix: dict[str, Any]):
    report = matrix["report"]
    active = [(op["id"], op["overload"]) for p in report["plugins"] for op in p["ops"] if op["status"] == "active"]
    assert (GOOD_JIT, "default") in active and (GOOD_AOT, "default") in active
    assert len(active) == len(set(active))
    for op_id, overload in active:
        assert matrix["converters"][f"{op_id}.{overload}"] == 1, op_id
    assert sorted(f"{i}.{o}" for i, o in active) == matrix["registered"]
    assert sorted({i for i, _ in active}) == sorted(set(matrix["active_ops"]))
    assert not any(r["code"] == "ALREADY_REGISTERED" for p in report["plugins"] for r in all_reasons(p))
    assert matrix["autoloaded"] and matrix["same_report"]


def test_only_code_of_plugins_that_passed_every_check_was_imported(matrix: dict[str, Any]):
    allowed = {GOOD_PACKAGE, "case_validator_raises"} | {c.package for c in CASES if c.status != "rejected"}
    allowed |= {canonicalize_name(name).replace("-", "_") for c in CASES for name in c.companions}
    imported = {module.split(".")[0] for module in matrix["imported"]}
    assert imported <= allowed, sorted(imported - allowed)
    assert GOOD_PACKAGE in imported


def test_failed_plugins_register_no_converter(matrix: dict[str, Any]):
    for case in (c for c in CASES if c.status == "failed"):
        bad = find_plugin(matrix["report"], case.dist)
        for op in bad["ops"]:
            assert op["status"] == "failed", case.key
            assert not matrix["converters"].get(f"{op['id']}.{op['overload']}"), case.key


# ----------------------------------------------------------------------------------------------
# Strict mode


def _strict_findings(strict: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(plugin name, code, message) of every finding of the StrictModeError, as ``findings`` carries them."""
    error = strict["load"]
    assert error is not None and error["type"] == "StrictModeError", error
    return [(canonicalize_name(subject.split(" / ")[0]), code, message) for subject, code, message in error["findings"]]


def test_strict_mode_raises_one_error_listing_every_problem(strict: dict[str, Any]):
    error = strict["load"]
    findings = _strict_findings(strict)
    assert len(findings) > len(CASES) // 2
    # The message lists every finding, one line each.
    assert error["message"].splitlines() == [f"{len(findings)} plugin problem(s) in strict mode:"] + [
        f"  - {subject}: [{code}] {message}" for subject, code, message in error["findings"]]
    # The first plugin exception is chained for the traceback.
    assert error["cause"] is not None
    # Importing torch_tensorrt either succeeds or raises the same strict error, never anything else.
    assert strict["import"] in (None, "StrictModeError")
    assert not any(canonicalize_name(GOOD_DIST) == subject for subject, _, _ in findings)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.strict_gap)) if c.strict_gap else c
     for c in CASES],
    ids=lambda c: c.key,
)
def test_strict_mode_names_each_bad_plugin_with_its_code(strict: dict[str, Any], case: Case):
    names = {canonicalize_name(n) for n in case.names}
    hits = [f for f in _strict_findings(strict) if f[0] in names and f[1] == case.code]
    assert hits, f"{case.dist} [{case.code}] not in the strict error"


# ----------------------------------------------------------------------------------------------
# A plugin module raising KeyboardInterrupt


KEYBOARD_SCRIPT = '''
import json, sys
out = {}
try:
    import torch_tensorrt
    out["import"] = None
except KeyboardInterrupt:
    out["import"] = "KeyboardInterrupt"
out["usable"] = hasattr(sys.modules.get("torch_tensorrt"), "dynamo")
import trt_plugin_hub
from trt_plugin_hub import _pipeline
for attempt in ("first_load", "second_load"):
    try:
        trt_plugin_hub.load()
        out[attempt] = None
    except KeyboardInterrupt:
        out[attempt] = "KeyboardInterrupt"
    except BaseException as exc:
        out[attempt] = type(exc).__name__
out["cached"] = _pipeline.loaded_report() is not None
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def interrupted_site(tmp_path_factory: pytest.TempPathFactory, upstream_paths: list[Path]) -> list[Path]:
    root = tmp_path_factory.mktemp("interrupt")
    install(root / "site", [good_plugin(wheel=False), keyboard_interrupt_plugin()], root / "work")
    return [root / "site", *upstream_paths]


@pytest.mark.parametrize("autoload", ["1", "0"], ids=["autoload", "explicit-load"])
def test_keyboard_interrupt_in_a_plugin_module_propagates_and_caches_no_report(interrupted_site: list[Path],
                                                                               autoload: str):
    env = hub_env(TRT_PLUGIN_HUB_AUTOLOAD=autoload)
    out = last_json(run_python(KEYBOARD_SCRIPT, paths=interrupted_site, env=env).stdout)
    # Ctrl-C semantics are kept: the interrupt reaches the caller (the import when loading
    # automatically), torch_tensorrt itself stays imported, and no half-finished report is cached,
    # so the next load() tries again instead of returning a partial answer.
    assert out == {"import": "KeyboardInterrupt" if autoload == "1" else None, "usable": True,
                   "first_load": "KeyboardInterrupt", "second_load": "KeyboardInterrupt", "cached": False}


# ----------------------------------------------------------------------------------------------
# Integrity of packaged PTX


def test_ptx_handed_to_tensorrt_is_the_verified_packaged_file(matrix: dict[str, Any]):
    good = find_plugin(matrix["report"], GOOD_DIST)
    scale = next(op for op in good["ops"] if op["id"] == GOOD_AOT)
    assert scale["mode"] == "aot" and scale["ptx"] == "ptx/scale.sm_90.ptx"
    built = matrix["aot_call"]
    assert built["ok"] and built["plugin"] == GOOD_AOT and built["kind"] == "aot", built
    assert built["kernel_name"] == "scale_kernel" and built["ptx_sha256"] == sha256(ptx_text("sm_90"))
    # The manifest's launch section (_support.manifests.LAUNCH): 128 threads, cdiv(numel, 1024) blocks, numel.
    assert built["block"] == [128, 1, 1] and built["grid"] == [1, 1, 1] and built["extras"] == [1024]
    jit = matrix["jit_call"]
    assert jit["ok"] and jit["plugin"] == GOOD_JIT and jit["kind"] == "jit", jit


def test_ptx_altered_after_activation_is_not_read_again(matrix: dict[str, Any]):
    assert matrix["aot_call_after_tamper"] == matrix["aot_call"]


def test_altered_or_escaping_ptx_is_never_bound(matrix: dict[str, Any]):
    assert GOOD_AOT in matrix["bound"]
    for case in CASES:
        if case.code.startswith("PTX_"):
            assert f"case_{case.key}::op" not in matrix["bound"], case.key
            assert not any(m.startswith(case.package) for m in matrix["imported"]), case.key


def test_safe_package_path_keeps_paths_inside_the_package(tmp_path: Path):
    package = tmp_path / "pkg"
    (package / "ptx").mkdir(parents=True)
    (package / "ptx" / "k.ptx").write_bytes(b"x")
    outside = tmp_path / "outside.ptx"
    outside.write_bytes(b"x")
    (package / "ptx" / "link.ptx").symlink_to(outside)
    (package / "inner").symlink_to(package / "ptx", target_is_directory=True)

    assert safe_package_path(package, "ptx/k.ptx") == (package / "ptx" / "k.ptx").resolve()
    assert safe_package_path(package, "inner/k.ptx") == (package / "ptx" / "k.ptx").resolve()
    for escaping in ("../outside.ptx", "ptx/../../outside.ptx", str(outside), "/etc/passwd", "ptx/link.ptx",
                     "ptx/./../../outside.ptx"):
        assert safe_package_path(package, escaping) is None, escaping


# ----------------------------------------------------------------------------------------------
# The documentation of all this


def test_security_page_explains_every_code_and_the_threat_model():
    text = (DOCS / "security.rst").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"``{code}``" not in text]
    assert not missing
    for topic in ("Threat model", "cannot", "same rights", "sha256", "lock", "strict", "KeyboardInterrupt"):
        assert topic.lower() in text.lower(), topic
