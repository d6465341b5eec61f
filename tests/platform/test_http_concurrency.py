"""Many concurrent clients against a real uvicorn server: no write lost or double-counted.

The server runs in a background thread on a free loopback port. Fifty clients, each with its
own account, fire forty requests apiece at a few shared notes and products. Every client
tallies the writes the server confirmed; at the end every counter must equal the sum of the
confirmed writes that touched it, stock must equal what the confirmed orders left, and the
event log must hold exactly one event per confirmed write.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from redloop.platform.api import Platform
from redloop.platform.http import create_app

N_CLIENTS, N_REQUESTS = 50, 40
STOCK = 120  # per product: well below the demand, so orders race for the last units
#: Action -> weight. Orders are frequent enough that they outrun the stock.
ACTIONS = {
    "like": 3,
    "unlike": 2,
    "collect": 2,
    "uncollect": 1,
    "comment": 1,
    "read": 3,
    "share": 1,
    "order": 3,
    "cancel": 1,
    "discover": 1,
}


@pytest.fixture
def world() -> tuple[Platform, list[int], list[int]]:
    p = Platform(rng=3)
    creator = p.create_user("creator", "creator", ["skincare"], now=0)
    brand = p.create_user("brand", "brand", [], now=0)
    products = [p.create_product(brand, f"P{i}", "skincare", 10.0, STOCK, now=0) for i in range(2)]
    notes = [p.publish(creator, ["skincare"], now=0, products=products) for _ in range(4)]
    return p, notes, products


def _wait_until_healthy(base: str, alive: Callable[[], bool], seconds: float = 30) -> None:
    """Poll ``/health`` until it answers 200, failing if ``alive()`` turns false or time is up."""
    deadline = time.monotonic() + seconds
    while True:
        assert alive(), "the server died during start-up"
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the server did not answer /health in {seconds} s"
        time.sleep(0.02)  # polling interval, not a readiness guess


@pytest.fixture
def server(world, live_server: Callable[[Any], str]) -> str:
    """A real uvicorn server for the world's platform: its base URL."""
    return live_server(create_app(world[0], max_body_bytes=4_000))


async def _client(i: int, base: str, notes: list[int], products: list[int]) -> Counter:
    """One user's session; returns the writes the server confirmed, keyed by (counter, id)."""
    tally: Counter = Counter()
    rng = random.Random(i)
    mine: list[tuple[int, int, int]] = []  # (order, product, quantity) not yet cancelled
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        r = await c.post("/users", json={"name": f"client{i}", "interests": ["skincare"]})
        assert r.status_code == 201, r.text
        tally["events"] += 1
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        for _ in range(N_REQUESTS):
            (action,) = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))
            note, product = rng.choice(notes), rng.choice(products)
            if action in ("like", "collect", "unlike", "uncollect"):
                verb, noun = (
                    ("PUT", action) if action in ("like", "collect") else ("DELETE", action[2:])
                )
                r = await c.request(verb, f"/notes/{note}/{noun}")
                assert r.status_code == 200, r.text
                if r.json()["changed"]:
                    tally[f"{noun}s", note] += 1 if verb == "PUT" else -1
                    tally["events"] += 1
            elif action in ("comment", "read", "share"):
                path, body = {
                    "comment": ("comments", {"text": f"c{i}"}),
                    "read": ("reads", {"channel": "discovery"}),
                    "share": ("shares", None),
                }[action]
                r = await c.post(f"/notes/{note}/{path}", json=body)
                assert r.status_code == 201, r.text
                tally[path, note] += 1
                tally["events"] += 1
            elif action == "order":
                quantity = rng.randint(1, 4)
                r = await c.post("/orders", json={"product": product, "quantity": quantity})
                assert r.status_code in (201, 409), r.text
                if r.status_code == 201:
                    mine.append((r.json()["id"], product, quantity))
                    tally["sold", product] += quantity
                    tally["events"] += 1
                else:
                    assert r.json()["error"] == "OutOfStock"
                    tally["out_of_stock"] += 1
            elif action == "cancel" and mine:
                order, product, quantity = mine.pop(rng.randrange(len(mine)))
                r = await c.post(f"/orders/{order}/cancel")
                assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
                tally["sold", product] -= quantity
                tally["events"] += 1
            elif action == "discover":
                r = await c.get("/feed/discovery", params={"k": 3})
                assert r.status_code == 200, r.text
                page = r.json()["notes"]
                for n in page:
                    tally["impressions", n] += 1
                tally["events"] += bool(page)  # one event per non-empty page
    return tally


async def _crowd(base: str, notes: list[int], products: list[int]) -> Counter:
    tallies = await asyncio.gather(*(_client(i, base, notes, products) for i in range(N_CLIENTS)))
    return sum(tallies, Counter())


@pytest.mark.timeout(180)
def test_concurrent_writes_are_neither_lost_nor_double_counted(server, world) -> None:
    platform, notes, products = world
    events_before = len(platform.log)
    tally = asyncio.run(_crowd(server, notes, products))

    with httpx.Client(base_url=server, timeout=30) as c:
        for n in notes:
            view = c.get(f"/notes/{n}").json()
            for counter in ("likes", "collects", "comments", "reads", "shares", "impressions"):
                assert view[counter] == tally[counter, n], (n, counter)
            assert c.get(f"/notes/{n}/comments").json()["total"] == tally["comments", n]
        for pid in products:
            product = c.get(f"/products/{pid}").json()
            assert product["stock"] == STOCK - tally["sold", pid] >= 0
            assert product["units_sold"] == tally["sold", pid]
        assert c.get("/health").json()["users"] == 2 + N_CLIENTS

    assert tally["out_of_stock"] > 0, "no order ever raced for the last units"
    assert len(platform.log) == events_before + tally["events"]
    # the platform's own membership sets agree with the counters
    for n in notes:
        likers = sum(platform.has_liked(u, n) for u in range(platform.n_users))
        assert likers == platform.note(n).likes


def test_real_server_refuses_oversized_bodies(server, world) -> None:
    platform = world[0]
    before = (platform.fingerprint(), len(platform.log))
    big = json.dumps({"name": "x" * 5_000}).encode()
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/users", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge"
        r = c.post(
            "/users",
            content=iter([big[:2_000], big[2_000:]]),
            headers={"content-type": "application/json"},
        )  # chunked: no Content-Length
        assert r.status_code == 413
        assert c.post("/users", json={"name": "small"}).status_code == 201
    assert len(platform.log) == before[1] + 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_python_dash_m_serves_until_interrupted(sig: signal.Signals) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "redloop.platform.http", "--port", str(port)],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", lambda: proc.poll() is None)
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Uvicorn running on http://127.0.0.1:" in (proc.stdout.read() if proc.stdout else "")
