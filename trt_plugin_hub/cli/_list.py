"""``trt-plugin-hub list``: every installed plugin, its ops, versions, status and why."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from ._common import EXIT_OK, EXIT_PROBLEMS, TARGET_HELP, environment_line

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``list`` to the command line."""
    parser = sub.add_parser("list", help="list installed plugins, their status and why")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--target", help=TARGET_HELP)
    parser.add_argument("--load", action="store_true",
                        help="activate plugins in this process first (imports their code; needs TensorRT)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any plugin is rejected or failed")
    parser.set_defaults(func=run)


def _make_report(args: argparse.Namespace, *, load: bool) -> Any:
    from trt_plugin_hub._pipeline import load as do_load
    from trt_plugin_hub._pipeline import report

    if args.target:
        return report(target=args.target)
    if load:
        return do_load(strict=False)
    return report()


def run(args: argparse.Namespace) -> int:
    """Run ``list``."""
    result = _make_report(args, load=args.load)
    if args.json:
        print(result.to_json())
    else:
        _print_list(result, sys.stdout)
    if args.strict and any(p.status.problem for p in result.plugins):
        return EXIT_PROBLEMS
    return EXIT_OK


def _print_list(result: Any, out: TextIO) -> None:
    out.write(environment_line(result.environment) + "\n")
    if result.environment.is_target:
        out.writelines(f"  note: {note}\n" for note in result.environment.notes)
    out.write("\n")
    if not result.plugins:
        out.write("No plugins installed (no distribution advertises the 'torch_tensorrt.plugins' entry point).\n")
        return
    header = ("PLUGIN", "DISTRIBUTION", "VERSION", "STATUS", "OPS")
    rows = [(p.name, p.distribution or "?", p.version or "?", p.status,
             f"{sum(op.status.usable for op in p.ops)}/{len(p.ops)}") for p in result.plugins]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    for plugin, row in zip(result.plugins, rows, strict=True):
        out.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if plugin.requires:
            req = ", ".join(f"{k}{v}" for k, v in plugin.requires.items())
            out.write(f"    requires: {req}\n")
        for op in plugin.ops:
            mode = f", runs {op.mode}" if op.mode and op.status.usable else ""
            out.write(f"    op {op.id}.{op.overload} ({op.kind}, {op.priority}{mode}): {op.status}\n")
            for reason in op.reasons:
                if reason not in plugin.reasons:
                    out.write(f"      [{reason.code}] {reason.message}\n")
        for reason in plugin.reasons:
            out.write(f"    why: [{reason.code}] {reason.message}\n")
    counts: dict[str, int] = {}
    for plugin in result.plugins:
        counts[plugin.status] = counts.get(plugin.status, 0) + 1
    out.write("\n" + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    out.write(". Run `trt-plugin-hub explain NAME` for every check.\n")
