"""``trt-plugin-hub new NAME``: a plugin project that builds, validates and lists without edits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from trt_plugin_hub.authoring import DEFAULT_KINDS, KINDS, build_commands, create_project, hub_checkout, project_names

from ._common import EXIT_OK

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """Run ``new``."""
    kinds = args.kind or list(DEFAULT_KINDS)
    directory = Path(args.dir) if args.dir else Path(args.name)
    written = create_project(args.name, directory, kinds)
    names = project_names(args.name)
    out = sys.stdout
    out.write(f"Created plugin project {names.dist} in {directory} (package {names.package}, "
              f"approaches: {', '.join(k for k in KINDS if k in kinds)}):\n")
    for path in sorted(written):
        out.write(f"  {path.relative_to(directory).as_posix()}\n")
    wheel = f"dist/{names.wheel_name}-0.1.0-py3-none-any.whl"
    commands = build_commands(hub_checkout())
    width = max(len(command) for command, _ in commands) + 2
    out.write("\nNext:\n"
              f"  cd {directory}\n")
    out.writelines(f"  {command:<{width}}# {comment}\n" for command, comment in commands)
    out.write(f"  trt-plugin-hub validate {wheel}\n"
              f"  pip install {wheel}\n"
              "  trt-plugin-hub list\n")
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``new`` to the command line."""
    parser = subparsers.add_parser(
        "new", help="create a plugin project that builds, validates and lists without edits",
        description="Create a plugin project: torch custom ops with fake kernels and eager references, their "
                    "TensorRT QDP definitions (or a hand-written converter), trt_plugin.json, the entry point "
                    "and the hub's build backend.")
    parser.add_argument("name", help="project (distribution) name, e.g. acme-ops; the package and op "
                                     "namespace are acme_ops")
    parser.add_argument("--kind", action="append", choices=KINDS,
                        help="an approach to include, one op each (repeatable; default: jit and aot-triton)")
    parser.add_argument("--dir", help="directory to create (default: ./NAME); must be empty or absent")
    parser.set_defaults(func=run)
