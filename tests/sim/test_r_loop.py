"""R_loop's bootstrap interval (sim/metrics.py r_loop_interval) and its daily columns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.scenarios.schema import load
from redloop.sim.metrics import R_LOOP_MATURITY_DAYS, purchase_cohorts, r_loop, r_loop_interval
from redloop.sim.model import RedloopModel

NOW = 1000.0
OLD = NOW - R_LOOP_MATURITY_DAYS * 24 - 1


def cohorts(n: int, seed: int, mean: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    children = np.random.default_rng(seed).poisson(mean, n)
    return np.full(n, OLD), children


@settings(max_examples=60, deadline=None)
@given(
    children=st.lists(st.integers(0, 12), min_size=1, max_size=300),
    young=st.integers(0, 20),
    seed=st.integers(0, 2**32),
)
def test_the_interval_contains_the_point_estimate(children, young, seed) -> None:
    time = np.concatenate([np.full(len(children), OLD), np.full(young, NOW)])
    kids = np.concatenate([children, np.full(young, 50)]).astype(np.int32)
    lo, hi = r_loop_interval(time, kids, NOW, np.random.default_rng(seed))
    point = r_loop(time, kids, NOW)
    assert lo <= point <= hi
    assert min(children) <= lo and hi <= max(children)  # young purchases do not count


def test_the_interval_narrows_with_more_purchases() -> None:
    widths = []
    for n in (30, 300, 3000):
        lo, hi = r_loop_interval(*cohorts(n, seed=1), NOW, np.random.default_rng(0))
        widths.append(hi - lo)
    assert widths[0] > widths[1] > widths[2] > 0
    assert widths[0] / widths[2] == pytest.approx(10, rel=0.35)  # ~ 1/sqrt(n)


def test_the_interval_is_reproducible_from_the_seed() -> None:
    time, kids = cohorts(200, seed=2)
    a = r_loop_interval(time, kids, NOW, np.random.default_rng(7))
    assert a == r_loop_interval(time, kids, NOW, np.random.default_rng(7))
    assert a != r_loop_interval(time, kids, NOW, np.random.default_rng(8))


def test_the_multinomial_shortcut_matches_resampling_purchases() -> None:
    time, kids = cohorts(400, seed=3, mean=1.1)
    lo, hi = r_loop_interval(time, kids, NOW, np.random.default_rng(4), resamples=20_000)
    naive = np.random.default_rng(5).choice(kids, size=(20_000, kids.size)).mean(axis=1)
    ref_lo, ref_hi = np.percentile(naive, (2.5, 97.5))
    assert lo == pytest.approx(ref_lo, abs=0.02) and hi == pytest.approx(ref_hi, abs=0.02)


def test_no_mature_purchase_no_interval() -> None:
    lo, hi = r_loop_interval(np.array([NOW]), np.array([3]), NOW, np.random.default_rng(0))
    assert math.isnan(lo) and math.isnan(hi)


def test_daily_columns_bracket_r_loop_and_leave_out_free_samples() -> None:
    sc = load("seeding_by_choice", **{"population.users": 1000, "days": 20})
    model = RedloopModel(sc)
    model.run_days(20)
    m = model.metrics().dropna(subset=["r_loop"])
    assert len(m) > 0
    assert (m["r_loop_lo"] <= m["r_loop"]).all() and (m["r_loop"] <= m["r_loop_hi"]).all()
    time, _ = purchase_cohorts(model)
    assert time.size == model.platform.n_orders - 20 == model.metrics()["orders"].sum()


# ---------------------------------------------------------------- where the interval shows


def test_report_draws_the_band_and_shows_the_interval_in_the_summary() -> None:
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    from redloop.sim import report

    days = np.arange(12)
    m = pd.DataFrame(
        {
            "day": days,
            "r_loop": np.where(days < 4, np.nan, 0.9),
            "r_loop_lo": np.where(days < 4, np.nan, 0.7),
            "r_loop_hi": np.where(days < 4, np.nan, 1.1),
        }
    )
    fig = Figure()
    report._draw_r_loop(fig, m)
    (ax,) = fig.axes
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(0.7) and ys.max() == pytest.approx(1.1)
    html = report.summary_html({"totals": {"r_loop_final": 0.9, "r_loop_interval": [0.7, 1.1]}})
    assert "<td>[0.7, 1.1]</td>" in html


def test_run_summary_outcomes_and_cli_carry_the_interval() -> None:
    from redloop.sim import formatting as fmt
    from redloop.sim.experiments import outcomes
    from redloop.sim.runner import summarise

    sc = load("seeding_by_choice", **{"population.users": 1000, "days": 20})
    model = RedloopModel(sc)
    model.run_days(20)
    metrics, brands = model.metrics(), model.brand_metrics()
    last = metrics.dropna(subset=["r_loop"]).iloc[-1]
    totals = summarise(model, metrics, brands, wall=1.0)["totals"]
    assert totals["r_loop_interval"] == [last["r_loop_lo"], last["r_loop_hi"]]
    shown = fmt.r_loop(totals["r_loop_final"], totals["r_loop_interval"])  # as the CLI prints it
    assert shown.endswith(f"(95% CI {last['r_loop_lo']:.2f}–{last['r_loop_hi']:.2f})")
    out = outcomes(metrics, brands)
    assert (out["r_loop_lo"], out["r_loop_hi"]) == (last["r_loop_lo"], last["r_loop_hi"])
    assert out["r_loop_lo"] <= out["r_loop"] <= out["r_loop_hi"]


def test_compare_reports_r_loop_with_its_ci_over_seeds() -> None:
    from redloop.sim.experiments import KEY_OUTCOMES, comparison_table

    def results(values: list[float]) -> list[dict]:
        return [
            {"run_id": str(i), "r_loop": v, "r_loop_lo": v - 0.3, "r_loop_hi": v + 0.3}
            for i, v in enumerate(values)
        ]

    assert "r_loop" in KEY_OUTCOMES
    table = comparison_table("a", "b", results([0.8, 0.9, 1.0]), results([1.4, 1.5, 1.7]))
    row = table.set_index("outcome").loc["r_loop"]
    assert row["a mean"] == pytest.approx(0.9) and row["a ±95%"] > 0
    assert row["significant"]
    assert {"r_loop_lo", "r_loop_hi"} <= set(table["outcome"])
