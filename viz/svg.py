"""Small SVG charts drawn as strings: fast enough to redraw every panel on every step.

A matplotlib figure costs 50-90 ms to render as an image; these charts cost well under a
millisecond, scale to any width (``viewBox``) and need nothing from a CDN. The colours and
conventions follow ``redloop.sim.report`` (tab10 palette, stacked day-wide bars for shares,
a dashed line at R = 1, a log-scale funnel).

Every chart's root ``<svg>`` carries ``data-chart`` (its name) and ``data-points`` (how many
days it shows), so tests and browsers can check that a chart advanced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

#: matplotlib's tab10, the palette of the HTML reports.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
GRID, AXIS, MUTED = "#e6e6e6", "#888", "#777"
WIDTH, HEIGHT = 420, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 34, 32
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
#: How a pinned run's curves are drawn over the current run's.
PINNED_DASH = 'stroke-dasharray="6 4" stroke-opacity="0.75"'


@dataclass(frozen=True, slots=True)
class Overlay:
    """A pinned run drawn dashed over a chart: its days and its series (same names)."""

    label: str  # e.g. "pinned: review_post_rate 0.35"
    days: Sequence[int]
    series: Mapping[str, Sequence[float]]
    current: str = "this run"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def compact(value: float, *, percent: bool = False) -> str:
    """A short tick or label: 1.2k, 35%, 0.42."""
    if isinstance(value, float) and math.isnan(value):
        return "—"
    if percent:
        return f"{value:.0%}"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    if a == int(a):
        return f"{int(value)}"
    return f"{value:.2g}"


def nice_ticks(top: float, n: int = 4) -> list[float]:
    """0 and round steps up to at least ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if not top > 0 or math.isinf(top):
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]


def day_step(span: int, most: int = 8) -> int:
    """Whole days between x ticks: 1, 2, 5, 10, 20, 50... so at most ``most`` ticks show."""
    step = 1
    while span / step > most:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


class _Frame:
    """Scales and axes of one time chart: x = day, y from 0 to the top tick."""

    def __init__(self, days: Sequence[int], top: float, *, percent: bool = False) -> None:
        self.days = sorted(set(days))
        self.lo = min(self.days, default=0) - 0.5
        self.hi = max(self.days, default=0) + 0.5
        self.ticks = nice_ticks(top)
        self.percent = percent
        self.w = WIDTH - LEFT - RIGHT
        self.h = HEIGHT - TOP - BOTTOM

    def x(self, day: float) -> float:
        return LEFT + (day - self.lo) / (self.hi - self.lo) * self.w

    def y(self, value: float) -> float:
        top = self.ticks[-1] or 1.0
        return TOP + self.h - min(max(value, 0.0), top) / top * self.h

    def bar_width(self) -> float:
        return self.w / (self.hi - self.lo)

    def axes(self, ylabel: str) -> list[str]:
        """Grid and y ticks, whole-day x ticks, "day" centred below them, the y-axis title
        written up the left edge."""
        parts = []
        for t in self.ticks:
            y = self.y(t)
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID}"/>'
                f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                f"{compact(t, percent=self.percent)}</text>"
            )
        if self.days:
            step = day_step(self.days[-1] - self.days[0] + 1)
            for d in range(self.days[0] + (-self.days[0]) % step, self.days[-1] + 1, step):
                parts.append(
                    f'<text x="{self.x(d):.1f}" y="{HEIGHT - 17}" text-anchor="middle" '
                    f'fill="{MUTED}" data-tick="{d}">{d}</text>'
                )
        y0 = self.y(0)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y0:.1f}" y2="{y0:.1f}" stroke="{AXIS}"/>'
            f'<text x="{LEFT + self.w / 2:.0f}" y="{HEIGHT - 3}" text-anchor="middle" '
            f'fill="{MUTED}">day</text>'
        )
        if ylabel:
            mid = TOP + self.h / 2
            parts.append(
                f'<text transform="translate(13,{mid:.0f}) rotate(-90)" text-anchor="middle" '
                f'fill="{MUTED}" data-ylabel="1">{escape(ylabel)}</text>'
            )
        return parts


