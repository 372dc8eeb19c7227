"""``verify``'s table: per-shape lines for every op, then one summary row per op."""

from __future__ import annotations

from collections.abc import Sequence

from ._model import SizeResult, VerifyReport

__all__ = ["format_table"]


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _shape_text(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def format_table(report: VerifyReport) -> str:
    """Per-shape lines for every op, then one summary row per op (largest shape's bandwidth)."""
    lines: list[str] = []
    device = report.device
    lines.append(f"Device: {device.get('name') or '?'} (cc {device.get('compute_capability') or '?'}) | "
                 f"driver {device.get('driver') or '?'} | torch {device.get('torch') or '?'} | "
                 f"cuda-bindings {device.get('cuda_bindings') or '?'}")
    lines.extend(f"problem: {problem}" for problem in report.problems)
    for op in report.ops:
        lines.append("")
        where = f" [{op.arch} {op.ptx}]" if op.ptx else ""
        attrs = ", ".join(f"{k}={v!r}" for k, v in op.attrs.items())
        lines.append(f"{op.op} ({op.plugin}){where}{f' attrs {attrs}' if attrs else ''}: {op.status}")
        if op.error:
            lines.append(f"  error: {op.error}")
        if op.sizes:
            head = ("SHAPE", "GRID", "REL ERR", "RESULT", "KERNEL ms", "GB/s", "COPY GB/s", "EAGER GB/s")
            rows = [(_shape_text(s.shape), str(s.grid), _fmt(s.max_rel_error, ".1e"),
                     "ok" if s.passed else ("ERROR" if s.error else "MISMATCH"),
                     _fmt(s.kernel_ms, ".4f"), _fmt(s.kernel_gbs, ".0f"), _fmt(s.copy_gbs, ".0f"),
                     _fmt(s.eager_gbs, ".0f")) for s in op.sizes]
            lines += ["  " + line for line in _columns(head, rows)]
            for s in op.sizes:
                if not s.passed:
                    lines.append(f"  {_shape_text(s.shape)}: {_failure(s, op.rtol)}")
    lines.append("")
    summary_head = ("OP", "ARCH", "SHAPES OK", "MAX REL ERR", "LARGEST", "KERNEL GB/s", "COPY GB/s", "OF COPY",
                    "VS EAGER")
    summary: list[tuple[str, ...]] = []
    for op in report.ops:
        big = op.largest
        summary.append((op.op, op.arch or "-", f"{sum(s.passed for s in op.sizes)}/{len(op.sizes)}",
                     _fmt(op.max_rel_error, ".1e"), str(big.numel) if big else "-",
                     _fmt(big.kernel_gbs if big else None, ".0f"), _fmt(big.copy_gbs if big else None, ".0f"),
                     _fmt(big.fraction_of_copy * 100 if big and big.fraction_of_copy else None, ".1f", "%"),
                     _fmt(big.vs_eager if big else None, ".3f", "x")))
    lines += _columns(summary_head, summary)
    verdict = "all AOT ops match their references" if report.passed else "MISMATCHES or errors: see above"
    if not report.ops and not report.problems:
        verdict = "no AOT ops to verify"
    lines.append(f"\n{len(report.ops)} AOT op(s): {verdict}.")
    return "\n".join(lines)


def _failure(size: SizeResult, rtol: float) -> str:
    """Why one shape failed, naming only the checks that failed."""
    if size.error:
        return size.error
    parts = []
    if size.unwritten:
        parts.append(f"{size.unwritten} output element(s) left unwritten (still poisoned)")
    if size.guard_overwritten:
        parts.append(f"{size.guard_overwritten} element(s) written past the end of an output")
    if size.max_rel_error is not None and size.max_rel_error > rtol:
        parts.append(f"relative error {size.max_rel_error:.2e} > {rtol:g}")
    return "; ".join(parts) or "failed"


def _columns(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows]]

