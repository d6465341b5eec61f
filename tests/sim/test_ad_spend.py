"""Brands' paid media in the simulation: paced weekly campaigns, boosts, ad revenue."""

from __future__ import annotations

import dataclasses

import pytest

from redloop.agents.brand import CAMPAIGN_HOURS
from redloop.scenarios.schema import load
from redloop.sim.model import RedloopModel


@pytest.fixture(scope="module")
def model() -> RedloopModel:
    """Baseline at 400 users for 9 days, the feed-ads brand putting 40% of its budget in boosts.
    With absolute constants (``reference_users = 0``) its ¥3,000 a week are spent as written:
    more than 400 users can absorb."""
    sc = load("baseline", reference_users=0, **{"population.users": 400, "days": 9})
    brands = [
        dataclasses.replace(b, boost_share=0.4) if b.strategy == "feed_ads" else b
        for b in sc.brands
    ]
    m = RedloopModel(dataclasses.replace(sc, brands=brands))
    m.run_days(9)
    return m


def test_ad_brand_opens_one_paced_campaign_a_week(model) -> None:
    brand = next(b for b in model.brands if b.spec.strategy == "feed_ads")
    campaigns = [model.platform.campaign(c) for c in brand.campaigns]
    assert len(campaigns) == 2  # days 0 and 7
    for c in campaigns:
        assert c.end == pytest.approx(c.start + CAMPAIGN_HOURS)
        assert 0 < c.spent <= c.budget
    assert not campaigns[0].active and campaigns[1].active


def test_boost_share_buys_boosts_that_deliver(model) -> None:
    brand = next(b for b in model.brands if b.spec.strategy == "feed_ads")
    boosts = [model.platform.boost(b) for b in brand.boosts]
    assert boosts and all(b.buyer == brand.uid for b in boosts)
    assert sum(b.delivered for b in boosts) > 0
    first_week = sum(b.fee for b in boosts if b.start < 24 * 7)
    assert first_week == pytest.approx(0.4 * brand.spec.budget)
    # spend is what was delivered; the undelivered part of each fee is refunded
    assert brand.tactic_spend()["boosts"] == pytest.approx(sum(b.spent for b in boosts))
    assert all(b.spent <= b.fee for b in boosts)


def test_daily_ad_revenue_adds_up_to_what_the_platform_earned(model) -> None:
    daily = model.metrics()["ad_revenue"]
    assert (daily >= 0).all()
    # days close at 23:54, so the last minutes of the run are not in a day yet
    assert 0.95 * model.platform.ad_revenue() <= daily.sum() <= model.platform.ad_revenue()
    assert model.platform.ad_revenue() > 0


def test_ended_paid_media_are_booked_with_why_they_underspent(model) -> None:
    """400 users cannot absorb a ¥3,000 weekly ad budget: the ended week's campaign and the
    day-long boosts are in the ledger with their delivered cost and the reason."""
    brand = next(b for b in model.brands if b.spec.strategy == "feed_ads")
    first = model.platform.campaign(brand.campaigns[0])
    rows = [r for r in brand.ledger if r["tactic"] == "feed_ads"]
    assert len(rows) == 1  # the second week's campaign is still running
    assert rows[0]["committed"] == pytest.approx(first.spent, abs=0.01)
    assert rows[0]["unspent"] == pytest.approx(first.budget - first.spent, abs=0.01)
    assert rows[0]["why_unspent"] == "too few ad slots in its audience ×1"
    boost_rows = [r for r in brand.ledger if r["tactic"] == "boosts"]
    assert boost_rows and all(r["committed"] <= r["budget"] for r in boost_rows)


def test_a_budget_it_could_not_spend_is_not_raised(model) -> None:
    brand = next(b for b in model.brands if b.spec.strategy == "feed_ads")
    assert brand.history[-1]["roi"] > 2  # it earns well on what little it spends ...
    assert brand.weekly_budget <= brand.spec.budget  # ... but spent too little to scale up
