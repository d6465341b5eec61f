"""HTML reports: complete, self-contained, escaped, deterministic, robust to thin data."""

from __future__ import annotations

import base64
import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from redloop.sim import report, report_compare, report_opening
from redloop.sim.metrics import METRICS
from redloop.sim.report import render_run_report
from redloop.sim.report_compare import daily_mean_ci, render_comparison_report
from redloop.sim.stats import t975

pytestmark = pytest.mark.filterwarnings("error")  # no matplotlib/pandas warnings on thin data

IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
RUN_FIGURES = 10  # loop, adoption, funnel, 2 attribution, R_loop, brands, gmv, rates, gini
SUMMARY = {
    "scenario": "baseline",
    "description": "growth on word of mouth",
    "seed": 1,
    "days": 20,
    "users": 300,
    "totals": {"gmv": 12345.678, "orders": 77, "sessions": 900, "notes": 50, "r_loop_final": 1.2},
    "wall_seconds": 3.5,
}


def metrics_frame(days: int = 20, seed: int = 0) -> pd.DataFrame:
    """Plausible daily metrics with every DayStats column."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    orders = rng.integers(0, 10, days)
    frame = pd.DataFrame({name: np.zeros(days) for name in METRICS})
    frame["day"] = day
    frame["dau"] = rng.integers(50, 100, days)
    for kind in ("organic", "sponsored", "review"):
        frame[f"notes_{kind}"] = rng.integers(0, 5, days)
    frame["notes"] = frame[["notes_organic", "notes_sponsored", "notes_review"]].sum(axis=1)
    frame["impressions"] = rng.integers(1000, 2000, days)
    frame["reads"] = rng.integers(100, 200, days)
    frame["engagements"] = rng.integers(10, 50, days)
    frame["orders"] = orders
    frame["gmv"] = orders * 99.5
    frame["adopters"] = np.cumsum(orders)
    frame["read_rate"] = frame["reads"] / frame["impressions"]
    frame["engagement_rate"] = frame["engagements"] / frame["reads"]
    frame["share_discovery"] = np.where(orders > 0, 0.6, 0.0)
    frame["share_search"] = np.where(orders > 0, 0.4, 0.0)
    frame["share_review_note"] = np.where(orders > 0, 0.5, 0.0)
    frame["r_loop"] = np.where(day < 10, np.nan, rng.uniform(0.5, 1.5, days))
    frame["gini_notes"] = rng.uniform(0.3, 0.9, days)
    frame["gini_creators"] = rng.uniform(0.3, 0.9, days)
    return frame


def brands_frame(days: int = 20) -> pd.DataFrame:
    rows = []
    for name, price, spend in (("LumiSkin", 189.0, 0.0), ("PerfectDay", 79.0, 500.0)):
        for day in range(days):
            revenue = price * day
            rows.append(
                {
                    "day": day,
                    "brand": name,
                    "units": day,
                    "revenue": revenue,
                    "spend": spend,
                    "roi": revenue / spend if spend else math.nan,
                    "weekly_budget": spend / 4,
                }
            )
    return pd.DataFrame(rows)


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in IMG.findall(page)]


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    for tag in ("<html", "<head>", "<style>", "</head>", "<body>", "</body>"):
        assert tag in page
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images(page))


# ------------------------------------------------------------------ run report


def full_report() -> str:
    return render_run_report(metrics_frame(), brands_frame(), SUMMARY, title="redloop — baseline")


@pytest.fixture(scope="module")
def page() -> str:
    """The report of a plausible 20-day run with brands (rendered once: ~1.5 s)."""
    return full_report()


def test_run_report_is_a_complete_document_with_every_figure(page: str) -> None:
    assert_self_contained(page)
    assert len(images(page)) == RUN_FIGURES
    assert "<title>redloop — baseline</title>" in page
    assert "totals.gmv" in page and "¥12,346" in page  # nested keys flattened, money in ¥
    assert "R_loop &gt; 1: each purchase&#x27;s shared experience" in page
    assert "PerfectDay" in page and "Daily metrics" in page
    assert plt.get_fignums() == []  # nothing left in pyplot's registry


def test_run_report_escapes_names_and_descriptions() -> None:
    summary = {**SUMMARY, "scenario": "a<b>&c", "description": "<script>alert(1)</script>"}
    page = render_run_report(metrics_frame(), brands_frame(), summary, title="<i>t</i>")
    assert "<script>" not in page and "<i>t</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a&lt;b&gt;&amp;c" in page and "&lt;i&gt;t&lt;/i&gt;" in page


def test_run_report_is_deterministic(page: str) -> None:
    assert full_report() == page


def test_run_report_survives_no_orders_no_r_loop_and_no_brands() -> None:
    m = metrics_frame()
    m["r_loop"] = np.nan
    shares = [c for c in m.columns if c.startswith("share_")]
    m[["orders", "gmv", "adopters", *shares]] = 0
    page = render_run_report(m, brands_frame().iloc[0:0], SUMMARY, title="quiet")
    assert_self_contained(page)
    assert len(images(page)) == RUN_FIGURES - 1
    assert "No brands in this scenario." in page


def test_run_report_tabulates_records_in_the_summary() -> None:
    summary = {**SUMMARY, "brands": [{"brand": "<Lumi>", "units": 3, "roi": math.nan}]}
    page = render_run_report(metrics_frame(), brands_frame(), summary, title="x")
    assert "<th>brands</th><td><div" in page and "&lt;Lumi&gt;" in page


def test_run_report_of_no_days_at_all() -> None:
    empty = metrics_frame().iloc[0:0]
    page = render_run_report(empty, brands_frame().iloc[0:0], SUMMARY, title="none")
    assert len(images(page)) == RUN_FIGURES - 1


def test_run_report_of_a_single_day() -> None:
    page = render_run_report(metrics_frame(days=1), brands_frame(days=1), SUMMARY, title="one")
    assert len(images(page)) == RUN_FIGURES


def test_run_report_skips_plots_whose_columns_are_missing() -> None:
    m = metrics_frame().drop(columns=["gini_notes", "r_loop"])
    page = render_run_report(m, brands_frame(), {"scenario": "thin"}, title="thin")
    assert len(images(page)) == RUN_FIGURES - 2
    assert "Skipped: no column r_loop." in page
    assert "Skipped: no column gini_notes." in page


def test_run_report_opens_with_the_question_and_its_answer_before_any_figure() -> None:
    summary = {
        **SUMMARY,
        "description": "A crowd and a shop. How does it grow on word of mouth alone? More.",
        "totals": {
            **SUMMARY["totals"],
            "adopters": 240,
            "r_loop_final": 0.19074221867517957,
            "r_loop_interval": [0.151, 0.2349],
        },
    }
    page = render_run_report(metrics_frame(), brands_frame(), summary, title="t")
    first_figure = page.index("data:image/png")
    question = page.index("How does it grow on word of mouth alone?")
    answer = page.index("Over 20 days, 240 people bought at least once (80.0% of 300 users)")
    assert question < answer < page.index('<table class="headline">') < first_figure
    assert "77 orders worth ¥12,346" in page
    assert "R_loop ended at 0.19 (95% CI 0.15–0.23) — below 1" in page
    assert "80.0% of users had already bought" in page  # saturation is named
    assert page.index("totals.r_loop_final") > page.index("Daily metrics")  # raw keys last
    assert "0.19074221867517957" not in page


@pytest.mark.parametrize(
    ("r", "bounds", "verdict"),
    [
        (1.4, [1.1, 1.7], "above 1: each purchase brought more than one later purchase"),
        (0.9, [0.7, 1.1], "its interval includes 1, so this run cannot tell"),
        (None, None, "no purchase was old enough yet"),
    ],
)
def test_the_answer_reads_r_loop_against_one_with_its_interval(r, bounds, verdict) -> None:
    summary = {
        **SUMMARY,
        "totals": {**SUMMARY["totals"], "r_loop_final": r, "r_loop_interval": bounds},
    }
    assert verdict in report_opening.answer(summary)


def test_a_description_without_a_question_gets_one_from_the_scenario_name() -> None:
    summary = {"scenario": "anniversary_sale", "description": "On day 20 the sale opens."}
    assert report_opening.question(summary) == (
        "What happens to sales and word of mouth in “anniversary_sale”?"
    )


def test_counts_and_rates_start_their_axes_at_zero() -> None:
    from matplotlib.figure import Figure

    m = metrics_frame()
    m["dau"] = 1600 + np.arange(len(m)) % 3  # DAU 1,600-1,602: noise, not drama
    for draw in (report._draw_loop, report._draw_adoption, report._draw_rates, report._draw_r_loop):
        fig = Figure()
        draw(fig, m)
        assert fig.axes[0].get_ylim()[0] == 0.0, draw.__name__


# ------------------------------------------------------------------ comparison


def comparison_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"mean": [1200.0, 900.0], "ci95": ["±30", "±25"], "diff": [math.nan, -300.0]},
        index=pd.Index(["baseline", "no <sharing>"], name="gmv"),
    )


def test_comparison_report_has_the_table_and_one_banded_figure_per_metric() -> None:
    runs = {
        "baseline": [metrics_frame(seed=1), metrics_frame(seed=2)],
        "no <sharing>": [metrics_frame(seed=3), metrics_frame(seed=4)],
    }
    page = render_comparison_report(runs, comparison_table(), title="compare")
    assert_self_contained(page)
    assert len(images(page)) == len(report_compare.COMPARED)
    assert "Outcomes" in page and "±30" in page and "no &lt;sharing&gt;" in page
    assert page.index("±30") < page.index("data:image/png")  # the table comes first
    assert "95% confidence interval" in page
    assert plt.get_fignums() == []


def test_comparison_report_with_one_seed_and_a_missing_column() -> None:
    one = metrics_frame().drop(columns=["read_rate"])
    page = render_comparison_report({"solo": [one]}, comparison_table(), title="solo")
    assert len(images(page)) == len(report_compare.COMPARED) - 1
    assert "Skipped: no column read_rate." in page


def test_daily_mean_ci_uses_student_t_over_the_seeds_with_a_value() -> None:
    a = pd.DataFrame({"day": [0, 1], "gmv": [0.0, 5.0]})
    b = pd.DataFrame({"day": [0, 1], "gmv": [2.0, np.nan]})
    ci = daily_mean_ci([a, b], "gmv")
    assert ci.loc[0, "mean"] == 1.0 and ci.loc[0, "n"] == 2
    # sd = √2, se = 1, t(0.975, 1) = 12.706
    assert ci.loc[0, "high"] == pytest.approx(1.0 + 12.706)
    assert ci.loc[1, "mean"] == 5.0 and ci.loc[1, "n"] == 1
    assert math.isnan(ci.loc[1, "low"]) and math.isnan(ci.loc[1, "high"])


def test_t975_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for dof in (1, 2, 5, 10, 29, 30, 31, 50, 100, 1000):
        assert t975(dof) == pytest.approx(stats.t.ppf(0.975, dof), abs=1e-3)
    assert math.isnan(t975(0))


def test_comparison_bands_are_clipped_to_the_measures_range_with_integer_day_ticks() -> None:
    from matplotlib.collections import PolyCollection

    captured = {}

    def keep(fig, caption):
        captured[caption] = fig
        return ""

    noisy = [metrics_frame(seed=s) for s in range(3)]
    for f in noisy:
        f["read_rate"] = np.where(f["day"] % 2 == 0, 0.02, 0.98)  # CI spills past 0 and 1
    original = report_compare.figure_html
    report_compare.figure_html = keep
    try:
        render_comparison_report({"a": noisy}, comparison_table(), title="t")
    finally:
        report_compare.figure_html = original
    assert len(set(captured)) == len(report_compare.COMPARED)  # one caption per chart
    for caption, fig in captured.items():
        ax = fig.axes[0]
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        ys = np.concatenate([b.get_paths()[0].vertices[:, 1] for b in bands])
        assert ys.min() >= 0.0, caption
        if caption.startswith("Share of shown notes"):
            assert ys.max() <= 1.0
        ticks = ax.xaxis.get_major_locator().tick_values(0, 19)
        assert np.allclose(ticks, np.round(ticks)), caption
        if caption.startswith("Later purchases"):
            assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.lines)  # R = 1


def test_a_difference_that_is_not_significant_says_how_many_seeds_would_detect_it() -> None:
    table = pd.DataFrame(
        {
            "difference (B−A)": [250.0, 0.01],
            "significant": [False, True],
            "seeds to detect": [23.0, math.nan],
        },
        index=pd.Index(["gmv", "read_rate"], name="outcome"),
    )
    page = render_comparison_report({"a": [metrics_frame()]}, table, title="t")
    assert "gmv: a difference of ¥250 needs about 23 seeds per scenario" in page
    assert "read_rate: a difference" not in page
