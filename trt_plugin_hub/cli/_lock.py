"""``trt-plugin-hub lock``: write, or check, a lock of the installed plugins."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from trt_plugin_hub._envelope import envelope
from trt_plugin_hub._lock import DEFAULT_LOCK_FILE, build_lock, checker_for, read_lock, write_lock
from trt_plugin_hub._settings import canonical_name

from ._common import EXIT_OK, EXIT_PROBLEMS, UsageError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add ``lock`` to the command line."""
    parser = sub.add_parser("lock", help="write (or --check) a lock of the installed plugins")
    parser.add_argument("-o", "--output", default=DEFAULT_LOCK_FILE,
                        help=f"lock file to write (default: {DEFAULT_LOCK_FILE})")
    parser.add_argument("--check", metavar="LOCK", nargs="?", const=DEFAULT_LOCK_FILE,
                        help="compare the installed plugins with LOCK instead of writing "
                             f"(default: {DEFAULT_LOCK_FILE}, the file `lock` writes)")
    parser.add_argument("--json", action="store_true", help="print the lock (or the differences) as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``lock``."""
    from trt_plugin_hub._discovery import scan_candidates

    candidates = scan_candidates()
    if args.check is not None:
        return _check(args, candidates)
    document = build_lock(candidates)
    path = Path(args.output)
    try:
        write_lock(document, path)
    except OSError as exc:
        raise UsageError(f"cannot write the lock file {path}: {exc.strerror or exc}; "
                         "choose a writable location with -o PATH") from exc
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(f"wrote {path}: {len(document['plugins'])} plugin(s)", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace, candidates: Any) -> int:
    locked = read_lock(args.check)  # LockError (exit 2): missing, unreadable or not a lock, all alike
    checker = checker_for(locked, args.check)
    problems = [(c.name, r) for c in candidates if c.manifest is not None and c.problem is None
                and (r := checker(c)) is not None]
    installed = {canonical_name(c.name) for c in candidates}
    missing = sorted(set(locked) - installed)
    if args.json:
        print(json.dumps(envelope("lock-check", {
            "lock": str(args.check),
            "matches": not problems and not missing,
            "differences": [{"plugin": n, "code": r.code, "message": r.message} for n, r in problems],
            "missing": missing}), indent=2))
    else:
        for name, reason in problems:
            print(f"{name}: [{reason.code}] {reason.message}")
        for name in missing:
            print(f"{name}: in the lock but not installed")
        if not problems and not missing:
            print(f"installed plugins match {args.check}")
    return EXIT_PROBLEMS if problems or missing else EXIT_OK
