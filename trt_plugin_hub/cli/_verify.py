"""``trt-plugin-hub verify``: run each shipped PTX on this GPU as TensorRT would."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from trt_plugin_hub import verify
from trt_plugin_hub._errors import HubError
from trt_plugin_hub.verify import (
    DEFAULT_RTOL,
    DEFAULT_SIZES,
    Unavailable,
    VerifySettings,
    format_table,
    parse_sizes,
)

from ._common import EXIT_OK, EXIT_PROBLEMS, UsageError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``verify`` to the command line."""
    parser = sub.add_parser(
        "verify",
        help="run every AOT op's shipped PTX on this GPU, check it against its eager reference, time it",
        description="Load each AOT op's PTX for this GPU through the CUDA driver, launch it as TensorRT "
                    "does, compare with the op's PyTorch reference at several shapes, and report "
                    "bandwidth against a device-to-device copy and the eager expression. No TensorRT needed.",
    )
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--package", action="append", default=[], metavar="DIR",
                        help="verify the plugin package in DIR (the folder holding trt_plugin.json, or a project "
                             "folder with one such package) instead of the installed plugins; repeatable")
    parser.add_argument("--op", action="append", default=[], metavar="ID",
                        help="verify only this op (ns::name); repeatable")
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES), metavar="LIST",
                        help="comma-separated element counts or shapes such as 3x333x7 "
                             f"(default: {','.join(DEFAULT_SIZES)}); the largest gives the bandwidth")
    parser.add_argument("--reps", type=_positive, default=50, help="timed repetitions; the median is kept (default 50)")
    parser.add_argument("--warmup", type=_non_negative, default=5, help="untimed calls first (default 5)")
    parser.add_argument("--trials", type=_positive, default=2,
                        help="correctness launches per shape, each on fresh random inputs (default 2)")
    parser.add_argument("--seed", type=int, default=None, help="seed for the random inputs (default: random, reported)")
    parser.add_argument("--rtol", type=float, default=None,
                        help=f"accepted max|out-ref|/max|ref| for every op (default: the op's x-verify.rtol, "
                             f"else {DEFAULT_RTOL:g})")
    parser.add_argument("--no-timing", action="store_true", help="check correctness only")
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``verify``."""
    out = out or sys.stdout
    try:
        shapes = parse_sizes(args.sizes)
    except ValueError as exc:
        raise UsageError(f"--sizes: {exc}") from exc
    settings = VerifySettings(shapes=shapes, reps=args.reps, warmup=args.warmup, trials=args.trials,
                              seed=args.seed, rtol=args.rtol, ops=tuple(args.op), packages=tuple(args.package),
                              time=not args.no_timing)
    try:
        report = verify.run_verify(settings)  # looked up at call time: tests replace it
    except Unavailable as exc:
        raise UsageError(f"verify needs a CUDA GPU with PyTorch and cuda-python: {exc}") from exc
    except HubError as exc:  # a package or op named on the command line that verify cannot use
        raise UsageError(str(exc)) from exc
    if args.json:
        out.write(report.to_json() + "\n")
    else:
        out.write(format_table(report) + "\n")
    return EXIT_OK if report.passed else EXIT_PROBLEMS
