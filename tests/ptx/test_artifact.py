"""Checking a packaged PTX file: ``artifact_problems`` in its one order, and its two callers (activation's
``resolve_ptx`` and ``validate``) giving the same codes on the same tampered files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.manifests import aot_op, ptx_text, rehash

from trt_plugin_hub._manifest import read_manifest
from trt_plugin_hub._ptx import PtxArtifact, artifact_problems, resolve_ptx, safe_package_path
from trt_plugin_hub.authoring import validate

RELATIVE = "ptx/op.sm_90.ptx"


def _package(root: Path) -> Path:
    files: dict[str, str | bytes] = {"acme/__init__.py": ""}
    op = aot_op("acme::op", "acme.qdp", files)
    manifest = {"schema_version": 1, "name": "acme", "requires": {"cuda_driver": ">=570"}, "ops": [op]}
    files["acme/trt_plugin.json"] = json.dumps(manifest, indent=2)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root / "acme"


def _edit_manifest(package: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = package / "trt_plugin.json"
    data = json.loads(path.read_text())
    change(data["ops"][0]["ptx"][0])
    path.write_text(json.dumps(data, indent=2))


def _replace(package: Path, old: str, new: str, *, isa: str | None = None) -> None:
    path = package / RELATIVE
    path.write_text(path.read_text().replace(old, new))
    rehash(package, RELATIVE, isa=isa)


TAMPERED: list[tuple[str, Callable[[Path], None], str | None, str | None]] = [
    # name, tampering, validate's code, activation's code
    ("untouched", lambda p: None, None, None),
    ("altered bytes", lambda p: (p / RELATIVE).write_text((p / RELATIVE).read_text() + "\n// edited\n"),
     "PTX_HASH_MISMATCH", "PTX_HASH_MISMATCH"),
    ("file removed", lambda p: (p / RELATIVE).unlink(), "PTX_MISSING", "PTX_MISSING"),
    ("path outside the package", lambda p: _edit_manifest(p, lambda a: a.update(path="../elsewhere.ptx")),
     "PTX_PATH_ESCAPES", "PTX_PATH_ESCAPES"),
    ("not PTX", lambda p: _replace(p, ".version 8.7", ".versio 8.7"), "PTX_INVALID", "PTX_INVALID"),
    ("other target", lambda p: _replace(p, ".target sm_90", ".target sm_80"),
     "PTX_TARGET_MISMATCH", "PTX_TARGET_MISMATCH"),
    ("ISA newer than the drivers load", lambda p: _replace(p, ".version 8.7", ".version 9.0", isa="9.0"),
     "PTX_ISA_TOO_NEW", "PTX_ISA_TOO_NEW"),
    # Activation's vocabulary has no code of its own for a missing kernel: the file is unusable.
    ("kernel renamed", lambda p: _edit_manifest(p, lambda a: a.update(kernel="other_kernel")),
     "PTX_KERNEL_MISSING", "PTX_INVALID"),
    # Only validate compares the ISA the manifest records with the file's (the file itself is usable).
    ("recorded ISA differs", lambda p: _edit_manifest(p, lambda a: a.update(isa="8.5")), "PTX_ISA_MISMATCH", None),
]


@pytest.mark.parametrize("name, tamper, validate_code, activation_code", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_both_callers_give_the_same_codes_on_the_same_tampered_file(
        tmp_path: Path, name: str, tamper: Callable[[Path], None], validate_code: str | None,
        activation_code: str | None):
    package = _package(tmp_path)
    tamper(package)
    op = read_manifest(package / "trt_plugin.json", "acme").ops[0]
    resolution = resolve_ptx(op.id, op.ptx, package, cc=(9, 0), max_isa=(8, 7), driver="570.86")
    assert (resolution.problem.code if resolution.problem else None) == activation_code
    report = validate(package)
    ptx = [f for f in report.findings if f.field.startswith("ops[0].ptx[0]") and f.severity == "error"]
    assert [f.code for f in ptx][:1] == ([validate_code] if validate_code else [])
    check = artifact_problems(package, op.ptx[0], max_isa=(8, 7))
    assert [p.code for p in check.problems][:1] == ([validate_code] if validate_code else [])


def test_every_problem_is_listed_in_order_unless_asked_to_stop(tmp_path: Path):
    package = _package(tmp_path)
    path = package / RELATIVE
    # Altered after the build, for another target, with a newer ISA than recorded or loadable.
    path.write_text(path.read_text().replace(".target sm_90", ".target sm_80").replace(".version 8.7", ".version 9.0"))
    artifact = read_manifest(package / "trt_plugin.json", "acme").ops[0].ptx[0]
    check = artifact_problems(package, artifact, max_isa=(8, 7))
    assert [(p.code, p.field) for p in check.problems] == [
        ("PTX_HASH_MISMATCH", "sha256"), ("PTX_TARGET_MISMATCH", "arch"), ("PTX_ISA_MISMATCH", "isa"),
        ("PTX_ISA_TOO_NEW", "isa")]
    assert check.text is not None and check.entry is not None and check.data == path.read_bytes()
    first = artifact_problems(package, artifact, max_isa=(8, 7), stop_at_first=True)
    assert [p.code for p in first.problems] == ["PTX_HASH_MISMATCH"]
    quiet = artifact_problems(package, artifact, max_isa=None, check_recorded_isa=False)
    assert [p.code for p in quiet.problems] == ["PTX_HASH_MISMATCH", "PTX_TARGET_MISMATCH"]


def test_resolution_carries_the_verified_bytes_and_text(tmp_path: Path):
    package = _package(tmp_path)
    op = read_manifest(package / "trt_plugin.json", "acme").ops[0]
    resolution = resolve_ptx(op.id, op.ptx, package, cc=(9, 0), max_isa=None, driver=None)
    assert resolution.problem is None and resolution.data == ptx_text("sm_90")
    assert resolution.text is not None and resolution.text.entry("scale_kernel") is not None
    assert [c.name for c in resolution.checks] == ["ptx selection", "ptx sha256", "ptx isa"]
    assert resolution.checks[-1].passed is None  # no driver: the ISA was not checked


def test_paths_stay_inside_the_package(tmp_path: Path):
    package = _package(tmp_path)
    assert safe_package_path(package, RELATIVE) == package / RELATIVE
    for outside in ("../acme/ptx/op.sm_90.ptx", "/etc/passwd", "", "ptx/../../x"):
        assert safe_package_path(package, outside) is None
    (package / "ptx" / "out").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "elsewhere.ptx").write_bytes(ptx_text("sm_90"))
    assert safe_package_path(package, "ptx/out/elsewhere.ptx") is None
    assert safe_package_path(package, "ptx/out/acme/ptx/op.sm_90.ptx") == (package / RELATIVE).resolve()
    artifact = PtxArtifact("sm_90", "ptx/out/elsewhere.ptx", "k", "0" * 64)
    assert [p.code for p in artifact_problems(package, artifact, max_isa=None).problems] == ["PTX_PATH_ESCAPES"]
