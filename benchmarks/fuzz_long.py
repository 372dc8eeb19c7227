"""Long fuzzing run: every property of ``tests/test_fuzz.py`` with 10,000 examples or more.

The properties are the ones the test suite runs with a few hundred examples each: for any input,
the manifest reader, the specifier and version checks, the PTX header, architecture and target
parsers and the PTX path check give a valid result or the package's own validation error, never
another exception. This script sets ``HUB_FUZZ_EXAMPLES`` before importing the test module, runs
each property, and prints per property: examples run, outcomes (valid / which error) and time.
The last line is one JSON object with the same figures.

A property that fails prints Hypothesis's minimal failing example and the script exits 1.

Usage::

    python benchmarks/fuzz_long.py [--examples 10000] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples per property (default 10000)")
    parser.add_argument("--only", help="run only properties whose name contains this")
    args = parser.parse_args(argv)

    os.environ["HUB_FUZZ_EXAMPLES"] = str(args.examples)
    sys.path.insert(0, str(TESTS))
    import hypothesis
    import test_fuzz

    properties = [(name, fn) for name, fn in vars(test_fuzz).items()
                  if name.startswith("test_") and hasattr(fn, "hypothesis")]
    if args.only:
        properties = [(n, f) for n, f in properties if args.only in n]

    results = []
    failed = False
    started_all = time.perf_counter()
    for name, fn in properties:
        before = {k: sum(v.values()) for k, v in test_fuzz.TALLY.items()}
        started = time.perf_counter()
        error = None
        try:
            fn()
        except Exception:  # noqa: BLE001 - a falsified property: report it, continue with the others
            error = traceback.format_exc()
            failed = True
        elapsed = time.perf_counter() - started
        touched = {k: v for k, v in test_fuzz.TALLY.items() if sum(v.values()) != before.get(k, 0)}
        outcomes: dict[str, int] = {}
        for counter in touched.values():
            for outcome, count in counter.items():
                outcomes[outcome] = outcomes.get(outcome, 0) + count
        # Hypothesis also replays explicit @example inputs; every call is counted.
        examples = sum(outcomes.values())
        results.append({"property": name, "examples": examples, "seconds": round(elapsed, 1),
                        "outcomes": dict(sorted(outcomes.items(), key=lambda kv: -kv[1])),
                        "passed": error is None})
        status = "ok" if error is None else "FAILED"
        print(f"{status:6} {name}: {examples} examples in {elapsed:.1f} s")
        for outcome, count in sorted(outcomes.items(), key=lambda kv: -kv[1]):
            print(f"         {count:7d}  {outcome}")
        if error:
            print(error)
        test_fuzz.TALLY.clear()

    total = time.perf_counter() - started_all
    summary = {
        "examples_per_property": args.examples,
        "hypothesis": hypothesis.__version__,
        "python": platform.python_version(),
        "seconds": round(total, 1),
        "properties": results,
        "all_passed": not failed,
    }
    print(f"{len(results)} properties, {sum(r['examples'] for r in results)} examples, {total:.0f} s, "
          f"{'all passed' if not failed else 'FAILURES'}")
    print(json.dumps(summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
