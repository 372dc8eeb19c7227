"""What every command shares: exit codes, errors, the target in force, text style, target help."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from trt_plugin_hub._report import Style
from trt_plugin_hub._settings import read_settings

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "TARGET_HELP",
    "UsageError",
    "mark",
    "resolve_target",
    "text_style",
]

#: Exit codes, the same for every command (docs/cli.rst).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

TARGET_HELP = ("decide for another host, e.g. 'sm_90, trt=10.13, driver=580' (items: sm_XY or cc=X.Y, trt=, torch=, "
               "tt= (torch_tensorrt), numpy=, driver=, python=); unnamed items come from this host. "
               "Default: TRT_PLUGIN_HUB_TARGET")


class UsageError(Exception):
    """A mistake the user can fix (unknown plugin name, unreadable file...): one line saying what to do, exit 2."""


def resolve_target(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The target in force and where it came from: ``--target``, else ``TRT_PLUGIN_HUB_TARGET``.

    Both are read the same way, so a command decides the same with either (an unreadable value
    is a usage error either way).
    """
    given = getattr(args, "target", None)
    if given is not None and given.strip():
        return given, "--target"
    from_env = read_settings().target
    if from_env is not None:
        return from_env, "TRT_PLUGIN_HUB_TARGET"
    return None, None


def text_style(stream: TextIO | None = None) -> Style:
    """Colour and status symbols on a terminal; none when ``NO_COLOR`` is set or output is piped."""
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or foreign stream
        tty = False
    if not tty or read_settings().no_color:
        return Style(color=False)
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "\u2714\u2718\u25cb\u2013".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return Style(color=False)
    return Style(color=True)


def mark(passed: bool | None, style: Style | None = None) -> str:
    """The four-character mark of a check in text output, coloured on a terminal."""
    text = {True: "ok  ", False: "FAIL", None: "--  "}[passed]
    if style is None or not style.color:
        return text
    return f"\033[{ {True: '32', False: '31', None: '2'}[passed]}m{text}\033[0m"
