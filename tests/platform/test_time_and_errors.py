"""The clock never goes backwards, and the error tree is what callers can rely on."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from redloop.platform.api import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    Platform,
    PlatformError,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO, SERUM


@pytest.fixture
def busy(platform: Platform) -> dict[str, int]:
    """A platform at t=10 with a note, an order per state and a campaign."""
    p = platform
    note = p.publish(CY, ["skincare"], now=1, products=[SERUM])
    p.like(ANN, note, now=1)
    p.collect(ANN, note, now=1)
    p.follow(ANN, CY, now=1)
    placed = p.place_order(ANN, SERUM, now=2)
    delivered = p.place_order(ANN, SERUM, now=2)
    p.pay(ANN, delivered, now=2)
    p.ship(GLOWCO, delivered, now=2)
    p.deliver(GLOWCO, delivered, now=2)
    paid = p.place_order(ANN, SERUM, now=2)
    p.pay(ANN, paid, now=2)
    shipped = p.place_order(BO, SERUM, now=2)
    p.pay(BO, shipped, now=2)
    p.ship(GLOWCO, shipped, now=2)
    ad = p.publish(GLOWCO, ["skincare"], now=3)
    campaign = p.create_campaign(GLOWCO, ad, 10.0, now=3)
    p.read(BO, note, now=10)
    return {
        "note": note,
        "placed": placed,
        "paid": paid,
        "shipped": shipped,
        "delivered": delivered,
        "campaign": campaign,
    }


OPS: dict[str, Callable[[Platform, dict[str, int], float], object]] = {
    "create_user": lambda p, ids, t: p.create_user("late", now=t),
    "follow": lambda p, ids, t: p.follow(BO, CY, now=t),
    "unfollow": lambda p, ids, t: p.unfollow(ANN, CY, now=t),
    "publish": lambda p, ids, t: p.publish(BO, ["food"], now=t),
    "read": lambda p, ids, t: p.read(ANN, ids["note"], now=t),
    "like": lambda p, ids, t: p.like(BO, ids["note"], now=t),
    "unlike": lambda p, ids, t: p.unlike(ANN, ids["note"], now=t),
    "collect": lambda p, ids, t: p.collect(BO, ids["note"], now=t),
    "uncollect": lambda p, ids, t: p.uncollect(ANN, ids["note"], now=t),
    "comment": lambda p, ids, t: p.comment(BO, ids["note"], "hi", now=t),
    "share": lambda p, ids, t: p.share(BO, ids["note"], now=t),
    "following_feed": lambda p, ids, t: p.following_feed(ANN, now=t),
    "discovery_feed": lambda p, ids, t: p.discovery_feed(ANN, now=t),
    "set_recommender": lambda p, ids, t: p.set_recommender("popular", now=t),
    "pick_note": lambda p, ids, t: p.pick_note(EDITOR, ids["note"], now=t),
    "search": lambda p, ids, t: p.search(ANN, "skincare", now=t),
    "create_product": lambda p, ids, t: p.create_product(GLOWCO, "X", "home", 1.0, now=t),
    "restock": lambda p, ids, t: p.restock(GLOWCO, SERUM, 1, now=t),
    "set_price": lambda p, ids, t: p.set_price(GLOWCO, SERUM, 5.0, now=t),
    "view_product": lambda p, ids, t: p.view_product(ANN, SERUM, now=t),
    "view_product_search": lambda p, ids, t: p.view_product(ANN, SERUM, now=t, channel="search"),
    "place_order": lambda p, ids, t: p.place_order(BO, SERUM, now=t),
    "pay": lambda p, ids, t: p.pay(ANN, ids["placed"], now=t),
    "ship": lambda p, ids, t: p.ship(GLOWCO, ids["paid"], now=t),
    "deliver": lambda p, ids, t: p.deliver(GLOWCO, ids["shipped"], now=t),
    "cancel": lambda p, ids, t: p.cancel(ANN, ids["placed"], now=t),
    "refund": lambda p, ids, t: p.refund(ANN, ids["delivered"], now=t),
    "review": lambda p, ids, t: p.review(ANN, ids["delivered"], 4, now=t),
    "create_campaign": lambda p, ids, t: p.create_campaign(GLOWCO, ids["note"] + 1, 5.0, now=t),
    "stop_campaign": lambda p, ids, t: p.stop_campaign(GLOWCO, ids["campaign"], now=t),
    # Calls that would change nothing still check the time.
    "follow_again": lambda p, ids, t: p.follow(ANN, CY, now=t),
    "unfollow_not_following": lambda p, ids, t: p.unfollow(BO, CY, now=t),
    "like_again": lambda p, ids, t: p.like(ANN, ids["note"], now=t),
    "unlike_not_liked": lambda p, ids, t: p.unlike(BO, ids["note"], now=t),
    "collect_again": lambda p, ids, t: p.collect(ANN, ids["note"], now=t),
    "uncollect_not_collected": lambda p, ids, t: p.uncollect(BO, ids["note"], now=t),
}


@pytest.mark.parametrize("op", sorted(OPS))
def test_time_must_not_go_backwards(platform: Platform, busy, reject, op) -> None:
    """Every mutating operation refuses a ``now`` earlier than the platform's time."""
    assert platform.now == 10.0
    err = reject(platform, InvalidInput, "now", OPS[op], platform, busy, 9.5)
    assert "10" in str(err)