def _legend(labels: Sequence[str], colours: Sequence[str]) -> str:
    """One row of coloured squares and labels at the top right."""
    items, x = [], float(WIDTH - RIGHT)
    for label, c in reversed(list(zip(labels, colours, strict=True))):
        x -= 6.2 * len(label) + 16
        items.append(
            f'<rect x="{x:.0f}" y="4" width="9" height="9" fill="{c}"/>'
            f'<text x="{x + 12:.0f}" y="12" fill="#444">{escape(label)}</text>'
        )
    return "".join(items)


def _style_key(overlay: Overlay) -> str:
    """Which curve is which: solid = this run, dashed = the pinned one (second row)."""
    y = 24
    return (
        f'<g data-overlay-key="1"><line x1="{LEFT}" x2="{LEFT + 18}" y1="{y}" y2="{y}" '
        f'stroke="#444" stroke-width="2"/><text x="{LEFT + 22}" y="{y + 4}" fill="#444">'
        f"{escape(overlay.current)}</text>"
        f'<line x1="{LEFT + 100}" x2="{LEFT + 118}" y1="{y}" y2="{y}" stroke="#444" '
        f'stroke-width="2" {PINNED_DASH}/><text x="{LEFT + 122}" y="{y + 4}" fill="#444">'
        f"{escape(overlay.label)}</text></g>"
    )


def _svg(name: str, points: int, body: Sequence[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="{escape(title)}" data-chart="{escape(name)}" '
        f'data-points="{points}" {FONT}><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _empty(name: str, title: str, message: str) -> str:
    body = [
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
        f"{escape(message)}</text>"
    ]
    return _svg(name, 0, body, title)


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if not (isinstance(v, float) and math.isnan(v))]


def _value(v: float, percent: bool) -> str:
    return f"{v:.1%}" if percent else f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def line_chart(
    name: str,
    days: Sequence[int],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str = "",
    reference: float | None = None,
    reference_label: str = "",
    percent: bool = False,
    empty: str = "no data yet — press Step",
    band: tuple[Sequence[float], Sequence[float]] | None = None,
    overlay: Overlay | None = None,
) -> str:
    """Lines over days; NaN values leave gaps; every point says its value on hover.
    ``reference`` draws a dashed horizontal line; ``band`` = (low, high) per day shades an
    interval around the first series; ``overlay`` draws a pinned run's series dashed."""
    shown = [*days, *(overlay.days if overlay else ())]
    if not shown:
        return _empty(name, title, empty)
    pinned = list(overlay.series.values()) if overlay else []
    finite = [v for vals in [*series.values(), *pinned] for v in _finite(vals)]
    top = max([*finite, *(_finite(band[1]) if band else ()), reference or 0.0, 0.0])
    frame = _Frame(shown, top * 1.05 if top else 1.0, percent=percent)
    body = frame.axes(ylabel)
    if band is not None and days:
        body += _band(frame, days, *band)
    if reference is not None:
        body += _reference(frame, reference, reference_label)
    if overlay is not None:
        body += _overlay_lines(frame, overlay, overlay.series, percent)
    for i, (label, values) in enumerate(series.items()):
        body += _line(frame, days, values, colour(i), label, percent)
    if len(series) > 1:
        body.append(_legend(list(series), [colour(i) for i in range(len(series))]))
    if not finite:
        body.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(empty)}</text>"
        )
    return _svg(name, len(days), body, title)


def _reference(frame: _Frame, value: float, label: str) -> list[str]:
    """A dashed horizontal line at ``value``, with its label above it."""
    y = frame.y(value)
    parts = [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555" '
        'stroke-dasharray="5 4" data-reference="1"/>'
    ]
    if label:
        parts.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{y - 4:.1f}" text-anchor="end" fill="#555">'
            f"{escape(label)}</text>"
        )
    return parts


