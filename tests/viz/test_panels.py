"""Each panel rendered with ``solara.render`` on a small model, and the whole page driven."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from html import escape
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import solara.widgets

import redloop
from redloop.viz.app import (
    LATEST,
    BrandDashboard,
    Charts,
    Controls,
    Explanation,
    FeedInspector,
    NetworkPanel,
    Page,
    inline_markdown,
)
from redloop.viz.charts import csv_text
from redloop.viz.params import schema_fields
from redloop.viz.views import feed_snapshot, snapshot

pytestmark = pytest.mark.timeout(120)


def render(element):
    _box, rc = solara.render(element, handle_error=False)
    return rc


def html(rc) -> str:
    """All raw-HTML blocks of a rendered tree, joined."""
    return "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def texts(rc) -> list[str]:
    """Every text child of every widget (``find`` stops at the first match, so walk)."""
    out, stack = [], list(rc.find(v.VuetifyWidget).widgets)
    while stack:
        w = stack.pop()
        for child in getattr(w, "children", None) or ():
            (out if isinstance(child, str) else stack).append(child)
    return out


def day_shown(rc) -> str:
    return rc.find(v.Html, class_="rl-day").widget.children[0]


def eventually(check: Callable[[], object], timeout: float = 30) -> None:
    """Run ``check`` until its assertions pass, or fail with its last error after ``timeout``.

    A page's click may return before its redraw: while the page's prefetch thread is
    rendering "next day ready", reacton leaves the click's render to that thread rather than
    wait for its lock. So a check after an interaction on the whole page waits for it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def until(holds: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Wait until ``holds()`` (as :func:`eventually`); fail saying ``what`` never came true."""

    def check() -> None:
        assert holds(), f"never came true: {what}"

    eventually(check, timeout)


def assert_day(rc, day: int) -> None:
    eventually(lambda: assert_equal(day_shown(rc), f"Day {day}"))


def assert_equal(got: object, expected: object) -> None:
    assert got == expected


# ------------------------------------------------------------------ panels


def test_charts_panel_draws_every_chart(young_sim):
    snap = snapshot(young_sim)
    rc = render(Charts(snap.charts, csv_text(snap.metrics)))
    out = html(rc)
    for chart in snap.charts:
        assert f'data-chart="{chart.name}"' in out
        assert out.count(f"rl-chart rl-chart-{chart.name}") == 1
        assert f'download="redloop-{chart.name}.svg"' in out
    assert out.count(f'data-points="{young_sim.day}"') == len(snap.charts) - 1  # all but funnel
    assert "above the dashed R = 1 line" in out
    assert 'download="redloop-metrics.csv"' in out


def test_network_panel_shows_adoption_and_creators(young_sim):
    view = snapshot(young_sim).network
    rc = render(NetworkPanel(view))
    out = html(rc)
    assert f'data-nodes="{view.nodes}"' in out
    for product in range(young_sim.model.platform.n_products):
        assert young_sim.model.platform.product(product).name in out
    assert "not bought yet" in out
    assert any(f"{view.adopters} have bought" in t for t in texts(rc))


def test_feed_inspector_shows_the_cards_with_labels(young_sim):
    view = feed_snapshot(young_sim, None)
    assert view.page is not None and len(view.cards) >= 5
    picked = []
    rc = render(FeedInspector(view, young_sim.feed_users, picked.append, None))
    out = html(rc)
    assert out.count('class="rl-card') == len(view.cards)
    assert out.count("rl-opened") == view.page.opened
    for card in view.cards:
        assert f'data-note="{card.note}"' in out
        for label in card.labels:
            assert label.replace("'", "&#x27;") in out
    assert f"{len(view.cards)} cards" in out and escape(view.user_label) in out
    assert "last discovery page" in out

    select = rc.find(v.Select, label="User").widget
    assert select.v_model == LATEST
    uid, label = young_sim.feed_users[3]
    select.v_model = label
    assert picked == [uid]


def test_feed_inspector_for_a_pinned_user(young_sim):
    uid, label = young_sim.feed_users[0]
    view = feed_snapshot(young_sim, uid)
    rc = render(FeedInspector(view, young_sim.feed_users, lambda _: None, uid))
    assert rc.find(v.Select, label="User").widget.v_model == label
    assert html(rc).count('class="rl-card') == len(view.cards)


def test_brand_dashboard_lists_every_brand(young_sim):
    snap = snapshot(young_sim)
    rc = render(BrandDashboard(snap.brands, snap.brand_chart))
    out = html(rc)
    for row in snap.brands:
        assert f'data-brand="{row.name}"' in out
        roi = "—" if math.isnan(row.roi) else f"{row.roi:.2f}"
        assert f"<td>{roi}</td>" in out
    assert 'data-chart="brand_revenue"' in out


def test_explanation_states_the_current_r_loop(mature_sim):
    snap = snapshot(mature_sim)
    r = snap.latest["r_loop"]
    rc = render(Explanation(snap.explanation))
    out = html(rc)
    assert f"<b>R_loop is {r:.2f}</b>" in out
    assert f"Day {mature_sim.day}." in out
    assert "**" not in out


def test_inline_markdown_escapes():
    assert inline_markdown("**a** *b* <c>") == "<b>a</b> <i>b</i> &lt;c&gt;"


def test_controls_edit_the_pending_parameters(small_params):
    applied = small_params()
    params = solara.reactive(applied)
    calls = []
    rc = render(
        Controls(
            params=params,
            applied=applied,
            scenarios={"baseline": "the question"},
            playing=False,
            on_play=lambda: calls.append("play"),
            on_step=lambda: calls.append("step"),
            on_reset=lambda: calls.append("reset"),
            on_scenario=calls.append,
        )
    )
    rc.find(v.Alert).assert_empty()
    rc.find(v.Slider, label=f"Users: {applied.users:,}").widget.v_model = 500
    assert params.value == replace(applied, users=500)
    rc.find(v.Alert).assert_not_empty()  # "press Reset to rebuild"
    rc.find(v.Switch, label="Buyers share reviews (the loop)").widget.v_model = False
    rc.find(v.Select, label="Recommender").widget.v_model = "interest"
    assert (params.value.sharing, params.value.recommender) == (False, "interest")
    for name in ("Play", "Step", "Reset"):
        rc.find(v.Btn, children=[name]).widget.click()
    assert calls == ["play", "step", "reset"]
    assert "the question" in texts(rc)


# ------------------------------------------------------------------ the page


def test_page_step_advances_the_day_and_the_charts():
    rc = render(Page("baseline", users=300))
    assert day_shown(rc) == "Day 0"
    assert 'data-chart="dau" data-points="0"' in html(rc)
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    step.click()
    assert_day(rc, 2)
    until(lambda: 'data-chart="dau" data-points="2"' in html(rc), "the DAU chart has 2 points")
    assert 'class="rl-card' in html(rc)  # the feed inspector has a page to show


def test_page_steps_a_scenario_on_the_batched_engine():
    batched = Path(redloop.__file__).parent / "docs" / "engines" / "baseline_batch.toml"
    rc = render(Page(str(batched), users=300))
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert_day(rc, 1)
    until(lambda: 'data-chart="dau" data-points="1"' in html(rc), "the DAU chart has 1 point")
    assert 'class="rl-card' in html(rc)


def running_text(rc) -> str:
    return rc.find(v.Html, class_="rl-muted rl-running").widget.children[0]


def test_page_reset_rebuilds_with_the_new_values():
    rc = render(Page("baseline", users=300))
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert_day(rc, 1)
    rc.find(v.Slider, label="Users: 300").widget.v_model = 400
    rc.find(v.Switch, label="Buyers share reviews (the loop)").widget.v_model = False
    assert day_shown(rc) == "Day 1"  # nothing applied before Reset
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert_day(rc, 0)
    until(lambda: "400 users" in running_text(rc), "the run line says 400 users")
    assert "sharing off" in running_text(rc)
    rc.find(v.Alert).assert_empty()
    assert 'data-nodes="300"' in html(rc)  # 400 accounts, drawn as a 300-node sample


def test_page_play_runs_days_until_paused():
    rc = render(Page("baseline", users=300))
    rc.find(v.Btn, children=["Play"]).widget.click()
    until(lambda: rc.find(v.Btn, children=["Step"]).widget.disabled, "Step is disabled")
    rc.find(v.Html, children=["Day 2"]).wait_for(timeout=60)
    rc.find(v.Btn, children=["Pause"]).widget.click()
    # the play thread may finish the day it is on, and render it, after the click
    rc.find(v.Btn, children=["Play"]).wait_for(timeout=30)
    rc.find(v.Btn, children=["Step"]).assert_wait(lambda w: not w.disabled, timeout=30)


def test_picking_a_scenario_rebuilds_from_its_values(tmp_path):
    own = tmp_path / "tiny.toml"
    own.write_text(
        'extends = "baseline"\ndescription = "A tiny town."\n[population]\nusers = 200\n'
    )
    rc = render(Page(scenario=str(own)))
    assert "200 users" in running_text(rc)
    assert "A tiny town." in texts(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert_day(rc, 1)
    select = rc.find(v.Select, label="Scenario").widget
    assert "baseline" in select.items
    select.v_model = "baseline"
    assert_day(rc, 0)
    # the scenario's own population
    until(lambda: "baseline · 3,000 users" in running_text(rc), "the run line names 3,000 users")


def test_play_stops_at_the_end_of_the_scenario(tmp_path):
    short = tmp_path / "short.toml"
    short.write_text('extends = "baseline"\ndays = 2\n[population]\nusers = 200\n')
    rc = render(Page(scenario=str(short)))
    assert any("Play runs to day 2" in t for t in texts(rc))
    rc.find(v.Btn, children=["Play"]).widget.click()
    rc.find(v.Html, children=["Day 2"]).wait_for(timeout=60)
    rc.find(v.Btn, children=["Play"]).wait_for(timeout=30)  # stopped by itself
    assert day_shown(rc) == "Day 2"
    # the next lap
    until(lambda: any("Play runs to day 4" in t for t in texts(rc)), "Play runs to day 4")


def test_the_all_parameters_panel_shows_the_schema_error_and_disables_reset():
    rc = render(Page("baseline", users=300))
    rc.find(v.Switch, label=f"Show all {len(schema_fields())} scenario keys").widget.v_model = True
    eventually(lambda: rc.find(v.TextField, label="days (days; 1 to 3,650)").assert_single())
    days = rc.find(v.TextField, label="days (days; 1 to 3,650)").widget
    assert days.v_model == "30"
    days.v_model = "-3"
    days.fire_event("keyup.enter", {})  # the box applies on Enter or leaving it
    eventually(lambda: rc.find(v.Alert).assert_single())
    assert "days: -3 is out of range" in rc.find(v.Alert).widget.children[0]
    assert rc.find(v.Btn, children=["Reset"]).widget.disabled
    days = rc.find(v.TextField, label="days (days; 1 to 3,650)").widget
    days.v_model = "12"
    days.fire_event("keyup.enter", {})
    until(lambda: not rc.find(v.Btn, children=["Reset"]).widget.disabled, "Reset is enabled")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    until(lambda: any("Play runs to day 12" in t for t in texts(rc)), "Play runs to day 12")


def test_pinning_overlays_the_run_on_the_charts():
    rc = render(Page("baseline", users=300))
    rc.find(v.Btn, children=["Step"]).widget.click()
    until(lambda: not rc.find(v.Btn, children=["Pin this run"]).widget.disabled, "Pin is enabled")
    rc.find(v.Btn, children=["Pin this run"]).widget.click()
    # every time chart (not the funnel)
    eventually(lambda: assert_equal(html(rc).count('data-overlay-key="1"'), 8))
    rc.find(v.Btn, children=["Unpin"]).widget.click()
    until(lambda: "data-pinned" not in html(rc), "the pinned run is gone")