@pytest.mark.parametrize("op", sorted(OPS))
def test_the_same_time_is_fine(platform: Platform, busy, op) -> None:
    """Many operations may happen within one instant; the call succeeds at ``now``."""
    OPS[op](platform, busy, 10.0)
    assert platform.now == 10.0


@pytest.mark.parametrize("bad", [math.nan, "11", None, -math.inf])
def test_now_must_be_a_number(platform: Platform, busy, reject, bad) -> None:
    reject(platform, InvalidInput, "now", platform.share, ANN, busy["note"], now=bad)


def test_clock_starts_unset_and_follows_operations() -> None:
    p = Platform(rng=0)
    assert p.now == -math.inf
    p.create_user("a", now=-5)  # any start time is fine
    assert p.now == -5.0
    p.create_user("b", now=3)
    assert p.now == 3.0


def test_error_tree() -> None:
    """The documented hierarchy: OutOfStock and InvalidTransition are Conflicts."""
    for cls in (NotFound, Conflict, InvalidInput, Forbidden):
        assert issubclass(cls, PlatformError) and cls.__bases__ == (PlatformError,)
    assert issubclass(OutOfStock, Conflict) and issubclass(InvalidTransition, Conflict)
    assert issubclass(PlatformError, Exception)
    err = InvalidInput("bad", field="x", value=3)
    assert (err.message, err.field, err.value, str(err)) == ("bad", "x", 3, "bad")


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda p: p.user(99), NotFound, "user"),
        (lambda p: p.note(0), NotFound, "note"),
        (lambda p: p.comments(0), NotFound, "note"),
        (lambda p: p.notes_by(99), NotFound, "author"),
        (lambda p: p.products_of(99), NotFound, "brand"),
        (lambda p: p.following(99), NotFound, "user"),
        (lambda p: p.followers(-1), NotFound, "user"),
        (lambda p: p.interest_profile(99), NotFound, "user"),
        (lambda p: p.product(9), NotFound, "product"),
    ],
)
def test_read_views_raise_not_found(platform: Platform, call, error, field) -> None:
    with pytest.raises(error) as info:
        call(platform)
    assert info.value.field == field


@pytest.mark.parametrize("bad", ["0", 1.0, True, None])
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda p, ids, bad: p.like(bad, ids["note"], now=10), "user"),
        (lambda p, ids, bad: p.like(ANN, bad, now=10), "note"),
        (lambda p, ids, bad: p.follow(ANN, bad, now=10), "target"),
        (lambda p, ids, bad: p.place_order(ANN, bad, now=10), "product"),
        (lambda p, ids, bad: p.pay(ANN, bad, now=10), "order"),
        (lambda p, ids, bad: p.stop_campaign(GLOWCO, bad, now=10), "campaign"),
        (lambda p, ids, bad: p.note(bad), "note"),
    ],
)
def test_ids_must_be_whole_numbers(platform: Platform, busy, reject, call, field, bad) -> None:
    """A malformed id is InvalidInput naming the field (not a TypeError, not NotFound)."""
    err = reject(platform, InvalidInput, field, call, platform, busy, bad)
    assert "whole-number id" in str(err)


def test_numpy_integer_ids_are_fine(platform: Platform, busy) -> None:
    assert platform.like(np.int64(BO), np.int32(busy["note"]), now=10) is True
    assert platform.note(np.int64(busy["note"])).likes == 2
