"""The HTTP service's refusals, in-process: 401 / 403 / 404 / 409 on every secured
operation, 422 and 413 for bad bodies, time going backwards, and guards on the schema and the
design (every endpoint on the event loop, the module runs with ``python -m``).

Uses the shared ``platform`` fixture and the HTTP fixtures of conftest.py (ids as in
test_http.py).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from redloop.platform import http as http_module
from redloop.platform.http import create_app, router, serve

from ..people import ANN, BO, CY, GLOWCO, MUG, SERUM
from .http_support import FakeClock, auth, error_of, state

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]


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
