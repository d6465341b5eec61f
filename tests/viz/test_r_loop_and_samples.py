"""The visualiser: R_loop's 95% interval (a band, a sentence); free samples are no sale."""

from __future__ import annotations

import math

from redloop.viz import svg
from redloop.viz.explain import explain, interval_sentence
from redloop.viz.views import metrics_columns, setting, snapshot


def test_line_chart_shades_a_band_where_both_bounds_are_known():
    nan = math.nan
    chart = svg.line_chart(
        "x",
        [0, 1, 2, 3, 4, 5],
        {"a": [nan, 1.0, 1.1, nan, 1.2, 1.3]},
        title="t",
        band=([nan, 0.8, 0.9, nan, 1.0, 1.1], [nan, 1.2, 1.3, nan, 4.0, 1.5]),
    )
    assert chart.count('data-band="1"') == 2  # one polygon per stretch without a gap
    assert ">4<" in chart  # the axis reaches the top of the band
    single = svg.line_chart("x", [0, 1], {"a": [nan, 1.0]}, title="t", band=([nan, 0.5], [nan, 2]))
    assert single.count('data-band="1"') == 1  # a single day still shows its interval
    plain = svg.line_chart("x", [0, 1], {"a": [1.0, 1.0]}, title="t")
    assert "data-band" not in plain


def test_the_r_loop_chart_and_explanation_carry_the_interval(mature_sim):
    chart = next(c for c in snapshot(mature_sim).charts if c.name == "r_loop")
    assert 'data-band="1"' in chart.svg and "95% interval" in chart.caption
    m = metrics_columns(mature_sim.model)
    lo, r, hi = m["r_loop_lo"][-1], m["r_loop"][-1], m["r_loop_hi"][-1]
    assert lo <= r <= hi
    text = " ".join(explain(setting(mature_sim.model), m))
    assert f"Its 95% interval is {lo:.2f} to {hi:.2f}" in text


def test_the_interval_sentence_says_whether_it_settles_r_against_1():
    assert "cannot yet tell" in interval_sentence(0.8, 1.3)
    assert "wholly above 1" in interval_sentence(1.05, 1.3)
    assert "wholly below 1" in interval_sentence(0.2, 0.6)
    assert interval_sentence(math.nan, math.nan) == ""


def test_brand_rows_count_sales_not_free_samples():
    from redloop.sim import build_model
    from redloop.viz.views import brand_rows

    model = build_model("seeding_by_choice", **{"population.users": 300})
    model.run_days(3)
    (row,) = brand_rows(model)
    orders = model.platform.tables()["orders"]
    assert int(orders["is_sample"].sum()) == 20
    assert sum(row.channels.values()) == row.units == orders["buyer"].size - 20
