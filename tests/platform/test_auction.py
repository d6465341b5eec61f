"""Slot auctions, paced campaigns and paid boosts (platform/ads.py, platform/boosts.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redloop.platform.api import Forbidden, InvalidInput, Platform, PlatformConfig

WEEK = 24.0 * 7


def community(config: PlatformConfig | None = None, users: int = 6) -> Platform:
    """A brand, a creator and ``users`` skincare fans with enough organic notes for full pages."""
    p = Platform(config, rng=1)
    for i in range(users):
        p.create_user(f"fan{i}", "consumer", ["skincare"], now=0)
    creator = p.create_user("cy", "creator", ["skincare"], now=0)
    brands = [p.create_user(f"brand{i}", "brand", now=0) for i in range(2)]
    for _ in range(40):
        p.publish(creator, ["skincare"], now=0)
    for b in brands:
        p.publish(b, ["skincare"], now=0)
    return p


FANS, CREATOR, BRAND_A, BRAND_B = range(6), 6, 7, 8
NOTE_A, NOTE_B = 40, 41


def browse(p: Platform, start: float, end: float, step: float) -> None:
    t = start
    while t < end:
        for fan in FANS:
            p.discovery_feed(fan, now=t)
        t += step


def test_winner_pays_the_runner_up_bid() -> None:
    p = community()
    high = p.create_campaign(BRAND_A, NOTE_A, 100.0, now=1, cpm=80.0)
    low = p.create_campaign(BRAND_B, NOTE_B, 100.0, now=1, cpm=30.0)
    page = p.discovery_feed(0, now=2)
    assert page.notes[page.ad_slots[0]] == NOTE_A
    assert p.campaign(high).impressions == 1 and p.campaign(low).impressions == 0
    assert p.campaign(high).spent == pytest.approx(30.0 / 1000)  # the runner-up's bid
    assert p.ad_revenue() == pytest.approx(30.0 / 1000)


def test_a_lone_bidder_pays_the_reserve_and_a_bid_below_it_is_not_served() -> None:
    p = community(PlatformConfig(ad_reserve_cpm=20.0))
    cheap = p.create_campaign(BRAND_B, NOTE_B, 100.0, now=1, cpm=10.0)
    assert p.discovery_feed(0, now=2).ad_slots == ()
    alone = p.create_campaign(BRAND_A, NOTE_A, 100.0, now=3, cpm=80.0)
    p.discovery_feed(0, now=4)
    assert p.campaign(alone).spent == pytest.approx(20.0 / 1000)
    assert p.campaign(cheap).impressions == 0


def test_equal_bids_take_turns_deterministically() -> None:
    p = community()
    a = p.create_campaign(BRAND_A, NOTE_A, 100.0, now=1, cpm=40.0)
    b = p.create_campaign(BRAND_B, NOTE_B, 100.0, now=1, cpm=40.0)
    served = [p.discovery_feed(0, now=2 + t) for t in range(4)]
    assert [page.notes[page.ad_slots[0]] for page in served] == [NOTE_A, NOTE_B] * 2
    assert p.campaign(a).spent == p.campaign(b).spent == pytest.approx(2 * 40.0 / 1000)


def test_paced_campaign_spreads_its_budget_over_its_duration() -> None:
    """A week's budget for 70 impressions at the reserve: served at most ~10 a day, all used."""
    p = community()
    reserve = p.config.ad_reserve_cpm
    cid = p.create_campaign(BRAND_A, NOTE_A, 70 * reserve / 1000, now=0, cpm=50.0, hours=WEEK)
    daily = []
    for day in range(8):
        before = p.campaign(cid).impressions
        browse(p, day * 24.0, (day + 1) * 24.0, 1.0)
        daily.append(p.campaign(cid).impressions - before)
    assert sum(daily[:7]) == 70 and daily[7] == 0
    assert max(daily) <= 11  # 1/7 of the budget a day, plus the one-hour lead
    assert p.campaign(cid).spent == pytest.approx(p.campaign(cid).budget)


def test_an_ended_or_stopped_campaign_is_not_served() -> None:
    p = community()
    ended = p.create_campaign(BRAND_A, NOTE_A, 100.0, now=0, cpm=50.0, hours=2)
    assert p.discovery_feed(0, now=1).ad_slots
    assert p.campaign(ended).active and p.campaign(ended).end == 2.0
    assert p.discovery_feed(0, now=2).ad_slots == ()
    assert not p.campaign(ended).active
    assert p.stop_campaign(BRAND_A, ended, now=3) is False  # no longer running: no event
    stopped = p.create_campaign(BRAND_B, NOTE_B, 100.0, now=3, cpm=50.0)
    p.stop_campaign(BRAND_B, stopped, now=3)
    assert p.discovery_feed(0, now=4).ad_slots == ()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    budget=st.integers(1, 300).map(lambda c: c / 100),
    bids=st.lists(st.integers(1, 100), min_size=1, max_size=3),
    hours=st.one_of(st.none(), st.sampled_from([3.0, 10.0, 30.0])),
    step=st.sampled_from([0.25, 1.0, 3.0]),
)
def test_a_campaign_never_overspends_nor_runs_ahead_of_its_pace(budget, bids, hours, step):
    p = community(PlatformConfig(ad_reserve_cpm=1.0))
    cids = [
        p.create_campaign(
            (BRAND_A, BRAND_B)[i % 2],
            (NOTE_A, NOTE_B)[i % 2],
            max(budget, math.ceil(bid / 10) / 100),  # at least one impression
            now=0,
            cpm=float(bid),
            hours=hours,
        )
        for i, bid in enumerate(bids)
    ]
    t = 0.0
    while t < 40:
        for fan in FANS:
            p.discovery_feed(fan, now=t)
        for cid in cids:
            c = p.campaign(cid)
            assert c.spent <= c.budget + 1e-9
            assert c.spent <= c.impressions * c.cpm / 1000 + 1e-9  # never above its bid
            if hours is not None:
                assert c.spent <= c.budget * min(1.0, (t + 1) / hours) + 1e-9
        t += step
    assert Platform.replay(p.log, p.config).fingerprint() == p.fingerprint()


