"""The shop: catalogue, permissions, stock, orders and their lifecycle, reviews, product pages."""

from __future__ import annotations

import pytest

from redloop.platform.api import (
    Conflict,
    EventKind,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Order,
    OutOfStock,
    Platform,
    Product,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO, MUG, SERUM

# ------------------------------------------------------------------ catalogue


def test_create_product_lists_it(platform: Platform) -> None:
    pid = platform.create_product(GLOWCO, "Night Cream", "skincare", 88.5, 7, now=1)
    assert pid == 2 == platform.n_products - 1
    assert platform.product(pid) == Product(
        id=pid,
        brand=GLOWCO,
        name="Night Cream",
        topic="skincare",
        price=88.5,
        stock=7,
        origin="domestic",
        units_sold=0,
        notes=0,
        reviews=0,
        rating=None,
    )
    assert platform.products_of(GLOWCO) == (SERUM, MUG, pid)
    assert platform.product(MUG).origin == "overseas"
    event = platform.log[len(platform.log) - 1]
    assert event.kind is EventKind.PRODUCT_CREATED
    assert event.fields == {
        "topic": "skincare",
        "origin": "domestic",
        "price_cents": 8850,
        "stock": 7,
        "name": "Night Cream",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"brand": ANN}, Forbidden, "brand"),
        ({"brand": EDITOR}, Forbidden, "brand"),
        ({"brand": 99}, NotFound, "brand"),
        ({"name": ""}, InvalidInput, "name"),
        ({"name": "n" * 121}, InvalidInput, "name"),
        ({"topic": "knitting"}, InvalidInput, "topic"),
        ({"price": 0}, InvalidInput, "price"),
        ({"price": -1.0}, InvalidInput, "price"),
        ({"price": 1e8}, InvalidInput, "price"),
        ({"price": True}, InvalidInput, "price"),
        ({"price": "9.9"}, InvalidInput, "price"),
        ({"stock": -1}, InvalidInput, "stock"),
        ({"stock": 1.5}, InvalidInput, "stock"),
        ({"origin": "mars"}, InvalidInput, "origin"),
    ],
)
def test_create_product_rejects_bad_input(platform: Platform, reject, kwargs, error, field) -> None:
    args = {
        "brand": GLOWCO,
        "name": "Cream",
        "topic": "skincare",
        "price": 10.0,
        "stock": 1,
        **kwargs,
    }
    reject(
        platform,
        error,
        field,
        platform.create_product,
        args.pop("brand"),
        args.pop("name"),
        args.pop("topic"),
        args.pop("price"),
        args.pop("stock"),
        now=1,
        **args,
    )


@pytest.mark.parametrize("actor", [GLOWCO, EDITOR])
def test_brand_or_staff_may_restock_and_reprice(platform: Platform, actor) -> None:
    platform.restock(actor, MUG, 4, now=1)
    platform.restock(actor, MUG, 2, now=2)
    platform.set_price(actor, MUG, 49.9, now=3)
    product = platform.product(MUG)
    assert (product.stock, product.price) == (6, 49.9)
    kinds = [e.kind for e in platform.log][-3:]
    assert kinds == [EventKind.PRODUCT_RESTOCKED] * 2 + [EventKind.PRICE_SET]
    assert platform.log[len(platform.log) - 2].fields == {"quantity": 2}
    assert platform.log[len(platform.log) - 1].fields == {"price_cents": 4990}


@pytest.mark.parametrize("op", ["restock", "set_price"])
def test_others_may_not_restock_or_reprice(platform: Platform, reject, op) -> None:
    rival = platform.create_user("rival", "brand", [], now=0)
    value = 3 if op == "restock" else 10.0
    for actor in (ANN, CY, rival):
        reject(platform, Forbidden, "actor", getattr(platform, op), actor, SERUM, value, now=1)
    reject(platform, NotFound, "actor", getattr(platform, op), 99, SERUM, value, now=1)
    reject(platform, NotFound, "product", getattr(platform, op), GLOWCO, 9, value, now=1)


@pytest.mark.parametrize("quantity", [0, -3, 1.0, 10**9 + 1])
def test_restock_quantity_bounds(platform: Platform, reject, quantity) -> None:
    reject(platform, InvalidInput, "quantity", platform.restock, GLOWCO, SERUM, quantity, now=1)


