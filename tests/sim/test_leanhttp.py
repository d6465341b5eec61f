"""The lean HTTP client of the load generator (sim/load/leanhttp.py): over a real server
through the platform's AsyncClient, and its framing and stale-connection handling."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

from redloop.platform.api import OutOfStock, Platform
from redloop.platform.client import AsyncClient, TokenBook
from redloop.platform.http import create_app
from redloop.sim.load.leanhttp import LeanHttp, TransportFailure

from ..people import ANN, BO, CY, MUG

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server(platform: Platform, live_server: Callable[[Any], str]) -> tuple[str, TokenBook]:
    """The fixture platform on a real uvicorn server: its URL and its users' tokens."""
    app = create_app(platform)
    book = TokenBook({uid: app.state.tokens.issue(uid) for uid in range(5)})
    return live_server(app), book


async def test_lean_client_over_tcp(server: tuple[str, TokenBook], platform: Platform) -> None:
    url, book = server
    seen: list = []
    async with AsyncClient(
        url, http=LeanHttp(url), tokens=book, on_request=lambda *r: seen.append(r)
    ) as c:
        note = await c.publish(CY, ["food"], title="noodles")
        results = await asyncio.gather(*(c.like(uid, note) for uid in (ANN, BO, CY)))
        assert results == [True, True, True]
        assert await c.note(note) == platform.note(note)
        with pytest.raises(OutOfStock):
            await c.place_order(ANN, MUG)
    assert platform.note(note).likes == 3
    assert [s[3] for s in seen] == [201, 200, 200, 200, 200, 409]


async def test_lean_http_framing_and_stale_connections() -> None:
    """Chunked bodies, Connection: close, a closed idle connection, and one closed under a
    request (no response byte): retried once on a fresh connection."""
    served: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            path = head.split(b" ")[1]
            if path == b"/vanish" and connections == 3:
                break  # closes under the request, answering nothing
            served.append(path)
            if path == b"/chunked":
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                writer.write(b'3\r\n{"a\r\n5\r\n": 1}\r\n0\r\n\r\n')
            elif path == b"/close":
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                break
            elif path == b"/drop":  # answers, then drops the kept-alive connection
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                break
            else:
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
        writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    http = LeanHttp(f"http://127.0.0.1:{port}", max_connections=1)
    try:
        r = await http.request("GET", "/chunked")  # connection 1
        assert (r.status_code, r.content) == (200, b'{"a": 1}')
        assert (await http.request("GET", "/close")).content == b"ok"  # closes 1
        assert (await http.request("GET", "/drop")).content == b"ok"  # connection 2, dropped
        await asyncio.sleep(0.05)  # the idle connection is seen closed and not reused
        assert (await http.request("POST", "/x", content=b"{}")).status_code == 204  # 3
        assert (await http.request("GET", "/vanish")).status_code == 204  # 3 dies; 4 answers
        assert served == [b"/chunked", b"/close", b"/drop", b"/x", b"/vanish"]
        assert connections == 4
    finally:
        await http.aclose()
        srv.close()
        await srv.wait_closed()
    with pytest.raises(TransportFailure):
        await LeanHttp(f"http://127.0.0.1:{port}").request("GET", "/")
    with pytest.raises(ValueError, match="plain http"):
        LeanHttp("https://example.org")


def test_run_drives_a_load_phase_on_uvloop_when_installed() -> None:
    from redloop.sim.load import leanhttp

    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    expected = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    assert leanhttp.run(loop_module()).split(".")[0] == expected
