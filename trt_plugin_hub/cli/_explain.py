"""``trt-plugin-hub explain NAME``: every check for one plugin, and the upstream debugging checks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from trt_plugin_hub._adapter import debugging_checks
from trt_plugin_hub._codes import Status
from trt_plugin_hub._envelope import envelope

from ._common import EXIT_OK, EXIT_PROBLEMS, TARGET_HELP, UsageError, mark, resolve_target, text_style

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``explain`` to the command line."""
    parser = sub.add_parser("explain", help="every check for one plugin, with results and reasons")
    parser.add_argument("name", help="plugin, distribution or entry point name")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.add_argument("--target", help=TARGET_HELP)
    loading = parser.add_mutually_exclusive_group()
    loading.add_argument("--no-load", action="store_true",
                         help="decide only; do not import the plugin (the default with a target)")
    loading.add_argument("--load", action="store_true",
                         help="activate in this process even with TRT_PLUGIN_HUB_TARGET set, as load() does "
                              "there (not with --target)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``explain``."""
    from trt_plugin_hub._pipeline import report

    target, source = resolve_target(args)
    if args.load and source == "--target":
        raise UsageError("--load activates in this process, which --target does not describe; drop one of them")
    if args.load:
        target = None  # load() decides for TRT_PLUGIN_HUB_TARGET itself
    decided = report(target=target)
    plugin = decided.plugin(args.name)
    if plugin is None:
        names = ", ".join(p.name for p in decided.plugins) or "none installed"
        raise UsageError(f"no installed plugin is called {args.name!r} (installed: {names}); "
                         "run `trt-plugin-hub list` for every name")
    result = decided
    activation_note = None
    if target is not None:
        activation_note = f"not activated: {source} describes another host"
    elif args.no_load:
        activation_note = "not activated: --no-load"
    elif plugin.status is Status.AVAILABLE:
        from trt_plugin_hub._pipeline import load

        result = load(strict=False)
        plugin = result.plugin(args.name) or plugin
    else:
        activation_note = f"not activated: the plugin is {plugin.status}"
    debug = _debug_checks(plugin) if activation_note is None else []
    if args.json:
        data = envelope("explain", {**plugin.to_dict(), "environment": result.environment.to_dict(),
                                    "activation": activation_note or "activated in this process",
                                    "debug_checks": [c.to_dict() for c in debug]})
        print(json.dumps(data, indent=2))
    else:
        _print_explain(plugin, result, activation_note, debug, sys.stdout)
    return EXIT_OK if plugin.status.usable else EXIT_PROBLEMS


def _debug_checks(plugin: Any) -> list[Any]:
    """The upstream page's three debugging checks of every active QDP op, run for real where TensorRT is present."""
    from trt_plugin_hub._manifest import OpKind
    from trt_plugin_hub._reasons import Check

    checks: list[Check] = []
    for op in plugin.ops:
        if op.status is not Status.ACTIVE or op.kind is OpKind.LEGACY:
            continue
        ns, name = op.id.split("::")
        validator = next((c.detail for c in op.checks if c.name == "capability validator"), None)
        checks.extend(c.as_check() for c in debugging_checks(ns, name, op.overload, validator=validator))
    return checks


def _print_explain(plugin: Any, result: Any, activation_note: str | None, debug: list[Any], out: TextIO) -> None:
    style = text_style(out)
    out.write(f"Plugin {plugin.name}: {style.status(plugin.status)}\n")
    out.write(f"  distribution: {plugin.distribution} {plugin.version}\n")
    out.write(f"  entry point:  {plugin.entry_point} (group torch_tensorrt.plugins)\n")
    out.write(f"  location:     {plugin.location}\n")
    if plugin.manifest_sha256:
        out.write(f"  manifest:     sha256 {plugin.manifest_sha256}\n")
    if plugin.description:
        out.write(f"  description:  {plugin.description}\n")
    if plugin.requires:
        out.write("  requires:     " + ", ".join(f"{k}{v}" for k, v in plugin.requires.items()) + "\n")
    env = result.environment
    out.write(str(env).replace("Environment: ", "  environment:  ").replace("Target: ", "  target:       ") + "\n")
    out.writelines(f"  note:         {note}\n" for note in env.notes)
    if result.settings.get("disabled"):
        out.write("  note:         the hub is off (TRT_PLUGIN_HUB_DISABLE=1): no plugin activates\n")
    out.write("\nChecks:\n")
    out.writelines(f"  [{mark(check.passed, style)}] {check.name}: {check.detail}\n" for check in plugin.checks)
    for op in plugin.ops:
        timing = f", activation {op.activation_ms:.2f} ms" if op.activation_ms is not None else ""
        out.write(f"\nOp {op.id}.{op.overload} ({op.kind}, priority {op.priority}): {style.status(op.status)}"
                  f"{f', runs {op.mode}' if op.mode and op.status.usable else ''}{timing}\n")
        if op.ptx:
            out.write(f"  ptx: {op.ptx}\n")
        out.writelines(f"  [{mark(check.passed, style)}] {check.name}: {check.detail}\n" for check in op.checks)
        out.writelines(f"  {style.code(reason.code)} {reason.message}\n" for reason in op.reasons)
    if plugin.reasons:
        out.write("\nWhy:\n")
        out.writelines(f"  {style.code(reason.code)} {reason.message}\n" for reason in plugin.reasons)
    out.write("\nActivation: ")
    if activation_note:
        out.write(activation_note + "\n")
    else:
        total = plugin.activation_ms
        out.write(f"done in this process{f' in {total:.2f} ms' if total is not None else ''}\n")
    if debug:
        out.write("\nUpstream debugging checks:\n")
        out.writelines(f"  [{mark(check.passed, style)}] {check.name}: {check.detail}\n" for check in debug)
