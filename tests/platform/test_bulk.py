"""Bulk commands: the same events and state as the single commands applied in order, the
same typed errors naming the failing item, and nothing changed by a rejected batch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import (
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
    PlatformConfig,
)

USERS, NOTES = 12, 8


def community() -> Platform:
    """Twelve users (a few already following each other) and eight notes."""
    p = Platform(PlatformConfig(), rng=3)
    for i in range(USERS):
        p.create_user(f"u{i}", "creator" if i < 4 else "consumer", ["food"], now=0)
    for i in range(NOTES):
        p.publish(i % 4, ["food"], now=1)
    p.follow(5, 0, now=1)
    p.like(6, 2, now=1)
    p.collect(7, 3, now=1)
    return p


def same_platform(a: Platform, b: Platform) -> None:
    assert a.log.digest() == b.log.digest()
    assert a.fingerprint() == b.fingerprint()
    assert Platform.replay(b.log).fingerprint() == b.fingerprint()


pair_lists = st.lists(st.tuples(st.integers(0, USERS - 1), st.integers(0, USERS - 1)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(pair_lists)
def test_follow_many_is_the_single_follows_in_order(pairs: list[tuple[int, int]]) -> None:
    pairs = [(u, t) for u, t in pairs if u != t]
    one, bulk = community(), community()
    made = [one.follow(u, t, now=2) for u, t in pairs]
    got = bulk.follow_many([u for u, _ in pairs], [t for _, t in pairs], now=2)
    assert got.tolist() == made
    same_platform(one, bulk)
    for u in range(USERS):
        assert bulk.following(u) == one.following(u)
        assert bulk.followers(u) == one.followers(u)


@given(st.lists(st.tuples(st.integers(0, USERS - 1), st.integers(0, NOTES - 1)), max_size=40))
def test_follow_many_from_notes_credits_them_as_single_follows_do(
    pairs: list[tuple[int, int]],
) -> None:
    """Follows made from notes (``via_notes``): the notes' follow counts and CES, and the
    events, as the single follows with ``via_note``."""
    pairs = [(u, n) for u, n in pairs if u != n % 4]  # note n is by user n % 4
    one, bulk = community(), community()
    made = [one.follow(u, n % 4, now=2, via_note=n) for u, n in pairs]
    users, notes = [u for u, _ in pairs], [n for _, n in pairs]
    got = bulk.follow_many(users, [n % 4 for n in notes], now=2, via_notes=notes)
    assert got.tolist() == made
    same_platform(one, bulk)
    assert [bulk.note(n).follows for n in range(NOTES)] == [
        one.note(n).follows for n in range(NOTES)
    ]


def test_follow_many_refuses_a_note_by_someone_else_and_changes_nothing() -> None:
    p = community()
    before = p.fingerprint()
    with pytest.raises(InvalidInput, match=r"item 1: via_note 2 is by user 2, not 1"):
        p.follow_many([5, 6], [0, 1], now=2, via_notes=[0, 2])
    assert p.fingerprint() == before


def fresh_users() -> Platform:
    """Twelve accounts and no follows yet: a bulk load goes into the compressed rows."""
    p = Platform(PlatformConfig(), rng=3)
    p.create_users([f"u{i}" for i in range(USERS)], "consumer", [["food"]] * USERS, now=0)
    return p


later_ops = st.lists(
    st.tuples(st.booleans(), st.integers(0, USERS - 1), st.integers(0, USERS - 1)), max_size=30
)


@settings(max_examples=60, deadline=None)
@given(pair_lists, later_ops)
def test_a_bulk_loaded_graph_then_single_follows_and_unfollows_is_the_single_commands(
    pairs: list[tuple[int, int]], later: list[tuple[bool, int, int]]
) -> None:
    pairs = [(u, t) for u, t in pairs if u != t]
    one, bulk = fresh_users(), fresh_users()
    made = [one.follow(u, t, now=1) for u, t in pairs]
    assert bulk.follow_many([u for u, _ in pairs], [t for _, t in pairs], now=1).tolist() == made
    for follow, u, t in later:
        if u != t:
            op = "follow" if follow else "unfollow"
            assert getattr(bulk, op)(u, t, now=2) == getattr(one, op)(u, t, now=2)
    again = bulk.follow_many([u for u, _ in pairs], [t for _, t in pairs], now=3)
    assert again.tolist() == [one.follow(u, t, now=3) for u, t in pairs]
    same_platform(one, bulk)
    for u in range(USERS):
        assert bulk.following(u) == one.following(u)
        assert bulk.followers(u) == one.followers(u)
        assert bulk.user(u) == one.user(u)
        for t in range(USERS):
            assert bulk.is_following(u, t) == one.is_following(u, t)


ENGAGE: dict[str, tuple[str, str]] = {
    "like": ("like", "like_many"),
    "collect": ("collect", "collect_many"),
}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(ENGAGE)), pair_lists)
def test_like_and_collect_many_are_the_single_commands(
    kind: str, pairs: list[tuple[int, int]]
) -> None:
    single, many = ENGAGE[kind]
    pairs = [(u, n % NOTES) for u, n in pairs]
    one, bulk = community(), community()
    made = [getattr(one, single)(u, n, now=2) for u, n in pairs]
    got = getattr(bulk, many)([u for u, _ in pairs], [n for _, n in pairs], now=2)
    assert got.tolist() == made
    same_platform(one, bulk)


def test_read_many_counts_every_read_and_attributes_the_channel() -> None:
    one, bulk = community(), community()
    users, notes = [4, 5, 4, 9], [0, 0, 0, 7]
    for u, n in zip(users, notes, strict=True):
        one.read(u, n, now=3, channel="search")
    bulk.read_many(np.array(users), np.array(notes), now=3, channel="search")
    same_platform(one, bulk)
    assert bulk.note(0).reads == 3


def test_create_users_opens_the_same_accounts_as_create_user() -> None:
    one, bulk = Platform(rng=1), Platform(rng=1)
    names = ["ann", "bo", "cy"]
    kinds = ["consumer", "creator", "brand"]
    topics = [["beauty", "skincare"], ["food"], []]
    ids = [one.create_user(n, k, t, now=0) for n, k, t in zip(names, kinds, topics, strict=True)]
    assert list(bulk.create_users(names, kinds, topics, now=0)) == ids
    same_platform(one, bulk)
    assert bulk.user(1).kind == "creator" and bulk.user(0).interests == ("beauty", "skincare")


Call = Callable[[Platform], object]
BAD_BATCHES: list[tuple[str, Call, type, str]] = [
    ("unknown user", lambda p: p.follow_many([4, 99], [0, 1], now=2), NotFound, "item 1"),
    ("self follow", lambda p: p.follow_many([4, 5, 6], [0, 5, 1], now=2), Forbidden, "item 1"),
    ("float id", lambda p: p.like_many([4, 5.5], [0, 1], now=2), InvalidInput, "item 1"),
    ("bool id", lambda p: p.read_many([True], [0], now=2), InvalidInput, "item 0"),
    ("negative note", lambda p: p.collect_many([4, 5], [0, -1], now=2), NotFound, "item 1"),
    ("lengths", lambda p: p.like_many([4, 5], [0], now=2), InvalidInput, "same length"),
    ("time backwards", lambda p: p.follow_many([4], [0], now=0.5), InvalidInput, "now"),
    ("bad channel", lambda p: p.read_many([4], [0], now=2, channel="tv"), InvalidInput, "channel"),
    ("taken name", lambda p: p.create_users(["new", "u3"], now=2), InvalidInput, "item 1"),
    ("name twice", lambda p: p.create_users(["x", "y", "x"], now=2), InvalidInput, "item 2"),
    (
        "bad topic",
        lambda p: p.create_users(["x"], "consumer", [["nope"]], now=2),
        InvalidInput,
        "item 0",
    ),
    (
        "bad kind",
        lambda p: p.create_users(["x", "y"], ["consumer", "robot"], now=2),
        InvalidInput,
        "item 1",
    ),
    ("empty name", lambda p: p.create_users(["x", " "], now=2), InvalidInput, "item 1"),
    ("name not text", lambda p: p.create_users(["x", 7], now=2), InvalidInput, "item 1"),
    ("name too long", lambda p: p.create_users(["x", "y" * 500], now=2), InvalidInput, "item 1"),
    (
        "kinds short",
        lambda p: p.create_users(["x", "y"], ["consumer"], now=2),
        InvalidInput,
        "one value per name",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "error", "says"), BAD_BATCHES, ids=[c[0] for c in BAD_BATCHES]
)
def test_a_rejected_batch_names_the_item_and_changes_nothing(
    case: str, call: Call, error: type, says: str
) -> None:
    p = community()
    before = (p.fingerprint(), len(p.log), p.now)
    with pytest.raises(error) as info:
        call(p)
    assert says in str(info.value), f"{case}: {info.value}"
    assert (p.fingerprint(), len(p.log), p.now) == before


def test_empty_batches_log_nothing_but_still_check_the_time() -> None:
    p = community()
    before = len(p.log)
    assert p.follow_many([], [], now=2).size == 0
    assert list(p.create_users([], now=2)) == []
    p.read_many([], [], now=2)
    assert len(p.log) == before
    with pytest.raises(InvalidInput):
        p.like_many([], [], now=0)


def test_a_streamed_log_of_bulk_follows_replays_from_sqlite(tmp_path) -> None:
    p = community()
    path = tmp_path / "events.sqlite"
    p.stream_log(path)
    rng = np.random.default_rng(5)
    users, targets = rng.integers(0, USERS, 200), rng.integers(0, USERS, 200)
    keep = users != targets
    p.follow_many(users[keep], targets[keep], now=2)
    p.close_log()
    assert Platform.from_sqlite(path).fingerprint() == p.fingerprint()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=30),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=10),
)
def test_bulk_reads_and_product_views_touch_for_attribution_as_single_ones_do(
    reads: list[tuple[int, int]], views: list[tuple[int, int]]
) -> None:
    """Every later order is attributed to the same note and channel: the last touch of each
    (user, product) wins, whether it came from a tagged note's read or a product page."""

    def shop() -> tuple[Platform, list[int], list[int], list[int]]:
        p = Platform(PlatformConfig(), rng=3)
        users = [p.create_user(f"u{i}", now=0) for i in range(4)]
        brand = p.create_user("brand", "brand", now=0)
        products = [p.create_product(brand, f"p{i}", "home", 5.0, 99, now=0) for i in range(3)]
        tags = [products[:1], products[1:], [], products]
        notes = [p.publish(brand, ["home"], now=0, products=t) for t in tags]
        return p, users, products, notes

    one, users, products, notes = shop()
    bulk = shop()[0]
    for u, n in reads:
        one.read(users[u], notes[n], now=1, channel="search")
    for u, k in views:
        one.view_product(users[u], products[k], now=2, channel="ad")
    bulk.read_many([users[u] for u, _ in reads], [notes[n] for _, n in reads], now=1,
                   channel="search")  # fmt: skip
    bulk.view_product_many([users[u] for u, _ in views], [products[k] for _, k in views], now=2,
                           channel="ad")  # fmt: skip
    for p in (one, bulk):
        for u in users:
            for k in products:
                p.place_order(u, k, now=3)
    assert [(o.note, o.channel) for o in map(bulk.order, range(bulk.n_orders))] == [
        (o.note, o.channel) for o in map(one.order, range(one.n_orders))
    ]
    same_platform(one, bulk)
