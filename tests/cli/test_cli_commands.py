"""The command line as a whole: every command present, a broken one fails loudly, bugs exit 3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trt_plugin_hub import cli
from trt_plugin_hub.cli import EXIT_INTERNAL, main

COMMANDS = ("list", "explain", "validate", "verify", "new", "build", "lock", "cache")


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert all(f"    {name} " in text for name in COMMANDS), text
    assert [c.__name__.rsplit("._", 1)[1] for c in cli.COMMANDS] == list(COMMANDS)


def test_a_command_that_cannot_be_imported_fails_the_command_line_loudly():
    # A command module that does not import must not silently vanish from the command line.
    code = (
        "import importlib.abc, sys\n"
        "class Broken(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'trt_plugin_hub.cli._lock':\n"
        "            raise ImportError('the lock command is broken')\n"
        "sys.meta_path.insert(0, Broken())\n"
        "from trt_plugin_hub.cli import main\n"
        "main(['list'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "the lock command is broken" in proc.stderr


def test_an_unexpected_error_exits_3_with_one_line_and_the_traceback_in_a_file(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    from trt_plugin_hub.cli import _list

    def explode(args: object) -> int:
        raise RuntimeError("a bug in the hub")

    monkeypatch.setattr(_list, "run", explode)
    assert main(["list"]) == EXIT_INTERNAL
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error (RuntimeError: a bug in the hub)" in err[0]
    log = Path(err[0].rsplit(" ", 1)[1])
    try:
        assert "Traceback" in log.read_text() and "a bug in the hub" in log.read_text()
    finally:
        log.unlink()


def test_python_dash_m_runs_the_build_command(tmp_path: Path):
    via_cli = subprocess.run([sys.executable, "-m", "trt_plugin_hub", "build", str(tmp_path / "missing")],
                             capture_output=True, text=True, timeout=120)
    assert via_cli.returncode == 1
    assert via_cli.stderr.startswith("error: no trt_plugin.json in ") and via_cli.stderr.count("\n") == 1
