"""``trt-plugin-hub list``: every installed plugin, its ops, versions, status and why."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from trt_plugin_hub._report import format_report

from ._common import EXIT_OK, EXIT_PROBLEMS, TARGET_HELP, UsageError, resolve_target, text_style

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``list`` to the command line."""
    parser = sub.add_parser("list", help="list installed plugins, their status and why")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--target", help=TARGET_HELP)
    parser.add_argument("--load", action="store_true",
                        help="activate plugins in this process first (imports their code; needs TensorRT; "
                             "not with --target)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any plugin is rejected or failed")
    parser.set_defaults(func=run)


def _make_report(args: argparse.Namespace) -> Any:
    from trt_plugin_hub._pipeline import load, report

    target, source = resolve_target(args)
    if args.load and source == "--target":
        raise UsageError("--load activates in this process, which --target does not describe; drop one of them")
    if args.load:
        return load(strict=False)  # decides for TRT_PLUGIN_HUB_TARGET where it is set, as load() does
    return report(target=target)


def run(args: argparse.Namespace) -> int:
    """Run ``list``."""
    result = _make_report(args)
    if args.json:
        print(result.to_json())
    else:
        print(format_report(result, text_style(sys.stdout)))
    if args.strict and any(p.status.problem for p in result.plugins):
        return EXIT_PROBLEMS
    return EXIT_OK
