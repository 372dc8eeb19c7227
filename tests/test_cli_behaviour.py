"""What a user meets on the command line: every documented exit code, one-line errors, the hub switched
off, targets from the environment, lock files, logging, colour, and the text a report prints.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _support.cli import run_cli
from _support.dists import REPO, jit_op, make_dist, manifest, run_python, subprocess_env

from trt_plugin_hub._environment.target import _TARGET_KEYS

PRODUCTION = "sm_90, trt=10.13, tt=2.9, torch=2.9, driver=580"


@pytest.fixture
def plugin_site(tmp_path: Path) -> Path:
    """One plugin whose code must never be imported by these tests: importing it raises."""
    site = tmp_path / "site"
    files = {"acme/__init__.py": "", "acme/qdp.py": "raise RuntimeError('acme.qdp was imported')\n",
             "acme/trt_plugin.json": manifest("acme", [jit_op("acme::add", "acme.qdp")],
                                               requires={"tensorrt": ">=10.9", "compute_capability": {"min": "8.0"}})}
    make_dist(site, "acme-ops", "1.2.3", entry_points={"torch_tensorrt.plugins": {"acme": "acme"}}, files=files)
    return site


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The single line a failing command printed on standard error (nothing on standard output)."""
    assert proc.returncode == code, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trt-plugin-hub"), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return lines[0]


# ----------------------------------------------------------------------------------------------
# Help, version, exit codes, errors


def test_bare_command_prints_help_and_exits_zero(plugin_site: Path):
    proc = run_cli([plugin_site])
    assert proc.returncode == 0 and proc.stdout.startswith("usage: trt-plugin-hub") and "COMMAND" in proc.stdout
    assert "list" in proc.stdout and proc.stderr == ""


