"""The HTTP client SDK (platform/client/) against the real service.

The async client runs in-process over httpx's ASGI transport; the sync client against a real
uvicorn server on a free loopback port in a background thread. Each facade method must return
exactly what the in-process platform returns for the same state (same view types, equal
values), and every error response must come back as the platform's own error class.

Shared fixture ids: users ann=0, bo=1 (consumers), cy=2 (creator), glowco=3 (brand),
editor=4 (staff); products 0 = Glow Serum (stock 5), 1 = Travel Mug (stock 0), by glowco.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from redloop.platform.api import (
    Conflict,
    DiscoveryPage,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Order,
    OutOfStock,
    Platform,
    PlatformError,
    Product,
    SearchResult,
)
from redloop.platform.client import (
    OPS,
    AsyncClient,
    Call,
    Calls,
    Client,
    ServiceError,
    SessionClient,
    TokenBook,
    Unauthorized,
    Unreachable,
    error_from,
)
from redloop.platform.http import create_app, router

from ..people import ANN, BO, CY, GLOWCO, MUG, SERUM

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app(platform: Platform) -> Any:
    return create_app(platform)


@pytest.fixture
def book(app: Any) -> TokenBook:
    """Tokens for the fixture's users, issued in-process (staff cannot sign up over HTTP)."""
    return TokenBook({uid: app.state.tokens.issue(uid) for uid in range(5)})


@pytest.fixture
def log() -> list[tuple[str, float, bool, int]]:
    return []


