"""Free samples: ``Platform.send_sample``, its event, replay, the HTTP route and the client.

Shared fixture ids: users ann=0, bo=1 (consumers), cy=2 (creator), glowco=3 (brand),
editor=4 (staff); products 0 = Glow Serum (stock 5), 1 = Travel Mug (stock 0), by glowco.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import (
    EventKind,
    Forbidden,
    InvalidTransition,
    NotFound,
    OutOfStock,
    Platform,
)
from redloop.platform.client import AsyncClient, TokenBook
from redloop.platform.http import create_app

from ..people import ANN, BO, CY, EDITOR, GLOWCO, MUG, SERUM


def test_a_sample_is_a_paid_zero_price_order_that_is_no_sale(platform: Platform) -> None:
    oid = platform.send_sample(GLOWCO, SERUM, CY, now=2.0)
    order = platform.order(oid)
    assert (order.buyer, order.product, order.quantity, order.status) == (CY, SERUM, 1, "paid")
    assert (order.amount, order.sample, order.note, order.channel) == (0.0, True, None, "direct")
    product = platform.product(SERUM)
    assert (product.stock, product.units_sold) == (4, 0)
    event = platform.log[len(platform.log) - 1]
    assert event.kind is EventKind.SAMPLE_SENT and event.actor == GLOWCO
    assert event.fields == {"product": SERUM, "recipient": CY}
    assert platform.tables()["orders"]["is_sample"].tolist() == [1]


def test_a_sample_ships_and_is_reviewed_like_a_purchase(platform: Platform) -> None:
    oid = platform.send_sample(GLOWCO, SERUM, ANN, now=1.0)
    platform.ship(GLOWCO, oid, now=2.0)
    platform.deliver(GLOWCO, oid, now=3.0)
    platform.review(ANN, oid, 5, now=4.0)
    assert platform.order(oid).status == "reviewed"
    assert platform.product(SERUM).rating == 5.0
    platform.refund(ANN, oid, now=5.0)  # nothing to pay back; no sale to undo
    assert platform.product(SERUM).units_sold == 0


def test_cancelling_a_sample_returns_the_unit_without_undoing_a_sale(platform: Platform) -> None:
    sold = platform.place_order(BO, SERUM, 1, now=1.0)
    oid = platform.send_sample(GLOWCO, SERUM, ANN, now=1.0)
    platform.cancel(GLOWCO, oid, now=2.0)
    assert platform.order(sold).sample is False
    product = platform.product(SERUM)
    assert (product.stock, product.units_sold) == (4, 1)


@pytest.mark.parametrize(
    ("brand", "product", "user", "error", "field"),
    [
        (ANN, SERUM, BO, Forbidden, "brand"),  # not the product's brand
        (EDITOR, SERUM, BO, Forbidden, "brand"),  # staff may restock, not give away goods
        (GLOWCO, SERUM, GLOWCO, Forbidden, "user"),  # only consumers and creators receive
        (GLOWCO, SERUM, EDITOR, Forbidden, "user"),
        (GLOWCO, SERUM, 99, NotFound, "user"),
        (GLOWCO, 9, ANN, NotFound, "product"),
        (99, SERUM, ANN, NotFound, "brand"),
        (GLOWCO, MUG, ANN, OutOfStock, "product"),
    ],
)
def test_invalid_samples_are_refused_and_change_nothing(
    platform: Platform, brand: int, product: int, user: int, error: type, field: str
) -> None:
    before = platform.fingerprint(), len(platform.log)
    with pytest.raises(error) as caught:
        platform.send_sample(brand, product, user, now=1.0)
    assert caught.value.field == field
    assert (platform.fingerprint(), len(platform.log)) == before


def test_a_sample_of_the_last_unit_empties_the_stock(platform: Platform) -> None:
    for t in range(5):
        platform.send_sample(GLOWCO, SERUM, ANN, now=float(t))
    with pytest.raises(OutOfStock):
        platform.send_sample(GLOWCO, SERUM, BO, now=6.0)
    with pytest.raises(OutOfStock):
        platform.place_order(BO, SERUM, 1, now=6.0)


def test_replay_rebuilds_samples_exactly(platform: Platform) -> None:
    a = platform.send_sample(GLOWCO, SERUM, ANN, now=1.0)
    platform.send_sample(GLOWCO, SERUM, CY, now=1.5)
    platform.place_order(BO, SERUM, 1, now=2.0)
    platform.ship(GLOWCO, a, now=3.0)
    platform.cancel(GLOWCO, 1, now=3.0)
    copy = Platform.replay(platform.log, platform.config, rng=42)
    assert copy.fingerprint() == platform.fingerprint()
    assert [copy.order(i) for i in range(3)] == [platform.order(i) for i in range(3)]


def test_a_sample_cannot_be_paid_again(platform: Platform) -> None:
    oid = platform.send_sample(GLOWCO, SERUM, ANN, now=1.0)
    with pytest.raises(InvalidTransition):
        platform.pay(ANN, oid, now=2.0)


# ---------------------------------------------------------------- HTTP and client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app(platform: Platform) -> Any:
    return create_app(platform, clock=lambda: 1.0)


@pytest.fixture
def book(app: Any) -> TokenBook:
    return TokenBook({uid: app.state.tokens.issue(uid) for uid in range(5)})


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://redloop.test") as c:
        yield c


def auth(book: TokenBook, uid: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {book.tokens[uid]}"}


@pytest.mark.anyio
async def test_http_route_sends_a_sample_as_the_tokens_brand(
    http: httpx.AsyncClient, book: TokenBook, platform: Platform
) -> None:
    r = await http.post(f"/products/{SERUM}/samples", json={"user": CY}, headers=auth(book, GLOWCO))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["buyer"], body["amount"], body["sample"], body["status"]) == (CY, 0, True, "paid")
    assert (await http.get(f"/orders/{body['id']}", headers=auth(book, CY))).json()["sample"]
    before = platform.fingerprint()
    for path, body_, who, status in (
        (f"/products/{SERUM}/samples", {"user": CY}, ANN, 403),  # not the brand
        (f"/products/{SERUM}/samples", {"user": GLOWCO}, GLOWCO, 403),  # a brand receives
        (f"/products/{SERUM}/samples", {"user": 77}, GLOWCO, 404),
        ("/products/42/samples", {"user": CY}, GLOWCO, 404),
        (f"/products/{MUG}/samples", {"user": CY}, GLOWCO, 409),
        (f"/products/{SERUM}/samples", {"user": -1}, GLOWCO, 422),
        (f"/products/{SERUM}/samples", {"user": CY, "brand": ANN}, GLOWCO, 422),
    ):
        r = await http.post(path, json=body_, headers=auth(book, who))
        assert r.status_code == status, (path, body_, r.text)
    r = await http.post(f"/products/{SERUM}/samples", json={"user": CY})
    assert r.status_code == 401
    assert platform.fingerprint() == before


@pytest.mark.anyio
async def test_client_send_sample_matches_the_platform(
    app: Any, book: TokenBook, platform: Platform
) -> None:
    transport = httpx.ASGITransport(app)
    raw = httpx.AsyncClient(transport=transport, base_url="http://redloop.test")
    async with AsyncClient(http=raw, tokens=book) as client:
        oid = await client.send_sample(GLOWCO, SERUM, ANN)
        assert await client.order(oid) == platform.order(oid)  # read with the recipient's token
        await client.ship(GLOWCO, oid)
        with pytest.raises(Forbidden):
            await client.send_sample(ANN, SERUM, BO)
        with pytest.raises(OutOfStock):
            await client.send_sample(GLOWCO, MUG, BO)
    assert platform.order(oid).status == "shipped"


# ---------------------------------------------------------------- invariants


@settings(max_examples=40, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["sample", "order", "cancel", "ship"]), st.integers(0, 20)),
        max_size=25,
    )
)
def test_stock_units_and_replay_stay_consistent_with_samples(ops) -> None:
    """Whatever mix of samples, orders, cancellations and shipments: stock + units out equals
    the opening stock, units sold counts only bought units, and replay is exact."""
    p = Platform(rng=1)
    for name in ("ann", "bo"):
        p.create_user(name, "consumer", ["skincare"], now=0)
    brand = p.create_user("glowco", "brand", now=0)
    serum = p.create_product(brand, "Glow Serum", "skincare", 10.0, 8, now=0)
    for t, (op, arg) in enumerate(ops, start=1):
        try:
            if op == "sample":
                p.send_sample(brand, serum, arg % 2, now=t)
            elif op == "order":
                p.pay(arg % 2, p.place_order(arg % 2, serum, 1, now=t), now=t)
            elif p.n_orders:
                getattr(p, op)(brand, arg % p.n_orders, now=t)
        except (OutOfStock, InvalidTransition):
            pass
    orders = p.tables()["orders"]
    live = orders["status"] != 5  # not cancelled
    assert p.product(serum).stock + int(orders["quantity"][live].sum()) == 8
    assert p.product(serum).units_sold == int(
        orders["quantity"][live & (orders["is_sample"] == 0)].sum()
    )
    assert Platform.replay(p.log, p.config, rng=1).fingerprint() == p.fingerprint()
