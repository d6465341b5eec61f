"""The visualiser's read-only panels as Solara components, and the page's stylesheet.

Each panel takes plain data from ``views`` (a :class:`~redloop.viz.views.Snapshot`) and
draws it; none of them touches the model.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from html import escape

import solara

from redloop.platform.api import Channel

from .charts import ChartView
from .inspector import FeedView, feed_html
from .svg import colour
from .views import BrandRow, NetworkView, Snapshot

CHANNEL_NAMES = tuple(c.label for c in Channel)
#: The feed inspector's default: whoever opened the discovery feed last.
LATEST = "Most recent visitor"

CSS = """
.rl-page { padding: 8px 16px 24px; }
.rl-top { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.rl-top h1 { font-size: 1.6rem; font-weight: 600; margin: 0; }
.rl-day { font-size: 1.3rem; font-weight: 600; color: #d62728; }
.rl-muted { color: #666; font-size: 0.85rem; }
.rl-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
             gap: 4px; }
.rl-caption { color: #666; font-size: 0.8rem; line-height: 1.3; margin-top: 2px; }
/* Vuetify breaks card titles anywhere ("R_lo|op"): wrap at word boundaries instead */
.v-card__title { word-break: normal; overflow-wrap: break-word; hyphens: none;
                 font-size: 1.05rem; line-height: 1.35; }
.rl-chart-tools { text-align: right; height: 0; position: relative; top: -40px; }
.rl-chart { height: 100%; }
.rl-download { font-size: 0.75rem; margin-right: 6px; }
.rl-exports { margin: 2px 0 6px; font-size: 0.85rem; }
.rl-buttons { display: flex; flex-wrap: wrap; gap: 6px; }
.rl-params-all .v-input { margin-top: 0; padding-top: 0; }
.rl-param-doc { color: #666; font-size: 0.72rem; line-height: 1.2; margin: -14px 0 6px; }
.rl-markers span { display: inline-block; margin-right: 10px; font-size: 0.75rem;
                       color: #555; }
.rl-placed { color: #555; font-size: 0.75rem; }
.rl-feed { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.rl-card { border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px; background: #fafafa;
           opacity: 0.62; font-size: 0.82rem; line-height: 1.35; }
.rl-card.rl-opened { opacity: 1; background: #fff; border-color: #d62728;
                     box-shadow: 0 1px 3px rgba(0,0,0,.15); }
.rl-topics { color: #d62728; font-weight: 600; text-transform: uppercase; font-size: 0.7rem; }
.rl-title { font-weight: 600; margin: 2px 0; }
.rl-badge { display: inline-block; font-size: 0.68rem; border-radius: 4px; padding: 0 5px;
            margin: 1px 4px 1px 0; background: #eee; color: #333; }
.rl-badge.rl-ad { background: #ffb000; color: #000; font-weight: 700; }
.rl-product { color: #1f77b4; }
.rl-author, .rl-counts { color: #555; }
.rl-did { margin-top: 3px; font-style: italic; color: #222; }
.rl-legend span { display: inline-block; margin-right: 10px; font-size: 0.78rem; }
.rl-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
               margin-right: 4px; vertical-align: middle; }
table.rl-brands { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
table.rl-brands th, table.rl-brands td { padding: 4px 6px; border-bottom: 1px solid #eee;
                                         text-align: right; vertical-align: top; }
table.rl-brands th { font-weight: 600; }
table.rl-brands th:nth-child(-n+2), table.rl-brands td:nth-child(-n+2) { text-align: left; }
table.rl-brands td.rl-mix { width: 22%; text-align: left; vertical-align: middle; }
"""


def inline_markdown(text: str) -> str:
    """``**bold**`` and ``*italic*`` to HTML, everything else escaped.

    (``solara.Markdown`` would fetch KaTeX from a CDN, which fails offline.)
    """
    html = escape(text)
    html = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html)
    return re.sub(r"\*(.+?)\*", r"<i>\1</i>", html)


@solara.component
def Explanation(paragraphs: list[str]):
    """What the loop is and what the current numbers mean, in plain language."""
    with solara.Card("What is happening", margin=0, classes=["rl-explain"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML="".join(f"<p>{inline_markdown(p)}</p>" for p in paragraphs),
        )


def download_link(data: str, mime: str, filename: str, text: str) -> str:
    """An ``<a download>`` link carrying ``data`` itself (base64), so saving needs no server
    round trip and no download widget."""
    href = f"data:{mime};base64,{base64.b64encode(data.encode()).decode()}"
    return f'<a class="rl-download" download="{escape(filename)}" href="{href}">{escape(text)}</a>'


#: Points the link at a data URL of the chart's own drawing as the click happens (before the
#: browser follows it), so a Step sends each drawing once, not twice.
SVG_HREF_ON_CLICK = (
    "this.href='data:image/svg+xml;charset=utf-8,'+encodeURIComponent("
    "this.closest('.rl-chart').querySelector('svg[data-chart]').outerHTML)"
)


def chart_html(chart: ChartView) -> str:
    """One chart as a card: title, SVG download link, drawing and caption. A single HTML
    block per chart (not a Vuetify card of widgets) keeps a Step's re-render small."""
    link = (
        f'<a class="rl-download" download="redloop-{chart.name}.svg" href="#" '
        f'onclick="{SVG_HREF_ON_CLICK}">SVG</a>'
    )
    return (
        f'<div class="v-card v-sheet theme--light rl-chart rl-chart-{chart.name}">'
        f'<div class="v-card__title">{escape(chart.title)}</div>'
        f'<div class="v-card__text"><div class="rl-chart-tools">{link}</div>{chart.svg}'
        f'<div class="rl-caption">{escape(chart.caption)}</div></div></div>'
    )


@solara.component
def Charts(charts: list[ChartView], csv: str, pinned: str = ""):
    """Every chart with its caption and SVG download; the day's metrics as CSV."""
    note = f" Dashed: {pinned}." if pinned else ""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=download_link(
            csv, "text/csv", "redloop-metrics.csv", "Download metrics (CSV)"
        )
        + f'<span class="rl-muted"> one row per simulated day; each chart has an SVG link.{note}'
        "</span>",
        classes=["rl-exports"],
    )
    with solara.Div(classes=["rl-charts"]):
        for chart in charts:
            solara.HTML(tag="div", unsafe_innerHTML=chart_html(chart))


def _legend_html(items: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        f'<span><i style="background:{c}"></i>{escape(label)}</span>' for label, c in items
    )


@solara.component
def NetworkPanel(view: NetworkView):
    """The follower network, nodes coloured by the first product each person bought."""
    with solara.Card("Follower network", margin=0, classes=["rl-network"]):
        shown = (
            f"all {view.total:,} accounts"
            if view.nodes == view.total
            else f"{view.nodes} of {view.total:,} accounts: creators and a seeded sample of "
            "their followers"
        )
        solara.Text(
            f"{shown}; {view.edges:,} follow links; {view.adopters} have bought. Ringed, larger "
            "dots are creators (largest: head KOLs).",
            classes=["rl-muted"],
        )
        solara.HTML(tag="div", unsafe_innerHTML=view.svg)
        solara.HTML(tag="div", unsafe_innerHTML=_legend_html(view.legend), classes=["rl-legend"])


@solara.component
def UserPicker(
    users: list[tuple[int, str]],
    on_user: Callable[[int | None], None],
    pinned: int | None,
    pinned_label: str,
):
    """Whose feed to inspect (its own component: it does not change with a step)."""
    labels: dict[str, int | None] = {LATEST: None, **{label: uid for uid, label in users}}
    current = LATEST
    if pinned is not None:
        current = next((label for uid, label in users if uid == pinned), pinned_label)
        labels.setdefault(current, pinned)
    solara.Select(
        "User", values=list(labels), value=current, on_value=lambda label: on_user(labels[label])
    )


def feed_intro(view: FeedView, pinned: int | None) -> str:
    page = view.page
    if page is None:
        return ""
    bought = f" Bought: {', '.join(view.orders)}." if view.orders else ""
    who = f"{view.user_label}: " if pinned is None else ""
    return (
        f"{who}last discovery page on day {page.day + 1}, {int(page.time % 24):02d}:00, "
        f"{len(page.cards)} cards from the {page.recommender} recommender; "
        f"opened {page.opened}.{bought} Counters are as of now."
    )


@solara.component
def FeedInspector(
    view: FeedView,
    users: list[tuple[int, str]],
    on_user: Callable[[int | None], None],
    pinned: int | None = None,
):
    """One user's last discovery page as two columns of cards, and what they did with it.

    ``pinned=None`` follows the most recent visitor; picking a user pins them.
    """
    with solara.Card("Feed inspector", margin=0, classes=["rl-feed-inspector"]):
        UserPicker(users, on_user, pinned, view.user_label if pinned is not None else "")
        intro = feed_intro(view, pinned)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(f'<p class="rl-muted">{escape(intro)}</p>' if intro else "")
            + feed_html(view),
        )


def _money(x: float) -> str:
    return f"¥{x:,.0f}"


def _mix_svg(channels: dict[str, int]) -> str:
    total = sum(channels.values())
    if not total:
        return '<span class="rl-muted">no orders yet</span>'
    x, parts = 0.0, []
    for i, name in enumerate(CHANNEL_NAMES):
        w = 100 * channels.get(name, 0) / total
        if w:
            parts.append(
                f'<rect x="{x:.2f}" width="{w:.2f}" height="12" fill="{colour(i)}">'
                f"<title>{name}: {channels[name]}</title></rect>"
            )
        x += w
    return (
        '<svg viewBox="0 0 100 12" preserveAspectRatio="none" width="100%" height="12">'
        f"{''.join(parts)}</svg>"
    )


def _tactics(row: BrandRow) -> str:
    """Revenue by the tactic behind the note that sold it, largest first."""
    total = sum(row.tactics.values())
    if not total:
        return ""
    parts = sorted(row.tactics.items(), key=lambda kv: -kv[1])
    text = " · ".join(f"{name.replace('_', ' ')} {value / total:.0%}" for name, value in parts)
    return f'<span class="rl-muted">{escape(text)}</span>'


def brands_html(rows: list[BrandRow]) -> str:
    head = (
        "<tr><th>brand</th><th>strategy</th><th>units</th><th>revenue</th><th>spend</th>"
        "<th>ROI</th><th>budget / week</th><th>orders by channel</th></tr>"
    )
    body = []
    for r in rows:
        origin = "overseas" if r.origin == "overseas" else "domestic"
        age = "established" if r.established else "new"
        roi = "—" if math.isnan(r.roi) else f"{r.roi:.2f}"
        body.append(
            f'<tr data-brand="{escape(r.name)}"><td><b>{escape(r.name)}</b><br>'
            f'<span class="rl-muted">{age}, {origin}</span></td>'
            f"<td>{escape(r.strategy)}<br>{_tactics(r)}</td>"
            f"<td>{r.units:,}</td><td>{_money(r.revenue)}</td>"
            f"<td>{_money(r.spend)}</td><td>{roi}</td><td>{_money(r.weekly_budget)}</td>"
            f'<td class="rl-mix">{_mix_svg(r.channels)}</td></tr>'
        )
    legend = _legend_html(tuple((c, colour(i)) for i, c in enumerate(CHANNEL_NAMES)))
    return (
        f'<table class="rl-brands">{head}{"".join(body)}</table>'
        f'<div class="rl-legend" style="margin-top:6px">{legend}</div>'
    )


@solara.component
def BrandDashboard(rows: list[BrandRow], chart: str):
    """Per brand: sales, spend, ROI (revenue per yuan spent) and where orders came from."""
    with solara.Card("Brands", margin=0, classes=["rl-brand-dashboard"]):
        if not rows:
            solara.Text("This scenario has no brands.", classes=["rl-muted"])
            return
        with solara.Columns([2, 1]):
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=brands_html(rows))
                solara.Text(
                    "ROI = revenue / marketing spend so far (creator fees, ads, discounts). "
                    "Under each strategy: revenue by the tactic behind the note that sold it. "
                    "Channels: where each order's last touch was.",
                    classes=["rl-caption"],
                )
            with solara.Column():
                solara.HTML(tag="div", unsafe_innerHTML=chart)
                solara.Text("Cumulative revenue per brand.", classes=["rl-caption"])


@solara.component
def Header(snap: Snapshot, ready: int = 0, play_until: int = 0):
    """The day shown, what is running, where Play stops; ``data-ready`` is the next day once
    it has been simulated ahead (Step then only redraws)."""
    p = snap.params
    with solara.Div(classes=["rl-top"]):
        solara.HTML(tag="h1", unsafe_innerHTML="redloop")
        solara.Text(f"Day {snap.day}", classes=["rl-day"])
        solara.HTML(
            tag="span",
            unsafe_innerHTML="next day ready" if ready > snap.day else "",
            attributes={"data-ready": str(max(ready, snap.day))},
            classes=["rl-muted", "rl-ready"],
        )
        solara.Text(
            f"{p.scenario} · {snap.users:,} users · {p.recommender} recommender · "
            f"sharing {'on' if p.sharing else 'off'} · seed {p.seed}",
            classes=["rl-muted", "rl-running"],
        )
        solara.Text(
            f"Step = one simulated day. Play runs to day {play_until} unless paused.",
            classes=["rl-muted", "rl-play-until"],
        )
