"""Charts tell the truth about their own data; a pinned run is drawn dashed on every chart;
the default scenario shows the lesson; the metrics export as CSV."""

from __future__ import annotations

import csv
import io
import math

import pytest

from redloop.sim import build_model
from redloop.viz import svg
from redloop.viz.charts import (
    ADOPTER_CAPTIONS,
    Pinned,
    adopters_caption,
    charts,
    csv_text,
    curve_shape,
)
from redloop.viz.params import DEFAULT_SCENARIO
from redloop.viz.views import metrics_columns

pytestmark = pytest.mark.timeout(180)


def logistic(days: int, k: float = 0.35, mid: float = 15, top: float = 800) -> list[float]:
    return [round(top / (1 + math.exp(-k * (d - mid)))) for d in range(days)]


def test_curve_shape_tells_an_s_curve_from_a_line_and_a_take_off():
    assert curve_shape(logistic(40)) == "s-curve"
    assert curve_shape([5.0 * d for d in range(30)]) == "steady"
    assert curve_shape(logistic(14)) == "accelerating"  # before the midpoint's turn
    assert curve_shape([100 * (1 - math.exp(-d / 4)) for d in range(30)]) == "slowing"
    assert curve_shape([0, 1, 2]) == "early"


def test_the_caption_never_promises_an_s_curve_under_a_line():
    caption = adopters_caption({"adopters": [5.0 * d for d in range(30)]})
    assert caption == ADOPTER_CAPTIONS["steady"] and "no S-curve" in caption
    assert "an S-curve" in adopters_caption({"adopters": logistic(40)})


def test_r_loop_and_channel_captions_follow_the_run(mature_sim):
    m = metrics_columns(mature_sim.model)
    by_name = {c.name: c for c in charts(m)}
    r = [v for v in m["r_loop"] if not math.isnan(v)]
    caption = by_name["r_loop"].caption
    assert ("stayed below 1" in caption) == (max(r) < 1)
    ads = any(v > 0 for v in m["share_ad"])
    assert ("no order in this run came from an ad" in by_name["attribution"].caption) != ads


def test_a_pinned_run_is_dashed_on_every_chart_with_a_key(young_sim, mature_sim):
    pinned = Pinned("pinned: seed 7", metrics_columns(young_sim.model))
    views = charts(metrics_columns(mature_sim.model), pinned)
    for chart in views:
        assert 'data-pinned="1"' in chart.svg or chart.name == "r_loop", chart.name
        if chart.name != "funnel":
            assert 'data-overlay-key="1"' in chart.svg and "pinned: seed 7" in chart.svg
            assert "this run" in chart.svg
    alone = charts(metrics_columns(mature_sim.model))
    assert not any("data-pinned" in c.svg for c in alone)


def test_charts_have_y_titles_hover_values_and_whole_day_ticks(mature_sim):
    for chart in charts(metrics_columns(mature_sim.model)):
        if chart.name == "funnel":
            continue
        assert 'data-ylabel="1"' in chart.svg, chart.name
        assert "<title>" in chart.svg.split("</title>", 1)[1], chart.name  # per-point titles
    ticks = svg.line_chart("x", list(range(40)), {"a": [1.0] * 40}, title="t")
    shown = [int(t.split('"')[0]) for t in ticks.split('data-tick="')[1:]]
    assert shown == list(range(0, 40, 5))
    assert svg.day_step(7) == 1 and svg.day_step(30) == 5 and svg.day_step(200) == 50


def test_csv_has_a_row_per_day_and_every_metric(mature_sim):
    m = metrics_columns(mature_sim.model)
    rows = list(csv.DictReader(io.StringIO(csv_text(m))))
    assert len(rows) == mature_sim.day
    assert list(rows[0]) == list(m)
    assert [int(r["day"]) for r in rows] == m["day"]
    assert int(rows[-1]["adopters"]) == m["adopters"][-1]
    assert rows[0]["r_loop"] == ""  # NaN: not measured yet


def test_the_default_scenario_shows_the_s_curve_and_r_loop_crossing_1():
    """What the page opens on: its own default run is convex, then concave, and R_loop ≥ 1."""
    assert DEFAULT_SCENARIO == "classroom_tipping"
    model = build_model(DEFAULT_SCENARIO)
    model.run_days(model.scenario_config.days)
    m = metrics_columns(model)
    adopters = m["adopters"]
    new = [b - a for a, b in zip([0, *adopters], adopters, strict=False)]
    weekly = [sum(new[i : i + 7]) for i in range(0, len(new) - 6, 7)]
    peak = weekly.index(max(weekly))
    assert 0 < peak < len(weekly) - 1  # rises (convex), then falls (concave)
    assert weekly[-1] < weekly[peak] / 2
    assert any(r >= 1 for r in m["r_loop"] if not math.isnan(r))
    by_name = {c.name: c for c in charts(m)}
    assert "an S-curve" in by_name["adopters"].caption
    assert "reached 1 on day" in by_name["r_loop"].caption
