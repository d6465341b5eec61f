"""search_many and view_product_many: the single searches and product-page visits in order —
results, events, ad charges, attribution, state — and a rejected batch names its item and
changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import InvalidInput, NotFound, Platform, PlatformConfig

USERS = 6
QUERIES = ("glow serum", "skincare", "GlowCo", "food tips", "zzz", "travel mug", "serum")


def shop(search_ad: bool = True) -> Platform:
    """A brand with two products, notes tagging them or on their topics (some liked, so
    ranking matters), and (if ``search_ad``) a search campaign whose small budget runs out
    within a batch."""
    p = Platform(PlatformConfig(), rng=4)
    for i in range(USERS):
        p.create_user(f"u{i}", "creator" if i < 2 else "consumer", ["skincare"], now=0)
    brand = p.create_user("GlowCo", "brand", [], now=0)
    serum = p.create_product(brand, "Glow Serum", "skincare", 80.0, 10, now=0)
    mug = p.create_product(brand, "Travel Mug", "travel", 20.0, 10, now=0)
    for i in range(14):
        topics = (["skincare"], ["travel"], ["food"])[i % 3]
        products = [(serum, mug, None)[i % 3]] if i % 3 < 2 else []
        p.publish(i % 2, topics, now=1 + i / 10, products=products)
    for user, note in ((2, 3), (3, 3), (4, 6), (5, 9), (2, 12)):
        p.like(user, note, now=3)
    ad = p.publish(brand, ["skincare"], now=3, products=[serum])
    if search_ad:
        p.create_campaign(brand, ad, 0.05, now=3, placement="search", cpm=10.0)
    return p


def same_platform(a: Platform, b: Platform) -> None:
    assert a.log.digest() == b.log.digest()
    assert a.fingerprint() == b.fingerprint()
    assert Platform.replay(b.log).fingerprint() == b.fingerprint()


searches = st.lists(
    st.tuples(st.integers(0, USERS - 1), st.sampled_from(QUERIES)), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(searches, st.integers(1, 12), st.booleans())
def test_search_many_is_the_single_searches_in_order(
    items: list[tuple[int, str]], limit: int, search_ad: bool
) -> None:
    """With a search campaign (auctions, one search at a time) or none (one bulk append)."""
    one, bulk = shop(search_ad), shop(search_ad)
    singles = [one.search(u, q, now=5, limit=limit) for u, q in items]
    got = bulk.search_many([u for u, _ in items], [q for _, q in items], now=5, limit=limit)
    assert got == singles
    same_platform(one, bulk)


def test_the_search_ad_runs_out_within_a_batch_as_it_does_one_by_one() -> None:
    one, bulk = shop(), shop()
    users, queries = [2, 3, 4, 5, 2, 3], ["skincare"] * 6
    singles = [one.search(u, q, now=5) for u, q in zip(users, queries, strict=True)]
    shown = [r.ad_note is not None for r in bulk.search_many(users, queries, now=5)]
    assert shown == [r.ad_note is not None for r in singles]
    assert shown[0] and not shown[-1]  # the budget paid for some, not all
    same_platform(one, bulk)


views = st.lists(st.tuples(st.integers(0, USERS - 1), st.integers(0, 1)), max_size=30)


@settings(max_examples=40, deadline=None)
@given(views, st.sampled_from(["search", "ad", "direct", "discovery"]))
def test_view_product_many_is_the_single_views_in_order(
    items: list[tuple[int, int]], channel: str
) -> None:
    one, bulk = shop(), shop()
    for u, product in items:
        one.view_product(u, product, now=5, channel=channel)
    bulk.view_product_many([u for u, _ in items], [q for _, q in items], now=5, channel=channel)
    # the touch attributes a later order as the single visit's did
    orders = [p.place_order(2, 0, now=6) for p in (one, bulk)]
    assert one.order(orders[0]) == bulk.order(orders[1])
    same_platform(one, bulk)


def test_a_rejected_view_batch_names_the_item_and_changes_nothing() -> None:
    p = shop()
    before = (p.fingerprint(), len(p.log), p.now)
    for call, error, says in (
        (lambda: p.view_product_many([2, 3], [0, 7], now=5, channel="search"), NotFound, "item 1"),
        (lambda: p.view_product_many([2], [0, 1], now=5), InvalidInput, "same length"),
        (lambda: p.view_product_many([2], [0], now=5, channel="tv"), InvalidInput, "channel"),
        (lambda: p.view_product_many([2], [0], now=1, channel="ad"), InvalidInput, "now"),
    ):
        with pytest.raises(error, match=says):
            call()
        assert (p.fingerprint(), len(p.log), p.now) == before


BAD = [
    ("unknown user", [2, 99], ["serum", "serum"], 10, NotFound, "item 1"),
    ("empty query", [2, 3], ["serum", " "], 10, InvalidInput, "item 1"),
    ("query not text", [2, 3], ["serum", 5], 10, InvalidInput, "item 1"),
    ("long query", [2], ["x" * 201], 10, InvalidInput, "item 0"),
    ("limit", [2], ["serum"], 101, InvalidInput, "limit"),
    ("lengths", [2, 3], ["serum"], 10, InvalidInput, "same length"),
]


@pytest.mark.parametrize(("case", "users", "queries", "limit", "error", "says"), BAD)
def test_a_rejected_search_batch_names_the_item_and_changes_nothing(
    case: str, users: list, queries: list, limit: int, error: type, says: str
) -> None:
    p = shop()
    before = (p.fingerprint(), len(p.log), p.now)
    with pytest.raises(error) as info:
        p.search_many(users, queries, now=5, limit=limit)
    assert says in str(info.value), f"{case}: {info.value}"
    assert (p.fingerprint(), len(p.log), p.now) == before


def test_an_empty_search_batch_logs_nothing_but_checks_the_time() -> None:
    p = shop()
    before = len(p.log)
    assert p.search_many([], [], now=5) == []
    assert len(p.log) == before
    with pytest.raises(InvalidInput):
        p.search_many([], [], now=0)
