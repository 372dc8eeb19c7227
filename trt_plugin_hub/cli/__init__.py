"""Command line: ``trt-plugin-hub`` (also ``python -m trt_plugin_hub``).

One module per command, each with ``register(subparsers)``; they are imported here like any other
module, so a command that cannot be imported fails the whole command line loudly instead of
disappearing from it.

Exit codes: 0 success (a bare ``trt-plugin-hub`` prints the help); 1 the command ran and found
problems (``explain`` of a plugin that is not active or available, ``list --strict`` with any
rejected or failed plugin, ``validate`` errors, ``verify`` mismatches, ``lock --check``
differences, a ``build`` error); 2 usage errors, each one line saying what to do (bad arguments,
unknown plugin, unreadable target, a file that cannot be read or written); 3 an unexpected
internal error, whose traceback is written to a file the one-line message names.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections.abc import Sequence
from typing import NoReturn

from trt_plugin_hub._errors import HubError
from trt_plugin_hub._settings import configure_logging, read_settings
from trt_plugin_hub._version import __version__

from . import _build, _cache, _explain, _list, _lock, _new, _validate, _verify
from ._common import EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_USAGE", "main"]

#: Every command, in the order ``--help`` lists them.
COMMANDS = (_list, _explain, _validate, _verify, _new, _build, _lock, _cache)


class _Parser(argparse.ArgumentParser):
    """argparse, with each usage error on one line that says where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="trt-plugin-hub",
        description="List, explain and check TensorRT plugin packages for Torch-TensorRT.",
        epilog="Exit codes: 0 success, 1 problems found, 2 usage error, 3 internal error. "
               "TRT_PLUGIN_HUB_LOG=DEBUG shows the log.",
    )
    parser.add_argument("--version", action="version", version=f"trt-plugin-hub {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help()
        return EXIT_OK
    args = parser.parse_args(argv)
    try:
        configure_logging(read_settings())
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"trt-plugin-hub: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HubError as exc:
        print(f"trt-plugin-hub: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_PROBLEMS
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line, keep the traceback
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    where = "standard error above"
    try:
        with tempfile.NamedTemporaryFile("w", prefix="trt-plugin-hub-error-", suffix=".log", delete=False,
                                         encoding="utf-8") as stream:
            stream.write(text)
        where = stream.name
    except OSError:
        sys.stderr.write(text)
    print(f"trt-plugin-hub: internal error ({type(exc).__name__}: {exc}); this is a bug in trt-plugin-hub, "
          f"please report it with the traceback in {where}", file=sys.stderr)
    return EXIT_INTERNAL
