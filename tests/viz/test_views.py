"""What the panels show, as data: parameters, read-only snapshots, the network sample, text."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from redloop.scenarios.schema import load, named
from redloop.sim import build_model
from redloop.viz import svg
from redloop.viz.explain import explain
from redloop.viz.views import (
    NETWORK_LIMIT,
    NetworkSample,
    Params,
    Sim,
    feed_snapshot,
    metrics_columns,
    scenario_catalogue,
    setting,
    snapshot,
)


def test_params_start_from_the_scenario_and_map_to_its_keys():
    sc = load("baseline")
    p = Params.of("baseline")
    assert (p.users, p.seed, p.sharing) == (
        sc.population.users,
        sc.seed,
        sc.behaviour.post_purchase_sharing,
    )
    assert p.recommender == sc.platform_config().recommender
    changed = replace(
        p,
        users=400,
        sessions_per_day=2.5,
        open_rate=0.1,
        review_post_rate=0.9,
        recommender="interest",
        sharing=False,
        seed=7,
    )
    built = changed.load()
    assert built.population.users == 400
    assert built.population.sessions_per_day == 2.5
    assert built.behaviour.open_rate == 0.1
    assert built.behaviour.review_post_rate == 0.9
    assert built.behaviour.post_purchase_sharing is False
    assert built.platform_config().recommender == "interest"
    assert built.seed == 7
    assert built.brands == sc.brands  # everything else stays the scenario's


def test_the_catalogue_lists_every_named_scenario_with_its_question():
    catalogue = scenario_catalogue()
    assert set(catalogue) == set(named())
    assert next(iter(catalogue)) == "classroom_tipping"  # the default opens the chooser
    assert "word of mouth" in catalogue["baseline"]
    assert "\n" not in catalogue["baseline"]


def test_watching_a_run_does_not_change_it(small_params):
    """The visualiser only reads: a run watched every day equals one nobody watched."""
    watched = Sim(small_params())
    for _ in range(3):
        watched.step_day()
        snapshot(watched)
        feed_snapshot(watched, None)
        feed_snapshot(watched, watched.feed_users[0][0])
    alone = build_model("baseline", **small_params().overrides())
    alone.run_days(3)
    assert watched.model.platform.fingerprint() == alone.platform.fingerprint()
    assert watched.model.metrics().equals(alone.metrics())


def test_the_network_is_creators_plus_a_sample_laid_out_once(small_params):
    sim = Sim(replace(small_params(), users=1200))
    sample = sim.network
    model = sim.model
    creators = {c.uid for c in model.creators}
    drawn = {model.people[i].uid for i in sample.people}
    assert len(sample.people) == NETWORK_LIMIT
    assert creators <= drawn
    assert sum(sample.rings) == len(creators)
    uids = [model.people[i].uid for i in sample.people]
    head = [r for u, r in zip(uids, sample.radii, strict=True) if u in model.head_kols]
    plain = [r for r, ring in zip(sample.radii, sample.rings, strict=True) if not ring]
    assert head and min(head) > max(plain)
    before = list(sample.xy)
    sim.step_day()
    view = snapshot(sim).network
    assert sample.xy == before  # fixed layout: nodes do not jump between steps
    assert view.nodes == NETWORK_LIMIT and view.total == 1200
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in sample.xy)
    again = NetworkSample.of(build_model("baseline", **sim.params.overrides()), seed=1)
    assert again.people == sample.people and again.xy == before  # seeded


def test_a_small_population_is_drawn_whole(young_sim):
    view = snapshot(young_sim).network
    assert view.nodes == view.total == len(young_sim.model.people) == 300
    assert 'data-nodes="300"' in view.svg
    model = young_sim.model
    assert view.adopters == model.columns.wants.owners(np.arange(len(model.people))).sum()


def test_each_node_is_coloured_by_the_first_product_its_person_had(young_sim):
    model = young_sim.model
    first: dict[int, int] = {}  # buyer -> product of their first order (a sample counts)
    for order in range(model.platform.n_orders):
        placed = model.platform.order(order)
        first.setdefault(placed.buyer, placed.product)
    sample = young_sim.network
    want = [first.get(model.people[i].uid, -1) for i in sample.people]
    assert sample.first_products(model) == want and sum(p >= 0 for p in want) > 0


def test_charts_follow_the_days(young_sim):
    snap = snapshot(young_sim)
    names = [c.name for c in snap.charts]
    assert names == [
        "dau",
        "adopters",
        "notes",
        "funnel",
        "gmv",
        "attribution",
        "rates",
        "gini",
        "r_loop",
    ]
    for chart in snap.charts:
        if chart.name != "funnel":
            assert f'data-points="{young_sim.day}"' in chart.svg, chart.name
    r_loop = next(c for c in snap.charts if c.name == "r_loop")
    assert 'data-reference="1"' in r_loop.svg  # the R = 1 line


def test_brand_rows_add_up(young_sim):
    model = young_sim.model
    rows = snapshot(young_sim).brands
    assert [r.name for r in rows] == [b.name for b in model.brands]
    tables = model.platform.tables()
    assert sum(sum(r.channels.values()) for r in rows) == tables["orders"]["buyer"].size
    for row, brand in zip(rows, model.brands, strict=True):
        assert row.revenue == pytest.approx(model.brand_revenue(brand))
        assert row.spend == pytest.approx(brand.total_spend())
        assert math.isnan(row.roi) if row.spend == 0 else row.roi == row.revenue / row.spend


def test_the_explanation_reads_the_numbers(mature_sim, young_sim):
    m = metrics_columns(mature_sim.model)
    r = m["r_loop"][-1]
    assert not math.isnan(r)
    text = " ".join(explain(setting(mature_sim.model), m))
    assert f"R_loop is {r:.2f}" in text
    assert "below 1" in text if r < 1 else "sustains itself" in text
    young = " ".join(explain(setting(young_sim.model), metrics_columns(young_sim.model)))
    assert "R_loop is not known yet" in young
    assert f"Day {young_sim.day}." in young


def test_the_explanation_says_when_the_loop_is_cut(stepped):
    sim = stepped(1, sharing=False)
    text = " ".join(explain(setting(sim.model), metrics_columns(sim.model)))
    assert "switched off" in text


def test_a_fresh_model_says_to_press_step(small_params):
    sim = Sim(small_params())
    text = " ".join(snapshot(sim).explanation)
    assert "Press **Step**" in text


# ------------------------------------------------------------------ svg


def test_nice_ticks_cover_the_top():
    assert svg.nice_ticks(0) == [0.0, 1.0]
    assert svg.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert svg.nice_ticks(1234)[-1] >= 1234


def test_line_chart_breaks_at_nan_and_marks_points():
    chart = svg.line_chart("x", [0, 1, 2, 3], {"a": [1.0, math.nan, 2.0, 3.0]}, title="t")
    assert chart.count("<polyline") == 1  # the run before the gap is a single point
    assert chart.count('r="2.5"') == 3  # a dot per known value
    assert chart.count("<title>a, day") == 3  # and its value on hover
    assert "<title>a, day 3: 3</title>" in chart
    assert 'data-points="4"' in chart
    empty = svg.line_chart("x", [], {}, title="t", empty="nothing")
    assert "nothing" in empty and 'data-points="0"' in empty


def test_svg_text_is_escaped():
    chart = svg.line_chart("x", [0], {"<b>&": [1.0], "b": [2.0]}, title="<script>")
    assert "<script>" not in chart and "&lt;b&gt;&amp;" in chart
    assert re.search(r"<title>&lt;script&gt;</title>", chart)
