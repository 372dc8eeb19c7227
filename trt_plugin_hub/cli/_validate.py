"""``trt-plugin-hub validate``: check a plugin package before it is published."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from trt_plugin_hub.authoring import Severity, ValidationReport, validate

from ._common import EXIT_OK, EXIT_PROBLEMS

__all__ = ["register", "run"]


def _print_report(report: ValidationReport, out: TextIO) -> None:
    out.write(f"Validating {report.target} ({report.kind})\n")
    for package in report.packages:
        plugin = f"plugin {package.plugin!r}, " if package.plugin else ""
        out.write(f"\nPackage {package.package} ({plugin}{len(package.ops)} ops, {package.ptx_files} PTX files, "
                  f"{package.assembled} assembled)\n")
        for op in package.ops:
            out.write(f"  op {op.id} ({op.kind})\n")
            out.writelines(f"    ok  {line}\n" for line in op.checked)
    if report.findings:
        out.write("\nFindings:\n")
        for finding in report.findings:
            where = " ".join(part for part in (finding.file, f"[{finding.field}]" if finding.field else "") if part)
            out.write(f"  {finding.severity:<7} {finding.code}  {where}\n")
            out.writelines(f"          {line}\n" for line in finding.message.splitlines())
            out.write(f"          fix: {finding.fix}\n")
    tools = f"; assembled with {', '.join(report.ptxas)}" if report.ptxas else ""
    out.write(f"\n{report.count(Severity.ERROR)} error(s), {report.count(Severity.WARNING)} warning(s), "
              f"{report.count(Severity.INFO)} "
              f"note(s){tools}: {'OK' if report.ok else 'FAILED'}\n")


def run(args: argparse.Namespace) -> int:
    """Run ``validate``."""
    report = validate(args.target)
    if args.json:
        print(report.to_json())
    else:
        _print_report(report, sys.stdout)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def register(subparsers: Any) -> None:
    """Add ``validate`` to the command line."""
    parser = subparsers.add_parser(
        "validate",
        help="check a plugin package before publishing: manifest, QDP rules, PTX files",
        description="Check a plugin package without importing it: the manifest, TensorRT's QDP rules on the "
                    "@trtp.register functions and torch schemas (read from source), and every PTX file (sha256, "
                    ".target, ISA against requires.cuda_driver, entry kernel and TensorRT's AOT parameter order, "
                    "ptxas). Exit 1 if anything is an error.")
    parser.add_argument("target", metavar="PATH-OR-DISTRIBUTION",
                        help="a package directory (holding trt_plugin.json), a project directory (pyproject.toml), "
                             "a wheel (.whl), or an installed distribution or plugin name")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)
