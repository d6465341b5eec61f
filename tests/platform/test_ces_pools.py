"""CES traffic pools: staged quotas, promotion by engagement per impression, retirement,
interest targeting of early stages, maximum age, and a statistical check that appeal wins."""

from __future__ import annotations

import numpy as np
import pytest

from redloop.platform.api import DiscoveryPage, Platform, PlatformConfig


def pools_platform(**overrides) -> Platform:
    cfg = {
        "pool_quotas": (2, 4, 8),
        "pool_thresholds": (0.5, 0.5),
        "pool_slot_weights": (1.0, 1.0, 1.0),
        "pool_targeted_stages": 2,
        **overrides,
    }
    return Platform(PlatformConfig(**cfg), rng=7)


def users(p: Platform, n: int, interests: list[str], prefix: str) -> list[int]:
    """``n`` consumers with these interests, created at the platform's current time."""
    now = max(p.now, 0.0)
    return [p.create_user(f"{prefix}{i}", "consumer", interests, now=now) for i in range(n)]


def test_quota_spent_promotes_engaging_and_retires_dull_notes() -> None:
    """Stage-0 quota 2: the note with CES 6 over 2 impressions moves up, the one with 0 retires."""
    p = pools_platform()
    creator = p.create_user("creator", "creator", [], now=0)
    u1, u2 = users(p, 2, ["food"], "u")
    hit = p.publish(creator, ["food"], now=0)
    dud = p.publish(creator, ["food"], now=0)
    assert p.pool_sizes() == [2, 0, 0]
    assert set(p.discovery_feed(u1, now=1).notes) == {hit, dud}
    assert p.note(hit).pool_stage == p.note(dud).pool_stage == 0  # one impression each so far
    p.like(u1, hit, now=1)
    p.collect(u1, hit, now=1)
    p.comment(u1, hit, "want!", now=1)
    assert set(p.discovery_feed(u2, now=1).notes) == {hit, dud}  # quota spent: held
    assert p.pool_sizes() == [2, 0, 0]  # under review for stage 0
    assert p.discovery_feed(u1, now=1.5).notes == ()  # out of the pools meanwhile
    p.review_pools(now=1 + p.config.pool_review_delay_hours)
    assert p.note(hit).pool_stage == 1
    assert p.note(dud).pool_stage is None
    assert p.pool_sizes() == [0, 1, 0]


def test_a_retired_note_tops_up_a_page_only_after_every_live_note() -> None:
    """A note that failed its pool's review gets no more pool traffic: it comes back only as
    the last filler of a page that no live note can fill (the feed never runs dry)."""
    p = pools_platform()
    creator = p.create_user("creator", "creator", [], now=0)
    u1, u2, u3 = users(p, 3, ["food"], "u")
    hit = p.publish(creator, ["food"], now=0)
    dud = p.publish(creator, ["food"], now=0)
    p.discovery_feed(u1, now=1)
    for engage in (p.like, p.collect):
        engage(u1, hit, now=1)
    p.discovery_feed(u2, now=1)
    p.review_pools(now=2)
    assert (p.note(hit).pool_stage, p.note(dud).pool_stage) == (1, None)
    assert p.discovery_feed(u3, now=2).notes == (hit, dud)
    (u4,) = users(p, 1, ["food"], "late")
    off_topic = p.publish(creator, ["travel"], now=3)  # live, though not u4's topic
    fresh = p.publish(creator, ["food"], now=3)
    assert p.discovery_feed(u4, now=3).notes == (fresh, hit, off_topic, dud)


def test_promotion_threshold_is_on_ces_per_impression() -> None:
    """The same CES passes with few impressions and fails with many: it is a rate."""
    outcomes = []
    for quota in (2, 20):
        p = pools_platform(pool_quotas=(quota, 100, 100))
        creator = p.create_user("creator", "creator", [], now=0)
        viewers = users(p, quota, ["food"], "v")
        note = p.publish(creator, ["food"], now=0)
        p.like(viewers[0], note, now=0)
        p.share(viewers[0], note, now=0)  # CES 5
        for v in viewers:
            assert p.discovery_feed(v, now=1).notes == (note,)
        p.review_pools(now=2)
        outcomes.append(p.note(note).pool_stage)
    assert outcomes == [1, None]  # 5/2 >= 0.5 > 5/20