# ------------------------------------------------------------------ boosts


def crowd(p: Platform, n: int) -> list[int]:
    """``n`` more skincare fans, and enough organic notes that their pages never run dry."""
    fans = [p.create_user(f"more{i}", "consumer", ["skincare"], now=0) for i in range(n)]
    for _ in range(400):
        p.publish(CREATOR, ["skincare"], now=0)
    return fans


def test_a_boost_delivers_its_bought_impressions_to_matching_users_and_stops() -> None:
    """75 impressions bought: each goes to a different interested user (not the author, not
    the hiker), labelled in the page and its event; then the boost stops."""
    p = community(PlatformConfig(boost_cpm=1000.0))  # ¥75 buys 75 impressions
    fans = [
        *FANS,
        *(p.create_user(f"more{i}", "consumer", ["skincare"], now=0) for i in range(300)),
    ]
    hiker = p.create_user("hiker", "consumer", ["outdoor"], now=0)
    for _ in range(400):  # enough organic notes that pages never run dry
        p.publish(CREATOR, ["skincare"], now=0)
    note = p.publish(0, ["skincare"], now=0)  # a fan's own note
    bid = p.create_boost(0, note, 75.0, now=0, hours=6, goal="reads")
    assert p.boost(bid).bought == 75 and p.boost(bid).active
    reached = []
    for hour in range(7):
        for user in (*fans, hiker):
            page = p.discovery_feed(user, now=hour + 0.5)
            if page.boost_slots:
                assert page.notes[page.boost_slots[0]] == note
                reached.append(user)
    assert len(reached) == len(set(reached)) == 75
    assert 0 not in reached and hiker not in reached
    view = p.boost(bid)
    assert (view.delivered, view.active) == (75, False)
    assert p.ad_revenue() == pytest.approx(75.0)
    served = [e for e in p.log if e.kind.label == "feed_served" and e.fields["boost"] == bid]
    assert len(served) == 75 and all(e.fields["boost_slot"] is not None for e in served)
    assert Platform.replay(p.log, p.config).fingerprint() == p.fingerprint()


def test_a_boost_is_paced_over_its_hours() -> None:
    p = community(PlatformConfig(boost_cpm=1000.0))
    fans = crowd(p, 100)
    bid = p.create_boost(CREATOR, 0, 75.0, now=0, hours=24, goal="follows")
    for hour in range(30):
        for user in fans:
            p.discovery_feed(user, now=hour + 0.5)
        if hour == 11:
            assert p.boost(bid).delivered == int(75 * 12.5 / 24)  # on the even schedule
    assert p.boost(bid).delivered == 75


def test_follows_goal_skips_users_who_already_follow_the_author() -> None:
    p = community(PlatformConfig(boost_cpm=1000.0))
    p.follow(1, CREATOR, now=0)
    p.create_boost(CREATOR, 0, 75.0, now=0, hours=6, goal="follows")
    boosted = [p.discovery_feed(1, now=t / 10).boost_slots for t in range(20)]
    assert not any(boosted)


def test_boost_rules(reject, sponsored_note) -> None:
    p = community(PlatformConfig(collab_min_followers=0))
    reject(p, Forbidden, "note", p.create_boost, 1, 0, 100.0, now=0)  # not their note
    reject(p, InvalidInput, "fee", p.create_boost, CREATOR, 0, 50.0, now=0)
    reject(p, InvalidInput, "fee", p.create_boost, CREATOR, 0, 8000.0, now=0)
    reject(p, InvalidInput, "hours", p.create_boost, CREATOR, 0, 100.0, now=0, hours=2)
    reject(p, InvalidInput, "hours", p.create_boost, CREATOR, 0, 100.0, now=0, hours=200)
    reject(p, InvalidInput, "goal", p.create_boost, CREATOR, 0, 100.0, now=0, goal="fame")
    serum = p.create_product(BRAND_A, "Serum", "skincare", 99.0, 10, now=0)
    sponsored = sponsored_note(p, CREATOR, BRAND_A, serum, now=0)
    assert p.boost(p.create_boost(BRAND_A, sponsored, 100.0, now=0)).buyer == BRAND_A


def test_an_ad_and_a_boost_share_a_page_without_clashing() -> None:
    """Both planned at the same slot: the ad keeps it, the boost takes the next; a boost of the
    note the ad already shows waits for another page."""
    p = community(PlatformConfig(ad_slot=2, boost_slot=2))
    fans = crowd(p, 3)
    p.create_campaign(BRAND_A, NOTE_A, 100.0, now=0, cpm=50.0)
    p.create_boost(CREATOR, 0, 75.0, now=0, hours=6)
    page = p.discovery_feed(fans[0], now=1)
    assert (page.ad_slots, page.boost_slots) == ((2,), (3,))
    assert (page.notes[2], page.notes[3]) == (NOTE_A, 0)
    assert len(page.notes) == len(set(page.notes)) == p.config.page_size
    same = community()
    crowd(same, 3)
    same.create_campaign(BRAND_A, NOTE_A, 100.0, now=0, cpm=50.0)
    same.create_boost(BRAND_A, NOTE_A, 75.0, now=0, hours=6)
    page = same.discovery_feed(fans[0], now=1)
    assert page.ad_slots and not page.boost_slots
