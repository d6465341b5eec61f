"""Bulk serving: ``discovery_feed_many`` and ``following_feed_many`` are the single feeds
applied to the users in order — the same pages, events and state, with every recommender,
with paid cards or without, whether the compiled batch or the per-user path serves them —
and a rejected batch names the item and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import (
    RECOMMENDERS,
    InvalidInput,
    NotFound,
    Platform,
    PlatformConfig,
)

USERS, NOTES = 16, 90
TOPICS = ["food", "beauty", "travel", "tech"]
#: Small pools, so pages spend quotas and notes are promoted or retired inside a batch.
POOLS = {
    "pool_quotas": (6, 20, 60),
    "pool_thresholds": (0.05, 0.08),
    "pool_slot_weights": (0.5, 0.3, 0.2),
}


def community(recommender: str, *, paid: str = "none", seen_window: int = 30) -> Platform:
    """Sixteen users (four creators, a brand, an editor), ninety notes over four topics, some
    likes and follows; ``paid``: "none", "running" (a feed campaign and a boost deliver),
    "some" (only a campaign for one topic), "tight" (two campaigns outbid each other and
    stop mid-batch when their budgets run out) or "ended" (they ran out before the
    pages)."""
    config = PlatformConfig(recommender=recommender, seen_window=seen_window, **POOLS)
    p = Platform(config, rng=11)
    rng = np.random.default_rng(11)
    for i in range(USERS - 2):
        chosen = rng.choice(TOPICS, int(rng.integers(0, 3)), replace=False).tolist()
        p.create_user(f"u{i}", "creator" if i < 4 else "consumer", chosen, now=0)
    brand = p.create_user("brand", "brand", now=0)
    editor = p.create_user("editor", "staff", now=0)
    for i in range(NOTES):
        p.publish(i % 4, [TOPICS[int(rng.integers(0, 4))]], now=1 + i / 1000)
    for n in range(0, NOTES, 4):
        p.pick_note(editor, n, now=2)
    for u in range(4, USERS - 2):
        p.follow(u, u % 4, now=2)
        p.like(u, int(rng.integers(0, NOTES)), now=2)
    if paid == "tight":  # two campaigns bid for every slot until their budgets run out
        for cpm, budget in ((20.0, 0.1), (30.0, 0.12)):
            ad = p.publish(brand, TOPICS[:2], now=2)
            p.create_campaign(brand, ad, budget, now=2, cpm=cpm, topics=TOPICS)
    elif paid != "none":
        ad = p.publish(brand, TOPICS[:2], now=2)
        targets = ["tech"] if paid == "some" else TOPICS
        p.create_campaign(brand, ad, 50.0, now=2, cpm=20.0, topics=targets, hours=2)
    if paid in ("running", "ended"):
        p.create_boost(0, 4, 75.0, now=2, hours=6 if paid == "ended" else 48)
    return p


def same_platform(a: Platform, b: Platform) -> None:
    assert a.log.digest() == b.log.digest()
    assert a.fingerprint() == b.fingerprint()
    assert Platform.replay(b.log, b.config).fingerprint() == b.fingerprint()


batches = st.lists(
    st.tuples(
        st.lists(st.integers(0, USERS - 1), max_size=25),  # users, repeats allowed
        st.sampled_from([None, 1, 4, 10]),  # k
        st.floats(0, 3),  # hours since the previous batch
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.parametrize("paid", ["none", "running", "some", "tight", "ended"])
@pytest.mark.parametrize("recommender", sorted(RECOMMENDERS))
@settings(max_examples=15, deadline=None)
@given(batches=batches)
def test_discovery_feed_many_is_the_single_pages_in_order(
    recommender: str, paid: str, batches: list[tuple[list[int], int | None, float]]
) -> None:
    one, bulk = community(recommender, paid=paid), community(recommender, paid=paid)
    now = 9.0 if paid == "ended" else 2.5
    for users, k, dt in batches:
        now += dt
        singles = [one.discovery_feed(u, now=now, k=k) for u in users]
        got = bulk.discovery_feed_many(np.array(users, dtype=np.int64), now=now, k=k)
        assert got.pages() == singles
        assert got.cards.shape == (len(users), k or one.config.page_size)
        served = sum(len(page.notes) for page in singles)
        assert np.count_nonzero(got.cards >= 0) == got.counts.sum() == served
        same_platform(one, bulk)
        assert one.now == bulk.now
    if paid == "tight" and bulk.log.counts().get("feed_served"):  # the first page has an ad
        assert bulk.tables()["campaigns"]["impressions"].sum() > 0


@settings(max_examples=25, deadline=None)
@given(batches=batches, limit=st.integers(1, 30), before=st.sampled_from([None, 40, 80]))
def test_following_feed_many_is_the_single_pages_in_order(
    batches: list[tuple[list[int], int | None, float]], limit: int, before: int | None
) -> None:
    one, bulk = community("ces_pools"), community("ces_pools")
    now = 3.0
    for users, _, dt in batches:
        now += dt
        singles = [one.following_feed(u, now=now, before=before, limit=limit) for u in users]
        got = bulk.following_feed_many(users, now=now, before=before, limit=limit)
        assert got.card_lists() == singles
        assert (got.ad_slot == -1).all() and (got.boost_slot == -1).all()
        same_platform(one, bulk)


def test_pages_in_one_batch_move_the_traffic_pools_as_single_pages_do() -> None:
    """Forty pages spend stage-0 quotas of 6: the spent notes leave the pools between the
    pages of one batch (later pages are drawn without them), and the first batch an hour
    later reviews them first, as the first single page does."""
    one, bulk = community("ces_pools"), community("ces_pools")
    users = np.arange(40) % USERS
    before = one.tables()["notes"]["pool_stage"].copy()
    singles = [one.discovery_feed(int(u), now=3) for u in users]
    assert bulk.discovery_feed_many(users, now=3).pages() == singles
    held = bulk.tables()["notes"]["pool_review"]
    assert held.sum() > 5, "the batch should spend quotas and hold those notes for review"
    same_platform(one, bulk)
    later = one.config.pool_review_delay_hours + 3
    singles = [one.discovery_feed(int(u), now=later) for u in users]
    assert bulk.discovery_feed_many(users, now=later).pages() == singles
    notes = bulk.tables()["notes"]
    assert not (notes["pool_review"] & held).any(), "every held note is reviewed"
    assert (notes["pool_stage"] != before).sum() > 5, "reviews promote or retire notes"
    same_platform(one, bulk)


def test_a_user_served_twice_in_a_batch_is_not_shown_the_same_cards_again() -> None:
    p = community("recent")
    batch = p.discovery_feed_many([5, 5, 5], now=3, k=10)
    cards = batch.cards[batch.cards >= 0]
    assert batch.counts.tolist() == [10, 10, 10]
    assert len(set(cards.tolist())) == cards.size


def test_likes_are_the_counts_the_cards_show() -> None:
    p = community("popular")
    batch = p.discovery_feed_many(range(USERS), now=3)
    likes = p.tables()["notes"]["likes"]
    shown = batch.cards >= 0
    assert (batch.likes[shown] == likes[batch.cards[shown]]).all()
    assert (batch.likes[~shown] == -1).all()


@pytest.mark.parametrize("recommender", ["ces_pools", "recent"])
def test_with_the_seen_filter_off_the_batch_is_the_single_pages(recommender: str) -> None:
    one, bulk = (community(recommender, seen_window=0) for _ in range(2))
    users = [3, 3, 7, 1, 3]
    assert bulk.discovery_feed_many(users, now=3).pages() == [
        one.discovery_feed(u, now=3) for u in users
    ]
    same_platform(one, bulk)


def test_a_platform_with_no_notes_serves_empty_pages_and_logs_nothing() -> None:
    p = Platform(PlatformConfig(), rng=1)
    p.create_users(["a", "b"], now=0)
    before = (len(p.log), p.now)
    batch = p.discovery_feed_many([0, 1, 0], now=1)
    assert batch.counts.tolist() == [0, 0, 0] and (batch.cards == -1).all()
    assert p.following_feed_many([0, 1], now=1).counts.tolist() == [0, 0]
    assert (len(p.log), p.now) == before
    assert p.discovery_feed_many([], now=1).cards.shape == (0, 10)


BAD = [
    ("unknown user", lambda p: p.discovery_feed_many([1, 2, 99], now=5), NotFound, "item 2"),
    ("negative user", lambda p: p.discovery_feed_many([-1], now=5), NotFound, "item 0"),
    ("user not an id", lambda p: p.discovery_feed_many([1, 2.5], now=5), InvalidInput, "item 1"),
    ("user a bool", lambda p: p.discovery_feed_many([True], now=5), InvalidInput, "item 0"),
    ("k too big", lambda p: p.discovery_feed_many([1], now=5, k=101), InvalidInput, "k"),
    ("time going back", lambda p: p.discovery_feed_many([1], now=0), InvalidInput, "now"),
    ("not flat", lambda p: p.discovery_feed_many([[1, 2]], now=5), InvalidInput, "flat"),
    ("following: unknown", lambda p: p.following_feed_many([0, 50], now=5), NotFound, "item 1"),
    (
        "following: bad limit",
        lambda p: p.following_feed_many([0], now=5, limit=0),
        InvalidInput,
        "limit",
    ),
    (
        "following: bad cursor",
        lambda p: p.following_feed_many([0], now=5, before=10_000),
        NotFound,
        "before",
    ),
]


@pytest.mark.parametrize(("case", "call", "error", "says"), BAD, ids=[c[0] for c in BAD])
def test_a_rejected_batch_names_the_item_and_changes_nothing(
    case: str, call, error: type, says: str
) -> None:
    p = community("ces_pools", paid="running")
    before = (p.fingerprint(), p.log.digest(), p.now)
    with pytest.raises(error) as info:
        call(p)
    assert says in str(info.value), f"{case}: {info.value}"
    assert (p.fingerprint(), p.log.digest(), p.now) == before


def test_a_streamed_log_of_bulk_pages_replays_from_sqlite(tmp_path) -> None:
    p = community("ces_pools")
    path = tmp_path / "events.sqlite"
    p.stream_log(path)
    p.discovery_feed_many(np.arange(200) % USERS, now=3)
    p.following_feed_many(range(USERS), now=3)
    p.close_log()
    assert Platform.from_sqlite(path).fingerprint() == p.fingerprint()


BULK_WORKLOAD = """
import numpy as np
from redloop.platform import batch_kernels, kernels
from redloop.platform.api import Platform, PlatformConfig, TOPICS
p = Platform(PlatformConfig(pool_quotas=(5, 20, 80), pool_thresholds=(0.1, 0.1),
                            pool_slot_weights=(0.5, 0.3, 0.2), seen_window=20), rng=3)
