"""``trt-plugin-hub build PACKAGE_DIR``: compile a plugin package's AOT kernels to PTX by hand."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._manifest import MANIFEST_FILENAME

from ._common import EXIT_OK, EXIT_PROBLEMS

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``build`` to the command line."""
    parser = sub.add_parser(
        "build", help="compile a plugin package's AOT kernels to PTX (no GPU needed)",
        description=f"Compile the AOT kernels of a plugin package (the directory holding {MANIFEST_FILENAME}) to PTX, "
                    "write them into the package and record them in the manifest. No GPU needed. Building the "
                    "wheel with the hub's build backend does the same.")
    parser.add_argument("package_dir", type=Path, help=f"directory that holds {MANIFEST_FILENAME}")
    parser.add_argument("--arch", action="append", dest="archs", metavar="SM",
                        help="build only this architecture (repeatable; default: every one each op declares)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show debug logging")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``build``: 0 on success, 1 on a build error."""
    from trt_plugin_hub.authoring import build_ptx

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        build_ptx(args.package_dir, archs=args.archs, log=log)
    except PtxBuildError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_PROBLEMS
    return EXIT_OK