def test_restock_cannot_overflow_stock(platform: Platform, reject) -> None:
    """Stock is bounded: a restock that would overflow is refused, not half-applied."""
    platform.restock(GLOWCO, MUG, 10**9, now=1)
    platform.restock(GLOWCO, MUG, 10**9, now=1)
    reject(platform, InvalidInput, "quantity", platform.restock, GLOWCO, MUG, 10**9, now=1)
    assert platform.product(MUG).stock == 2 * 10**9


@pytest.mark.parametrize("price", [0, -2.0, 1e8, None])
def test_set_price_validates(platform: Platform, reject, price) -> None:
    reject(platform, InvalidInput, "price", platform.set_price, GLOWCO, SERUM, price, now=1)


# ------------------------------------------------------------------ viewing


def test_view_product_directly_is_not_logged(platform: Platform) -> None:
    n, now = len(platform.log), platform.now
    page = platform.view_product(ANN, SERUM, now=1)
    assert page == platform.product(SERUM)  # the product with its word-of-mouth aggregates
    assert len(platform.log) == n
    assert platform.now == now  # the clock is the log's: nothing logged, nothing advanced


def test_view_product_from_a_channel_is_logged(platform: Platform) -> None:
    n = len(platform.log)
    platform.view_product(ANN, SERUM, now=1, channel="search")
    event = platform.log[n]
    assert (event.kind, event.actor, event.object) == (EventKind.PRODUCT_VIEWED, ANN, SERUM)
    assert event.fields == {"channel": "search"}


@pytest.mark.parametrize(
    ("user", "product", "channel", "error", "field"),
    [
        (99, SERUM, "direct", NotFound, "user"),
        (ANN, 9, "direct", NotFound, "product"),
        (ANN, SERUM, "tv", InvalidInput, "channel"),
    ],
)
def test_view_product_rejects_bad_input(
    platform: Platform, reject, user, product, channel, error, field
) -> None:
    reject(platform, error, field, platform.view_product, user, product, now=1, channel=channel)


# ------------------------------------------------------------------ ordering


def test_place_order_reserves_stock(platform: Platform) -> None:
    oid = platform.place_order(ANN, SERUM, 2, now=1)
    assert platform.order(oid) == Order(
        id=oid,
        buyer=ANN,
        product=SERUM,
        quantity=2,
        unit_price=199.0,
        placed_at=1.0,
        status="placed",
        note=None,
        channel="direct",
        rating=None,
        review_note=None,
    )
    assert platform.order(oid).amount == pytest.approx(398.0)
    assert platform.product(SERUM).stock == 3
    assert platform.product(SERUM).units_sold == 2
    assert platform.n_orders == 1
    event = platform.log[len(platform.log) - 1]
    assert event.kind is EventKind.ORDER_PLACED
    assert event.fields["product"] == SERUM and event.fields["quantity"] == 2


def test_order_keeps_the_price_it_was_placed_at(platform: Platform) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    platform.set_price(GLOWCO, SERUM, 99.0, now=2)
    assert platform.order(oid).unit_price == 199.0
    assert platform.order(platform.place_order(BO, SERUM, 1, now=3)).unit_price == 99.0


def test_out_of_stock_is_a_conflict(platform: Platform, reject) -> None:
    err = reject(platform, OutOfStock, "quantity", platform.place_order, ANN, MUG, 1, now=1)
    assert isinstance(err, Conflict)
    platform.place_order(ANN, SERUM, 5, now=1)  # all of it
    reject(platform, OutOfStock, "quantity", platform.place_order, BO, SERUM, 1, now=2)
    assert platform.product(SERUM).stock == 0


@pytest.mark.parametrize("quantity", [0, -1, 100, 2.0, True])
def test_order_quantity_bounds(platform: Platform, reject, quantity) -> None:
    platform.restock(GLOWCO, SERUM, 500, now=0)
    reject(platform, InvalidInput, "quantity", platform.place_order, ANN, SERUM, quantity, now=1)


def test_order_of_max_quantity_is_accepted(platform: Platform) -> None:
    platform.restock(GLOWCO, SERUM, 500, now=0)
    oid = platform.place_order(ANN, SERUM, platform.config.max_order_quantity, now=1)
    assert platform.order(oid).quantity == 99


def test_order_unknown_ids(platform: Platform, reject) -> None:
    reject(platform, NotFound, "user", platform.place_order, 99, SERUM, 1, now=1)
    reject(platform, NotFound, "product", platform.place_order, ANN, 9, 1, now=1)
    with pytest.raises(NotFound) as info:
        platform.order(0)
    assert info.value.field == "order"