@pytest.fixture
async def client(app: Any, book: TokenBook, log: list) -> AsyncIterator[AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://redloop.test")
    async with AsyncClient(http=http, tokens=book, on_request=lambda *r: log.append(r)) as c:
        yield c


# ---------------------------------------------------------------- the mapping


def test_every_operation_is_a_route_of_the_service() -> None:
    routes = {(m, r.path) for r in router.routes for m in r.methods}
    for op in OPS.values():
        assert (op.method, op.path) in routes, f"{op.name}: no route {op.endpoint}"
        assert op.endpoint == f"{op.method} {op.path}"


def test_every_facade_method_the_crowd_uses_is_mapped_with_the_same_signature() -> None:
    import inspect

    for name in OPS:
        if name == "health":
            continue
        ours = inspect.signature(getattr(Client, name)).parameters
        theirs = inspect.signature(getattr(Platform, name)).parameters
        assert list(ours) == list(theirs), name


async def test_accounts_and_follows(client: AsyncClient, platform: Platform, log) -> None:
    dee = await client.create_user("dee", "creator", ["food"], now=123.0)  # now is ignored
    assert dee == 5 and dee in client.tokens
    assert await client.user(dee) == platform.user(dee)
    assert await client.follow(dee, CY) is True
    assert await client.follow(dee, CY) is False  # idempotent
    assert platform.is_following(dee, CY)
    note = platform.publish(CY, ["skincare"], now=platform.now)
    assert await client.follow(ANN, CY, via_note=note) is True
    assert platform.note(note).follows == 1
    assert await client.unfollow(dee, CY) is True
    assert [(name, ok, status) for name, _, ok, status in log[:3]] == [
        ("POST /users", True, 201),
        ("GET /users/{user_id}", True, 200),
        ("PUT /users/{user_id}/following/{target_id}", True, 200),
    ]


async def test_notes_and_engagement(client: AsyncClient, platform: Platform) -> None:
    note = await client.publish(CY, ["skincare"], products=[SERUM], title="two weeks in")
    assert await client.note(note) == platform.note(note)
    await client.read(ANN, note, channel=0)  # an int channel, as the agents pass it
    await client.read(BO, note, channel="search")
    assert platform.note(note).reads == 2
    assert await client.like(ANN, note) is True
    assert await client.like(ANN, note) is False
    assert await client.collect(ANN, note) is True
    assert await client.uncollect(ANN, note) is True
    assert await client.unlike(ANN, note) is True
    assert await client.comment(BO, note, "saved!") is None
    assert await client.share(BO, note) is None
    view = platform.note(note)
    assert (view.likes, view.collects, view.comments, view.shares) == (0, 0, 1, 1)
    assert platform.comments(note)[0].text == "saved!"


async def test_feeds_and_search(client: AsyncClient, platform: Platform) -> None:
    platform.follow(ANN, CY, now=platform.now)
    notes = [platform.publish(CY, ["skincare"], now=platform.now) for _ in range(3)]
    assert await client.following_feed(ANN, limit=2) == notes[:0:-1]
    assert await client.following_feed(ANN, before=notes[1]) == [notes[0]]
    page = await client.discovery_feed(BO, k=2)
    assert isinstance(page, DiscoveryPage) and len(page.notes) <= 2
    result = await client.search(ANN, "Glow Serum", limit=5)
    assert type(result) is SearchResult and result.products == (SERUM,)
    assert result.query == "Glow Serum" and isinstance(result.notes, tuple)


async def test_shop_and_orders(client: AsyncClient, platform: Platform) -> None:
    pid = await client.create_product(GLOWCO, "Lip Oil", "beauty", 59.0, 10, origin="overseas")
    assert await client.product(pid) == platform.product(pid)
    assert isinstance(await client.product(pid), Product)
    assert await client.product_page(SERUM, top=3) == platform.product_page(SERUM, top=3)
    assert await client.view_product(ANN, SERUM, channel="search") == platform.product(SERUM)
    await client.restock(GLOWCO, pid, 5)
    await client.set_price(GLOWCO, pid, 49.0)
    assert platform.product(pid).stock == 15 and platform.product(pid).price == 49.0
    order = await client.place_order(ANN, SERUM, 2)
    await client.pay(ANN, order)
    await client.ship(GLOWCO, order)
    await client.deliver(GLOWCO, order)
    await client.review(ANN, order, 5)
    view = await client.order(order)  # read with the buyer's token, which the book remembers
    assert isinstance(view, Order) and view == platform.order(order)
    assert (view.status, view.rating, view.amount) == ("reviewed", 5, 398.0)
    await client.refund(ANN, order)
    other = await client.place_order(BO, SERUM, 1)
    await client.cancel(GLOWCO, other)
    assert platform.order(other).status == "cancelled"


async def test_campaigns_and_trending(client: AsyncClient, platform: Platform) -> None:
    ad = platform.publish(GLOWCO, ["food"], now=platform.now, sponsor=GLOWCO)
    cid = await client.create_campaign(GLOWCO, ad, 10.0, cpm=100.0)
    assert await client.campaign(cid) == platform.campaign(cid)
    await client.stop_campaign(GLOWCO, cid)
    assert platform.campaign(cid).active is False
    paced = await client.create_campaign(GLOWCO, ad, 10.0, cpm=100.0, hours=24.0)
    assert (await client.campaign(paced)).end == platform.campaign(paced).end
    boost = await client.create_boost(GLOWCO, ad, 80.0, hours=12.0, goal="engagement")
    assert await client.boost(boost) == platform.boost(boost)
    assert platform.boost(boost).goal == "engagement"
    with pytest.raises(Forbidden):
        await client.create_boost(BO, ad, 80.0)
    note = platform.publish(CY, ["skincare"], now=platform.now, products=[SERUM])
    platform.like(ANN, note, now=platform.now)
    assert await client.trending_topics(k=3) == platform.trending_topics(now=platform.now, k=3)
    assert await client.trending_products() == platform.trending_products(now=platform.now)
    assert (await client.health())["users"] == platform.n_users


async def test_creator_marketplace(client: AsyncClient, platform: Platform) -> None:
    """Offer, list, accept, publish against it, decline, withdraw: the facade's results."""
    cid = await client.offer_collaboration(GLOWCO, CY, SERUM, 250.0, hours=24)
    assert await client.collaboration(cid) == platform.collaboration(cid)  # as the brand
    assert await client.collaborations_of(CY, status="offered") == (cid,)
    await client.accept_collaboration(CY, cid)
    note = await client.publish(CY, ["skincare"], products=[SERUM], collaboration=cid)
    assert platform.note(note).sponsor == GLOWCO
    seen = await client.collaboration(cid, viewer=CY)
    assert (seen.status, seen.note) == ("published", note)
    declined = await client.offer_collaboration(GLOWCO, CY, SERUM, 250.0)
    await client.decline_collaboration(CY, declined, reason="not my style")
    with pytest.raises(Forbidden):
        await client.publish(CY, ["skincare"], products=[SERUM], collaboration=declined)
    withdrawn = await client.offer_collaboration(GLOWCO, CY, SERUM, 250.0)
    await client.withdraw_collaboration(GLOWCO, withdrawn)
    assert [platform.collaboration(c).status for c in (declined, withdrawn)] == [
        "declined",
        "withdrawn",
    ]
    with pytest.raises(Forbidden):
        await client.publish(ANN, ["skincare"], sponsor=GLOWCO)


# ---------------------------------------------------------------- errors


async def test_out_of_stock_comes_back_as_out_of_stock(client: AsyncClient, log) -> None:
    with pytest.raises(OutOfStock) as info:
        await client.place_order(ANN, MUG, 1)
    assert isinstance(info.value, Conflict)
    assert info.value.status == 409 and info.value.field == "quantity"
    assert "stock" in info.value.message
    assert log[-1] == (log[-1][0], log[-1][1], False, 409)
    assert log[-1][0] == "POST /orders"


@pytest.mark.parametrize(
    ("call", "error", "status", "field"),
    [
        (lambda c: c.note(999), NotFound, 404, "note"),
        (lambda c: c.like(ANN, 999), NotFound, 404, "note"),
        (lambda c: c.publish(CY, ["astrology"]), InvalidInput, 422, "topics.0"),
        (lambda c: c.follow(ANN, ANN), Forbidden, 403, "target"),
        (lambda c: c.pay(BO, 0), NotFound, 404, "order"),
        (lambda c: c.create_product(ANN, "X", "food", 1.0), Forbidden, 403, None),
        (lambda c: c.create_user("ann"), InvalidInput, 422, "name"),
    ],
)
async def test_error_responses_raise_the_platform_error(
    client: AsyncClient, call, error, status, field
) -> None:
    with pytest.raises(PlatformError) as info:
        await call(client)
    assert type(info.value) is error, info.value
    assert info.value.status == status
    if field is not None:
        assert info.value.field == field


async def test_invalid_transition_from_a_409(client: AsyncClient) -> None:
    order = await client.place_order(ANN, SERUM, 1)
    await client.pay(ANN, order)
    with pytest.raises(InvalidTransition) as info:
        await client.pay(ANN, order)
    assert info.value.status == 409


async def test_acting_as_a_user_without_a_token_sends_nothing(app: Any, log) -> None:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://redloop.test")
    async with AsyncClient(http=http, on_request=lambda *r: log.append(r)) as c:
        with pytest.raises(Unauthorized, match="no token for user 0"):
            await c.like(ANN, 0)
        with pytest.raises(Unauthorized, match="order:3"):
            await c.order(3)
        assert log == []
        assert (await c.user(ANN)).name == "ann"  # public reads need no token


async def test_a_token_the_server_never_issued_is_a_401(app: Any) -> None:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://redloop.test")
    async with AsyncClient(http=http, tokens=TokenBook({ANN: "forged"})) as c:
        with pytest.raises(Unauthorized) as info:
            await c.discovery_feed(ANN)
    assert info.value.status == 401 and info.value.field == "authorization"


async def test_a_server_failure_is_a_service_error() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="Internal Server Error")

    http = httpx.AsyncClient(transport=httpx.MockTransport(failing), base_url="http://x")
    async with AsyncClient(http=http) as c:
        with pytest.raises(ServiceError) as info:
            await c.note(1)
    assert info.value.status == 500 and "HTTP 500" in str(info.value)


