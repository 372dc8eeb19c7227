"""``explain``'s upstream debugging checks on the real upstream layers stay what they were.

Every plugin of the failure-matrix site that the decisions make available is explained with
``--json``, each in a child process forked after ``import torch`` (so each activates as a fresh
process would); the ``debug_checks`` of each are compared with ``tests/golden/explain_debug_checks.json``
(record it again with ``--write-golden-reports`` after an intended change).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.cli import last_json
from _support.dists import run_python
from _support.plugins import hub_env

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "explain_debug_checks.json"

SCRIPT = '''
import json, os, sys
import torch  # once, before the children fork: each child runs explain as a fresh process would
import trt_plugin_hub

out = {}
for plugin in trt_plugin_hub.report().plugins:
    if plugin.status != "available":
        continue
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        sys.stdout = os.fdopen(write, "w")
        from trt_plugin_hub.cli import main
        main(["explain", plugin.name, "--json", "--load"])
        sys.stdout.flush()
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = json.loads(pipe.read())
    os.wait()
    out[plugin.name] = {"status": data["status"], "activation": data["activation"],
                        "debug_checks": data["debug_checks"]}
print(json.dumps(out, sort_keys=True))
'''


def test_debug_checks_of_every_plugin_are_the_recorded_ones(failure_matrix_site: Path, upstream_paths: list[Path],
                                                            request: pytest.FixtureRequest):
    out = last_json(run_python(SCRIPT, paths=[failure_matrix_site, *upstream_paths], env=hub_env(),
                               timeout=600).stdout)
    assert any(entry["debug_checks"] for entry in out.values()), "no plugin activated: nothing was checked"
    text = json.dumps(out, indent=2, sort_keys=True) + "\n"
    if request.config.getoption("--write-golden-reports"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), "record it: pytest tests/cli/test_explain.py --write-golden-reports"
    assert text == GOLDEN.read_text(encoding="utf-8")