def test_last_stage_retires_when_its_quota_is_spent() -> None:
    p = pools_platform(
        pool_quotas=(1, 1),
        pool_thresholds=(0.0,),
        pool_slot_weights=(1.0, 1.0),
        pool_targeted_stages=0,
    )
    creator = p.create_user("creator", "creator", [], now=0)
    a, b = users(p, 2, [], "u")
    note = p.publish(creator, ["food"], now=0)
    p.discovery_feed(a, now=1)
    p.review_pools(now=2)
    assert p.note(note).pool_stage == 1  # threshold 0: always promoted
    p.discovery_feed(b, now=2)
    p.review_pools(now=3)
    assert p.note(note).pool_stage is None


def test_retired_notes_leave_the_pools() -> None:
    """After promotion/retirement, fresh users keep getting the promoted notes, never the duds."""
    p = pools_platform()
    creator = p.create_user("creator", "creator", [], now=0)
    warm = users(p, 2, ["food"], "warm")
    goods = [p.publish(creator, ["food"], now=0) for _ in range(5)]
    duds = [p.publish(creator, ["food"], now=0) for _ in range(5)]
    assert set(p.discovery_feed(warm[0], now=1).notes) == {*goods, *duds}
    for n in goods:
        p.like(warm[0], n, now=1)
        p.comment(warm[0], n, "good", now=1)
    assert set(p.discovery_feed(warm[1], now=1).notes) == {*goods, *duds}
    p.review_pools(now=2)
    assert all(p.note(n).pool_stage == 1 for n in goods)
    assert all(p.note(n).pool_stage is None for n in duds)
    fresh_notes = [p.publish(creator, ["food"], now=2) for _ in range(60)]
    served = set()
    for u in users(p, 10, ["food"], "fresh"):
        served.update(p.discovery_feed(u, now=3).notes)
    assert not served & set(duds)
    assert all(p.note(n).impressions == 2 for n in duds)
    assert set(goods) <= served
    assert served & set(fresh_notes)


def test_early_stages_only_reach_interested_users() -> None:
    """Targeted stages serve a note only to users whose interests include its topics."""
    p = pools_platform(
        pool_quotas=(1000, 1000), pool_thresholds=(0.5,), pool_slot_weights=(1.0, 1.0)
    )
    creator = p.create_user("creator", "creator", [], now=0)
    food_notes = [p.publish(creator, ["food"], now=0) for _ in range(15)]
    mixed = p.publish(creator, ["food", "beauty"], now=0)
    foodies = users(p, 3, ["food"], "foodie")
    beauty = users(p, 3, ["beauty", "skincare"], "beauty")
    (open_minded,) = users(p, 1, [], "any")
    for u in beauty:  # their pools hold only the mixed note; food notes only as fillers
        assert p.discovery_feed(u, now=0, k=1).notes == (mixed,)
    for u in beauty:
        assert set(p.discovery_feed(u, now=0).notes) <= set(food_notes)
    for t in range(5):
        assert p.discovery_feed(foodies[t % 3], now=t).notes
    assert set(p.discovery_feed(open_minded, now=6).notes) <= {*food_notes, mixed}
    assert p.discovery_feed(open_minded, now=6).notes  # no interests: every topic


