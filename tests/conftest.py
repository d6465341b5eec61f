"""Shared fixtures."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from redloop.platform.api import Platform

from .people import small_platform


@pytest.fixture
def platform() -> Platform:
    """A small platform: two consumers, a creator, a brand with two products, an editor
    (ids in tests/people.py)."""
    return small_platform()


@pytest.fixture
def live_server() -> Iterator[Callable[[Any], str]]:
    """``live_server(app)``: serve an ASGI app with uvicorn on a free loopback port in a
    background thread, ready (``/health`` answered); returns its URL. Stopped at teardown."""
    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(app: Any) -> str:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto is TCP,
        # and accepted sockets inherit proto 0 from socket.socket(); without it every response
        # waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", backlog=512))
        thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((srv, thread, sock))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        deadline = time.monotonic() + 30
        while True:  # readiness: poll /health
            assert thread.is_alive(), "the server died during start-up"
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health"
            time.sleep(0.02)

    yield start
    for srv, thread, sock in running:
        srv.should_exit = True
        thread.join(timeout=30)
        sock.close()
        assert not thread.is_alive(), "the server did not shut down"
