"""Building a new plugin before the hub is published: the commands ``trt-plugin-hub new`` prints
(and docs/writing_plugins.rst shows) work from a fresh checkout of this repository, literally.

The hub is not on the package index pip uses here, so a plain ``pip wheel .`` of the project fails
to install its build requirement ``trt-plugin-hub``; the printed commands build the hub's wheel
from the checkout first and let pip's isolated build find it. One real build (Triton compiles the
AOT kernel to PTX, with no GPU).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _support.dists import REPO

from trt_plugin_hub.authoring import validate

pytestmark = pytest.mark.slow

_NOT_CHECKED_OUT = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "_build",
                                          ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", ".whl", ".gl")


def _next_lines(printed: str) -> list[str]:
    """The commands under ``Next:``, comments dropped."""
    block = printed.split("\nNext:\n", 1)[1]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def _documented_next_lines() -> list[str]:
    text = (REPO / "docs" / "writing_plugins.rst").read_text(encoding="utf-8")
    block = text.split("   Next:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_commands_new_prints_build_a_new_project_from_a_fresh_checkout(tmp_path: Path):
    checkout = tmp_path / "trt-plugin-hub"
    shutil.copytree(REPO, checkout, ignore=_NOT_CHECKED_OUT)
    work = tmp_path / "work"
    work.mkdir()
    # `new` run by the hub of the checkout (as after `pip install -e <checkout>`).
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("PIP_FIND_LINKS", None)  # only the index: trt-plugin-hub is not on it
    proc = subprocess.run([sys.executable, "-m", "trt_plugin_hub", "new", "acme-ops"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    lines = _next_lines(proc.stdout)
    assert lines[:3] == ["cd acme-ops", f"pip wheel --no-deps -w dist {shlex.quote(str(checkout))}",
                         "pip wheel --no-deps --find-links dist -w dist ."]
    # The docs show the same commands, for a checkout at /src/trt-plugin-hub.
    documented = [line.replace("/src/trt-plugin-hub", shlex.quote(str(checkout))) for line in _documented_next_lines()]
    assert documented == lines

    cwd = work
    for line in lines[:4]:  # cd, the hub's wheel, the plugin's wheel, validate (install and list change the env)
        if line.startswith("cd "):
            cwd = cwd / line[3:]
            continue
        line = re.sub(r"^pip ", f"{shlex.quote(sys.executable)} -m pip ", line)
        line = re.sub(r"^trt-plugin-hub ", f"{shlex.quote(sys.executable)} -m trt_plugin_hub ", line)
        done = subprocess.run(line, shell=True, cwd=cwd, env=env, capture_output=True, text=True,  # noqa: S602
                              timeout=900)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"

    wheel = cwd / "dist" / "acme_ops-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        ptx = sorted(n for n in archive.namelist() if n.endswith(".ptx"))
    assert ptx == [f"acme_ops/ptx/relu.{arch}.ptx" for arch in ("sm_80", "sm_86", "sm_89", "sm_90a")]
    assert validate(wheel).ok
    # The hub's wheel ships the manifest's JSON Schema as package data.
    with zipfile.ZipFile(cwd / "dist" / "trt_plugin_hub-0.1.0-py3-none-any.whl") as archive:
        assert "trt_plugin_hub/schemas/trt_plugin.schema.json" in archive.namelist()
