"""The plain-language panel over constructed metric series: saturation, not yet / no longer,
and ads or paid creators named only when the run has them."""

from __future__ import annotations

import math

from redloop.sim.metrics import CHANNELS
from redloop.viz.explain import SATURATED, Setting, explain, r_loop_paragraph

NAN = math.nan
USERS = 1000


def metrics(r_loop: list[float], adopters: list[float] | None = None, **last) -> dict:
    """Daily columns with R_loop as given; today's other numbers from ``last``."""
    n = len(r_loop)
    adopters = adopters or [10.0 * (i + 1) for i in range(n)]
    m = {
        "day": list(range(n)),
        "dau": [400] * n,
        "impressions": [9000] * n,
        "reads": [600] * n,
        "read_rate": [600 / 9000] * n,
        "orders": [20] * n,
        "gmv": [980.0] * n,
        "adopters": adopters,
        "share_review_note": [0.5] * n,
        "r_loop": r_loop,
        "r_loop_lo": [NAN] * n,
        "r_loop_hi": [NAN] * n,
    }
    for c in CHANNELS:
        m[f"share_{c}"] = [1.0 if c == CHANNELS[0] else 0.0] * n
    for k, v in last.items():
        m[k][-1] = v
    return m


def paragraph(setting: Setting, m: dict) -> str:
    return r_loop_paragraph(setting, m)


def test_saturation_is_named_when_most_have_bought_and_r_falls_below_1():
    bought = [0.74 * USERS] * 5
    text = paragraph(Setting(USERS), metrics([1.8, 1.5, 1.2, 1.05, 0.86], bought))
    assert "market is saturating" in text and "74%" in text
    assert "no longer above 1" in text
    assert "won't sustain" not in text


def test_a_fall_with_few_buyers_is_not_called_saturation():
    text = paragraph(Setting(USERS), metrics([1.8, 1.5, 1.2, 1.05, 0.86], [100.0] * 5))
    assert "no longer above 1" in text
    assert "saturat" not in text


def test_not_yet_means_rising_and_below_1():
    text = paragraph(Setting(USERS), metrics([NAN, 0.3, 0.4, 0.5, 0.6, 0.7]))
    assert "not yet 1, but rising" in text
    assert "no longer" not in text


def test_flat_below_1_says_word_of_mouth_alone_will_not_sustain_growth():
    text = paragraph(Setting(USERS), metrics([0.2, 0.2, 0.2, 0.2, 0.19]))
    assert "below 1: word of mouth alone won't sustain growth" in text


def test_above_1_sustains_itself_and_notes_saturation_when_falling():
    assert "sustains itself" in paragraph(Setting(USERS), metrics([1.2, 1.3, 1.4, 1.5, 1.6]))
    falling = paragraph(Setting(USERS), metrics([2.5, 2.2, 1.9, 1.6, 1.3], [0.6 * USERS] * 5))
    assert "sustains itself" in falling and "saturates" in falling and "60%" in falling


def test_ads_and_paid_creators_are_mentioned_only_when_the_run_has_them():
    m = metrics([0.2] * 5)
    bare = paragraph(Setting(USERS), m)
    assert "ads" not in bare and "paid creators" not in bare
    assert "people who find products on their own" in bare
    both = paragraph(Setting(USERS, ads=True, paid_creators=True), m)
    assert "ads, paid creators" in both
    assert "paid creators" in paragraph(Setting(USERS, paid_creators=True), m)
    assert "ads" not in paragraph(Setting(USERS, paid_creators=True), m)


def test_sharing_off_says_the_loop_is_cut():
    text = paragraph(Setting(USERS, sharing=False), metrics([0.0] * 3))
    assert "switched off" in text and "ads" not in text


def test_unknown_r_loop_says_why():
    assert "not known yet" in paragraph(Setting(USERS), metrics([NAN, NAN]))


def test_the_interval_is_stated_and_settles_r_against_1():
    m = metrics([1.2, 1.3, 1.4], r_loop_lo=1.1, r_loop_hi=1.6)
    assert "Its 95% interval is 1.10 to 1.60: it lies wholly above 1." in paragraph(
        Setting(USERS), m
    )


def test_explain_starts_with_the_loop_then_today_buying_and_r_loop():
    out = explain(Setting(USERS), metrics([NAN, 0.5], orders=0))
    assert out[0].startswith("**The loop.**")
    assert out[1].startswith("**Day 2.**") and "400 of 1,000 people" in out[1]
    assert out[2].startswith("**Buying.** No orders today")
    assert out[3].startswith("**R_loop is 0.50**")
    assert "Press **Step**" in explain(Setting(USERS), {"day": []})[1]


def test_saturation_threshold_is_half_the_community():
    just_below = paragraph(
        Setting(USERS), metrics([1.5, 1.3, 1.1, 0.9], [(SATURATED - 0.01) * USERS] * 4)
    )
    at = paragraph(Setting(USERS), metrics([1.5, 1.3, 1.1, 0.9], [SATURATED * USERS] * 4))
    assert "saturat" not in just_below and "saturating" in at
