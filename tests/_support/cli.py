"""Running the command line in a fresh interpreter, and reading what it (or any script) printed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from _support.dists import subprocess_env


def run_cli(paths: Sequence[Path], *args: str, env: Mapping[str, str] | None = None,
            timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m trt_plugin_hub ARGS`` with ``paths`` first on ``sys.path``; never raises on the exit code."""
    return subprocess.run([sys.executable, "-m", "trt_plugin_hub", *args], env=subprocess_env(paths, env),
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)


def last_json(stdout: str) -> Any:
    """The JSON object a script printed as its last line (plugins may print before it)."""
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    assert lines, f"no JSON line in output:\n{stdout}"
    return json.loads(lines[-1])


def find_plugin(report: Mapping[str, Any], distribution: str) -> dict[str, Any]:
    """The plugin of ``distribution`` in a report's JSON."""
    matches = [p for p in report["plugins"] if p["distribution"] == distribution]
    assert len(matches) == 1, f"{distribution}: {len(matches)} entries in the report"
    return matches[0]


def all_reasons(plugin: Mapping[str, Any]) -> list[dict[str, str]]:
    """Plugin-level reasons, then each op's."""
    return list(plugin["reasons"]) + [r for op in plugin["ops"] for r in op["reasons"]]


