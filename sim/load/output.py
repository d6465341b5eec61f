"""A load test's files: ``loadtest.csv`` (per endpoint), ``timeline.csv`` (per endpoint per
second), a self-contained ``loadtest.html`` and ``summary.json`` — each written atomically,
the summary last (a folder without it is an interrupted run)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .stats import Stats

if TYPE_CHECKING:
    from .command import LoadTestReport

__all__ = ["format_table", "render_html", "write_results"]


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The per-endpoint table as printed by the CLI."""
    width = max([len("endpoint"), *(len(str(r["endpoint"])) for r in rows)])
    head = (
        f"{'endpoint':<{width}} {'requests':>9} {'req/s':>8} {'errors':>7} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['endpoint']:<{width}} {r['requests']:>9,} {r['rps']:>8.1f} "
            f"{100 * r['error_rate']:>6.2f}% {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.1f}"
        )
    return "\n".join(lines)


def write_results(report: LoadTestReport, out: Path) -> dict[str, Path]:
    """loadtest.csv, timeline.csv, loadtest.html, then summary.json (each atomically)."""
    import pandas as pd

    from ..results import write_csv, write_json, write_text

    paths = {
        "loadtest.csv": write_csv(out / "loadtest.csv", pd.DataFrame(report.endpoints)),
        "timeline.csv": write_csv(out / "timeline.csv", pd.DataFrame(report.timeline)),
        "loadtest.html": write_text(out / "loadtest.html", render_html(report)),
    }
    data = {**report.summary, "endpoints": report.endpoints, "series": report.series}
    paths["summary.json"] = write_json(out / "summary.json", data)
    return paths


def render_html(report: LoadTestReport) -> str:
    """A self-contained page: summary, throughput vs the arrival shape, latency over time,
    latency per endpoint, and the endpoint table (the run report's helpers and style)."""
    import pandas as pd
    from matplotlib.figure import Figure

    from ..report import FIGSIZE, figure_html, frame_html, legend, page, summary_html

    s, series = report.summary, report.series
    t = np.asarray(series["t"], dtype=np.float64) + 0.5
    parts = [summary_html({k: v for k, v in s.items() if k != "session_failures"})]

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.subplots()
    ax.plot(t, series["requests_per_s"], label="requests/s (achieved)", color="C0")
    ax.set_xlabel("seconds")
    ax.set_ylabel("requests / s")
    right = ax.twinx()
    right.step(
        t, series["offered_sessions_per_s"], where="mid", color="C3", ls="--", label="offered"
    )
    right.plot(t, series["sessions_per_s"], color="C1", alpha=0.7, label="sessions started")
    right.set_ylabel("sessions / s")
    right.set_ylim(bottom=0)
    ax.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small", frameon=False)
    parts += [
        "<h2>Throughput and the arrival shape</h2>",
        figure_html(
            fig,
            f"Dashed: the offered session rate ({s['shape']} shape); orange: sessions started "
            "each second; blue: requests completed each second. An open model: if the server "
            "slows down, sessions pile up rather than arrivals waiting.",
        ),
    ]

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.subplots()
    ax.plot(t, series["p50_ms"], label="p50")
    ax.plot(t, series["p99_ms"], label="p99")
    ax.set_xlabel("seconds")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    parts += [
        "<h2>Latency over time</h2>",
        figure_html(fig, "All endpoints, per second (log scale)."),
    ]

    rows = [r for r in report.endpoints if r["endpoint"] != Stats.TOTAL]
    if rows:
        fig = Figure(figsize=(FIGSIZE[0], max(2.5, 0.3 * len(rows) + 1)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(rows))
        ax.barh(y + 0.2, [r["p50_ms"] for r in rows], height=0.4, label="p50")
        ax.barh(y - 0.2, [r["p99_ms"] for r in rows], height=0.4, label="p99")
        ax.set_yticks(y, [f"{r['endpoint']} ({r['requests']:,})" for r in rows], fontsize=7)
        ax.set_xlabel("latency (ms)")
        legend(ax)
        parts += [
            "<h2>Latency per endpoint</h2>",
            figure_html(fig, "p50 and p99 per endpoint over the whole run (request counts)."),
        ]
    parts += ["<h2>Endpoints</h2>", frame_html(pd.DataFrame(report.endpoints))]
    if s.get("session_failures"):
        failures = pd.DataFrame(
            [{"failure": k, "sessions": v} for k, v in s["session_failures"].items()]
        )
        parts += ["<h2>Failed sessions</h2>", frame_html(failures)]
    title = f"redloop load test — {s['shape']} on {s['target']}"
    return page(title, parts)
