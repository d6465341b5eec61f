"""``sweep.html``: each outcome against each swept value, mean over seeds with a 95% CI.

One figure per swept key (a panel per outcome); when several keys are swept, each figure
draws one line per combination of the other keys' values. A table of every grid point's
means and intervals follows, formatted like the rest of the reports.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from . import formatting as fmt
from .report import figure_html, frame_html, page
from .stats import t975

#: Outcomes drawn against the swept values, with their axis labels.
OUTCOMES = {
    "gmv": "GMV over the run (¥)",
    "orders": "orders",
    "mean_dau": "mean daily active users",
    "adopters": "buyers at the end",
    "r_loop": "R_loop at the end",
    "read_rate": "read rate",
}
RATES = ("read_rate",)


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    """Mean and the half-width of its 95% Student t interval (NaN with fewer than 2)."""
    v = values.dropna().to_numpy(dtype=np.float64)
    if v.size == 0:
        return math.nan, math.nan
    if v.size == 1:
        return float(v[0]), math.nan
    return float(v.mean()), float(t975(v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))


def point_table(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per grid point: its seeds and, per outcome, the mean and the 95% half-width."""
    outcomes = [o for o in OUTCOMES if o in table.columns]
    rows = []
    groups = table.groupby(list(keys), sort=True, dropna=False) if keys else [((), table)]
    for point, runs in groups:
        point = point if isinstance(point, tuple) else (point,)
        row = {key.removeprefix("set:"): value for key, value in zip(keys, point, strict=True)}
        row["seeds"] = len(runs)
        for outcome in outcomes:
            row[outcome], row[f"{outcome} ±95%"] = _mean_ci(runs[outcome])
        rows.append(row)
    return pd.DataFrame(rows)


def _positions(values: Sequence) -> tuple[list[float], list[str] | None]:
    """Numbers stay on a number line; anything else becomes evenly spaced categories."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    return list(range(len(values))), [str(v) for v in values]


def _key_figure(points: pd.DataFrame, key: str, others: Sequence[str]) -> str:
    outcomes = [o for o in OUTCOMES if o in points.columns]
    fig = Figure(figsize=(10.0, 2.6 * math.ceil(len(outcomes) / 3)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(math.ceil(len(outcomes) / 3), 3, squeeze=False)).ravel()
    colours = matplotlib.colormaps["tab10"]
    values = sorted(points[key].unique(), key=lambda v: (str(type(v)), v))
    x_of, labels = _positions(values)
    lines = points.groupby(list(others), sort=True) if others else [((), points)]
    for i, (combo, line) in enumerate(lines):
        combo = combo if isinstance(combo, tuple) else (combo,)
        name = ", ".join(f"{k}={v}" for k, v in zip(others, combo, strict=True)) or None
        line = line.set_index(key).reindex(values)
        for ax, outcome in zip(axes, outcomes, strict=False):
            mean, half = line[outcome], line[f"{outcome} ±95%"].fillna(0.0)
            upper = 1.0 - mean if outcome in RATES else half  # bars stay in the measure's range
            yerr = [np.minimum(half, mean.clip(lower=0)), np.minimum(half, upper)]
            ax.errorbar(
                x_of, mean, yerr=yerr, marker="o", capsize=3,
                color=colours(i % colours.N), label=name,
            )  # fmt: skip
    for ax, outcome in zip(axes, outcomes, strict=False):
        ax.set_title(OUTCOMES[outcome], fontsize="medium")
        ax.set_xlabel(key)
        ax.set_ylim(bottom=0)  # every outcome is a count, money or a rate
        if labels:
            ax.set_xticks(x_of, labels)
        if outcome in RATES:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if outcome == "r_loop":
            ax.axhline(1.0, linestyle="--", color="grey", linewidth=1)
        if points[outcome].isna().all():
            ax.text(0.5, 0.5, "not measured in these runs", transform=ax.transAxes, ha="center")
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    if others:
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return figure_html(
        fig,
        f"Each outcome against {key}: dots are the mean over seeds, bars its 95% confidence "
        "interval; R_loop's dashed line is R = 1."
        + (" One line per combination of the other swept keys." if others else ""),
    )


def _formatted(points: pd.DataFrame) -> pd.DataFrame:
    shown = points.copy()
    for outcome in OUTCOMES:
        if outcome in shown.columns:
            half = shown.pop(f"{outcome} ±95%")
            shown[outcome] = [
                fmt.value(outcome, m) + (f" ± {fmt.value(outcome, h)}" if h == h else "")
                for m, h in zip(shown[outcome], half, strict=True)
            ]
    return shown


def render_sweep_report(table: pd.DataFrame, *, title: str) -> str:
    """The sweep's figures (one per swept key) and its table of grid points."""
    keys = [c for c in table.columns if c.startswith("set:")]
    points = point_table(table, keys)
    names = [k.removeprefix("set:") for k in keys]
    parts = []
    if not names:
        parts.append('<p class="note">Nothing was swept (no --set): one point, over seeds.</p>')
    for name in names:
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append(_key_figure(points, name, [n for n in names if n != name]))
    parts += [
        "<h2>Every grid point</h2>",
        '<p class="note">Mean over seeds ± the half-width of its 95% confidence interval '
        "(Student t).</p>",
        frame_html(_formatted(points)),
    ]
    return page(title, parts)
