"""The documentation builds nitpicky with warnings as errors, and covers every code, variable and public name."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from trt_plugin_hub._codes import CODES
from trt_plugin_hub._settings import ENV_VARS

DOCS = Path(__file__).resolve().parent.parent / "docs"

PUBLIC_MODULES = ("trt_plugin_hub", "trt_plugin_hub.aot", "trt_plugin_hub.authoring",
                  "trt_plugin_hub.authoring.backend", "trt_plugin_hub.cli", "trt_plugin_hub.verify")


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML build: ``-W`` (warnings are errors) and ``-n`` (every cross-reference must resolve)."""
    out = tmp_path_factory.mktemp("docs") / "html"
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html", str(DOCS),
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def documented_objects(html: Path) -> set[str]:
    """The Python objects the build documented, read from its ``objects.inv`` (four header lines, then zlib)."""
    data = (html / "objects.inv").read_bytes()
    header = b"".join(data.splitlines(keepends=True)[:4])
    text = zlib.decompress(data[len(header):]).decode("utf-8")
    names = set()
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        if rest.startswith("py:"):
            names.add(name)
    return names


def test_sphinx_build_has_no_warnings_and_no_unresolved_references(html: Path):
    assert (html / "api.html").is_file()


def test_every_public_name_is_documented(html: Path):
    documented = documented_objects(html)
    root = importlib.import_module("trt_plugin_hub")
    at_root = {id(getattr(root, name)) for name in root.__all__ if name != "__version__"}
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert module_name in documented
        for name in module.__all__:
            if name == "__version__":
                continue
            obj = getattr(module, name)
            # a re-export of a root name is documented once, under the root name
            if f"{module_name}.{name}" not in documented and not (module_name != "trt_plugin_hub"
                                                                  and id(obj) in at_root):
                missing.append(f"{module_name}.{name}")
    assert not missing


def test_every_code_is_documented():
    text = (DOCS / "decisions.rst").read_text()
    missing = [code for code in CODES if f"``{code}``" not in text]
    assert not missing


def test_every_environment_variable_is_documented():
    text = (DOCS / "environment.rst").read_text()
    missing = [name for name in ENV_VARS if f"``{name}``" not in text]
    assert not missing
