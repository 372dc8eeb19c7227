"""Finding ``ptxas``: one candidate list and probe, ranked for the build (Triton's first) or for
``validate`` (the one on PATH first), with the one the environment names always first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trt_plugin_hub._ptx import find_ptxas
from trt_plugin_hub._ptx import ptxas as ptxas_module


def _fake(folder: Path, name: str, release: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ptxas"
    path.write_text(f"#!/bin/sh\necho 'ptxas: NVIDIA (R) Ptx optimizing assembler ({name})'\n"
                    f"echo 'Cuda compilation tools, release {release}, V{release}.0'\n")
    path.chmod(0o755)
    return str(path)


def test_the_environment_s_then_by_preference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    env, bundled, on_path = (_fake(tmp_path / n, n, r) for n, r in (("env", "12.6"), ("bundled", "12.8"),
                                                                    ("path", "13.0")))
    monkeypatch.setattr(ptxas_module, "_candidates", lambda: [(env, "env"), (bundled, "bundled"), (on_path, "path")])
    assert find_ptxas((8, 5)).path == env  # type: ignore[union-attr]
    tool = find_ptxas((8, 7))
    assert tool is not None and (tool.path, tool.origin, tool.version) == (bundled, "bundled", "ptxas 12.8")
    tool = find_ptxas((8, 7), prefer="path")
    assert tool is not None and (tool.path, tool.origin, tool.max_isa) == (on_path, "path", (9, 0))
    assert find_ptxas((9, 0)).path == on_path  # type: ignore[union-attr]  # the only one reading ISA 9.0
    assert find_ptxas((9, 9)) is None


def test_one_executable_found_twice_ranks_where_it_ranks_best(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shared = _fake(tmp_path / "shared", "shared", "12.8")
    bundled = _fake(tmp_path / "bundled", "bundled", "12.8")
    monkeypatch.setattr(ptxas_module, "_candidates", lambda: [(bundled, "bundled"), (shared, "path"), (shared, "env")])
    tool = find_ptxas((8, 7), prefer="path")
    assert tool is not None and (tool.path, tool.origin) == (shared, "env")


def test_candidates_are_the_variable_triton_s_and_path_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    chosen = _fake(tmp_path / "chosen", "chosen", "12.8")
    on_path = _fake(tmp_path / "bin", "bin", "12.8")
    monkeypatch.setenv("TRT_PLUGIN_HUB_PTXAS", chosen)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    found = ptxas_module._candidates()  # noqa: SLF001 - the candidate list itself
    assert found[0] == (chosen, "env") and found[-1] == (on_path, "path")
    assert all(origin == "bundled" for _, origin in found[1:-1])


def test_a_ptxas_that_does_not_run_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(ptxas_module, "_candidates", lambda: [(str(broken), "env"), (str(tmp_path / "none"), "path")])
    assert find_ptxas((7, 0)) is None