def test_untargeted_stages_reach_everyone() -> None:
    """Once promoted past ``pool_targeted_stages`` a note reaches users of other interests."""
    p = pools_platform(
        pool_quotas=(1, 1000),
        pool_thresholds=(0.0,),
        pool_slot_weights=(0.0, 1.0),
        pool_targeted_stages=1,
    )
    creator = p.create_user("creator", "creator", [], now=0)
    (foodie,) = users(p, 1, ["food"], "foodie")
    (fan,) = users(p, 1, ["beauty"], "fan")
    note = p.publish(creator, ["food"], now=0)
    assert p.discovery_feed(foodie, now=1).notes == (note,)  # stage 0: food fans only
    p.review_pools(now=2)
    assert p.note(note).pool_stage == 1
    newer = p.publish(creator, ["food"], now=2)  # stage 0: reaches the fan only as a filler
    assert p.discovery_feed(fan, now=2).notes == (note, newer)  # the pool's card comes first


@pytest.mark.parametrize("recommender", ["ces_pools", "interest"])
def test_notes_past_max_age_are_not_served(recommender) -> None:
    p = pools_platform(
        pool_max_age_hours=10.0, pool_quotas=(1000, 1000, 1000), recommender=recommender
    )
    creator = p.create_user("creator", "creator", [], now=0)
    a, b, c = users(p, 3, ["food"], "u")
    old = p.publish(creator, ["food"], now=0)
    assert p.discovery_feed(a, now=10).notes == (old,)  # exactly max age: still in
    if recommender == "ces_pools":
        assert p.pool_sizes() == [1, 0, 0]
    assert p.discovery_feed(b, now=10.5) == DiscoveryPage(())
    new = p.publish(creator, ["food"], now=10.5)
    assert p.discovery_feed(c, now=11).notes == (new,)
    assert p.note(old).impressions == 1
    if recommender == "ces_pools":
        assert p.pool_sizes() == [1, 0, 0]  # the old note is past its age, not in a pool


# ------------------------------------------------------------------ statistics


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (for Spearman's rho)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    for value in np.unique(x):
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def simulate(seed: int, n_notes: int = 40, n_users: int = 1_000) -> tuple[np.ndarray, ...]:
    """Users like each served card with probability 0.5·appeal; run until every note retired.

    Pages of 4 cards for a large crowd, so the pools (not the cold-start top-up) pick almost
    every card. Returns (appeal, highest stage reached, impressions) per note.
    """
    rng = np.random.default_rng(seed)
    cfg = PlatformConfig(
        pool_quotas=(20, 60, 200), pool_thresholds=(0.1, 0.2), pool_slot_weights=(0.5, 0.3, 0.2)
    )
    p = Platform(cfg, rng=rng)
    creator = p.create_user("creator", "creator", [], now=0)
    crowd = users(p, n_users, ["food"], "u")
    appeal = rng.random(n_notes)
    notes = [p.publish(creator, ["food"], now=0) for _ in range(n_notes)]
    best = np.zeros(n_notes)
    t = 0.0
    for _ in range(20_000):
        if not sum(p.pool_sizes()):
            break
        t += 0.01
        user = crowd[int(rng.integers(n_users))]
        for card in p.discovery_feed(user, now=t, k=4).notes:
            if rng.random() < 0.5 * appeal[card]:
                p.like(user, card, now=t)
            stage = p.note(card).pool_stage
            if stage is not None:
                best[card] = max(best[card], stage)
    assert not sum(p.pool_sizes()), "the pools should drain"
    impressions = np.array([p.note(n).impressions for n in notes])
    return appeal, best, impressions


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_appealing_notes_travel_further(seed) -> None:
    """Appeal is strongly rank-correlated with the stage reached and with impressions.

    (Over seeds 0..39 the smallest correlations seen were 0.73 and 0.68, the smallest
    top/bottom-quartile impression ratio 5.5: the bounds below leave a wide margin.)
    """
    appeal, best, impressions = simulate(seed)
    assert spearman(appeal, best) > 0.5
    assert spearman(appeal, impressions) > 0.5
    top, bottom = appeal >= np.quantile(appeal, 0.75), appeal <= np.quantile(appeal, 0.25)
    assert best[top].mean() > best[bottom].mean() + 0.75
    assert impressions[top].mean() > 2 * impressions[bottom].mean()
