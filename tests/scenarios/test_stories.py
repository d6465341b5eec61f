"""Each named scenario tells its story: the outcome moves in the expected direction on
every seed tried (and on average), at a reduced population where noted for speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redloop.platform.api import OrderStatus
from redloop.scenarios.schema import load
from redloop.sim.experiments import Task, execute
from redloop.sim.model import RedloopModel

SEEDS = (1, 2)
SMALL = (("population.users", 1500),)


def outcomes(scenario: str, seeds=SEEDS, overrides=SMALL) -> list[dict]:
    return execute([Task(scenario, overrides, s) for s in seeds], jobs=1, progress=False)


def column(results: list[dict], key: str) -> np.ndarray:
    return np.array([r[key] for r in results], dtype=float)


def run(scenario: str, seed: int, **overrides) -> RedloopModel:
    model = RedloopModel(load(scenario, seed=seed, **overrides))
    model.run_days(model.scenario_config.days)
    return model


def test_machine_distribution_beats_editors_picks() -> None:
    """2016: after the switch to CES pools, cards are opened and engaged with more."""
    editors, switched = outcomes("editors_only"), outcomes("switch_2016")
    for key in ("read_rate", "engagement_rate"):
        assert (column(switched, key) > column(editors, key)).all(), key
    for seed in SEEDS:
        m = pd.DataFrame(next(r for r in switched if r["seed"] == seed)["_metrics"])
        before, after = m[m["day"] < 15], m[m["day"] >= 16]
        assert after["reads"].sum() / after["impressions"].sum() > (
            before["reads"].sum() / before["impressions"].sum()
        )


def test_community_seeding_grows_a_new_brand() -> None:
    """Seeding's lift is modest next to seed-to-seed noise (organic creators also find the
    brand), so this runs at 4,000 users. Measured on 2026-11-27: seeds 1-4 at 4,000 users won
    4 of 4, ratio of mean revenues 1.16; seeds 1-8 at 1,500 users won 6 of 8, ratio 1.17."""
    seeds, crowd = (1, 2, 3), (("population.users", 4000),)
    seeded = column(outcomes("new_domestic_brand", seeds, crowd), "revenue[PerfectDay]")
    unseeded = column(outcomes("new_brand_no_seeding", seeds, crowd), "revenue[PerfectDay]")
    assert (seeded > unseeded).all(), (seeded, unseeded)
    assert seeded.mean() > 1.1 * unseeded.mean()


def test_kocs_bring_more_revenue_than_head_kols_for_the_same_budget() -> None:
    """The two-column feed gives small creators' notes the same traffic pools as stars'."""
    kocs = column(outcomes("koc_seeding"), "revenue[PerfectDay]")
    kols = column(outcomes("head_kols"), "revenue[PerfectDay]")
    assert (kocs > kols).all(), (kocs, kols)


@pytest.mark.parametrize("seed", SEEDS)
def test_overseas_brand_is_discovered_then_stocked_by_the_platform_shop(seed: int) -> None:
    model = run("overseas_discovery", seed)
    cream = model.catalogue.name.index("Tsubaki Camellia Cream")
    assert cream in model.shop.stocked, "the platform's shop stocked the product"
    stocked_at = model.shop.stocked[cream]
    assert stocked_at > 0, "nobody could buy it at the start"
    orders = model.platform.tables()["orders"]
    mine = orders["product"] == cream
    assert (orders["placed_at"][mine] >= stocked_at).all(), "no sales before it was stocked"
    assert mine.sum() > 10, "and it sold once stocked"
    assert model.platform.product(cream).notes >= model.scenario_config.shop_restock_threshold
    reviewed = orders["status"][mine] == OrderStatus.REVIEWED
    assert reviewed.any(), "buyers' reviews carry it further"


@pytest.mark.parametrize("seed", SEEDS)
def test_anniversary_sale_spikes_orders_per_hour(seed: int) -> None:
    model = run("anniversary_sale", seed, **{"population.users": 1500})
    hours = model.platform.tables()["orders"]["placed_at"].astype(int)
    per_hour = np.bincount(hours, minlength=model.scenario_config.days * 24)
    festival = per_hour[20 * 24 : 21 * 24].mean()
    usual = np.concatenate([per_hour[7 * 24 : 20 * 24], per_hour[22 * 24 :]]).mean()
    assert festival > 2 * usual, (festival, usual)


@pytest.mark.parametrize("seed", SEEDS)
def test_cold_start_community_picks_up(seed: int) -> None:
    m = run("cold_start", seed).metrics()
    first, last = m[m["day"] < 7], m[m["day"] >= len(m) - 7]
    assert last["orders"].sum() > first["orders"].sum()
    assert last["notes_review"].sum() > first["notes_review"].sum()
    assert last["reads"].sum() > first["reads"].sum(), "more content worth opening"


def test_classroom_tipping_point_more_sharing_tips_word_of_mouth() -> None:
    seeds = (1, 2, 3)
    low = outcomes("classroom_tipping", seeds, (("behaviour.review_post_rate", 0.1),))
    high = outcomes("classroom_tipping", seeds, (("behaviour.review_post_rate", 0.9),))
    assert column(high, "orders").mean() > 1.4 * column(low, "orders").mean()
    assert np.nanmean(column(high, "r_loop")) > np.nanmean(column(low, "r_loop"))