def _line(
    frame: _Frame,
    days: Sequence[int],
    values: Sequence[float],
    c: str,
    label: str,
    percent: bool,
    *,
    dashed: bool = False,
) -> list[str]:
    """One series: a polyline per stretch without NaN, dots where points are few or alone,
    and a hover target with the value at every point."""
    runs: list[list[tuple[float, float]]] = [[]]
    hover = []
    for d, v in zip(days, values, strict=True):
        if isinstance(v, float) and math.isnan(v):
            runs.append([])
            continue
        x, y = frame.x(d), frame.y(v)
        runs[-1].append((x, y))
        hover.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="transparent">'
            f"<title>{escape(label)}, day {d}: {_value(v, percent)}</title></circle>"
        )
    style = f' {PINNED_DASH} data-pinned="1"' if dashed else ""
    parts = []
    for run in runs:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        if len(run) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{c}" stroke-width="2"{style}/>'
            )
        if not dashed and (len(run) == 1 or len(days) <= 20):
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{c}"/>' for x, y in run]
    return parts + hover


def _band(
    frame: _Frame, days: Sequence[int], low: Sequence[float], high: Sequence[float]
) -> list[str]:
    """One shaded polygon per stretch of days where both bounds are known."""
    runs: list[list[tuple[float, float, float]]] = [[]]
    for d, lo, hi in zip(days, low, high, strict=True):
        if math.isnan(lo) or math.isnan(hi):
            runs.append([])
        else:
            runs[-1].append((d, lo, hi))
    shapes = []
    for run in (r for r in runs if r):
        if len(run) == 1:  # a single day: a bar as wide as the day
            d, lo, hi = run[0]
            run = [(d - 0.4, lo, hi), (d + 0.4, lo, hi)]
        upper = [f"{frame.x(d):.1f},{frame.y(hi):.1f}" for d, _, hi in run]
        lower = [f"{frame.x(d):.1f},{frame.y(lo):.1f}" for d, lo, _ in reversed(run)]
        shapes.append(
            f'<polygon points="{" ".join(upper + lower)}" fill="{colour(0)}" '
            'fill-opacity="0.2" stroke="none" data-band="1"/>'
        )
    return shapes


def stacked_bars(
    name: str,
    days: Sequence[int],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str = "",
    percent: bool = False,
    empty: str = "no data yet — press Step",
    overlay: Overlay | None = None,
) -> str:
    """Day-wide bars, one colour per series stacked bottom-up (reads as a stacked area);
    each bar says its value on hover. ``overlay`` draws the pinned run's series as dashed
    lines at the height of their stacked tops."""
    shown = [*days, *(overlay.days if overlay else ())]
    if not shown:
        return _empty(name, title, empty)
    pinned_tops = _stacked_tops(overlay.series) if overlay else {}
    if percent:  # the top of a stack of shares is always 100%: nothing to compare
        pinned_tops.pop(next(reversed(pinned_tops), ""), None)
    totals = list(_stacked_tops(series).values())[-1:]
    top = max((v for vals in [*totals, *pinned_tops.values()] for v in vals), default=0.0)
    frame = _Frame(shown, top or 1.0, percent=percent)
    body = frame.axes(ylabel)
    width = frame.bar_width()
    bottoms = [0.0] * len(days)
    for i, (label, values) in enumerate(series.items()):
        c = colour(i)
        for j, (d, v) in enumerate(zip(days, values, strict=True)):
            if not v or math.isnan(v):
                continue
            y0, y1 = frame.y(bottoms[j]), frame.y(bottoms[j] + v)
            body.append(
                f'<rect x="{frame.x(d) - width / 2:.1f}" y="{y1:.1f}" width="{width:.1f}" '
                f'height="{max(y0 - y1, 0.0):.1f}" fill="{c}"><title>{escape(label)}, day {d}: '
                f"{_value(v, percent)}</title></rect>"
            )
            bottoms[j] += v
    if overlay is not None:
        body += _overlay_lines(frame, overlay, pinned_tops, percent)
    if len(series) > 1:
        body.append(_legend(list(series), [colour(i) for i in range(len(series))]))
    return _svg(name, len(days), body, title)


def _overlay_lines(
    frame: _Frame, overlay: Overlay, series: Mapping[str, Sequence[float]], percent: bool
) -> list[str]:
    """The pinned run's ``series`` as dashed lines, with the key saying dashed = pinned."""
    lines = [
        part
        for i, (label, values) in enumerate(series.items())
        for part in _line(
            frame,
            overlay.days,
            values,
            colour(i),
            f"{overlay.label} · {label}",
            percent,
            dashed=True,
        )
    ]
    return [*lines, _style_key(overlay)]


