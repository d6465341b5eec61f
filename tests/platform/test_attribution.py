"""Attribution: each order records the note and channel of the buyer's last touch in the window."""

from __future__ import annotations

import pytest

from redloop.platform.api import Channel, Platform, PlatformConfig

from ..people import ANN, BO, CY, GLOWCO, MUG, SERUM


@pytest.fixture
def review(platform: Platform) -> int:
    """cy's note tagging the serum, published at t=1."""
    return platform.publish(CY, ["skincare"], now=1, products=[SERUM])


@pytest.mark.parametrize("channel", ["discovery", "following", "search", "ad"])
def test_order_after_a_read_is_attributed_to_the_note_and_channel(
    platform: Platform, review, channel
) -> None:
    platform.read(ANN, review, now=2, channel=channel)
    order = platform.order(platform.place_order(ANN, SERUM, now=3))
    assert (order.note, order.channel) == (review, channel)
    fields = platform.log[len(platform.log) - 1].fields
    assert (fields["note"], fields["channel"]) == (review, channel)


def test_window_boundary(platform: Platform, review) -> None:
    """An order exactly ``attribution_window_hours`` after the read counts; later is direct."""
    window = platform.config.attribution_window_hours
    platform.read(ANN, review, now=2)
    platform.read(BO, review, now=2)
    inside = platform.order(platform.place_order(ANN, SERUM, now=2 + window))
    outside = platform.order(platform.place_order(BO, SERUM, now=2 + window + 0.5))
    assert (inside.note, inside.channel) == (review, "discovery")
    assert (outside.note, outside.channel) == (None, "direct")


@pytest.mark.parametrize("window", [1.0, 48.0])
def test_window_is_configurable(window) -> None:
    p = Platform(PlatformConfig(attribution_window_hours=window), rng=0)
    buyer = p.create_user("buyer", now=0)
    brand = p.create_user("brand", "brand", now=0)
    product = p.create_product(brand, "Thing", "home", 5.0, 10, now=0)
    note = p.publish(brand, ["home"], now=0, products=[product])
    p.read(buyer, note, now=0)
    assert p.order(p.place_order(buyer, product, now=window)).note == note
    assert p.order(p.place_order(buyer, product, now=window + 0.01)).note is None


def test_no_touch_means_direct(platform: Platform, review) -> None:
    order = platform.order(platform.place_order(ANN, SERUM, now=2))
    assert (order.note, order.channel) == (None, "direct")


def test_the_last_touch_wins(platform: Platform, review) -> None:
    other = platform.publish(BO, ["skincare"], now=1, products=[SERUM])
    platform.read(ANN, review, now=2, channel="discovery")
    platform.read(ANN, other, now=3, channel="following")
    order = platform.order(platform.place_order(ANN, SERUM, now=4))
    assert (order.note, order.channel) == (other, "following")


def test_only_notes_tagging_the_product_touch_it(platform: Platform, review) -> None:
    untagged = platform.publish(CY, ["skincare"], now=1)
    mug_note = platform.publish(CY, ["travel"], now=1, products=[MUG])
    platform.read(ANN, review, now=2)
    platform.read(ANN, untagged, now=3, channel="search")
    platform.read(ANN, mug_note, now=3, channel="following")
    order = platform.order(platform.place_order(ANN, SERUM, now=4))
    assert (order.note, order.channel) == (review, "discovery")


def test_touches_are_per_user(platform: Platform, review) -> None:
    platform.read(ANN, review, now=2)
    order = platform.order(platform.place_order(BO, SERUM, now=3))
    assert order.channel == "direct"


def test_product_view_from_search_is_a_touch_without_a_note(platform: Platform, review) -> None:
    platform.read(ANN, review, now=2)
    platform.view_product(ANN, SERUM, now=3, channel=Channel.SEARCH)
    order = platform.order(platform.place_order(ANN, SERUM, now=4))
    assert (order.note, order.channel) == (None, "search")


def test_direct_product_view_keeps_the_earlier_touch(platform: Platform, review) -> None:
    platform.read(ANN, review, now=2, channel="ad")
    platform.view_product(ANN, SERUM, now=3)  # direct: no touch
    order = platform.order(platform.place_order(ANN, SERUM, now=4))
    assert (order.note, order.channel) == (review, "ad")


def test_each_tagged_product_is_touched(platform: Platform) -> None:
    """A note tagging two products is a touch for both."""
    platform.restock(GLOWCO, MUG, 5, now=0)
    both = platform.publish(CY, ["travel"], now=1, products=[SERUM, MUG])
    platform.read(BO, both, now=2)
    assert platform.order(platform.place_order(BO, SERUM, now=3)).note == both
    assert platform.order(platform.place_order(BO, MUG, now=3)).note == both
