"""The documentation builds with warnings as errors and covers every code and variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trt_plugin_hub._reasons import CODES
from trt_plugin_hub._settings import ENV_VARS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_sphinx_build_has_no_warnings(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS),
                           str(tmp_path / "html")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_code_is_documented():
    text = (DOCS / "decisions.rst").read_text()
    missing = [code for code in CODES if f"``{code}``" not in text]
    assert not missing


def test_every_environment_variable_is_documented():
    text = (DOCS / "environment.rst").read_text()
    missing = [name for name in ENV_VARS if f"``{name}``" not in text]
    assert not missing
