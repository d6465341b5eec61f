"""The attention-dynamics measures, on small hand-made platforms whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from redloop.platform.api import Platform, PlatformConfig
from redloop.sim import dynamics

WEEK = 24.0 * 7


def community(recommender: str = "popular") -> tuple[Platform, list[int], list[int]]:
    p = Platform(PlatformConfig(recommender=recommender), rng=1)
    readers = [p.create_user(f"u{i}", "consumer", ["food", "travel"], now=0) for i in range(4)]
    author = p.create_user("author", "creator", ["food"], now=0)
    p.create_user("brand", "brand", now=0)
    notes = [p.publish(author, [("food", "travel")[i % 2]], now=1) for i in range(12)]
    return p, readers, notes


def test_funnel_counts_short_pages_after_the_cold_start_and_rates() -> None:
    p, readers, _notes = community()
    p.discovery_feed(readers[0], now=2, k=5)  # cold start: not counted
    full = p.discovery_feed(readers[1], now=30, k=5).notes
    short = p.discovery_feed(readers[1], now=31, k=10).notes  # 7 unseen left of 12
    assert (len(full), len(short)) == (5, 7)
    p.read(readers[1], full[0], now=31)
    p.like(readers[1], full[0], now=31)
    p.collect(readers[1], full[0], now=31)
    f = dynamics.funnel(dynamics.trace(p.log), page_size=10)
    assert f["cards_per_page"] == pytest.approx(6.0)
    assert f["short_page_share"] == pytest.approx(1.0)
    assert f["read_rate"] == pytest.approx(1 / 17)
    assert f["interactions_per_read"] == pytest.approx(2.0)


def test_every_kind_of_share_counts_as_an_interaction_and_undoing_takes_it_back() -> None:
    """Practitioners' interaction rate counts shares in the app and out of it (to a
    messaging app) like any other: the note's share counter does, so the trace must too."""
    p, readers, notes = community()
    p.follow(readers[1], readers[0], now=2)
    p.read(readers[0], notes[0], now=3)
    p.deliver_share(readers[0], notes[0], [readers[1]], now=3)
    p.share_outside(readers[0], notes[0], now=3)
    p.collect(readers[0], notes[0], now=3)
    p.uncollect(readers[0], notes[0], now=4)
    t = dynamics.trace(p.log)
    assert t.engagements == 2 == p.note(notes[0]).shares
    assert dynamics.funnel(t, page_size=10)["interactions_per_read"] == pytest.approx(2.0)


def test_matthew_sees_equal_and_winner_take_all_attention() -> None:
    p, readers, notes = community()
    for u in readers:
        p.discovery_feed(u, now=2, k=12)  # every note once per reader: equal
    equal = dynamics.matthew(dynamics.trace(p.log), min_cohort=2)
    assert equal["gini_impressions"] == pytest.approx(0.0)
    assert equal["gini_same_age"] == pytest.approx(0.0)
    assert equal["top1_impressions"] == pytest.approx(1 / 12)
    for u in readers:
        p.like(u, notes[3], now=3)
    assert dynamics.matthew(dynamics.trace(p.log))["top1_likes"] == pytest.approx(1.0)


def test_top_share_and_cohorts() -> None:
    assert dynamics.top_share(np.array([0, 0, 0, 10])) == 1.0
    assert dynamics.top_share(np.arange(1, 201), 0.01) == pytest.approx((200 + 199) / 20100)
    assert dynamics.top_share(np.zeros(5)) == 0.0


def read_topics(p: Platform, user: int, notes: list[int], now: float) -> None:
    for n in notes:
        p.read(user, n, now=now)


def test_homogenisation_sees_narrowing_and_users_becoming_alike() -> None:
    """Week 1: two readers read both topics evenly; week 3: both read only food."""
    p, readers, notes = community()
    food, travel = notes[0::2], notes[1::2]
    for u in readers[:2]:
        read_topics(p, u, food[:3] + travel[:3], now=2)
    for u in readers[:2]:
        read_topics(p, u, food, now=2 * WEEK + 1)
    h = dynamics.homogenisation(dynamics.trace(p.log))
    assert h["users"] == 2  # the others read too little
    assert h["entropy_early"] == pytest.approx(1.0)
    assert h["entropy_late"] == pytest.approx(0.0)
    assert h["entropy_change"] == pytest.approx(-1.0)
    assert h["similarity_late"] == pytest.approx(1.0)
    assert h["entropy_declared"] == pytest.approx(1.0)  # both declared food and travel
    assert h["similarity_declared"] == pytest.approx(1.0)
    assert h["jaccard_early"] == h["jaccard_late"] == pytest.approx(1.0)  # the same notes