kinds = (batch_kernels.serve_pool_pages, batch_kernels.serve_ranked_pages, kernels.spend_quota)
before = [len(getattr(k, "signatures", "x")) for k in kinds]
p.create_users([f"u{i}" for i in range(60)], "consumer",
               [[TOPICS[i % 4], TOPICS[i % 7]] for i in range(60)], now=0)
for hour in range(1, 30):
    for i in range(8):
        p.publish((hour * 8 + i) % 60, [TOPICS[(hour + i) % 7]], now=hour)
    if hour == 15:
        p.set_recommender("recent", now=hour)
    users = np.arange(60)[hour % 3 :: 2]
    pages = p.discovery_feed_many(np.concatenate([users, users[:5]]), now=hour + 0.5)
    p.like_many(users, pages.cards[: len(users), 0], now=hour + 0.5)
print(p.log.digest(), p.fingerprint(), before, [len(getattr(k, "signatures", "x")) for k in kinds])
"""


def test_bulk_kernels_do_what_their_python_says_and_compile_once() -> None:
    """The bulk workload interpreted (NUMBA_DISABLE_JIT=1) and compiled logs the same events;
    compiled, ``Platform()`` prepares the single kernels but no bulk one (a platform that
    makes no bulk call never compiles them), and the workload uses only the variants
    ``batch_kernels.warm_up`` prepared at its first bulk call."""
    runs = []
    for jit_off in ("1", "0"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit_off}
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", BULK_WORKLOAD],
            env=env, capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        runs.append(done.stdout.split(" ", 2))
    assert runs[0][:2] == runs[1][:2]
    assert runs[1][2].strip() == "[0, 0, 1] [1, 1, 1]"
