"""The HTTP service (platform/http/) in-process, over httpx's ASGI transport.

Uses the shared ``platform`` fixture: users ann=0, bo=1 (consumers), cy=2 (creator),
glowco=3 (brand), editor=4 (staff); products 0 = Glow Serum (stock 5), 1 = Travel Mug
(stock 0), both by glowco.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from redloop.platform import http as http_module
from redloop.platform.api import Platform
from redloop.platform.http import create_app, router, serve

from ..people import ANN, BO, CY, EDITOR, GLOWCO, MUG, SERUM

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    """Simulated hours, advanced by hand."""

    def __init__(self, t: float = 1.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(platform: Platform, clock: FakeClock) -> Any:
    return create_app(platform, clock=clock)


@pytest.fixture
def tokens(app: Any) -> dict[int, str]:
    return {uid: app.state.tokens.issue(uid) for uid in (ANN, BO, CY, GLOWCO, EDITOR)}


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://redloop.test") as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The response must be ``status`` with an error body naming ``error``; returns the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["message"] and "field" in body
    return body


def state(platform: Platform) -> tuple[str, int, float]:
    return platform.fingerprint(), len(platform.log), platform.now


# ---------------------------------------------------------------- accounts & follows


async def test_sign_up_returns_a_token_that_acts_as_the_new_user(client, platform) -> None:
    r = await client.post("/users", json={"name": "dee", "kind": "creator", "interests": ["food"]})
    assert r.status_code == 201
    dee = r.json()
    assert dee["id"] == 5 and dee["kind"] == "creator" and dee["interests"] == ["food"]
    assert len(dee["token"]) >= 40
    r = await client.post("/notes", json={"topics": ["food"]}, headers=auth(dee["token"]))
    assert r.status_code == 201 and r.json()["author"] == dee["id"]
    assert platform.user(5).notes == 1


async def test_each_user_gets_their_own_token(client) -> None:
    a = (await client.post("/users", json={"name": "a1"})).json()
    b = (await client.post("/users", json={"name": "b1"})).json()
    assert a["token"] != b["token"]
    r = await client.post("/notes", json={"topics": ["food"]}, headers=auth(b["token"]))
    assert r.json()["author"] == b["id"]


async def test_staff_accounts_cannot_be_opened_over_http(client, app) -> None:
    r = await client.post("/users", json={"name": "boss", "kind": "staff"})
    assert error_of(r, 422, "InvalidInput")["field"] == "kind"
    assert len(app.state.tokens) == 0


async def test_get_user(client) -> None:
    r = await client.get(f"/users/{ANN}")
    assert r.status_code == 200
    assert r.json()["name"] == "ann" and r.json()["interests"] == ["beauty", "skincare"]


async def test_follow_and_unfollow_are_idempotent(client, tokens, platform) -> None:
    path = f"/users/{ANN}/following/{CY}"
    r = await client.put(path, headers=auth(tokens[ANN]))
    assert r.status_code == 200 and r.json() == {
        "user": ANN,
        "target": CY,
        "following": True,
        "changed": True,
    }
    assert (await client.put(path, headers=auth(tokens[ANN]))).json()["changed"] is False
    assert (await client.get(f"/users/{CY}/followers")).json() == {
        "total": 1,
        "offset": 0,
        "ids": [ANN],
    }
    assert (await client.get(f"/users/{ANN}/following")).json()["ids"] == [CY]
    r = await client.delete(path, headers=auth(tokens[ANN]))
    assert r.json()["changed"] is True and r.json()["following"] is False
    assert (await client.delete(path, headers=auth(tokens[ANN]))).json()["changed"] is False
    assert platform.followers(CY) == ()


async def test_follow_via_a_note_credits_it(client, tokens, platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1)
    r = await client.put(
        f"/users/{ANN}/following/{CY}", params={"via_note": note}, headers=auth(tokens[ANN])
    )
    assert r.status_code == 200
    assert platform.note(note).follows == 1


async def test_follower_lists_paginate(client, tokens, platform) -> None:
    for uid in (ANN, BO, EDITOR):
        platform.follow(uid, CY, now=1)
    r = await client.get(f"/users/{CY}/followers", params={"offset": 1, "limit": 1})
    assert r.json() == {"total": 3, "offset": 1, "ids": [BO]}


async def test_self_follow_is_forbidden(client, tokens) -> None:
    r = await client.put(f"/users/{ANN}/following/{ANN}", headers=auth(tokens[ANN]))
    assert error_of(r, 403, "Forbidden")["field"] == "target"


# ---------------------------------------------------------------- notes & engagement


async def test_publish_and_read_back_a_note(client, tokens) -> None:
    body = {"topics": ["skincare"], "format": "video", "products": [SERUM], "title": "my routine"}
    r = await client.post("/notes", json=body, headers=auth(tokens[CY]))
    assert r.status_code == 201
    note = r.json()
    assert (note["author"], note["format"], note["products"], note["sponsored"]) == (
        CY,
        "video",
        [SERUM],
        False,
    )
    assert (await client.get(f"/notes/{note['id']}")).json() == note
    assert (await client.get(f"/users/{CY}/notes")).json()["ids"] == [note["id"]]


async def test_sponsored_note_names_a_brand(client, tokens) -> None:
    body = {"topics": ["skincare"], "sponsor": GLOWCO}
    r = await client.post("/notes", json=body, headers=auth(tokens[GLOWCO]))  # its own note
    assert r.status_code == 201 and r.json()["sponsor"] == GLOWCO and r.json()["sponsored"]
    r = await client.post("/notes", json={**body, "sponsor": BO}, headers=auth(tokens[CY]))
    assert error_of(r, 403, "Forbidden")["field"] == "sponsor"


async def test_engagement_counts(client, tokens, platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    h = auth(tokens[ANN])
    r = await client.post(f"/notes/{note}/reads", json={"channel": "search"}, headers=h)
    assert r.status_code == 201 and r.json()["note"]["reads"] == 1
    assert (await client.post(f"/notes/{note}/reads", headers=h)).status_code == 201  # no body
    like = await client.put(f"/notes/{note}/like", headers=h)
    assert like.json()["changed"] is True and like.json()["note"]["likes"] == 1
    again = await client.put(f"/notes/{note}/like", headers=h)
    assert again.json()["changed"] is False and again.json()["note"]["likes"] == 1
    assert (await client.put(f"/notes/{note}/collect", headers=h)).json()["note"]["collects"] == 1
    r = await client.post(f"/notes/{note}/comments", json={"text": "love it"}, headers=h)
    assert r.status_code == 201 and r.json()["user"] == ANN and r.json()["text"] == "love it"
    assert (await client.post(f"/notes/{note}/shares", headers=h)).json()["note"]["shares"] == 1
    assert (await client.delete(f"/notes/{note}/like", headers=h)).json()["note"]["likes"] == 0
    assert (await client.delete(f"/notes/{note}/like", headers=h)).json()["changed"] is False
    r = await client.delete(f"/notes/{note}/collect", headers=h)
    assert r.json()["changed"] is True and r.json()["note"]["collects"] == 0
    view = platform.note(note)
    assert (view.reads, view.likes, view.collects, view.comments, view.shares) == (2, 0, 0, 1, 1)
    comments = (await client.get(f"/notes/{note}/comments")).json()
    assert comments["total"] == 1 and comments["comments"][0]["text"] == "love it"
    # the read from search is the touch an order is attributed to
    r = await client.post("/orders", json={"product": SERUM}, headers=h)
    assert r.json()["note"] == note and r.json()["channel"] == "discovery"  # the latest read


# ---------------------------------------------------------------- feeds & search


async def test_discovery_feed_serves_impressions(client, tokens, platform) -> None:
    notes = [platform.publish(CY, ["skincare"], now=1) for _ in range(3)]
    platform.like(BO, notes[0], now=1)
    r = await client.get("/feed/discovery", params={"k": 2}, headers=auth(tokens[ANN]))
    assert r.status_code == 200
    page = r.json()
    assert len(page["notes"]) == 2 and set(page["notes"]) <= set(notes)
    assert page["ad_slots"] == []
    assert page["likes"] == [int(n == notes[0]) for n in page["notes"]]  # shown on each card
    assert sum(platform.note(n).impressions for n in notes) == 2


async def test_following_feed_paginates(client, tokens, platform) -> None:
    platform.follow(ANN, CY, now=1)
    notes = [platform.publish(CY, ["skincare"], now=1) for _ in range(3)]
    h = auth(tokens[ANN])
    first = (await client.get("/feed/following", params={"limit": 2}, headers=h)).json()
    assert first == {"notes": [notes[2], notes[1]], "next_before": notes[1]}
    params = {"limit": 2, "before": first["next_before"]}
    rest = (await client.get("/feed/following", params=params, headers=h)).json()
    assert rest == {"notes": [notes[0]], "next_before": None}


async def test_search(client, tokens, platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    r = await client.get("/search", params={"q": "glow serum"}, headers=auth(tokens[BO]))
    assert r.status_code == 200
    assert r.json()["products"] == [SERUM] and note in r.json()["notes"]
    assert platform.log[len(platform.log) - 1].kind.name == "SEARCHED"


# ---------------------------------------------------------------- shop & orders


async def test_brand_lists_restocks_and_prices_products(client, tokens) -> None:
    h = auth(tokens[GLOWCO])
    body = {"name": "Sun Cream", "topic": "skincare", "price": 88.5, "stock": 3}
    r = await client.post("/products", json=body, headers=h)
    assert r.status_code == 201
    product = r.json()
    assert (product["brand"], product["price"], product["stock"]) == (GLOWCO, 88.5, 3)
    r = await client.post(f"/products/{product['id']}/restock", json={"quantity": 7}, headers=h)
    assert r.json()["stock"] == 10
    r = await client.put(f"/products/{product['id']}/price", json={"price": 79}, headers=h)
    assert r.json()["price"] == 79.0
    assert (await client.get(f"/products/{product['id']}")).json()["stock"] == 10


async def test_only_brands_list_and_only_sellers_restock(client, tokens) -> None:
    body = {"name": "Fake", "topic": "tech", "price": 1.0}
    r = await client.post("/products", json=body, headers=auth(tokens[ANN]))
    assert error_of(r, 403, "Forbidden")["field"] == "brand"
    r = await client.post(
        f"/products/{SERUM}/restock", json={"quantity": 1}, headers=auth(tokens[ANN])
    )
    error_of(r, 403, "Forbidden")
    r = await client.post(
        f"/products/{SERUM}/restock", json={"quantity": 1}, headers=auth(tokens[EDITOR])
    )
    assert r.status_code == 200  # staff may restock (the platform's own shop)


async def test_product_page_aggregates_word_of_mouth(client, tokens, platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    platform.like(ANN, note, now=1)
    page = (await client.get(f"/products/{SERUM}/page")).json()
    assert page["product"]["id"] == SERUM and page["top_notes"] == [note]
    assert page["likes_on_notes"] == 1


async def test_product_view_from_an_ad_is_attributed(client, tokens) -> None:
    h = auth(tokens[BO])
    r = await client.post(f"/products/{SERUM}/views", json={"channel": "ad"}, headers=h)
    assert r.status_code == 200 and r.json()["id"] == SERUM
    order = (await client.post("/orders", json={"product": SERUM}, headers=h)).json()
    assert order["channel"] == "ad" and order["note"] is None


async def test_order_lifecycle(client, tokens, platform) -> None:
    buyer, seller = auth(tokens[ANN]), auth(tokens[GLOWCO])
    r = await client.post("/orders", json={"product": SERUM, "quantity": 2}, headers=buyer)
    assert r.status_code == 201
    order = r.json()
    assert (order["buyer"], order["status"], order["amount"]) == (ANN, "placed", 398.0)
    assert platform.product(SERUM).stock == 3
    oid = order["id"]
    for action, who, status in (
        ("pay", buyer, "paid"),
        ("ship", seller, "shipped"),
        ("deliver", seller, "delivered"),
    ):
        r = await client.post(f"/orders/{oid}/{action}", headers=who)
        assert r.status_code == 200 and r.json()["status"] == status, r.text
    r = await client.post(f"/orders/{oid}/review", json={"rating": 4}, headers=buyer)
    assert r.json()["status"] == "reviewed" and r.json()["rating"] == 4
    assert (await client.get(f"/products/{SERUM}")).json()["rating"] == 4.0
    r = await client.post(f"/orders/{oid}/refund", headers=buyer)
    assert r.json()["status"] == "refunded"
    for who in (buyer, seller, auth(tokens[EDITOR])):
        assert (await client.get(f"/orders/{oid}", headers=who)).status_code == 200


async def test_cancel_returns_the_stock(client, tokens, platform) -> None:
    h = auth(tokens[ANN])
    oid = (await client.post("/orders", json={"product": SERUM, "quantity": 5}, headers=h)).json()
    assert platform.product(SERUM).stock == 0
    r = await client.post(f"/orders/{oid['id']}/cancel", headers=auth(tokens[GLOWCO]))
    assert r.json()["status"] == "cancelled"
    assert platform.product(SERUM).stock == 5


# ---------------------------------------------------------------- ads, trending, health


async def test_campaign_lifecycle(client, tokens, platform) -> None:
    ad = platform.publish(GLOWCO, ["food"], now=1, sponsor=GLOWCO)
    brand = auth(tokens[GLOWCO])
    r = await client.post(
        "/campaigns", json={"note": ad, "budget": 10.0, "cpm": 100}, headers=brand
    )
    assert r.status_code == 201
    cid = r.json()["id"]
    assert r.json()["active"] and r.json()["topics"] == ["food"]
    page = (await client.get("/feed/discovery", headers=auth(tokens[BO]))).json()
    assert page["notes"][page["ad_slots"][0]] == ad
    assert (await client.get(f"/campaigns/{cid}", headers=brand)).json()["impressions"] == 1
    error_of(await client.get(f"/campaigns/{cid}", headers=auth(tokens[BO])), 403, "Forbidden")
    error_of(await client.delete(f"/campaigns/{cid}", headers=auth(tokens[BO])), 403, "Forbidden")
    r = await client.delete(f"/campaigns/{cid}", headers=brand)
    assert r.status_code == 200 and r.json()["active"] is False


async def test_paced_campaign_over_http_reports_its_end(client, tokens, platform) -> None:
    ad = platform.publish(GLOWCO, ["food"], now=1)
    body = {"note": ad, "budget": 10.0, "cpm": 100, "hours": 48}
    r = await client.post("/campaigns", json=body, headers=auth(tokens[GLOWCO]))
    assert r.status_code == 201 and r.json()["end"] == r.json()["start"] + 48
    bad = await client.post("/campaigns", json={**body, "hours": 0.5}, headers=auth(tokens[GLOWCO]))
    assert error_of(bad, 422, "InvalidInput")


async def test_boost_lifecycle(client, tokens, platform) -> None:
    """The author boosts their note; a boosted card is labelled; others get 403 and 422."""
    note = platform.publish(ANN, ["food"], now=1)
    mine = auth(tokens[ANN])
    r = await client.post(
        "/boosts", json={"note": note, "fee": 75.0, "hours": 6, "goal": "reads"}, headers=mine
    )
    assert r.status_code == 201
    boost = r.json()
    assert (boost["buyer"], boost["delivered"], boost["active"]) == (ANN, 0, True)
    assert boost["bought"] == round(75.0 / platform.config.boost_cpm * 1000)
    page = (await client.get("/feed/discovery", headers=auth(tokens[BO]))).json()
    assert page["notes"][page["boost_slots"][0]] == note
    assert (await client.get(f"/boosts/{boost['id']}", headers=mine)).json()["delivered"] == 1
    before = state(platform)
    theirs = await client.post(
        "/boosts", json={"note": note, "fee": 75.0}, headers=auth(tokens[BO])
    )
    assert error_of(theirs, 403, "Forbidden")["field"] == "note"
    peek = await client.get(f"/boosts/{boost['id']}", headers=auth(tokens[BO]))
    error_of(peek, 403, "Forbidden")
    cheap = await client.post("/boosts", json={"note": note, "fee": 10.0}, headers=mine)
    error_of(cheap, 422, "InvalidInput")
    error_of(await client.get("/boosts/99", headers=mine), 404, "NotFound")
    assert state(platform) == before


async def test_trending(client, tokens, platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1, products=[SERUM])
    platform.like(ANN, note, now=1)
    platform.place_order(BO, SERUM, 2, now=1)
    assert (await client.get("/trending/topics")).json()[0] == {"topic": "skincare", "score": 1.0}
    top = (await client.get("/trending/products", params={"k": 1})).json()
    assert top == [{"product": SERUM, "score": 3.0}]


async def test_health(client, platform) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "now": 0.0,
        "recommender": "ces_pools",
        "users": 5,
        "notes": 0,
        "products": 2,
        "orders": 0,
    }


async def test_health_before_any_write_has_no_time() -> None:
    transport = httpx.ASGITransport(create_app(Platform(rng=1)))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.get("/health")).json()["now"] is None


# ---------------------------------------------------------------- 401 / 403 / 404 / 409


def _secured_operations(app: Any) -> list[tuple[str, str]]:
    schema = app.openapi()
    return [
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if op.get("security")
    ]


async def test_every_acting_operation_needs_a_token(client, app, tokens, platform) -> None:
    operations = _secured_operations(app)
    assert len(operations) >= 28
    before = state(platform)
    for method, path in operations:
        url = path.replace("{", "").replace("}", "")  # e.g. /notes/note_id -> fill below
        url = "/".join("0" if part.endswith("_id") else part for part in url.split("/"))
        for headers in ({}, {"Authorization": "Basic YW5uOnB3"}, auth("not-a-token")):
            r = await client.request(method, url, headers=headers, json={})
            body = error_of(r, 401, "Unauthorized")
            assert body["field"] == "authorization", (method, path)
            assert r.headers["www-authenticate"] == "Bearer"
    assert state(platform) == before


async def test_reads_of_public_data_need_no_token(app) -> None:
    public = {
        (m.upper(), p)
        for p, ops in app.openapi()["paths"].items()
        for m, op in ops.items()
        if not op.get("security")
    }
    sign_ups = ("/users", "/shares/{share_id}/signups")  # people without an account yet
    assert all(method == "GET" or path in sign_ups for method, path in public)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", f"/users/{BO}/following/{CY}"), ("DELETE", f"/users/{BO}/following/{CY}")],
)
async def test_acting_as_another_user_is_forbidden(client, tokens, platform, method, path):
    before = state(platform)
    r = await client.request(method, path, headers=auth(tokens[ANN]))
    body = error_of(r, 403, "Forbidden")
    assert body["field"] == "user_id" and "user 0" in body["message"]
    assert state(platform) == before


async def test_paying_someone_elses_order_is_forbidden(client, tokens, platform) -> None:
    oid = platform.place_order(BO, SERUM, 1, now=1)
    before = state(platform)
    r = await client.post(f"/orders/{oid}/pay", headers=auth(tokens[ANN]))
    assert error_of(r, 403, "Forbidden")["field"] == "actor"
    error_of(await client.get(f"/orders/{oid}", headers=auth(tokens[ANN])), 403, "Forbidden")
    assert state(platform) == before


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/users/99", "user"),
        ("GET", "/users/99/followers", "user"),
        ("GET", "/notes/99", "note"),
        ("GET", "/notes/99/comments", "note"),
        ("PUT", "/notes/99/like", "note"),
        ("POST", "/notes/99/shares", "note"),
        ("PUT", f"/users/{ANN}/following/99", "target"),
        ("GET", "/products/99", "product"),
        ("GET", "/products/99/page", "product"),
        ("GET", "/orders/99", "order"),
        ("POST", "/orders/99/pay", "order"),
        ("GET", "/campaigns/99", "campaign"),
        ("DELETE", "/campaigns/99", "campaign"),
        ("GET", "/feed/following?before=99", "before"),
    ],
)
async def test_unknown_ids_are_404(client, tokens, platform, method, path, field) -> None:
    before = state(platform)
    r = await client.request(method, path, headers=auth(tokens[ANN]))
    assert error_of(r, 404, "NotFound")["field"] == field
    assert state(platform) == before


async def test_unknown_ids_in_bodies_are_404(client, tokens) -> None:
    r = await client.post("/orders", json={"product": 99}, headers=auth(tokens[ANN]))
    assert error_of(r, 404, "NotFound")["field"] == "product"
    r = await client.post(
        "/notes", json={"topics": ["food"], "products": [99]}, headers=auth(tokens[ANN])
    )
    assert error_of(r, 404, "NotFound")["field"] == "products"


async def test_out_of_stock_is_409(client, tokens, platform) -> None:
    before = state(platform)
    r = await client.post(
        "/orders", json={"product": SERUM, "quantity": 6}, headers=auth(tokens[ANN])
    )
    body = error_of(r, 409, "OutOfStock")
    assert body["field"] == "quantity" and "5 in stock" in body["message"]
    r = await client.post("/orders", json={"product": MUG}, headers=auth(tokens[ANN]))
    error_of(r, 409, "OutOfStock")
    assert state(platform) == before


@pytest.mark.parametrize("action", ["ship", "deliver", "refund"])
async def test_invalid_order_transitions_are_409(client, tokens, platform, action) -> None:
    oid = platform.place_order(ANN, SERUM, 1, now=1)
    before = state(platform)
    who = tokens[ANN] if action == "refund" else tokens[GLOWCO]
    r = await client.post(f"/orders/{oid}/{action}", headers=auth(who))
    body = error_of(r, 409, "InvalidTransition")
    assert "placed" in body["message"]
    assert state(platform) == before
    r = await client.post(f"/orders/{oid}/review", json={"rating": 5}, headers=auth(tokens[ANN]))
    error_of(r, 409, "InvalidTransition")


# ---------------------------------------------------------------- 422 and 413


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "says"),
    [
        ("POST", "/notes", {"topics": ["gardening"]}, "topics.0", "beauty"),
        ("POST", "/notes", {"topics": []}, "topics", "at least 1"),
        ("POST", "/notes", {"topics": ["food"], "author": 3}, "author", "Extra inputs"),
        ("POST", "/orders", {"product": SERUM, "quantity": "2"}, "quantity", "integer"),
        ("POST", "/orders", {"product": SERUM, "quantity": 0}, "quantity", "greater than"),
        ("POST", "/orders", {"product": SERUM, "quantity": 100}, "quantity", "1 to 99"),
        ("POST", "/orders", {}, "product", "Field required"),
        ("POST", "/notes/0/reads", {"channel": "tv"}, "channel", "discovery"),
        ("POST", "/notes/0/comments", {"text": ""}, "text", "at least 1"),
        ("POST", "/notes/0/comments", {"text": "   "}, "text", "non-empty"),
        ("POST", "/orders/0/review", {"rating": 6}, "rating", "less than or equal"),
    ],
)
async def test_invalid_input_is_422_naming_the_field(
    client, tokens, platform, method, path, body, field, says
) -> None:
    platform.publish(CY, ["food"], now=1)
    before = state(platform)
    r = await client.request(method, path, json=body, headers=auth(tokens[ANN]))
    err = error_of(r, 422, "InvalidInput")
    assert err["field"] == field
    assert says in err["message"], err["message"]
    assert state(platform) == before


async def test_validation_lists_every_problem(client, tokens) -> None:
    r = await client.post(
        "/products", json={"name": "", "topic": "x", "price": -1}, headers=auth(tokens[GLOWCO])
    )
    err = error_of(r, 422, "InvalidInput")
    assert {tuple(d["loc"]) for d in err["details"]} == {
        ("body", "name"),
        ("body", "topic"),
        ("body", "price"),
    }
    assert "body.price" in err["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": NaN}',
        b'{"name": "\\ud800"}',
        b'{"name": "ok", "interests": ["food"],}',
        b"\xff\xfe not utf-8",
        b"",
    ],
)
async def test_undecodable_bodies_are_422_not_500(client, app, platform, raw) -> None:
    before = state(platform)
    r = await client.post("/users", content=raw, headers={"content-type": "application/json"})
    error_of(r, 422, "InvalidInput")
    assert state(platform) == before and len(app.state.tokens) == 0


async def test_bad_query_parameters_are_422(client, tokens) -> None:
    r = await client.get("/feed/discovery", params={"k": 0}, headers=auth(tokens[ANN]))
    assert error_of(r, 422, "InvalidInput")["field"] == "k"
    r = await client.get("/search", params={"q": ""}, headers=auth(tokens[ANN]))
    assert error_of(r, 422, "InvalidInput")["field"] == "q"
    assert error_of(await client.get("/users/-1"), 422, "InvalidInput")["field"] == "user_id"


async def test_a_failed_sign_up_issues_no_token(client, app, platform) -> None:
    before = state(platform)
    r = await client.post("/users", json={"name": "ann"})  # taken
    assert error_of(r, 422, "InvalidInput")["field"] == "name"
    assert state(platform) == before and len(app.state.tokens) == 0


async def test_oversized_bodies_are_413(platform, tokens) -> None:
    app = create_app(platform, clock=FakeClock(), max_body_bytes=200)
    token = app.state.tokens.issue(CY)
    before = state(platform)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        fits = {"topics": ["food"], "title": "x" * 100}
        assert len(json.dumps(fits)) <= 200
        assert (await c.post("/notes", json=fits, headers=auth(token))).status_code == 201
        before = state(platform)
        big = {"topics": ["food"], "title": "x" * 190}
        r = await c.post("/notes", json=big, headers=auth(token))
        assert error_of(r, 413, "PayloadTooLarge")["field"] == "body"

        async def streamed():  # no Content-Length: counted while reading
            for _ in range(5):
                yield b'{"topics": ["food"], "title": "' + b"x" * 60

        r = await c.post(
            "/notes",
            content=streamed(),
            headers={
                **auth(token),
                "content-type": "application/json",
            },
        )
        assert "content-length" not in r.request.headers
        error_of(r, 413, "PayloadTooLarge")
    assert state(platform) == before


# ---------------------------------------------------------------- time


async def test_time_comes_from_the_clock_and_never_goes_back(client, clock, tokens, platform):
    clock.t = 5.0
    r = await client.post("/notes", json={"topics": ["food"]}, headers=auth(tokens[CY]))
    assert r.json()["created_at"] == 5.0
    clock.t = 2.0  # a clock going backwards is clamped to the platform's time, not refused
    r = await client.post("/notes", json={"topics": ["food"]}, headers=auth(tokens[CY]))
    assert r.status_code == 201 and r.json()["created_at"] == 5.0


async def test_the_default_clock_starts_at_the_platform_time(platform) -> None:
    platform.publish(CY, ["food"], now=100.0)
    app = create_app(platform)
    token = app.state.tokens.issue(CY)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/notes", json={"topics": ["food"]}, headers=auth(token))
    assert 100.0 <= r.json()["created_at"] < 100.1


# ---------------------------------------------------------------- schema and design guards


async def test_openapi_schema_lists_every_route(client) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    served = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    defined = {(m, route.path) for route in router.routes for m in route.methods}
    assert served == defined and len(served) >= 40
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    tags = {t for ops in schema["paths"].values() for op in ops.values() for t in op["tags"]}
    assert tags == {
        "accounts",
        "follows",
        "notes",
        "engagement",
        "shares",
        "feeds",
        "search",
        "shop",
        "orders",
        "ads",
        "marketplace",
        "trending",
        "health",
    }
    order_pay = schema["paths"]["/orders/{order_id}/pay"]["post"]["responses"]
    assert set(order_pay) == {"200", "401", "403", "404", "409", "422"}
    assert order_pay["409"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")


def _calls(dependant: Any) -> list[Any]:
    out = [dependant.call]
    for sub in dependant.dependencies:
        out += _calls(sub)
    return out


def test_every_endpoint_and_dependency_runs_on_the_event_loop() -> None:
    """Sync ``def`` endpoints would run in a thread pool and race on the platform."""
    for route in router.routes:
        for call in _calls(route.dependant):
            target = call if inspect.isfunction(call) else type(call).__call__
            assert inspect.iscoroutinefunction(target), f"{route.path}: {call} is not async"


def test_create_app_validates_max_body_bytes() -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(max_body_bytes=-1)


def test_serve_refuses_an_unknown_recommender(capsys) -> None:
    assert serve(recommender="astrology") == 2
    assert "astrology" in capsys.readouterr().err


def test_module_runs_with_python_dash_m() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "redloop.platform.http", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "--host" in out and "--port" in out
    assert http_module.__name__ == "redloop.platform.http"


# ---------------------------------------------------------------- creator marketplace


async def test_a_consumer_cannot_publish_a_note_sponsored_by_a_brand_that_never_agreed(
    client, tokens, platform
) -> None:
    before = (platform.fingerprint(), len(platform.log))
    for user in (ANN, CY):
        body = {"topics": ["skincare"], "products": [SERUM], "sponsor": GLOWCO}
        r = await client.post("/notes", json=body, headers=auth(tokens[user]))
        assert "collaboration" in error_of(r, 403, "Forbidden")["message"]
    assert (platform.fingerprint(), len(platform.log)) == before


async def test_marketplace_round_trip_over_http(client, tokens, platform) -> None:
    offer = {"creator": CY, "product": SERUM, "fee": 400.0}
    r = await client.post("/collaborations", json=offer, headers=auth(tokens[GLOWCO]))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json() | {"offered_at": 0} == {
        "id": cid,
        "brand": GLOWCO,
        "creator": CY,
        "product": SERUM,
        "fee": 400.0,
        "commission": 40.0,
        "status": "offered",
        "offered_at": 0,
        "expires_at": 73.0,
        "note": None,
        "reason": "",
    }
    r = await client.get("/collaborations?status=offered", headers=auth(tokens[CY]))
    assert r.json()["ids"] == [cid], "the creator sees the offer"
    note = {"topics": ["skincare"], "products": [SERUM], "collaboration": cid}
    before = (platform.fingerprint(), len(platform.log))
    r = await client.post("/notes", json=note, headers=auth(tokens[CY]))
    assert error_of(r, 403, "Forbidden")["field"] == "collaboration", "not accepted yet"
    assert (platform.fingerprint(), len(platform.log)) == before
    r = await client.post(f"/collaborations/{cid}/accept", headers=auth(tokens[CY]))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = await client.post("/notes", json=note, headers=auth(tokens[CY]))
    assert r.status_code == 201 and r.json()["sponsor"] == GLOWCO
    r = await client.get(f"/collaborations/{cid}", headers=auth(tokens[GLOWCO]))
    assert r.json()["status"] == "published" and r.json()["note"] == platform.n_notes - 1


async def test_declined_collaboration_cannot_be_published_over_http(
    client, tokens, platform
) -> None:
    cid = platform.offer_collaboration(GLOWCO, CY, SERUM, 300.0, now=1)
    r = await client.post(
        f"/collaborations/{cid}/decline", json={"reason": "capacity"}, headers=auth(tokens[CY])
    )
    assert r.json()["status"] == "declined" and r.json()["reason"] == "capacity"
    before = (platform.fingerprint(), len(platform.log))
    note = {"topics": ["skincare"], "products": [SERUM], "collaboration": cid}
    r = await client.post("/notes", json=note, headers=auth(tokens[CY]))
    assert "declined" in error_of(r, 403, "Forbidden")["message"]
    r = await client.post(f"/collaborations/{cid}/accept", headers=auth(tokens[CY]))
    error_of(r, 409, "InvalidTransition")
    assert (platform.fingerprint(), len(platform.log)) == before


@pytest.mark.parametrize(
    ("method", "path", "user", "status"),
    [
        ("post", "/collaborations/{cid}/accept", ANN, 403),  # not the offered creator
        ("post", "/collaborations/{cid}/accept", GLOWCO, 403),
        ("post", "/collaborations/{cid}/decline", BO, 403),
        ("delete", "/collaborations/{cid}", CY, 403),  # only the brand withdraws
        ("get", "/collaborations/{cid}", ANN, 403),  # only the parties (and staff) read it
        ("get", "/collaborations/77", CY, 404),
        ("post", "/collaborations/77/accept", CY, 404),
    ],
)
async def test_marketplace_auth_is_the_platforms(
    client, tokens, platform, method, path, user, status
) -> None:
    cid = platform.offer_collaboration(GLOWCO, CY, SERUM, 300.0, now=1)
    before = (platform.fingerprint(), len(platform.log))
    kwargs = {"json": {}} if path.endswith("decline") else {}
    r = await getattr(client, method)(path.format(cid=cid), headers=auth(tokens[user]), **kwargs)
    assert r.status_code == status, r.text
    assert (platform.fingerprint(), len(platform.log)) == before
    assert (await client.get(f"/collaborations/{cid}", headers=auth(tokens[EDITOR]))).is_success


@pytest.mark.parametrize(
    ("body", "user", "status"),
    [
        ({"creator": CY, "product": SERUM, "fee": 300.0}, CY, 403),  # a creator cannot offer
        ({"creator": ANN, "product": SERUM, "fee": 300.0}, GLOWCO, 403),  # not a creator
        ({"creator": CY, "product": SERUM, "fee": 10.0}, GLOWCO, 422),  # below the minimum
        ({"creator": CY, "product": SERUM, "fee": 300.0, "hours": 0}, GLOWCO, 422),
        ({"creator": CY, "product": SERUM, "fee": "300"}, GLOWCO, 422),
        ({"creator": CY, "product": 9, "fee": 300.0}, GLOWCO, 404),
    ],
)
async def test_offer_over_http_validates(client, tokens, platform, body, user, status) -> None:
    before = (platform.fingerprint(), len(platform.log))
    r = await client.post("/collaborations", json=body, headers=auth(tokens[user]))
    assert r.status_code == status, r.text
    assert (platform.fingerprint(), len(platform.log)) == before
