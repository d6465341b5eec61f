"""The live charts: SVG drawings of the daily metrics, each with a caption true to its data.

A caption describes *this* chart: the buyers curve is called an S-curve only when it is one
(:func:`curve_shape`), the R_loop caption says whether and when it crossed 1, the channel
caption mentions ads only when the run has them. A pinned run (:class:`Pinned`) is drawn
dashed on every chart, with a key naming which curve is which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redloop.sim.metrics import CHANNELS, NOTE_KINDS, R_LOOP_MATURITY_DAYS

from . import svg

Metrics = dict[str, list[Any]]
FUNNEL = (
    ("impressions", "impressions"),
    ("reads", "reads"),
    ("engagements", "engagements"),
    ("orders", "orders"),
)


@dataclass(frozen=True, slots=True)
class ChartView:
    name: str
    title: str
    caption: str
    svg: str


@dataclass(frozen=True, slots=True)
class Pinned:
    """A run kept for comparison: its metrics when pinned and what set it apart."""

    label: str
    metrics: Metrics


def col(m: Metrics, name: str) -> list[float]:
    return [float(v) for v in m.get(name, [])]


def _smooth(xs: list[float], k: int = 3) -> list[float]:
    """Centred moving average (shorter at the ends)."""
    h = k // 2
    return [
        sum(xs[max(0, i - h) : i + h + 1]) / len(xs[max(0, i - h) : i + h + 1])
        for i in range(len(xs))
    ]


def curve_shape(cumulative: list[float]) -> str:
    """The shape of a cumulative-buyers curve: ``"s-curve"`` (slow start, take-off, then
    saturation), ``"accelerating"`` (take-off, no saturation yet), ``"slowing"`` (fastest
    at the start), ``"steady"`` (near-linear) or ``"early"`` (too little to tell)."""
    if len(cumulative) < 6 or cumulative[-1] < 10:
        return "early"
    new = _smooth([b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False)], 5)
    peak = max(range(len(new)), key=new.__getitem__)
    # the start: the first fifth of the run, at most its first week (a longer window would
    # take in the take-off itself on a long run)
    start = max(new[: max(2, min(7, len(new) // 5))])
    rose = new[peak] >= 2 * max(start, 1e-9)
    if rose and new[-1] <= 0.6 * new[peak] and peak < len(new) - 2:
        return "s-curve"
    if rose:
        return "accelerating"
    if new[-1] <= 0.6 * new[peak]:
        return "slowing"
    return "steady"


ADOPTER_CAPTIONS = {
    "early": "Cumulative distinct buyers. Too few days or buyers yet to see the curve's shape.",
    "s-curve": "Cumulative distinct buyers: an S-curve — a slow start, a word-of-mouth "
    "take-off, then saturation as fewer people are left to buy.",
    "accelerating": "Cumulative distinct buyers: taking off — each day adds more buyers than "
    "the last; saturation has not set in yet.",
    "slowing": "Cumulative distinct buyers: fastest at the start, then slowing — early buyers "
    "came without a word-of-mouth take-off.",
    "steady": "Cumulative distinct buyers: near-linear — a steady trickle each day, no "
    "word-of-mouth take-off (no S-curve in this run).",
}


def adopters_caption(m: Metrics) -> str:
    return ADOPTER_CAPTIONS[curve_shape(col(m, "adopters"))]


def r_loop_caption(m: Metrics) -> str:
    r = col(m, "r_loop")
    known = [(int(d), v) for d, v in zip(m.get("day", []), r, strict=True) if not math.isnan(v)]
    base = (
        "Later purchases per purchase; above the dashed R = 1 line word of mouth sustains "
        "itself. The band is its 95% interval (bootstrap): where it spans 1, the run cannot "
        "tell yet."
    )
    if not known:
        return f"{base} A purchase counts once it is {R_LOOP_MATURITY_DAYS} days old."
    above = [d for d, v in known if v >= 1]
    if not above:
        return f"{base} In this run it has stayed below 1 (highest {max(v for _, v in known):.2f})."
    if known[-1][1] >= 1:
        return f"{base} In this run it has been at or above 1 since day {above[0]}."
    return f"{base} In this run it reached 1 on day {above[0]} and fell below it again."


def attribution_caption(m: Metrics) -> str:
    ads = any(v > 0 for v in col(m, "share_ad"))
    tail = (
        "a growing following/search share means purchases come from the community rather than ads."
        if ads
        else "no order in this run came from an ad."
    )
    return f"Where each day's orders came from (the last touch before buying); {tail}"


def notes_caption(m: Metrics) -> str:
    reviews = sum(col(m, "notes_review"))
    lead = "Day 0 includes the creators' starting notes. "
    if not m.get("day"):
        return lead + "Reviews appear once purchases have been delivered and used."
    if not reviews:
        return lead + "No review notes yet: buyers post them after delivery and a few days of use."
    return lead + f"{reviews:,.0f} review notes so far, posted after delivery and use."


def _overlay(pinned: Pinned | None, series: dict[str, str]) -> svg.Overlay | None:
    """The pinned run's columns for a chart (``series``: label -> metrics column)."""
    if pinned is None:
        return None
    p = pinned.metrics
    return svg.Overlay(
        pinned.label, [int(d) for d in p.get("day", [])], {k: col(p, c) for k, c in series.items()}
    )


