"""Command line: ``trt-plugin-hub`` (also ``python -m trt_plugin_hub``).

Exit codes: 0 success; 1 the command ran and found problems (``explain`` of a plugin that is not
active or available, ``list --strict`` with any rejected or failed plugin, ``validate`` errors,
``verify`` mismatches); 2 usage errors (bad arguments, unknown plugin, unreadable target);
3 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ._reasons import Status
from ._version import __version__

__all__ = ["main", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: Modules that add subcommands through ``add_cli(subparsers)``; a missing one is skipped.
_EXTENSIONS = (
    "trt_plugin_hub.validate",
    "trt_plugin_hub.verify",
    "trt_plugin_hub.scaffold",
    "trt_plugin_hub.lock",
    "trt_plugin_hub.cache",
)


class UsageError(Exception):
    """A mistake in the command line that argparse cannot see (unknown plugin name...)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trt-plugin-hub",
        description="List, explain and check TensorRT plugin packages for Torch-TensorRT.",
    )
    parser.add_argument("--version", action="version", version=f"trt-plugin-hub {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    target_help = ("decide for another host, e.g. 'sm_90, trt=10.13, driver=580' (items: sm_XY or cc=X.Y, "
                   "trt=, torch=, tt= (torch_tensorrt), driver=, python=); unnamed items come from this host")
    p_list = sub.add_parser("list", help="list installed plugins, their status and why")
    p_list.add_argument("--json", action="store_true", help="print the report as JSON")
    p_list.add_argument("--target", help=target_help)
    p_list.add_argument("--load", action="store_true",
                        help="activate plugins in this process first (imports their code; needs TensorRT)")
    p_list.add_argument("--strict", action="store_true", help="exit 1 if any plugin is rejected or failed")
    p_list.set_defaults(func=_cmd_list)

    p_explain = sub.add_parser("explain", help="every check for one plugin, with results and reasons")
    p_explain.add_argument("name", help="plugin, distribution or entry point name")
    p_explain.add_argument("--json", action="store_true", help="print as JSON")
    p_explain.add_argument("--target", help=target_help)
    p_explain.add_argument("--no-load", action="store_true",
                           help="decide only; do not import the plugin (activation is skipped anyway with --target)")
    p_explain.set_defaults(func=_cmd_explain)

    for name in _EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        add = getattr(module, "add_cli", None)
        if add is not None:
            add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"trt-plugin-hub: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        from ._errors import HubError

        if isinstance(exc, HubError):
            print(f"trt-plugin-hub: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


# ---- list ------------------------------------------------------------------------------------


def _make_report(args: argparse.Namespace, *, load: bool) -> Any:
    from .loader import load as do_load
    from .loader import report

    if args.target:
        return report(target=args.target)
    if load:
        return do_load(strict=False)
    return report()


def _cmd_list(args: argparse.Namespace) -> int:
    result = _make_report(args, load=args.load)
    if args.json:
        print(result.to_json())
    else:
        _print_list(result, sys.stdout)
    if args.strict and any(p.status.problem for p in result.plugins):
        return EXIT_PROBLEMS
    return EXIT_OK


def _environment_line(env: Any) -> str:
    cc = env.compute_capability
    gpu = "none found"
    if cc:
        gpu = f"{env.gpu_name} (sm_{cc[0]}{cc[1]})" if env.gpu_name else f"sm_{cc[0]}{cc[1]}"
    isa = env.max_ptx_isa
    parts = [
        f"tensorrt {env.tensorrt or 'not installed'}",
        f"torch {env.torch or 'not installed'}",
        f"torch_tensorrt {env.torch_tensorrt or 'not installed'}",
        f"GPU {gpu}",
        f"driver {env.driver or 'none'}" + (f" (PTX ISA <= {isa[0]}.{isa[1]})" if isa else ""),
        f"python {env.python}",
    ]
    prefix = "Target" if env.is_target else "Environment"
    return f"{prefix}: " + " | ".join(parts)


def _print_list(result: Any, out: TextIO) -> None:
    out.write(_environment_line(result.environment) + "\n")
    if result.environment.is_target:
        for note in result.environment.notes:
            out.write(f"  note: {note}\n")
    out.write("\n")
    if not result.plugins:
        out.write("No plugins installed (no distribution advertises the 'torch_tensorrt.plugins' entry point).\n")
        return
    header = ("PLUGIN", "DISTRIBUTION", "VERSION", "STATUS", "OPS")
    rows = [(p.name, p.distribution or "?", p.version or "?", p.status,
             f"{sum(op.status.usable for op in p.ops)}/{len(p.ops)}") for p in result.plugins]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip() + "\n")
    for plugin, row in zip(result.plugins, rows):
        out.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
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


# ---- explain ---------------------------------------------------------------------------------


def _cmd_explain(args: argparse.Namespace) -> int:
    from .loader import report

    decided = report(target=args.target) if args.target else report()
    plugin = decided.plugin(args.name)
    if plugin is None:
        names = ", ".join(p.name for p in decided.plugins) or "none installed"
        raise UsageError(f"no installed plugin is called {args.name!r} (installed: {names})")
    result = decided
    activation_note = None
    if args.target:
        activation_note = "not activated: --target describes another host"
    elif args.no_load:
        activation_note = "not activated: --no-load"
    elif plugin.status is Status.AVAILABLE:
        from .loader import load

        result = load(strict=False)
        plugin = result.plugin(args.name) or plugin
    else:
        activation_note = f"not activated: the plugin is {plugin.status}"
    debug = _debug_checks(plugin) if activation_note is None else []
    if args.json:
        data = plugin.to_dict()
        data["environment"] = result.environment.to_dict()
        data["activation"] = activation_note or "activated in this process"
        data["debug_checks"] = [c.to_dict() for c in debug]
        print(json.dumps(data, indent=2))
    else:
        _print_explain(plugin, result, activation_note, debug, sys.stdout)
    return EXIT_OK if plugin.status.usable else EXIT_PROBLEMS


def _debug_checks(plugin: Any) -> list[Any]:
    """The upstream page's three debugging checks, run for real where TensorRT is present."""
    from ._reasons import Check
    from .manifest import OpKind

    checks = []
    try:
        from . import _adapter
    except Exception as exc:  # pragma: no cover
        return [Check("debugging checks", None, f"unavailable: {exc}")]
    for op in plugin.ops:
        if op.status is not Status.ACTIVE or op.kind is OpKind.LEGACY:
            continue
        ns, name = op.id.split("::")
        try:
            in_qdp = op.id in _adapter.qdp_registry()
            checks.append(Check(f"1. {op.id} in QDP_REGISTRY", in_qdp, "tensorrt.plugin._lib.QDP_REGISTRY"))
        except Exception as exc:
            checks.append(Check(f"1. {op.id} in QDP_REGISTRY", None, f"cannot read: {exc}"))
        try:
            overload = _adapter.torch_overload(ns, name, op.overload)
            registered = _adapter.converter_registered(overload)
            count = _adapter.converter_candidates(overload)
            checks.append(Check(f"2. torch.ops.{ns}.{name}.{op.overload} in DYNAMO_CONVERTERS", registered,
                                f"{count} converter candidate(s)"))
        except Exception as exc:
            checks.append(Check(f"2. torch.ops.{ns}.{name}.{op.overload} in DYNAMO_CONVERTERS", None, str(exc)))
        checks.append(_validator_check(op))
    return checks


def _validator_check(op: Any) -> Any:
    from ._reasons import Check

    validator = next((c for c in op.checks if c.name == "capability validator"), None)
    if validator is None:
        return Check(f"3. capability validator of {op.id}", True, "none declared: every node is accepted")
    return Check(f"3. capability validator of {op.id}", True,
                 f"{validator.detail} resolves to a callable; it runs per node at compile time (see a dryrun report)")


def _mark(passed: bool | None) -> str:
    return {True: "ok  ", False: "FAIL", None: "--  "}[passed]


def _print_explain(plugin: Any, result: Any, activation_note: str | None, debug: list[Any], out: TextIO) -> None:
    out.write(f"Plugin {plugin.name}: {plugin.status}\n")
    out.write(f"  distribution: {plugin.distribution} {plugin.version}\n")
    out.write(f"  entry point:  {plugin.entry_point} (group torch_tensorrt.plugins)\n")
    out.write(f"  location:     {plugin.location}\n")
    if plugin.manifest_sha256:
        out.write(f"  manifest:     sha256 {plugin.manifest_sha256}\n")
    if plugin.description:
        out.write(f"  description:  {plugin.description}\n")
    out.write(_environment_line(result.environment).replace("Environment: ", "  environment:  ").replace(
        "Target: ", "  target:       ") + "\n")
    out.write("\nChecks:\n")
    for check in plugin.checks:
        out.write(f"  [{_mark(check.passed)}] {check.name}: {check.detail}\n")
    for op in plugin.ops:
        timing = f", activation {op.activation_ms:.2f} ms" if op.activation_ms is not None else ""
        out.write(f"\nOp {op.id}.{op.overload} ({op.kind}, priority {op.priority}): {op.status}"
                  f"{f', runs {op.mode}' if op.mode and op.status.usable else ''}{timing}\n")
        if op.ptx:
            out.write(f"  ptx: {op.ptx}\n")
        for check in op.checks:
            out.write(f"  [{_mark(check.passed)}] {check.name}: {check.detail}\n")
        for reason in op.reasons:
            out.write(f"  [{reason.code}] {reason.message}\n")
    if plugin.reasons:
        out.write("\nWhy:\n")
        for reason in plugin.reasons:
            out.write(f"  [{reason.code}] {reason.message}\n")
    out.write("\nActivation: ")
    if activation_note:
        out.write(activation_note + "\n")
    else:
        total = plugin.activation_ms
        out.write(f"done in this process{f' in {total:.2f} ms' if total is not None else ''}\n")
    if debug:
        out.write("\nUpstream debugging checks:\n")
        for check in debug:
            out.write(f"  [{_mark(check.passed)}] {check.name}: {check.detail}\n")
