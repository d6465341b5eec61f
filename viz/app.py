"""The redloop visualiser: a Solara page that runs a scenario live in the browser.

Start it with ``redloop viz [SCENARIO]`` (see :func:`serve`), or in Jupyter::

    from redloop.viz.app import Page
    Page("baseline", users=1000)     # the last expression of a cell displays the page

Panels: controls (scenario, parameters, play/pause/step/reset), a plain-language explanation
of the loop and today's numbers, live charts, the follower network coloured by adoption, a
feed inspector (one user's last discovery page) and a brand dashboard. The page only *reads*
the model (``views.snapshot``) and steps it one simulated day at a time; it never calls a
platform operation itself.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import cast

import solara

from redloop.platform.api import RECOMMENDERS, Channel

from .svg import colour
from .views import (
    BrandRow,
    ChartView,
    FeedView,
    NetworkView,
    Params,
    Sim,
    Snapshot,
    feed_html,
    feed_snapshot,
    scenario_catalogue,
    snapshot,
)

#: The scenario a served page opens with (set by :func:`serve`).
SCENARIO_ENV = "REDLOOP_VIZ_SCENARIO"
#: Pause between simulated days while playing (seconds).
PLAY_PAUSE = 0.25
CHANNEL_NAMES = tuple(c.label for c in Channel)
#: The feed inspector's default: whoever opened the discovery feed last.
LATEST = "Most recent visitor"

CSS = """
.rl-page { padding: 8px 16px 24px; }
.rl-top { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.rl-top h1 { font-size: 1.6rem; font-weight: 600; margin: 0; }
.rl-day { font-size: 1.3rem; font-weight: 600; color: #d62728; }
.rl-muted { color: #666; font-size: 0.85rem; }
.rl-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
             gap: 4px; }
.rl-caption { color: #666; font-size: 0.8rem; line-height: 1.3; margin-top: 2px; }
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


# ===================================================================== panels


@solara.component
def Controls(
    params: solara.Reactive[Params],
    applied: Params,
    scenarios: dict[str, str],
    playing: bool,
    on_play: Callable[[], None],
    on_step: Callable[[], None],
    on_reset: Callable[[], None],
    on_scenario: Callable[[str], None],
    play_until: int = 30,
):
    """Scenario picker, parameter controls and play / pause / step / reset."""
    p = params.value

    def setter(name: str) -> Callable[[object], None]:
        return lambda value: params.set(replace(params.value, **{name: value}))

    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=list(scenarios), value=p.scenario, on_value=on_scenario)
        solara.Text(scenarios.get(p.scenario, ""), classes=["rl-muted"])
    with solara.Card("Run", margin=0):
        with solara.Row(gap="6px"):
            solara.Button(
                "Pause" if playing else "Play",
                on_click=on_play,
                color="primary",
                classes=["rl-play"],
            )
            solara.Button(
                "Step",
                on_click=on_step,
                disabled=playing,
                color="primary",
                outlined=True,
                classes=["rl-step"],
            )
            solara.Button("Reset", on_click=on_reset, outlined=True, classes=["rl-reset"])
        solara.Text(
            f"Step = one simulated day. Play runs to day {play_until} unless paused.",
            classes=["rl-muted"],
        )
    with solara.Card("Parameters", margin=0):
        solara.SliderInt(
            f"Users: {p.users:,}",
            value=p.users,
            min=min(100, p.users),
            max=max(10_000, p.users),
            step=100,
            on_value=setter("users"),
        )
        solara.SliderFloat(
            f"Sessions per day: {p.sessions_per_day:.1f}",
            value=p.sessions_per_day,
            min=min(0.1, p.sessions_per_day),
            max=max(6.0, p.sessions_per_day),
            step=0.1,
            on_value=setter("sessions_per_day"),
        )
        solara.SliderFloat(
            f"Open rate: {p.open_rate:.3f}",
            value=p.open_rate,
            min=0.0,
            max=max(0.3, p.open_rate),
            step=0.005,
            on_value=setter("open_rate"),
        )
        solara.SliderFloat(
            f"Review post rate: {p.review_post_rate:.2f}",
            value=p.review_post_rate,
            min=0.0,
            max=1.0,
            step=0.05,
            on_value=setter("review_post_rate"),
        )
        solara.Select(
            "Recommender",
            values=list(RECOMMENDERS),
            value=p.recommender,
            on_value=setter("recommender"),
        )
        solara.Switch(
            label="Buyers share reviews (the loop)",
            value=p.sharing,
            on_value=setter("sharing"),
        )
        solara.InputInt(
            "Seed", value=p.seed, on_value=lambda v: setter("seed")(min(max(0, v or 0), 2**63 - 1))
        )
        if p != applied:
            solara.Info("Changed — press Reset to rebuild the model with these values.")


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


@solara.component
def Charts(charts: list[ChartView]):
    with solara.Div(classes=["rl-charts"]):
        for chart in charts:
            with solara.Card(chart.title, margin=0, classes=[f"rl-chart-{chart.name}"]):
                solara.HTML(tag="div", unsafe_innerHTML=chart.svg)
                solara.Text(chart.caption, classes=["rl-caption"])


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
def FeedInspector(
    view: FeedView,
    users: list[tuple[int, str]],
    on_user: Callable[[int | None], None],
    pinned: int | None = None,
):
    """One user's last discovery page as two columns of cards, and what they did with it.

    ``pinned=None`` follows the most recent visitor; picking a user pins them.
    """
    labels: dict[str, int | None] = {LATEST: None, **{label: uid for uid, label in users}}
    current = LATEST
    if pinned is not None:
        current = next((label for uid, label in users if uid == pinned), view.user_label)
        labels.setdefault(current, pinned)
    with solara.Card("Feed inspector", margin=0, classes=["rl-feed-inspector"]):
        solara.Select(
            "User",
            values=list(labels),
            value=current,
            on_value=lambda label: on_user(labels.get(label)),
        )
        page = view.page
        if page is None:
            solara.HTML(tag="div", unsafe_innerHTML=feed_html(view))
            return
        hour = int(page.time % 24)
        bought = f" Bought: {', '.join(view.orders)}." if view.orders else ""
        who = f"{view.user_label}: " if pinned is None else ""
        solara.Text(
            f"{who}last discovery page on day {page.day + 1}, {hour:02d}:00, "
            f"{len(page.cards)} cards from the {page.recommender} recommender; "
            f"opened {page.opened}.{bought} Counters are as of now.",
            classes=["rl-muted"],
        )
        solara.HTML(tag="div", unsafe_innerHTML=feed_html(view))


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
def Header(snap: Snapshot):
    p = snap.params
    with solara.Div(classes=["rl-top"]):
        solara.HTML(tag="h1", unsafe_innerHTML="redloop")
        solara.Text(f"Day {snap.day}", classes=["rl-day"])
        solara.Text(
            f"{p.scenario} · {snap.users:,} users · {p.recommender} recommender · "
            f"sharing {'on' if p.sharing else 'off'} · seed {p.seed}",
            classes=["rl-muted", "rl-running"],
        )


# ===================================================================== the page


def default_scenario() -> str:
    return os.environ.get(SCENARIO_ENV) or "baseline"


def initial_params(scenario: str | None, users: int | None, seed: int | None) -> Params:
    params = Params.of(scenario or default_scenario())
    if users is not None:
        params = replace(params, users=users)
    if seed is not None:
        params = replace(params, seed=seed)
    return params


@solara.component
def Page(scenario: str | None = None, users: int | None = None, seed: int | None = None):
    """The whole visualiser: ``Page()`` in Jupyter, ``redloop viz`` in a browser.

    ``scenario`` (default: ``$REDLOOP_VIZ_SCENARIO`` or ``baseline``), ``users`` and ``seed``
    override the starting values of the controls. Model state lives in reactive variables
    local to this page, so every browser tab (and every Jupyter output) runs its own model.
    """
    first = solara.use_memo(lambda: Sim(initial_params(scenario, users, seed)), [])
    scenarios = solara.use_memo(lambda: scenario_catalogue(first.params.scenario), [])
    sim = solara.use_reactive(first)
    params = solara.use_reactive(first.params)  # the controls; applied on Reset
    tick = solara.use_reactive(0)  # bumped after every simulated day
    playing = solara.use_reactive(False)
    feed_user = solara.use_reactive(cast(int | None, None))  # None: the most recent visitor

    def step() -> None:
        sim.value.step_day()
        tick.set(tick.value + 1)

    def rebuild(new: Params) -> None:
        playing.set(False)
        fresh = Sim(new)
        params.set(new)
        sim.set(fresh)
        tick.set(0)
        feed_user.set(None)

    def play(cancel: threading.Event) -> None:
        current = sim.value
        until = current.play_until
        while playing.value and not cancel.is_set() and sim.value is current:
            step()
            if current.day >= until:
                playing.set(False)
                break
            cancel.wait(PLAY_PAUSE)

    solara.use_thread(play, dependencies=[playing.value, sim.value], intrusive_cancel=False)

    current = sim.value
    snap = solara.use_memo(lambda: snapshot(current), [current, tick.value])
    feed = solara.use_memo(
        lambda: feed_snapshot(current, feed_user.value), [current, tick.value, feed_user.value]
    )

    solara.Title("redloop visualiser")
    solara.Style(CSS)
    with solara.Div(classes=["rl-page"]):
        Header(snap)
        with solara.Columns([1, 3], gutters_dense=True):
            with solara.Column(gap="8px"):
                Controls(
                    params=params,
                    applied=current.params,
                    scenarios=scenarios,
                    playing=playing.value,
                    on_play=lambda: playing.set(not playing.value),
                    on_step=step,
                    on_reset=lambda: rebuild(params.value),
                    on_scenario=lambda name: rebuild(Params.of(name)),
                    play_until=current.play_until,
                )
            with solara.Column(gap="8px"):
                Explanation(snap.explanation)
                Charts(snap.charts)
                with solara.Columns([1, 1], gutters_dense=True):
                    NetworkPanel(snap.network)
                    FeedInspector(feed, current.feed_users, feed_user.set, feed_user.value)
                BrandDashboard(snap.brands, snap.brand_chart)


# ===================================================================== serving


def serve(scenario: str = "baseline", host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the page with Solara until Ctrl-C (then return 0); the server's exit code if it
    stops on its own (e.g. the port is taken).

    Runs ``python -m solara run redloop.viz.app:Page --production`` in a child process with
    Solara's telemetry off, so everything (front-end included, from ``solara-assets``) is
    served locally and works offline.
    """
    env = {
        # a closed tab's model (and its Play thread) is freed after 2 minutes, not 24 hours
        "SOLARA_KERNEL_CULL_TIMEOUT": "2m",
        **os.environ,
        SCENARIO_ENV: scenario,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "redloop.viz.app:Page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]
    print(f"redloop viz: {scenario} at http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    # Own process group: Ctrl-C reaches only us, and we stop the server exactly once.
    child = subprocess.Popen(command, env=env, start_new_session=True)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return child.wait()
    except KeyboardInterrupt:
        _stop(child)
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            _stop(child)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down (SIGINT, as a terminal would), then insist."""
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            child.send_signal(sig)
            child.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
        except KeyboardInterrupt:  # an impatient second Ctrl-C: stop now
            child.kill()
            child.wait()
            return