def _stacked_tops(series: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """Each series' running total over the ones stacked below it (NaN counts as 0)."""
    out: dict[str, list[float]] = {}
    below: list[float] | None = None
    for label, values in series.items():
        clean = [0.0 if math.isnan(v) else float(v) for v in values]
        below = clean if below is None else [a + b for a, b in zip(below, clean, strict=True)]
        out[label] = below
    return out


def funnel(
    name: str,
    stages: Sequence[tuple[str, float]],
    *,
    title: str,
    pinned: Sequence[tuple[str, float]] | None = None,
    pinned_label: str = "",
) -> str:
    """Horizontal bars on a log scale, each labelled with its count and its share of the
    stage before (the stages differ by orders of magnitude); ``pinned`` marks the pinned
    run's totals as dashed outlines."""
    values = [v for _, v in stages]
    largest = max([*values, *(v for _, v in pinned or ())], default=0.0)
    if largest < 1:
        return _empty(name, title, "no cards served yet — press Step")
    top = math.log10(largest * 1.2)
    row = (HEIGHT - 16) / len(stages)
    label_w = 150
    body = []

    def width(v: float) -> float:
        return (math.log10(v) / top if v >= 1 else 0.0) * (WIDTH - label_w - RIGHT)

    for i, (label, v) in enumerate(stages):
        y = 8 + i * row
        rate = ""
        if i and values[i - 1]:
            rate = f"{v / values[i - 1]:.1%} of {stages[i - 1][0]}"
        body.append(
            f'<rect x="{label_w}" y="{y:.1f}" width="{max(width(v), 1.0):.1f}" '
            f'height="{row - 10:.1f}" fill="#d62728" fill-opacity="0.7"><title>{escape(label)}: '
            f"{v:,.0f}</title></rect>"
            f'<text x="{label_w - 6}" y="{y + row / 2 - 6:.1f}" text-anchor="end" fill="#222">'
            f"{escape(label)} {v:,.0f}</text>"
            f'<text x="{label_w - 6}" y="{y + row / 2 + 7:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{escape(rate)}</text>'
        )
        if pinned:
            p = pinned[i][1]
            body.append(
                f'<rect x="{label_w}" y="{y - 2:.1f}" width="{max(width(p), 1.0):.1f}" '
                f'height="{row - 6:.1f}" fill="none" stroke="#222" {PINNED_DASH} '
                f'data-pinned="1"><title>{escape(pinned_label)} · {escape(label)}: {p:,.0f}'
                "</title></rect>"
            )
    return _svg(name, len(stages), body, title)


def network(
    xy: Sequence[tuple[float, float]],
    edges: Sequence[tuple[int, int]],
    fills: Sequence[str],
    radii: Sequence[float],
    rings: Sequence[bool],
    *,
    title: str,
    size: int = 520,
) -> str:
    """Nodes at fixed positions (``xy`` in 0..1), edges as one path, rings around creators.
    Whole-pixel coordinates: it is redrawn on every Step, and the bytes are what costs."""
    pad = 12
    span = size - 2 * pad

    def px(p: tuple[float, float]) -> tuple[float, float]:
        return pad + p[0] * span, pad + p[1] * span

    pts = [px(p) for p in xy]
    path = "".join(
        f"M{pts[a][0]:.0f} {pts[a][1]:.0f}L{pts[b][0]:.0f} {pts[b][1]:.0f}" for a, b in edges
    )
    body = [f'<path d="{path}" stroke="#b8b8b8" stroke-width="0.6" stroke-opacity="0.6"/>']
    # small nodes first, so creators are drawn on top
    for i in sorted(range(len(pts)), key=lambda i: radii[i]):
        x, y = pts[i]
        ring = ' stroke="#222" stroke-width="1.4"' if rings[i] else ""
        body.append(
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{radii[i]:.1f}" fill="{fills[i]}"{ring}/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="100%" '
        f'role="img" aria-label="{escape(title)}" data-chart="network" '
        f'data-nodes="{len(pts)}" data-edges="{len(edges)}"><title>{escape(title)}</title>'
        f"{''.join(body)}</svg>"
    )