def test_error_from_reads_the_body_and_falls_back_on_the_status() -> None:
    body = b'{"error": "OutOfStock", "message": "gone", "field": "quantity"}'
    err = error_from(409, body)
    assert type(err) is OutOfStock and (err.message, err.field, err.status) == (
        "gone",
        "quantity",
        409,
    )
    assert type(error_from(409, b'{"error": "Mystery"}')) is Conflict
    assert type(error_from(413, b'{"error": "PayloadTooLarge"}')) is InvalidInput
    assert type(error_from(404, b"not json")) is NotFound
    assert type(error_from(503, b'{"error": "NotFound"}')) is ServiceError  # 5xx wins
    assert type(error_from(418, None)) is ServiceError


# ---------------------------------------------------------------- transports


class FakeSession:
    """What SessionClient needs of Locust's HttpSession: request(...) -> status, content."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status, self.content = status, content
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.calls.append({"method": method, "url": url, **kwargs})
        return type("R", (), {"status_code": self.status, "content": self.content})()


def test_session_client_names_requests_by_route_for_locust() -> None:
    body = b'{"notes": [4, 2], "ad_slots": [1]}'
    session = FakeSession(200, body)
    c = SessionClient(session, tokens=TokenBook({7: "tok"}))
    assert c.discovery_feed(7, now=1.0, k=2) == DiscoveryPage((4, 2), (1,))
    (call,) = session.calls
    assert call["method"] == "GET" and call["url"] == "/feed/discovery?k=2"
    assert call["name"] == "/feed/discovery"  # Locust's stats group by (name, method)
    assert call["headers"] == {"Authorization": "Bearer tok"}
    with pytest.raises(Unreachable):
        SessionClient(FakeSession(0, b""), tokens=TokenBook({7: "t"})).like(7, 1)


def test_calls_describe_requests_without_sending() -> None:
    calls = Calls(TokenBook({3: "t"}))
    call = calls.read(3, 12, now=5.0, channel=3)
    assert isinstance(call, Call)
    assert (call.op.name, call.url, call.json, call.actor) == (
        "read",
        "/notes/12/reads",
        {"channel": "ad"},
        3,
    )
    assert calls.follow(3, 4, via_note=9).url == "/users/3/following/4?via_note=9"
    assert calls.note(1).json is None and calls.note(1).actor is None


def test_token_book_round_trips_between_processes() -> None:
    book = TokenBook({1: "a", 2: "b"})
    book.owners["order:5"] = 2
    again = TokenBook.load(book.export())
    assert again.tokens == book.tokens and again.owners == book.owners


def test_unreachable_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    seen: list = []
    client = Client(f"http://127.0.0.1:{port}", timeout=2, on_request=lambda *r: seen.append(r))
    with client, pytest.raises(Unreachable) as info:
        client.health()
    assert info.value.status == 0 and seen[0][2:] == (False, 0)


def test_the_client_imports_nothing_from_sim_or_agents() -> None:
    code = (
        "import sys, redloop.platform.client; "
        "bad = [m for m in sys.modules if m.startswith(('redloop.sim', 'redloop.agents'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


# ---------------------------------------------------------------- the sync client, over TCP


@pytest.fixture
def server(app: Any, live_server: Callable[[Any], str]) -> str:
    """A real uvicorn server for the app on a free loopback port: its URL."""
    return live_server(app)


def test_sync_client_over_tcp_shares_its_book(server: str, book: TokenBook, platform) -> None:
    seen: list = []
    with Client(server, tokens=book, on_request=lambda *r: seen.append(r)) as c:
        dee = c.create_user("dee", "consumer", ["food", "travel"], now=0)
        note = c.publish(CY, ["food"], title="street food")
        c.read(dee, note)
        assert c.like(dee, note) is True
        order = c.place_order(dee, SERUM, 1)
        assert c.order(order).buyer == dee
        with pytest.raises(OutOfStock):
            c.place_order(dee, SERUM, 99)
        assert isinstance(c.discovery_feed(dee), DiscoveryPage)
    assert dee in book and book.owners[f"order:{order}"] == dee  # shared with other clients
    assert platform.note(note).likes == 1
    assert [s[0] for s in seen[:3]] == ["POST /users", "POST /notes", "POST /notes/{note_id}/reads"]
    assert all(s[1] > 0 for s in seen)