# ------------------------------------------------------------------ lifecycle


def deliver(p: Platform, buyer: int = ANN, quantity: int = 1, t: float = 1) -> int:
    oid = p.place_order(buyer, SERUM, quantity, now=t)
    p.pay(buyer, oid, now=t)
    p.ship(GLOWCO, oid, now=t)
    p.deliver(GLOWCO, oid, now=t)
    return oid


def test_full_lifecycle(platform: Platform) -> None:
    """placed → paid → shipped → delivered → reviewed, one event per step."""
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    steps = [
        (platform.pay, ANN, "paid", EventKind.ORDER_PAID),
        (platform.ship, GLOWCO, "shipped", EventKind.ORDER_SHIPPED),
        (platform.deliver, EDITOR, "delivered", EventKind.ORDER_DELIVERED),  # staff may deliver
    ]
    for t, (step, actor, status, kind) in enumerate(steps):
        step(actor, oid, now=2 + t)
        assert platform.order(oid).status == status
        event = platform.log[len(platform.log) - 1]
        assert (event.kind, event.actor, event.object) == (kind, actor, oid)
    platform.review(ANN, oid, 4, now=9)
    order = platform.order(oid)
    assert (order.status, order.rating, order.review_note) == ("reviewed", 4, None)
    assert platform.log[len(platform.log) - 1].fields == {"rating": 4, "review_note": None}
    assert platform.product(SERUM).units_sold == 1


@pytest.mark.parametrize(
    ("step", "actor"),
    [("pay", GLOWCO), ("pay", BO), ("ship", ANN), ("ship", CY)],
)
def test_lifecycle_steps_need_the_right_actor(platform: Platform, reject, step, actor) -> None:
    """Only the buyer pays (and reviews, refunds); only the seller or staff ships/delivers."""
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    if step == "ship":
        platform.pay(ANN, oid, now=1)
    reject(platform, Forbidden, "actor", getattr(platform, step), actor, oid, now=2)


def test_review_and_refund_only_by_the_buyer(platform: Platform, reject) -> None:
    oid = deliver(platform)
    reject(platform, Forbidden, "actor", platform.review, BO, oid, 5, now=2)
    reject(platform, Forbidden, "actor", platform.review, GLOWCO, oid, 5, now=2)
    reject(platform, Forbidden, "actor", platform.refund, GLOWCO, oid, now=2)


@pytest.mark.parametrize(
    ("status_steps", "action"),
    [
        (0, "ship"),
        (0, "deliver"),
        (0, "refund"),
        (1, "deliver"),
        (1, "pay"),
        (2, "pay"),
        (2, "cancel"),
        (3, "cancel"),
        (3, "ship"),
    ],
)
def test_steps_out_of_order_are_invalid_transitions(
    platform: Platform, reject, status_steps, action
) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    for step, actor in (("pay", ANN), ("ship", GLOWCO), ("deliver", GLOWCO))[:status_steps]:
        getattr(platform, step)(actor, oid, now=1)
    actor = ANN if action in ("pay", "refund", "cancel") else GLOWCO
    status = platform.order(oid).status
    err = reject(platform, InvalidTransition, "order", getattr(platform, action), actor, oid, now=2)
    assert status in str(err)


def test_review_before_delivery_is_invalid(platform: Platform, reject) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    reject(platform, InvalidTransition, "order", platform.review, ANN, oid, 5, now=2)


@pytest.mark.parametrize(("steps", "actor"), [(0, ANN), (0, GLOWCO), (1, ANN), (1, EDITOR)])
def test_cancel_restores_stock(platform: Platform, steps, actor) -> None:
    """Buyer, brand or staff may cancel a placed or paid order: stock and sales come back."""
    oid = platform.place_order(ANN, SERUM, 3, now=1)
    if steps:
        platform.pay(ANN, oid, now=1)
    platform.cancel(actor, oid, now=2)
    assert platform.order(oid).status == "cancelled"
    assert platform.product(SERUM).stock == 5
    assert platform.product(SERUM).units_sold == 0
    assert platform.log[len(platform.log) - 1].kind is EventKind.ORDER_CANCELLED


