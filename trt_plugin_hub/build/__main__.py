"""``python -m trt_plugin_hub.build PACKAGE_DIR``: build a plugin package's PTX by hand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from trt_plugin_hub._errors import PtxBuildError

from ._build import MANIFEST_NAME, build_ptx

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trt_plugin_hub.build",
        description=f"Compile the AOT kernels of a plugin package (the directory holding {MANIFEST_NAME}) "
                    "to PTX, write them into the package and record them in the manifest. No GPU needed.")
    parser.add_argument("package_dir", type=Path, help=f"directory that holds {MANIFEST_NAME}")
    parser.add_argument("--arch", action="append", dest="archs", metavar="SM",
                        help="build only this architecture (repeatable; default: every one each op declares)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show debug logging")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build; return 0 on success and 1 on a build error."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        build_ptx(args.package_dir, archs=args.archs, log=log)
    except PtxBuildError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
