"""``comparison.html``: scenarios side by side over seeds.

Each metric's per-day mean over seeds with its 95% band (clipped to the measure's range), one
colour per scenario, one caption per chart saying what that chart shows; and for each
difference the seeds could not yet tell from noise, how many seeds would.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import formatting as fmt
from .report import FIGSIZE, figure_html, frame_html, legend, page, span_days
from .stats import MAX_SEEDS, t975


class Measure(NamedTuple):
    """A metric the comparison follows over time: its axis label, what its chart shows, and
    its range (bands are clipped to it: a count cannot go below zero, a rate above one)."""

    label: str
    caption: str
    upper: float = math.inf


#: Metrics the comparison report follows over time.
COMPARED = {
    "gmv": Measure(
        "GMV per day (¥)", "Sales in yuan each day; festivals and campaigns show as spikes."
    ),
    "dau": Measure(
        "daily active users",
        "People who opened the app each day: how big the community each scenario keeps is.",
    ),
    "orders": Measure(
        "orders per day", "Purchases each day, from every channel (feeds, search, ads, shop)."
    ),
    "adopters": Measure(
        "cumulative buyers",
        "People who have bought at least once: the adoption curve, an S where word of mouth "
        "takes off; its plateau is the market running out of non-buyers.",
    ),
    "r_loop": Measure(
        "R_loop",
        "Later purchases each purchase's shared experience led to; above the dashed R = 1 "
        "line word of mouth sustains itself.",
    ),
    "read_rate": Measure(
        "read rate",
        "Share of shown notes that were opened: how well each feed matches what people want.",
        1.0,
    ),
}
BAND_NOTE = (
    " Lines: mean over seeds; bands: its 95% confidence interval (clipped to the measure's "
    "range): where two bands do not overlap the gap is unlikely to be seed noise."
)


def daily_mean_ci(frames: Sequence[pd.DataFrame], column: str) -> pd.DataFrame:
    """Per day, the mean of ``column`` over seeds and its 95% confidence interval,
    mean ± t(0.975, n−1)·sd/√n over the n seeds with a value that day (NaN bounds when n < 2).

    ``frames`` holds at least one frame with ``day`` and ``column``; the result is indexed
    by day with columns mean, low, high, n.
    """
    wide = pd.concat(
        [f.set_index("day")[column].rename(i) for i, f in enumerate(frames)], axis=1
    ).sort_index()
    n = wide.count(axis=1)
    mean = wide.mean(axis=1)
    half = wide.std(axis=1, ddof=1) / np.sqrt(n) * n.map(lambda k: t975(k - 1))
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half, "n": n})


def _band_figure(runs: Mapping[str, Sequence[pd.DataFrame]], column: str) -> str:
    measure = COMPARED[column]
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.subplots()
    colours = matplotlib.colormaps["tab10"]
    days = pd.Index([], dtype=np.int64)
    for i, (label, frames) in enumerate(runs.items()):
        if not frames:
            continue
        ci = daily_mean_ci(frames, column)
        days = days.union(ci.index)
        colour = colours(i % colours.N)
        ax.plot(
            ci.index,
            ci["mean"],
            color=colour,
            marker="o" if len(ci) < 2 else None,
            label=f"{label} (n={len(frames)})",
        )
        low, high = ci["low"].clip(lower=0.0), ci["high"].clip(upper=measure.upper)
        ax.fill_between(ci.index, low, high, color=colour, alpha=0.2, linewidth=0)
    if column == "r_loop":
        ax.axhline(1.0, linestyle="--", color="grey", linewidth=1, label="R = 1")
    span_days(ax, days)
    ax.set_ylim(0.0, measure.upper if math.isfinite(measure.upper) else None)
    ax.set_ylabel(measure.label)
    legend(ax)
    return figure_html(fig, measure.caption + BAND_NOTE)


def _detection_notes(table: pd.DataFrame) -> str:
    """For each difference not significant, how many seeds would detect one of that size."""
    if "seeds to detect" not in table.columns:
        return ""
    items = []
    for outcome, row in table.iterrows():
        if row.get("significant", True):
            continue
        n = row["seeds to detect"]
        if math.isnan(n):  # NaN: no difference, or no spread to test it against
            continue
        need = (
            f"about {fmt.count(n)} seeds per scenario"
            if math.isfinite(n)
            else (
                f"more than {fmt.count(MAX_SEEDS)} seeds per scenario (practically no difference)"
            )
        )
        diff = fmt.value(str(outcome), row.get("difference (B−A)"))
        items.append(f"<li>{html.escape(f'{outcome}: a difference of {diff} needs {need}')}</li>")
    if not items:
        return ""
    return (
        "<h3>Not significant yet: seeds that would detect it</h3>"
        '<p class="note">For each difference the seeds could not tell from noise, the seeds per '
        "scenario at which a two-sided t-test (α = 0.05) detects a true difference of the "
        "observed size with 80% power, given the observed spread between seeds.</p>"
        f"<ul>{''.join(items)}</ul>"
    )


def render_comparison_report(
    runs: Mapping[str, Sequence[pd.DataFrame]], table: pd.DataFrame, *, title: str
) -> str:
    """Scenarios side by side: the outcome table, then each metric's per-day mean over seeds
    with a 95% band, one colour per scenario (the same colour in every figure)."""
    parts = [
        "<h2>Outcomes</h2>",
        frame_html(table, index=not isinstance(table.index, pd.RangeIndex)),
        _detection_notes(table),
        "<h2>Over time</h2>",
    ]
    for column, measure in COMPARED.items():
        parts.append(f"<h3>{html.escape(measure.label)}</h3>")
        having = {label: [f for f in frames if column in f] for label, frames in runs.items()}
        if any(having.values()):
            parts.append(_band_figure(having, column))
        else:
            parts.append(f'<p class="note">Skipped: no column {html.escape(column)}.</p>')
    return page(title, parts)
