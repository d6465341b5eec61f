"""Self-contained HTML reports of one run, and the parts every report shares (page, figures,
tables; comparisons: report_compare, sweeps: report_sweep).

Figures are PNGs embedded as base64 data URIs and the style sheet is inline, so a report is a
single file that opens offline. The same input gives the same bytes (no timestamps, no PNG
software tag), so reports can be diffed and cached.

Figures are drawn on bare ``matplotlib.figure.Figure`` objects (rendered by Agg) rather than
through pyplot: they never enter pyplot's global registry, so nothing leaks and the caller's
backend is left alone.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from redloop.sim import formatting as fmt
from redloop.sim.metrics import CHANNELS, NOTE_KINDS
from redloop.sim.report_opening import opening_html

FIGSIZE = (8.0, 3.2)
DPI = 100
NOTE_COUNTS = tuple(f"notes_{k}" for k in NOTE_KINDS)
CHANNEL_SHARES = tuple(f"share_{c}" for c in CHANNELS)
NOTE_SHARES = tuple(f"share_{k}_note" for k in NOTE_KINDS)
FUNNEL = ("impressions", "reads", "engagements", "orders")

LABELS = {"gini_notes": "notes", "gini_creators": "creators"}
R_LOOP_CAPTION = (
    "R_loop > 1: each purchase's shared experience brings more than one later purchase — "
    "self-sustaining word of mouth; below the dashed line, growth needs ads or new users. "
    "The band is its 95% bootstrap interval over the purchases counted."
)

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: .3rem; } h2 { border-bottom: 1px solid #ddd; margin-top: 2.2rem; }
h3 { margin: 1.2rem 0 .3rem; font-size: 1rem; }
figure { margin: 0 0 1rem; } img { max-width: 100%; height: auto; }
figcaption, .note { color: #555; font-size: .9rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: right; }
table.summary th, table.summary td { text-align: left; }
.scroll { overflow-x: auto; max-height: 32rem; }
.question { font-size: 1.1rem; } .answer { font-size: 1.1rem; background: #f4f8fb;
       padding: .6rem .8rem; border-left: 4px solid #1f77b4; }
table.headline th { text-align: left; font-weight: normal; color: #444; }
table.headline td { font-variant-numeric: tabular-nums; font-weight: 600; }
details { margin-top: 2rem; }
"""


class _Plot(NamedTuple):
    """One figure: drawn only when its frame has ``columns``."""

    title: str
    caption: str
    columns: tuple[str, ...]
    draw: Callable[[Figure, pd.DataFrame], None]


# ------------------------------------------------------------------ formatting


_num = fmt.number


def _label(column: str) -> str:
    return LABELS.get(
        column, column.removeprefix("share_").removeprefix("notes_").replace("_", " ")
    )


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _cell(value: Any) -> str:
    """A summary value as HTML: a list of records becomes a small table."""
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return frame_html(pd.DataFrame(value))
    if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        return html.escape(f"[{', '.join(map(_num, value))}]")  # an interval: [lo, hi]
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return html.escape(_num(value) if numeric else str(value))


def summary_html(summary: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{_cell(value)}</td></tr>"
        for key, value in _flatten(summary)
    )
    return f'<table class="summary">{rows}</table>'


def frame_html(frame: pd.DataFrame, *, index: bool = False) -> str:
    table = frame.to_html(
        index=index, classes="data", border=0, float_format=_num, na_rep="—", escape=True
    )
    return f'<div class="scroll">{table}</div>'


def page(title: str, parts: Sequence[str]) -> str:
    head = html.escape(title)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{head}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            f"<h1>{head}</h1>",
            *parts,
            "</body>",
            "</html>",
            "",
        ]
    )


# ------------------------------------------------------------------ figures


