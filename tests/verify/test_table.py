"""``verify``'s table: per-shape lines, the failures named, one summary row per op."""

from __future__ import annotations

from _support.verify import fake_report

from trt_plugin_hub.verify import format_table


def test_table_ends_with_one_summary_row_per_op():
    text = format_table(fake_report())
    lines = text.splitlines()
    assert lines[0].startswith("Device: NVIDIA H100 80GB HBM3 (cc 9.0) | driver 580.65.06")
    summary = lines[lines.index(next(line for line in lines if line.startswith("OP "))):]
    assert summary[1].split()[:4] == ["example_plugin::scale_nvrtc", "sm_90", "2/2", "5.9e-08"]
    assert "96.0%" in summary[1] and "1.040x" in summary[1]
    assert summary[2].split()[:3] == ["example_plugin::relu_aot", "sm_90a", "0/1"]
    assert "4097: 1 output element(s) left unwritten (still poisoned)" in text
    assert lines[-1].endswith("MISMATCHES or errors: see above.")
