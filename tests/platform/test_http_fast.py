"""The hot routes' fast path (platform/http/fast.py) answers exactly what FastAPI answers.

Two apps on two identical platforms, one with the fast path and one without it: the same
requests, in the same order, must get the same status, headers and bytes — the well-formed
ones (which the fast path answers) and the odd ones (which it hands on), including errors the
platform raises on the fast path. Then each success is read back through the pydantic
response model it documents.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from redloop.platform.durable import open_store
from redloop.platform.http import TokenStore, create_app
from redloop.platform.http.schemas import DiscoveryPageOut, EngagementOut

from ..people import ANN, BO, CY, GLOWCO, SERUM, small_platform

pytestmark = pytest.mark.anyio

OK = "{ok}"  # replaced by the acting user's valid token
J = {"content-type": "application/json"}
#: note 4's title: what JSON must escape, and what it must not
TITLE = 'Glow "serum" \\ 护肤 ✨\n\t\x01\x7f\u2028 </b>'


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _app(fast: bool) -> tuple[Any, dict[int, str]]:
    platform = small_platform()
    for topics in (["skincare"], ["beauty"], ["food"], ["skincare", "beauty"]):
        platform.publish(CY, topics, now=0.5)
    platform.publish(GLOWCO, ["skincare"], now=0.5, products=[SERUM], sponsor=GLOWCO, title=TITLE)
    platform.follow(ANN, CY, now=0.6)
    platform.deliver_share(CY, 0, [ANN], now=0.7)
    platform.deliver_share(CY, 4, [ANN], now=0.8125)  # ann's inbox: two entries
    ticks = iter(range(1, 10_000))
    app = create_app(platform, clock=lambda: 1.0 + next(ticks) / 100)
    if not fast:
        app.entry = None  # FastAPI alone
    return app, {uid: app.state.tokens.issue(uid) for uid in (ANN, BO, CY)}


def _requests() -> list[tuple[str, str, dict[str, str], bytes | None]]:
    bearer = {"authorization": f"Bearer {OK}"}
    return [
        ("GET", "/feed/discovery", bearer, None),
        ("GET", "/feed/discovery?k=3", bearer, None),
        ("GET", "/feed/discovery?k=100", bearer, None),
        ("GET", "/feed/discovery?k=0", bearer, None),
        ("GET", "/feed/discovery?k=101", bearer, None),
        ("GET", "/feed/discovery?k=03", bearer, None),
        ("GET", "/feed/discovery?k=x", bearer, None),
        ("GET", "/feed/discovery?k=2&k=5", bearer, None),
        ("GET", "/feed/discovery?other=1", bearer, None),
        ("GET", "/feed/discovery", {}, None),
        ("GET", "/feed/discovery", {"authorization": "Bearer nope"}, None),
        ("GET", "/feed/discovery", {"authorization": f"bearer {OK}"}, None),
        ("GET", "/feed/discovery", {"authorization": f"Basic {OK}"}, None),
        ("GET", "/feed/discovery", {"authorization": "Bearer "}, None),
        ("POST", "/feed/discovery", bearer, None),
        ("POST", "/notes/0/reads", bearer, None),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":"search"}'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b"{}"),
        ("POST", "/notes/1/reads", {**bearer, **J}, b"null"),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":"nowhere"}'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":"search","x":1}'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":5}'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b"[" * 5000 + b"]" * 5000),
        ("POST", "/notes/1/reads", {**bearer, "content-type": "text/plain"}, b"{}"),
        ("POST", "/notes/1/reads", bearer, b'{"channel":"following"}'),
        ("POST", "/notes/1/reads", {**bearer, **J}, b'{"channel":"search"}' + b" " * 70_000),
        ("POST", "/notes/99/reads", bearer, None),
        ("POST", "/notes/2147483648/reads", bearer, None),
        ("POST", "/notes/-1/reads", bearer, None),
        ("POST", "/notes/01/reads", bearer, None),
        ("POST", "/notes/1/reads?x=1", bearer, None),
        ("POST", "/notes/1/reads", {}, None),
        ("PUT", "/notes/2/like", bearer, None),
        ("PUT", "/notes/2/like", bearer, None),  # a second like: changed false
        ("DELETE", "/notes/2/like", bearer, None),
        ("PUT", "/notes/3/collect", bearer, None),
        ("DELETE", "/notes/3/collect", bearer, None),
        ("DELETE", "/notes/3/collect", bearer, None),
        ("POST", "/notes/4/reads", bearer, None),
        ("PUT", "/notes/4/collect", bearer, None),
        ("PUT", "/notes/4/like", bearer, None),
        ("POST", "/notes/4/reads", bearer, None),
        ("PUT", "/notes/99/like", bearer, None),
        ("PUT", "/notes/2/like/", bearer, None),
        ("PATCH", "/notes/2/like", bearer, None),
        ("PUT", "/notes/2/like", {"authorization": "Bearer nope"}, None),
        ("GET", "/notes/2", {}, None),
        ("GET", "/health", {}, None),
        *(("GET", f"/users/{ANN}/shared-with{query}", bearer, None) for query in INBOX_QUERIES),
        ("GET", f"/users/{BO}/shared-with", bearer, None),
        ("GET", "/users/99/shared-with", bearer, None),
        ("GET", "/users/01/shared-with", bearer, None),
        ("GET", "/users//shared-with", bearer, None),
        ("GET", f"/users/{ANN}/shared-with/", bearer, None),
        ("GET", f"/users/{ANN}/shared-with", {}, None),
        ("GET", f"/users/{ANN}/shared-with", {"authorization": "Bearer nope"}, None),
        ("POST", f"/users/{ANN}/shared-with", bearer, None),
    ]


#: the inbox's queries: none and a canonical ``after`` (answered fast), the rest handed on
INBOX_QUERIES = ("", "?after=0", "?after=1", "?limit=1", "?after=0&limit=1", "?limit=1000",
                 "?after=00", "?after=-1", "?after=x", "?after=", "?limit=0", "?limit=1001",
                 "?limit=1&after=0", "?after=0&", "?after=0&limit=1&x=2", "?after=1&after=0",
                 "?limit=05", "?after=2147483648", "?x=1")  # fmt: skip


async def _send(client: httpx.AsyncClient, token: str, request: Any) -> httpx.Response:
    method, path, headers, body = request
    headers = {k: v.replace(OK, token) for k, v in headers.items()}
    return await client.request(method, path, headers=headers, content=body)


async def test_the_fast_path_answers_byte_for_byte_what_fastapi_answers() -> None:
    (fast, fast_tokens), (plain, plain_tokens) = _app(True), _app(False)
    handed_on: list[tuple[str, str, str]] = []  # what the fast path left to FastAPI
    fastapi = fast.entry.app

    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        query = scope["query_string"].decode()
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        handed_on.append((scope["method"], scope["path"] + (f"?{query}" if query else ""), auth))
        await fastapi(scope, receive, send)

    fast.entry.app = recorded
    answered = 0
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(fast), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://t") as b,
    ):
        for user in (ANN, BO):
            for request in _requests():
                ra = await _send(a, fast_tokens[user], request)
                rb = await _send(b, plain_tokens[user], request)
                where = f"{request[0]} {request[1]} as {user}"
                assert (ra.status_code, ra.headers.raw, ra.content) == (
                    rb.status_code,
                    rb.headers.raw,
                    rb.content,
                ), where
                answered += ra.is_success
    assert fast.state.platform.log.digest() == plain.state.platform.log.digest()
    inbox = f"/users/{ANN}/shared-with"
    for user in (ANN, BO):  # with a valid token: answered by the fast path (a 403 too)
        bearer = f"Bearer {fast_tokens[user]}"
        for fast_one in ("/feed/discovery?k=3", inbox, f"{inbox}?after=0&limit=1"):
            assert ("GET", fast_one, bearer) not in handed_on
        for odd in (f"{inbox}?after=00", f"{inbox}?limit=1&after=0", "/users/01/shared-with"):
            assert ("GET", odd, bearer) in handed_on
    assert answered > 40  # most of the well-formed requests succeeded (on both)


async def test_fast_answers_read_back_as_their_response_models() -> None:
    app, tokens = _app(True)
    auth = {"authorization": f"Bearer {tokens[ANN]}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        page = DiscoveryPageOut.model_validate_json(
            (await c.get("/feed/discovery", headers=auth)).content
        )
        assert page.notes and set(page.notes) <= {0, 1, 2, 3, 4}
        read = await c.post(f"/notes/{page.notes[0]}/reads", headers=auth)
        assert read.status_code == 201
        engaged = EngagementOut.model_validate_json(read.content)
        assert engaged.changed and engaged.note.reads == 1
        like = EngagementOut.model_validate_json(
            (await c.put("/notes/1/like", headers=auth)).content
        )
        assert like.changed and like.note.likes == 1
        note = app.state.platform.note(1)
        assert like.note == like.note.__class__.of(note)


def test_a_durable_fast_answer_waits_for_its_commit_and_a_failed_one_is_503(
    tmp_path: Path, monkeypatch
) -> None:
    store, platform, digests = open_store(tmp_path)
    app = create_app(platform, store=store, tokens=TokenStore(digests, journal=True))
    with TestClient(app) as client:
        cy = client.post("/users", json={"name": "cy", "kind": "creator"}).json()
        ann = client.post("/users", json={"name": "ann", "interests": ["food"]}).json()
        as_cy = {"Authorization": f"Bearer {cy['token']}"}
        as_ann = {"Authorization": f"Bearer {ann['token']}"}
        assert client.post("/notes", json={"topics": ["food"]}, headers=as_cy).status_code == 201
        liked = client.put("/notes/0/like", headers=as_ann)
        assert liked.status_code == 200 and liked.json()["note"]["likes"] == 1
        assert store.rows == len(app.state.service.platform.log)  # committed before answered

        def full_disk(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store, "commit", full_disk)
        failed = client.post("/notes/0/reads", headers=as_ann)
        assert failed.status_code == 503 and failed.json()["error"] == "Unavailable"
        monkeypatch.undo()
        read = client.post("/notes/0/reads", headers=as_ann)
        assert read.status_code == 201 and read.json()["note"]["reads"] == 1  # one, not two
    store.close()
    store, platform, _ = open_store(tmp_path)
    assert platform.note(0).likes == 1 and platform.note(0).reads == 1
    store.close()