def figure_html(fig: Figure, caption: str) -> str:
    """Render to PNG (no software tag, so the bytes depend only on the drawing) and embed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    text = html.escape(caption)
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{text}">'
        f"<figcaption>{text}</figcaption></figure>"
    )


def _section(title: str, plots: Sequence[_Plot], frame: pd.DataFrame) -> str:
    parts = [f"<h2>{html.escape(title)}</h2>"]
    for plot in plots:
        parts.append(f"<h3>{html.escape(plot.title)}</h3>")
        missing = [c for c in plot.columns if c not in frame.columns]
        if missing:
            parts.append(
                f'<p class="note">Skipped: no column {html.escape(", ".join(missing))}.</p>'
            )
            continue
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        plot.draw(fig, frame)
        parts.append(figure_html(fig, plot.caption))
    return "\n".join(parts)


def legend(ax: Axes) -> None:
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", frameon=False)


def span_days(ax: Axes, days: pd.Series | pd.Index) -> None:
    """Show the whole run, even where a metric is still NaN (R_loop's first days), with
    whole-day ticks."""
    ax.set_xlabel("day")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(days):
        ax.set_xlim(days.min() - 0.5, days.max() + 0.5)


def _lines(
    ax: Axes,
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    label: Callable[[str], str] = _label,
) -> None:
    """One line per column over days; markers when a single day would draw no line."""
    marker = "o" if len(frame) < 2 else None
    for column in columns:
        ax.plot(frame["day"], frame[column], marker=marker, label=label(column))
    span_days(ax, frame["day"])
    if len(columns) > 1:
        legend(ax)


def _bars(ax: Axes, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Columns stacked as day-wide bars: reads as a stacked area, and still shows one day."""
    bottom = np.zeros(len(frame))
    for column in columns:
        values = frame[column].fillna(0).to_numpy(dtype=np.float64)
        ax.bar(frame["day"], values, width=1.0, bottom=bottom, linewidth=0, label=_label(column))
        bottom += values
    ax.set_xlabel("day")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(columns) > 1:
        legend(ax)


def _draw_loop(fig: Figure, m: pd.DataFrame) -> None:
    dau, notes = fig.subplots(1, 2)
    _lines(dau, m, ("dau",))
    dau.set_ylim(bottom=0)  # from zero: day-to-day noise should not look dramatic
    dau.set_ylabel("daily active users")
    _bars(notes, m, NOTE_COUNTS)
    notes.set_ylabel("notes published")


def _draw_adoption(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    orders = ax.twinx()
    orders.bar(
        m["day"], m["orders"].fillna(0), width=1.0, linewidth=0, color="tab:orange", alpha=0.35
    )
    orders.set_ylabel("orders per day", color="tab:orange")
    _lines(ax, m, ("adopters",))
    ax.set_ylabel("cumulative buyers", color="tab:blue")
    ax.set_ylim(bottom=0)
    ax.set_zorder(orders.get_zorder() + 1)  # the curve over the bars
    ax.patch.set_visible(False)


def _draw_funnel(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    values = m[list(FUNNEL)].sum().to_numpy(dtype=np.float64)
    labels = [f"{FUNNEL[0]}  {values[0]:,.0f}"]
    for i in range(1, len(FUNNEL)):
        rate = f"{values[i] / values[i - 1]:.1%}" if values[i - 1] else "—"
        labels.append(f"{FUNNEL[i]}  {values[i]:,.0f}\n({rate} of {FUNNEL[i - 1]})")
    y = np.arange(len(FUNNEL))[::-1]
    ax.barh(y, values, color="tab:red", alpha=0.7)
    ax.set_yticks(y, labels)
    if (values > 0).all():  # stages differ by orders of magnitude
        ax.set_xscale("log")
        ax.set_xlim(left=min(1.0, values.min()))  # bar length = orders of magnitude
    ax.set_xlabel(
        "total over the run"
        + (" (log scale: stages differ by orders of magnitude)" if ax.get_xscale() == "log" else "")
    )


def _draw_shares(columns: Sequence[str], fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    _bars(ax, m, columns)
    ax.set_ylabel("share of orders")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def _draw_r_loop(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    _lines(ax, m, ("r_loop",))
    if {"r_loop_lo", "r_loop_hi"} <= set(m.columns):
        ax.fill_between(
            m["day"], m["r_loop_lo"], m["r_loop_hi"], alpha=0.25, linewidth=0, label="95% interval"
        )
    ax.axhline(1.0, linestyle="--", color="grey", linewidth=1)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("R_loop")
    if m["r_loop"].isna().all():
        ax.text(
            0.5,
            0.5,
            "no purchase is old enough yet to count the purchases it led to",
            transform=ax.transAxes,
            ha="center",
            color="grey",
        )


def _draw_gmv(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    _bars(ax, m, ("gmv",))
    ax.set_ylabel("GMV (¥)")


def _draw_rates(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    _lines(ax, m, ("read_rate", "engagement_rate"))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("rate")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def _draw_gini(fig: Figure, m: pd.DataFrame) -> None:
    ax = fig.subplots()
    _lines(ax, m, ("gini_notes", "gini_creators"))
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("Gini of impressions")


def _draw_brand_revenue(fig: Figure, b: pd.DataFrame) -> None:
    ax = fig.subplots()
    wide = b.pivot(index="day", columns="brand", values="revenue").reset_index()
    _lines(ax, wide, [c for c in wide.columns if c != "day"], label=str)
    ax.set_ylabel("cumulative revenue (¥)")


LOOP_SECTIONS = (
    (
        "The loop at a glance",
        (
            _Plot(
                "Users and notes",
                "Left: people active each day; right: notes they published, "
                "by kind — reviews grow only once purchases start to arrive.",
                ("day", "dau", *NOTE_COUNTS),
                _draw_loop,
            ),
        ),
    ),
    (
        "Adoption",
        (
            _Plot(
                "Cumulative buyers and daily orders",
                "Look for the S-curve: slow start, "
                "word-of-mouth take-off, then saturation as few non-buyers remain.",
                ("day", "adopters", "orders"),
                _draw_adoption,
            ),
        ),
    ),
    (
        "Funnel",
        (
            _Plot(
                "Impressions → reads → engagements → orders",
                "Each stage's share of the one "
                "before shows where attention is lost on the way to a purchase.",
                FUNNEL,
                _draw_funnel,
            ),
        ),
    ),
    (
        "Attribution",
        (
            _Plot(
                "Orders by channel",
                "Which surface each day's orders came from; a growing "
                "following/search share means purchases come from the community, not ads.",
                ("day", *CHANNEL_SHARES),
                partial(_draw_shares, CHANNEL_SHARES),
            ),
            _Plot(
                "Orders by note kind",
                "Which kind of note led to each order; the gap up to 100% "
                "is orders not attributed to any note.",
                ("day", *NOTE_SHARES),
                partial(_draw_shares, NOTE_SHARES),
            ),
        ),
    ),
    ("Word of mouth", (_Plot("R_loop", R_LOOP_CAPTION, ("day", "r_loop"), _draw_r_loop),)),
)
HEALTH_SECTION = (
    "Money, attention and concentration",
    (
        _Plot(
            "GMV per day",
            "Daily sales in yuan; spikes line up with festivals, discounts and campaigns.",
            ("day", "gmv"),
            _draw_gmv,
        ),
        _Plot(
            "Reading and engaging",
            "How often a shown note is opened, and how often a read "
            "turns into a like, collect, comment or share.",
            ("day", "read_rate", "engagement_rate"),
            _draw_rates,
        ),
        _Plot(
            "Concentration of exposure",
            "Gini of impressions across notes and creators: "
            "near 1, a few notes or creators take almost all the attention.",
            ("day", "gini_notes", "gini_creators"),
            _draw_gini,
        ),
    ),
)
BRAND_PLOT = _Plot(
    "Revenue per brand",
    "Cumulative revenue of each brand; a kink shows when a campaign or a discount started.",
    ("day", "brand", "revenue"),
    _draw_brand_revenue,
)
BRAND_TABLE = (
    "brand",
    "units",
    "revenue",
    "budget",
    "spend",
    "utilisation",
    "unspent",
    "roi",
    "why_unspent",
)


def _brand_section(brands: pd.DataFrame, weeks: pd.DataFrame | None = None) -> str:
    if brands.empty:
        return '<h2>Brand sales</h2>\n<p class="note">No brands in this scenario.</p>'
    final = brands.sort_values("day", kind="stable").drop_duplicates("brand", keep="last")
    parts = [
        _section("Brand sales", (BRAND_PLOT,), brands),
        "<h3>At the end of the run</h3>",
        '<p class="note">Budget: every weekly budget so far; spend: fees and commission '
        "committed, discounts given, ads as charged; utilisation = spend / budget; unspent "
        "budget and why (counts of creators that could not be booked).</p>",
        frame_html(final[[c for c in BRAND_TABLE if c in final.columns]]),
    ]
    sources = [c for c in final.columns if c.startswith("revenue_") and final[c].any()]
    if sources:
        by_tactic = final[["brand", *sources]].rename(
            columns={c: c.removeprefix("revenue_") for c in sources}
        )
        parts += ["<h3>Revenue by tactic</h3>", frame_html(by_tactic)]
    if weeks is not None and not weeks.empty:
        parts += [
            "<h3>Creator budgets by week</h3>",
            '<p class="note">Each week a brand booked creators through the marketplace: '
            "budget (with what the week before could not commit), committed, left over and "
            "why.</p>",
            frame_html(weeks),
        ]
    return "\n".join(parts)


# ------------------------------------------------------------------ public API


def render_run_report(
    metrics: pd.DataFrame,
    brands: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    title: str,
    brand_weeks: pd.DataFrame | None = None,
) -> str:
    """The HTML report of one run: the question and its answer, the headline figures, the
    loop's figures, brands (with their weekly creator budgets, ``brand_weeks``), the daily
    table, and every summary field as recorded."""
    parts = [
        opening_html(summary),
        *(_section(name, plots, metrics) for name, plots in LOOP_SECTIONS),
        _brand_section(brands, brand_weeks),
        _section(*HEALTH_SECTION, metrics),
        "<h2>Daily metrics</h2>",
        frame_html(metrics),
        "<details><summary>Every summary field (summary.json)</summary>",
        summary_html(summary),
        "</details>",
    ]
    return page(title, parts)