def test_cancel_by_a_stranger_is_forbidden(platform: Platform, reject) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    reject(platform, Forbidden, "actor", platform.cancel, BO, oid, now=2)


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("pay", (ANN,)),
        ("ship", (GLOWCO,)),
        ("deliver", (GLOWCO,)),
        ("cancel", (ANN,)),
        ("refund", (ANN,)),
        ("review", (ANN, 5)),
    ],
)
def test_acting_on_a_cancelled_order_names_the_state(
    platform: Platform, reject, action, args
) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    platform.cancel(ANN, oid, now=1)
    actor, *rest = args
    err = reject(
        platform, InvalidTransition, "order", getattr(platform, action), actor, oid, *rest, now=2
    )
    assert "cancelled" in str(err)
    assert platform.product(SERUM).stock == 5  # not restored twice


@pytest.mark.parametrize("reviewed", [False, True])
def test_refund_after_delivery(platform: Platform, reviewed) -> None:
    """A refund undoes the sale but returned goods are not resold (stock unchanged)."""
    oid = deliver(platform, quantity=2)
    if reviewed:
        platform.review(ANN, oid, 1, now=2)
    platform.refund(ANN, oid, now=3)
    assert platform.order(oid).status == "refunded"
    assert platform.product(SERUM).units_sold == 0
    assert platform.product(SERUM).stock == 3


@pytest.mark.parametrize("op", ["pay", "cancel", "refund"])
def test_order_actions_on_unknown_ids(platform: Platform, reject, op) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    reject(platform, NotFound, "order", getattr(platform, op), ANN, 7, now=2)
    reject(platform, NotFound, "actor", getattr(platform, op), 99, oid, now=2)


# ------------------------------------------------------------------ reviews


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, True, "5"])
def test_rating_must_be_one_to_five(platform: Platform, reject, rating) -> None:
    oid = deliver(platform)
    reject(platform, InvalidInput, "rating", platform.review, ANN, oid, rating, now=2)


def test_ratings_aggregate_on_the_product(platform: Platform) -> None:
    a, b = deliver(platform, ANN), deliver(platform, BO)
    platform.review(ANN, a, 5, now=2)
    platform.review(BO, b, 2, now=2)
    product = platform.product(SERUM)
    assert (product.reviews, product.rating) == (2, 3.5)
    assert platform.product_page(SERUM).product == product


def test_review_note_must_be_the_buyers_and_tag_the_product(platform: Platform, reject) -> None:
    oid = deliver(platform)
    by_other = platform.publish(CY, ["skincare"], now=2, products=[SERUM])
    untagged = platform.publish(ANN, ["skincare"], now=2)
    wrong_tag = platform.publish(ANN, ["travel"], now=2, products=[MUG])
    for note in (by_other, untagged, wrong_tag):
        reject(platform, InvalidInput, "note", platform.review, ANN, oid, 5, now=3, note=note)
    reject(platform, NotFound, "note", platform.review, ANN, oid, 5, now=3, note=99)
    good = platform.publish(ANN, ["skincare"], now=3, products=[SERUM])
    platform.review(ANN, oid, 5, now=4, note=good)
    assert platform.order(oid).review_note == good
    assert platform.log[len(platform.log) - 1].fields == {"rating": 5, "review_note": good}


def test_an_order_is_reviewed_once(platform: Platform, reject) -> None:
    oid = deliver(platform)
    platform.review(ANN, oid, 5, now=2)
    err = reject(platform, InvalidTransition, "order", platform.review, ANN, oid, 1, now=3)
    assert "reviewed" in str(err)
    assert platform.product(SERUM).rating == 5.0


# ------------------------------------------------------------------ product page


def test_product_page_aggregates_word_of_mouth(platform: Platform) -> None:
    """Top notes by CES (ties: newest first), likes/collects summed over tagging notes."""
    quiet = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    liked = platform.publish(ANN, ["skincare"], now=1, products=[SERUM])
    loved = platform.publish(BO, ["skincare"], now=1, products=[SERUM, MUG])
    quiet2 = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    platform.publish(CY, ["travel"], now=1, products=[MUG])  # other product
    platform.like(BO, liked, now=2)
    platform.like(ANN, loved, now=2)
    platform.collect(ANN, loved, now=2)
    platform.comment(CY, loved, "same!", now=2)
    page = platform.product_page(SERUM)
    assert page.top_notes == (loved, liked, quiet2, quiet)
    assert page.likes_on_notes == 2 and page.collects_on_notes == 1
    assert page.product.notes == 4
    assert platform.product_page(SERUM, top=2).top_notes == (loved, liked)
    assert platform.view_product(BO, SERUM, now=3) == page.product


def test_product_page_of_unknown_product(platform: Platform) -> None:
    with pytest.raises(NotFound) as info:
        platform.product_page(42)
    assert info.value.field == "product"
