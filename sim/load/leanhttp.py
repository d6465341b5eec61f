"""A lean asyncio HTTP/1.1 client for load generation: plain ``http://``, keep-alive
connection pool, ``Content-Length`` or chunked bodies — and nothing else (no TLS, proxies,
redirects, cookies, HTTP/2).

Why: measured against ``redloop serve`` on loopback, ``httpx.AsyncClient`` spends ~1.3 ms of
client CPU per request (more under concurrency, as its pool is searched per request), which
both caps a generator at a few hundred requests/s per core and inflates the latencies it
measures. This client spends well under 0.1 ms. It plugs into
:class:`~redloop.platform.client.AsyncClient` as ``http=LeanHttp(url)``.

:func:`run` runs a load phase on uvloop where it is installed (a runtime dependency off
Windows): its event loop and transports are C, so each request costs the generator less of
the core it shares with the server on a small machine.

Stale keep-alive connections (the server closes idle ones after a few seconds) are dropped
when idle longer than ``idle_seconds``; a reused connection that yields no response byte at
all is retried once on a fresh one (the request never reached the application).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LeanHttp", "LeanResponse", "TransportFailure", "run"]


def run[T](main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a uvloop event loop, or asyncio's own without uvloop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return asyncio.run(main, loop_factory=uvloop.new_event_loop)


class TransportFailure(ConnectionError):
    """No usable response: refused, reset, closed early, timed out or malformed."""


@dataclass(frozen=True, slots=True)
class LeanResponse:
    status_code: int
    content: bytes


@dataclass(slots=True)
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    used: bool = False


class LeanHttp:
    """``await LeanHttp(base_url).request(method, path, content=b"...", headers={...})``."""

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int = 100,
        timeout: float = 30.0,
        idle_seconds: float = 4.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"LeanHttp speaks plain http:// only; got {base_url!r}")
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1; got {max_connections}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self._host_header = f"Host: {parts.netloc}\r\n".encode()
        self.max_connections = max_connections
        self.timeout = timeout
        self.idle_seconds = idle_seconds
        self._idle: deque[_Conn] = deque()
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    # ------------------------------------------------------------------ pool

    async def _acquire(self) -> _Conn | None:
        """An idle connection, or None with a slot reserved for a new one."""
        while True:
            now = time.monotonic()
            while self._idle:
                conn = self._idle.pop()  # most recently used first: least likely stale
                if now - conn.idle_since < self.idle_seconds and not conn.reader.at_eof():
                    return conn
                self._discard(conn)
            if self._open < self.max_connections:
                self._open += 1
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if not waiter.cancelled() and waiter.done():
                    self._wake()  # pass the wake-up on
                raise

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _release(self, conn: _Conn) -> None:
        conn.idle_since = time.monotonic()
        conn.used = True
        self._idle.append(conn)
        self._wake()

    def _discard(self, conn: _Conn) -> None:
        self._open -= 1
        conn.writer.close()
        self._wake()

    async def _connect(self) -> _Conn:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        return _Conn(reader, writer)

    # ------------------------------------------------------------------ requests

    async def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> LeanResponse:
        if self._closed:
            raise TransportFailure("the client is closed")
        head = [f"{method} {self.prefix}{url} HTTP/1.1\r\n".encode(), self._host_header]
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}\r\n".encode())
        body = content or b""
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}\r\n".encode())
        head.append(b"\r\n")
        data = b"".join(head) + body
        for attempt in (0, 1):
            conn = await self._acquire()
            if conn is None:
                try:
                    conn = await asyncio.wait_for(self._connect(), self.timeout)
                except (OSError, TimeoutError) as exc:
                    where = f"{self.host}:{self.port}"
                    raise TransportFailure(f"cannot connect to {where}: {exc!r}") from None
            reused = conn.used
            try:
                async with asyncio.timeout(self.timeout):
                    status, payload, keep = await self._exchange(conn, data)
            except _NoResponse as exc:
                self._discard(conn)
                if reused and attempt == 0:
                    continue  # a stale keep-alive connection: the request never got there
                raise TransportFailure(str(exc)) from None
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                self._discard(conn)
                raise TransportFailure(f"{type(exc).__name__}: {exc}") from None
            except BaseException:  # cancelled mid-exchange: the connection is unusable
                self._discard(conn)
                raise
            if keep:
                self._release(conn)
            else:
                self._discard(conn)
            return LeanResponse(status, payload)
        raise AssertionError("unreachable")

    async def _exchange(self, conn: _Conn, data: bytes) -> tuple[int, bytes, bool]:
        reader, writer = conn.reader, conn.writer
        writer.write(data)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise _NoResponse("the connection closed before any response") from None
            raise
        except ConnectionResetError:
            raise _NoResponse("the connection was reset before any response") from None
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = -1
        chunked = False
        keep = True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep = b"close" not in value.lower()
        if chunked:
            payload = await self._chunks(reader)
        elif length >= 0:
            payload = await reader.readexactly(length) if length else b""
        elif status in (204, 304) or 100 <= status < 200:
            payload = b""
        else:  # no length: the body runs to the end of the connection
            payload, keep = await reader.read(), False
        return status, payload, keep

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            conn = self._idle.pop()
            self._open -= 1
            conn.writer.close()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()


class _NoResponse(Exception):
    """Not a single response byte came back."""
