"""``redloop bench log``: both formats are written and read back whole, with their figures."""

from __future__ import annotations

from redloop.sim.bench_log import log_figures


def test_bench_log_writes_and_reads_back_every_row_in_both_formats() -> None:
    figures = log_figures(users=300, days=2)
    assert figures["rows"] > 1_000 and figures["engine_events_per_cpu_s"] > 0
    for fmt in ("sqlite", "parquet"):
        assert figures[f"{fmt}_write_rows_per_cpu_s"] > 0
        assert figures[f"{fmt}_read_rows_per_cpu_s"] > 0
    # columnar and compressed: far fewer bytes per row than SQLite's row store
    assert figures["parquet_bytes_per_row"] < figures["sqlite_bytes_per_row"] / 2