def test_jaccard_of_the_notes_users_read() -> None:
    """Sets {a, b}, {b, c}, {a} (a re-read counts once): J = 1/3, 0, 1/2, mean 5/18; a
    reader outside the mask and reads past a user's cap do not count."""
    p, readers, notes = community()
    a, b, c = notes[:3]
    for user, read in zip(readers, ([a, b], [b, c], [a, a], [a, b, c]), strict=False):
        read_topics(p, user, read, now=2)
    read_topics(p, readers[0], [c], now=3)  # past reader 0's cap of 2
    t = dynamics.trace(p.log)
    n = len(t.user_kind)
    cap = np.full(n, 2)
    mask = np.isin(np.arange(n), readers[:3])
    assert dynamics.mean_pairwise_jaccard(t, 0, WEEK, cap, mask) == pytest.approx(5 / 18)
    assert dynamics.mean_pairwise_jaccard(t, WEEK, 2 * WEEK, cap, mask) == 0.0


def test_pairwise_similarity_of_orthogonal_and_identical_rows() -> None:
    assert dynamics.mean_pairwise_similarity(np.eye(3)) == pytest.approx(0.0)
    assert dynamics.mean_pairwise_similarity(np.ones((4, 2))) == pytest.approx(1.0)
    assert dynamics.mean_pairwise_similarity(np.ones((1, 2))) == 0.0
    assert dynamics.entropy_bits(np.array([[1.0, 1.0, 1.0, 1.0], [3.0, 0, 0, 0]])) == (
        pytest.approx([2.0, 0.0])
    )


def test_per_user_outcomes_count_people_not_brands() -> None:
    p, readers, _notes = community()
    p.publish(readers[0], ["food"], now=2)
    brand_id = readers[-1] + 2
    serum = p.create_product(brand_id, "Serum", "food", price=50.0, stock=9, now=2)
    p.place_order(readers[1], serum, 2, now=3)
    out = dynamics.per_user_outcomes(dynamics.trace(p.log))
    assert out["poster_share"] == pytest.approx(2 / 5)  # the creator and one consumer of 5
    assert out["orders_per_user"] == pytest.approx(1 / 5)
    assert out["gmv_per_user"] == pytest.approx(100.0 / 5)


def test_size_invariance_reports_relative_changes_in_size_order() -> None:
    out = dynamics.size_invariance(
        {20000: {"gmv": 55.0}, 2000: {"gmv": 40.0}, 10000: {"gmv": 50.0}}
    )
    assert out == {"gmv": {"2000->10000": pytest.approx(0.25), "10000->20000": pytest.approx(0.1)}}
    assert math.isnan(dynamics.size_invariance({1: {"x": 0.0}, 2: {"x": 1.0}})["x"]["1->2"])


def test_a_model_run_yields_every_measure() -> None:
    from redloop.sim import build_model

    model = build_model("baseline", seed=1, **{"population.users": 200, "days": 3})
    model.run_days(3)
    t = dynamics.trace(model.platform.log)
    for values in (
        dynamics.funnel(t, model.platform.config.page_size),
        dynamics.matthew(t),
        dynamics.homogenisation(t, early_week=1, late_week=1),
        dynamics.per_user_outcomes(t),
    ):
        assert all(np.isfinite(v) for v in values.values())
    assert 0 < dynamics.funnel(t, 10)["read_rate"] < 1
    assert model.metrics()["short_page_share"].between(0, 1).all()


def test_homogenisation_compares_equal_numbers_of_reads() -> None:
    """Reading more in week 3 with the same taste is no change of entropy: only each user's
    first reads (as many as in the sparser week) count."""
    p, readers, notes = community()
    food, travel = notes[0::2], notes[1::2]
    read_topics(p, readers[0], [food[0], travel[0]] * 3, now=2)
    read_topics(p, readers[0], [food[1], travel[1]] * 3 + food * 3, now=2 * WEEK + 1)
    h = dynamics.homogenisation(dynamics.trace(p.log))
    assert h["users"] == 1
    assert h["entropy_change"] == pytest.approx(0.0)


def test_the_command_prints_every_measure_per_recommender(capsys) -> None:
    dynamics.main(["--users", "150", "--days", "2", "--seeds", "1", "--recommenders", "manual"])
    line = capsys.readouterr().out.strip()
    assert line.startswith("manual ")
    assert {"cards_per_page", "gini_same_age", "entropy_change", "gmv_per_user"} <= {
        part.split("=")[0] for part in line.split()[1:]
    }