def charts(m: Metrics, pinned: Pinned | None = None) -> list[ChartView]:
    """The live charts, from the daily metrics (a dict of columns), with ``pinned`` dashed."""
    days = [int(d) for d in m.get("day", [])]

    def drawn(draw: Callable[..., str]) -> Callable[..., str]:
        """``draw`` (a line or stacked-bar chart) over these metrics, with the pinned run."""

        def chart(name: str, title: str, series: dict[str, str], ylabel: str, **kw: Any) -> str:
            return draw(
                name,
                days,
                {k: col(m, c) for k, c in series.items()},
                title=title,
                ylabel=ylabel,
                overlay=_overlay(pinned, series),
                **kw,
            )

        return chart

    line, bars = drawn(svg.line_chart), drawn(svg.stacked_bars)

    def totals(metrics: Metrics) -> list[tuple[str, float]]:
        return [(label, float(sum(col(metrics, c)))) for label, c in FUNNEL]

    shares = {c: f"share_{c}" for c in CHANNELS}
    r_band = (col(m, "r_loop_lo"), col(m, "r_loop_hi"))
    has_band = len(r_band[0]) == len(r_band[1]) == len(days)
    return [
        ChartView(
            "dau",
            "Daily active users",
            "People who opened the app each day.",
            line("dau", "Daily active users", {"DAU": "dau"}, "people"),
        ),
        ChartView(
            "adopters",
            "Buyers so far",
            adopters_caption(m),
            line("adopters", "Cumulative buyers", {"buyers": "adopters"}, "people"),
        ),
        ChartView(
            "notes",
            "Notes published, by kind",
            notes_caption(m),
            bars(
                "notes",
                "Notes published per day by kind",
                {k: f"notes_{k}" for k in NOTE_KINDS},
                "notes",
            ),
        ),
        ChartView(
            "funnel",
            "Funnel so far",
            "Impressions → reads → engagements → orders, totals (log scale); each stage's "
            "share of the one before shows where attention is lost.",
            svg.funnel(
                "funnel",
                totals(m),
                title="Funnel totals so far",
                pinned=totals(pinned.metrics) if pinned else None,
                pinned_label=pinned.label if pinned else "",
            ),
        ),
        ChartView(
            "gmv",
            "GMV per day (¥)",
            "Daily sales in yuan.",
            bars("gmv", "GMV per day", {"GMV": "gmv"}, "¥ per day"),
        ),
        ChartView(
            "attribution",
            "Orders by channel",
            attribution_caption(m),
            bars(
                "attribution", "Share of orders by channel", shares, "share of orders", percent=True
            ),
        ),
        ChartView(
            "rates",
            "Reading and engaging",
            "How often a shown card is opened, and how often a read turns into a like, "
            "collect, comment or share.",
            line(
                "rates",
                "Read rate and engagement rate",
                {"read rate": "read_rate", "engagement rate": "engagement_rate"},
                "rate",
                percent=True,
            ),
        ),
        ChartView(
            "gini",
            "Concentration of attention",
            "Gini of impressions across notes and creators: near 1, a few take almost all the "
            "attention (rich get richer).",
            line(
                "gini",
                "Gini of impressions",
                {"notes": "gini_notes", "creators": "gini_creators"},
                "Gini",
                percent=True,
            ),
        ),
        ChartView(
            "r_loop",
            "R_loop: later purchases per purchase",
            r_loop_caption(m),
            line(
                "r_loop",
                "R_loop",
                {"R_loop": "r_loop"},
                "R_loop",
                reference=1.0,
                reference_label="R = 1",
                empty=f"purchases must be {R_LOOP_MATURITY_DAYS} days old to count",
                band=r_band if has_band else None,
            ),
        ),
    ]


def csv_text(m: Metrics) -> str:
    """The daily metrics as CSV (one row per day), for the download link."""
    names = list(m)
    rows = [",".join(names)]
    for i in range(len(m.get("day", []))):
        rows.append(",".join(_cell(m[n][i]) for n in names))
    return "\n".join(rows) + "\n"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    return str(v)
