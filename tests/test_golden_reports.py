"""The JSON the hub prints stays what it was, byte for byte, on the failure-matrix site.

``list --json`` (also with a plugin denied), ``explain --json`` of an active, a failed and a rejected
plugin, and ``trt_plugin_hub.load().to_dict()`` after ``import torch_tensorrt`` are compared with the
recorded output in ``tests/golden/``. Only what legitimately differs between runs and hosts is
replaced before comparing: timings, the site directory (and the manifest hashes that depend on it),
the Python, PyTorch and numpy of the test environment. Run with ``--write-golden-reports`` to record them again after an intended change.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from _support.cli import last_json
from _support.dists import run_python
from _support.plugins import GOOD_DIST, hub_env

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent / "golden"

EXPLAINED = (GOOD_DIST, "case-import-raises-exception", "case-ptx-hash-mismatch")

SCRIPT = '''
import json, subprocess, sys

def cli(*args, env=None):
    import os
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "trt_plugin_hub", *args], capture_output=True, text=True,
                          env=full).stdout

out = {"list": cli("list", "--json"),
       "list_denied": cli("list", "--json", env={"TRT_PLUGIN_HUB_DENY": "GOOD_DIST"})}
for name in EXPLAINED:
    out["explain_" + name] = cli("explain", name, "--json", "--load")
import torch_tensorrt
import trt_plugin_hub
out["report"] = json.dumps(trt_plugin_hub.load().to_dict(), indent=2)
print(json.dumps(out))
'''

_TIMING = re.compile(r'("(?:activation_ms|discovery|decision|activation)": )-?\d+(?:\.\d+)?(?:e-?\d+)?')


_LOCATION = re.compile(r'"location": "([^"]+)"')


def _normalized(text: str, site: Path) -> str:
    text = _TIMING.sub(r'\1"<ms>"', text)
    # Some manifests name a file in the site itself, so their hash differs per site: a hash that is the
    # real one of the plugin's manifest becomes a placeholder, any other stays and fails the comparison.
    for location in set(_LOCATION.findall(text)):
        manifest = Path(location) / "trt_plugin.json"
        if manifest.is_file():
            digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
            text = text.replace(f'"manifest_sha256": "{digest}"', '"manifest_sha256": "<sha256 of the manifest>"')
    text = text.replace(str(site), "<site>")
    for name, version in (("python", platform.python_version()), ("torch", metadata.version("torch")),
                          ("numpy", metadata.version("numpy"))):
        text = text.replace(f'"{version}"', f'"<{name}>"')
    # Notes name this host's Python and torch inside sentences (a target's items taken from the host,
    # a torch that Torch-TensorRT does not pin).
    text = text.replace(f"this host's ({platform.python_version()})", "this host's (<python>)")
    text = text.replace(f"found torch {metadata.version('torch')}:", "found torch <torch>:")
    return text


@pytest.fixture(scope="module")
def outputs(failure_matrix_site: Path, upstream_paths: list[Path]) -> dict[str, str]:
    script = SCRIPT.replace("GOOD_DIST", GOOD_DIST).replace("EXPLAINED", repr(EXPLAINED))
    out: dict[str, Any] = last_json(run_python(script, paths=[failure_matrix_site, *upstream_paths], env=hub_env(),
                                               timeout=600).stdout)
    return {name: _normalized(text, failure_matrix_site) for name, text in out.items()}


@pytest.mark.parametrize("name", ["list", "list_denied", *(f"explain_{n}" for n in EXPLAINED), "report"])
def test_json_is_byte_identical_to_the_recorded_output(outputs: dict[str, str], name: str,
                                                       request: pytest.FixtureRequest):
    path = GOLDEN / f"{name}.json"
    text = outputs[name]
    json.loads(text)  # a whole JSON document, not an error message
    if request.config.getoption("--write-golden-reports"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), "record it: pytest tests/test_golden_reports.py --write-golden-reports"
    assert text == path.read_text(encoding="utf-8")