def test_version_prints_the_version(plugin_site: Path):
    from trt_plugin_hub._version import __version__

    proc = run_cli([plugin_site], "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"trt-plugin-hub {__version__}"


@pytest.mark.parametrize("args", [("list", "--bogus"), ("cache",), ("explain",), ("verify", "--reps", "0"),
                                  ("lock", "--check", "a", "b")])
def test_argument_errors_are_one_line_pointing_at_the_help(plugin_site: Path, args: tuple[str, ...]):
    line = one_line_error(run_cli([plugin_site], *args))
    assert line.endswith("--help`") and ": error: " in line


def test_unknown_plugin_is_one_line_naming_the_installed_ones(plugin_site: Path):
    line = one_line_error(run_cli([plugin_site], "explain", "nope"))
    assert "'nope'" in line and "installed: acme" in line and "trt-plugin-hub list" in line


def test_an_internal_error_exits_3_in_a_real_process_with_the_traceback_in_a_file(plugin_site: Path):
    code = ("import sys\n"
            "from trt_plugin_hub.cli import _cache, main\n"
            "def broken(settings):\n"
            "    raise KeyError('a bug')\n"
            "_cache.cache_info = broken\n"
            "sys.exit(main(['cache', 'info']))\n")
    proc = run_python(code, paths=[plugin_site], check=False)
    line = one_line_error(proc, 3)
    assert "internal error (KeyError: 'a bug')" in line and "please report it" in line
    log = Path(line.rsplit(" ", 1)[1])
    try:
        assert "Traceback" in log.read_text(encoding="utf-8") and "def broken" not in line
    finally:
        log.unlink()


# ----------------------------------------------------------------------------------------------
# Lock files


def test_lock_where_it_cannot_write_is_one_line_exit_2(plugin_site: Path, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    for target in (blocker / "plugins.lock", Path("/proc/trt-plugin-hub.lock")):
        line = one_line_error(run_cli([plugin_site], "lock", "-o", str(target)))
        assert f"cannot write the lock file {target}" in line and "-o PATH" in line


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_lock_file_mode_is_0666_less_the_umask(plugin_site: Path, tmp_path: Path, umask: int, mode: int):
    path = tmp_path / "plugins.lock"
    code = (f"import os, sys\nos.umask({umask})\nfrom trt_plugin_hub.cli import main\n"
            f"sys.exit(main(['lock', '-o', {str(path)!r}]))\n")
    run_python(code, paths=[plugin_site])
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_lock_check_defaults_to_the_file_lock_writes(plugin_site: Path, tmp_path: Path):
    missing = run_cli([plugin_site], "lock", "--check", cwd=tmp_path)
    line = one_line_error(missing)
    assert "cannot read lock file trt-plugin-hub.lock" in line and "trt-plugin-hub lock -o trt-plugin-hub.lock" in line
    assert run_cli([plugin_site], "lock", cwd=tmp_path).returncode == 0
    assert (tmp_path / "trt-plugin-hub.lock").is_file()
    same = run_cli([plugin_site], "lock", "--check", cwd=tmp_path)
    assert same.returncode == 0 and "installed plugins match trt-plugin-hub.lock" in same.stdout


@pytest.mark.parametrize("content", [None, "{not json", '{"schema": 7, "plugins": []}'],
                         ids=["missing", "not-json", "not-a-lock"])
def test_a_lock_that_cannot_be_read_is_the_same_error_whatever_the_cause(plugin_site: Path, tmp_path: Path,
                                                                         content: str | None):
    lock = tmp_path / "plugins.lock"
    if content is not None:
        lock.write_text(content, encoding="utf-8")
    line = one_line_error(run_cli([plugin_site], "lock", "--check", str(lock)))
    assert line.startswith("trt-plugin-hub: error: ") and f"`trt-plugin-hub lock -o {lock}`" in line


def test_a_lock_file_of_earlier_releases_is_still_read(plugin_site: Path, tmp_path: Path):
    lock = tmp_path / "plugins.lock"
    assert run_cli([plugin_site], "lock", "-o", str(lock)).returncode == 0
    document = json.loads(lock.read_text(encoding="utf-8"))
    legacy = {"schema": 1, "generator": "trt-plugin-hub 0.1.0", "plugins": document["plugins"]}
    lock.write_text(json.dumps(legacy), encoding="utf-8")
    assert run_cli([plugin_site], "lock", "--check", str(lock)).returncode == 0


# ----------------------------------------------------------------------------------------------
# Settings as the command line shows them


def test_hub_disabled_says_so_and_every_plugin_is_disabled(plugin_site: Path):
    proc = run_cli([plugin_site], "list", env={"TRT_PLUGIN_HUB_DISABLE": "1"})
    assert proc.returncode == 0
    assert "note: the hub is off (TRT_PLUGIN_HUB_DISABLE=1)" in proc.stdout
    assert re.search(r"^acme\s+acme-ops\s+1\.2\.3\s+disabled\s", proc.stdout, re.MULTILINE), proc.stdout
    assert "why: [HUB_DISABLED]" in proc.stdout and "1 disabled." in proc.stdout
    data = json.loads(run_cli([plugin_site], "list", "--json", env={"TRT_PLUGIN_HUB_DISABLE": "1"}).stdout)
    (plugin,) = data["plugins"]
    assert plugin["status"] == "disabled" and plugin["reasons"][0]["code"] == "HUB_DISABLED"
    assert "TENSORRT_MISSING" in [r["code"] for r in plugin["reasons"]]  # why it would be rejected follows
    assert {op["status"] for op in plugin["ops"]} == {"disabled"}


def test_explain_with_the_target_variable_decides_exactly_as_with_target(plugin_site: Path):
    by_option = run_cli([plugin_site], "explain", "acme", "--json", "--target", PRODUCTION)
    by_variable = run_cli([plugin_site], "explain", "acme", "--json", env={"TRT_PLUGIN_HUB_TARGET": PRODUCTION})
    assert by_option.returncode == by_variable.returncode == 0, by_variable.stdout + by_variable.stderr
    option, variable = json.loads(by_option.stdout), json.loads(by_variable.stdout)
    assert option["activation"] == "not activated: --target describes another host"
    assert variable["activation"] == "not activated: TRT_PLUGIN_HUB_TARGET describes another host"
    for data in (option, variable):
        data.pop("activation")
        data.pop("location")
    assert option == variable and option["status"] == "available"  # nothing imported: acme.qdp raises
    assert "imported" not in by_variable.stdout + by_variable.stderr
    text = run_cli([plugin_site], "explain", "acme", env={"TRT_PLUGIN_HUB_TARGET": PRODUCTION})
    assert text.returncode == 0 and "Plugin acme: available" in text.stdout


def test_an_unreadable_target_variable_is_the_usage_error_target_gives(plugin_site: Path):
    for command in ("list", "explain"):
        extra = ("acme",) if command == "explain" else ()
        by_option = one_line_error(run_cli([plugin_site], command, *extra, "--target", "sm_90, sm_80"))
        by_variable = one_line_error(run_cli([plugin_site], command, *extra,
                                             env={"TRT_PLUGIN_HUB_TARGET": "sm_90, sm_80"}))
        assert by_option == by_variable


def test_load_with_target_is_a_usage_error(plugin_site: Path):
    for args in (("list", "--load"), ("explain", "acme", "--load")):
        line = one_line_error(run_cli([plugin_site], *args, "--target", PRODUCTION))
        assert "--load" in line and "--target" in line


def test_log_level_shows_in_cli_commands(plugin_site: Path):
    proc = run_cli([plugin_site], "list", env={"TRT_PLUGIN_HUB_LOG": "debug"})
    assert proc.returncode == 0
    assert re.search(r"^DEBUG trt_plugin_hub: .*1 plugin\(s\) discovered", proc.stderr, re.MULTILINE), proc.stderr
    assert "DEBUG" not in run_cli([plugin_site], "list").stderr


@pytest.mark.parametrize(("variable", "value"), [("TRT_PLUGIN_HUB_LOG", "loud"), ("TRT_PLUGIN_HUB_PREFER", "acme"),
                                                 ("TRT_PLUGIN_HUB_DISABLE", "maybe")])
def test_an_invalid_value_is_warned_once_on_stderr(plugin_site: Path, variable: str, value: str):
    proc = run_cli([plugin_site], "list", env={variable: value})
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if variable in line]
    assert len(warnings) == 1 and f"ignoring {variable}={value!r}" in warnings[0], proc.stderr


@pytest.mark.parametrize("variable", ["TRT_PLUGIN_HUB_ALLOW", "TRT_PLUGIN_HUB_LOCK", "TRT_PLUGIN_HUB_DENY"])
def test_an_empty_variable_is_unset(plugin_site: Path, variable: str):
    unset = json.loads(run_cli([plugin_site], "list", "--json", "--target", PRODUCTION).stdout)
    for empty in ("", "  "):
        proc = run_cli([plugin_site], "list", "--json", "--target", PRODUCTION, env={variable: empty})
        data = json.loads(proc.stdout)
        assert data["plugins"][0]["status"] == "available" and data["settings"] == unset["settings"]
        assert proc.stderr == ""


# ----------------------------------------------------------------------------------------------
# Targets


def test_a_target_giving_one_item_twice_is_an_error(plugin_site: Path):
    for text, first, second in (("sm_90, sm_80", "sm_90", "sm_80"), ("trt=10.13 tensorrt=10.9", "trt=10.13",
                                                                      "tensorrt=10.9")):
        line = one_line_error(run_cli([plugin_site], "list", "--target", text))
        assert f"'{first}' and '{second}' both give" in line and "give each item once" in line


def test_an_unknown_target_item_lists_every_key(plugin_site: Path):
    line = one_line_error(run_cli([plugin_site], "list", "--target", "warp=9"))
    assert "unknown target item 'warp=9'" in line
    for key in _TARGET_KEYS:
        assert f"{key}=" in line, key
    assert "sm_XY" in line


def test_items_a_target_takes_from_this_host_are_noted_in_text_and_json(plugin_site: Path):
    text = run_cli([plugin_site], "list", "--target", "sm_90")
    for name in ("tensorrt", "torch", "torch_tensorrt", "numpy", "driver", "python"):
        assert f"note: {name} not in the target: using this host's" in text.stdout, name
    data = json.loads(run_cli([plugin_site], "list", "--json", "--target", "sm_90").stdout)
    assert any(n.startswith("python not in the target") for n in data["environment"]["notes"])


def test_a_torch_that_torch_tensorrt_does_not_pin_is_noted(plugin_site: Path):
    text = run_cli([plugin_site], "list", "--target", "sm_90, trt=10.13, tt=2.9, torch=2.10, driver=580")
    assert "note: Torch-TensorRT 2.9 pins torch>=2.9,<2.10, found torch 2.10" in text.stdout
    assert "pins torch" not in run_cli([plugin_site], "list", "--target", PRODUCTION).stdout


# ----------------------------------------------------------------------------------------------
# Text output


def test_missing_tensorrt_gives_one_install_command(plugin_site: Path):
    proc = run_cli([plugin_site], "list")
    assert 'why: [TENSORRT_MISSING] TensorRT is not installed: install it with `pip install "tensorrt>=10.9"`' \
        in proc.stdout
    assert "tensorrt-cu12" not in proc.stdout
    assert '`pip install "torch-tensorrt>=2.6"`' in proc.stdout


def test_text_shows_the_environment_notes_and_the_compute_capability_requirement(plugin_site: Path):
    listed = run_cli([plugin_site], "list").stdout
    explained = run_cli([plugin_site], "explain", "acme").stdout
    notes = json.loads(run_cli([plugin_site], "list", "--json").stdout)["environment"]["notes"]
    assert notes, "this host has at least the note on why no GPU was described"
    for note in notes:  # the NVML note among them on a host without a driver
        assert f"note: {note}" in listed and f"note:         {note}" in explained
    assert "requires: tensorrt>=10.9, compute_capability>=8.0" in listed
    assert "requires:     tensorrt>=10.9, compute_capability>=8.0" in explained


def _on_a_terminal(site: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """What the command prints when its standard output is a terminal."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "trt_plugin_hub", *args], stdout=secondary,
                            stderr=subprocess.DEVNULL, env=subprocess_env([site], {"PYTHONIOENCODING": "utf-8",
                                                                                   **(env or {})}))
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_colour_and_symbols_on_a_terminal_only(plugin_site: Path):
    coloured = _on_a_terminal(plugin_site, "list", "--target", PRODUCTION)
    assert "\x1b[32m\u25cb available" in coloured and "\x1b[0m" in coloured
    rejected = _on_a_terminal(plugin_site, "explain", "acme")
    assert "\x1b[33m\u2718 rejected" in rejected and "\x1b[31mFAIL" in rejected
    plain = _on_a_terminal(plugin_site, "list", "--target", PRODUCTION, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "\u25cb" not in plain and "available" in plain
    piped = run_cli([plugin_site], "list", "--target", PRODUCTION).stdout
    assert "\x1b[" not in piped and "\u25cb" not in piped
    assert re.sub(r"\x1b\[[0-9;]*m|[\u2714\u2718\u25cb\u2013] ", "", coloured).replace("\r\n", "\n").split() \
        == piped.split()


def test_print_of_a_report_is_the_table_list_prints_and_repr_is_short(plugin_site: Path):
    code = ("import trt_plugin_hub\n"
            "r = trt_plugin_hub.report()\n"
            "print(r)\n"
            "print('REPR ' + repr(r))\n"
            "print('PLUGIN ' + repr(r.plugins[0]))\n"
            "print('OP ' + str(r.plugins[0].ops[0]))\n")
    out = run_python(code, paths=[plugin_site]).stdout
    listed = run_cli([plugin_site], "list").stdout
    printed, rest = out.split("\nREPR ", 1)
    assert printed.strip() == listed.strip()
    report_repr, plugin_repr, op_str = rest.strip().splitlines()
    assert report_repr == "<Report decided: 1 rejected>"
    assert plugin_repr == "PLUGIN <PluginReport acme (acme-ops 1.2.3): rejected>"
    assert op_str == "OP op acme::add.default (jit, standard): rejected" and op_str[3:] in listed


def test_str_of_a_plugin_report_is_its_part_of_the_table(plugin_site: Path):
    code = "import trt_plugin_hub\nprint(trt_plugin_hub.report().plugins[0])\n"
    printed = run_python(code, paths=[plugin_site]).stdout.strip()
    listed = run_cli([plugin_site], "list").stdout
    assert printed.startswith("PLUGIN  DISTRIBUTION") and printed in listed


# ----------------------------------------------------------------------------------------------
# cache info, README


@pytest.mark.parametrize("directory", ["/proc/trt-plugin-hub-cache", "/sys/trt-plugin-hub-cache", "/proc"])
def test_cache_info_does_not_call_a_kernel_filesystem_writable(plugin_site: Path, directory: str):
    if not Path(directory).parent.exists():
        pytest.skip(f"no {Path(directory).parent} here")
    data = json.loads(run_cli([plugin_site], "cache", "info", "--json",
                              env={"TRT_PLUGIN_HUB_CACHE_DIR": directory}).stdout)
    assert data["directory"] == directory and data["writable"] is False


def test_cache_info_calls_a_writable_directory_writable_and_leaves_nothing_there(plugin_site: Path, tmp_path: Path):
    area = tmp_path / "area"
    area.mkdir()
    data = json.loads(run_cli([plugin_site], "cache", "info", "--json",
                              env={"TRT_PLUGIN_HUB_CACHE_DIR": str(area / "cache")}).stdout)
    assert data["writable"] is True and sorted(area.iterdir()) == []  # the probe removed what it made


def test_readme_commands_table_matches_help():
    from trt_plugin_hub.cli import _parser

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    rows = [[cell.strip() for cell in line.split("|")[1:3]] for line in table.splitlines()[2:]]
    parser = _parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]  # noqa: SLF001 - argparse's own listing
    expected = []
    for choice in sub._choices_actions:  # noqa: SLF001 - in the order --help lists them
        positionals = [a.metavar or a.dest.upper() for a in sub.choices[choice.dest]._actions if not a.option_strings]
        expected.append([f"`{' '.join(['trt-plugin-hub', choice.dest, *positionals])}`", choice.help])
    assert rows == expected
