"""Each named scenario tells its story: the outcome moves in the expected direction on
every seed tried (and on average), at a reduced population where noted for speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redloop.platform.api import OrderStatus
from redloop.scenarios.schema import load
from redloop.sim.battery import paired_diff_ci
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
    """2016: after the switch to CES pools, cards are opened and engaged with more.

    Since the discovery feed is infinite (editors' picks are topped up with the newest notes
    of the user's topics), read rate is higher on average rather than on every seed: measured
    on 2026-12-01 at 1,500 users, seeds 1-6: engagement rate higher on 6 of 6 (+12%), read
    rate on 5 of 6 (+8%, seed 1 −0.4%), paired 95% CI of the read-rate gain above 0.

    The within-run part changed (2026-12-02): since readers scroll row by row and cards show
    their like counts, a switched run's read rate from day 16 beats its own first 15 days on
    5 of 6 seeds (seed 2: 5.31% vs 5.32%); it beats the editors' run of the same seed over
    the same days on 6 of 6 (e.g. 9.1% vs 7.2% on seed 1), which is what is checked."""
    seeds = (1, 2, 3, 4, 5, 6)
    editors, switched = outcomes("editors_only", seeds), outcomes("switch_2016", seeds)
    assert (column(switched, "engagement_rate") > column(editors, "engagement_rate")).all()
    gain, half = paired_diff_ci(column(editors, "read_rate"), column(switched, "read_rate"))
    assert gain - half > 0, (gain, half)

    def late_read_rate(arm: list[dict], seed: int) -> float:
        m = pd.DataFrame(next(r for r in arm if r["seed"] == seed)["_metrics"])
        after = m[m["day"] >= 16]
        return after["reads"].sum() / after["impressions"].sum()

    for seed in seeds:
        assert late_read_rate(switched, seed) > late_read_rate(editors, seed), seed


def test_community_seeding_is_spent_through_the_marketplace() -> None:
    """The story changed (2026-12-01). Creator notes now go through the marketplace at the
    creators' prices plus the platform's 10% commission, and the brand spends its whole
    budget. At that cost the lift is small next to seed-to-seed noise: at 4,000 users, seeds
    1-6, seeded revenue beat the unseeded counterfactual on 5 of 6 seeds, ratio of means 1.09,
    paired 95% CI including 0, for about ¥42,000 of spend against about ¥9,800 of extra
    revenue. What holds on every seed: the budget is used and the sponsored notes it buys are
    read."""
    seeds, crowd = (1, 2), (("population.users", 1500),)
    for r in outcomes("new_domestic_brand", seeds, crowd):
        assert r["utilisation[PerfectDay]"] >= 0.9, r["utilisation[PerfectDay]"]
        assert r["share_sponsored_note"] > 0


def test_kocs_commit_their_budget_and_head_kols_leave_lumps_of_it() -> None:
    """The story changed three times. On 2026-12-01: before, head KOLs spent about a third of
    their budget, so "KOCs bring more revenue for the same budget" compared spend; with the
    marketplace both tactics committed their budget. On 2026-12-02, with common random
    numbers, at 1,500 users, seeds 1-6, KOCs earned more per yuan on 6 of 6 seeds. Later on
    2026-12-02 budgets became audience-sized (``reference_users``): at 1,500 users the brand
    has ¥6,000 a week, half the scenario's ¥12,000 for 3,000, against head-KOL fees that do
    not shrink with the crowd. Seeds 1-6: KOC seeding commits 99-100% of its budget on every
    seed; head KOLs commit less on every seed (89-98%: a head KOL's fee is a large lump of the
    week, the rest is carried over with the reason in the ledger). KOCs earn more per yuan on
    average (ROI 1.21 vs 0.95) but on 4 of 6 seeds only, and more revenue on 5 of 6; the
    head-KOL brand budgeted less on 5 of 6. Compare the tactics per yuan (ROI), over seeds."""
    kocs, kols = outcomes("koc_seeding"), outcomes("head_kols")
    koc_use, kol_use = (column(r, "utilisation[PerfectDay]") for r in (kocs, kols))
    assert (koc_use >= 0.9).all(), koc_use
    assert (kol_use < koc_use).all(), (kol_use, koc_use)
    assert column(kocs, "roi[PerfectDay]").mean() > column(kols, "roi[PerfectDay]").mean()


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
    """The story changed (2026-12-02). Since readers scroll row by row (a lower card is
    opened less) and cards show their like counts, fewer review notes are read and word of
    mouth carries less and spreads more slowly: over the 60 days the scenario now runs (40
    before, when a run had saturated by then), a review rate of 0.9 against 0.1 sold 762 vs
    413, 851 vs 724 and 757 vs 433 orders on seeds 1-3 (+59% on average; 1.18x on seed 2),
    no longer more than 1.4 times as much on every seed. What holds: more sharing sells more
    on every seed, with a higher R_loop."""
    seeds = (1, 2, 3)
    low = outcomes("classroom_tipping", seeds, (("behaviour.review_post_rate", 0.1),))
    high = outcomes("classroom_tipping", seeds, (("behaviour.review_post_rate", 0.9),))
    assert (column(high, "orders") > column(low, "orders")).all()
    assert np.nanmean(column(high, "r_loop")) > np.nanmean(column(low, "r_loop"))
