"""The HTTP service (platform/http/) in-process, over httpx's ASGI transport.

Uses the shared ``platform`` fixture: users ann=0, bo=1 (consumers), cy=2 (creator),
glowco=3 (brand), editor=4 (staff); products 0 = Glow Serum (stock 5), 1 = Travel Mug
(stock 0), both by glowco.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from redloop.platform.api import Platform
from redloop.platform.http import create_app

from ..people import ANN, BO, CY, EDITOR, GLOWCO, SERUM
from .http_support import auth, error_of, state

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]


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
