"""The clients that send: each holds a transport and a token book.

Every request is reported to ``on_request(endpoint, seconds, ok, status)`` if given (status 0
when no response came back), before its result is parsed or its error raised.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

from .errors import Unreachable, error_from
from .facade import Facade, operations
from .ops import NO_BODY, Call
from .tokens import TokenBook
from .transports import (
    AsyncHttpxTransport,
    AsyncTransport,
    HttpxTransport,
    NoResponse,
    SessionTransport,
    Transport,
)

__all__ = ["AsyncClient", "Client", "Recorder", "SessionClient"]

#: ``on_request(endpoint, seconds, ok, status)``: status 0 when no response came back.
Recorder = Callable[[str, float, bool, int], None]


class _Sender(Facade):
    """Shared by the clients that send: headers, reporting, parsing."""

    def __init__(self, *, tokens: TokenBook | None, on_request: Recorder | None) -> None:
        self.tokens = tokens if tokens is not None else TokenBook()
        self.on_request = on_request

    def _prepare(self, call: Call) -> tuple[dict[str, str] | None, bytes | None]:
        headers = self.tokens.headers(call)
        if call.body is NO_BODY:
            return headers, None
        content = jsonlib.dumps(call.body, separators=(",", ":")).encode()
        return {**(headers or {}), "Content-Type": "application/json"}, content

    def _unreachable(self, call: Call, seconds: float, exc: NoResponse) -> Unreachable:
        if self.on_request is not None:
            self.on_request(call.op.endpoint, seconds, False, 0)
        err = Unreachable(f"{call.op.endpoint}: no response ({exc})")
        err.status = 0
        return err

    def _finish(self, call: Call, status: int, content: bytes | None, seconds: float) -> Any:
        ok = 200 <= status < 300
        if self.on_request is not None:
            self.on_request(call.op.endpoint, seconds, ok, status)
        if not ok:
            raise error_from(status, content)
        body = jsonlib.loads(content) if content else None
        if call.op.learn is not None:
            call.op.learn(self.tokens, body)
        return call.op.parse(body)


class Client(_Sender):
    """Synchronous client: every method returns what the platform's method returns.

    Sends through ``transport`` (a :class:`~.transports.Transport`), by default an
    :class:`~.transports.HttpxTransport` to ``base_url``; ``http=`` wraps your own
    ``httpx.Client`` (its base URL is then used as is).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        transport: Transport | None = None,
        tokens: TokenBook | None = None,
        on_request: Recorder | None = None,
        timeout: float = 30.0,
        http: Any = None,
    ) -> None:
        super().__init__(tokens=tokens, on_request=on_request)
        self.transport = transport or HttpxTransport(http, base_url=base_url, timeout=timeout)

    def _call(self, call: Call) -> Any:
        return self.execute(call)

    def execute(self, call: Call) -> Any:
        """Send ``call`` (from any client or :class:`Calls`) and return its parsed result."""
        headers, content = self._prepare(call)
        start = time.perf_counter()
        try:
            status, body = self.transport.request(
                call.op.method, call.url, content, headers, call.op.path
            )
        except NoResponse as exc:
            raise self._unreachable(call, time.perf_counter() - start, exc) from exc
        return self._finish(call, status, body, time.perf_counter() - start)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SessionClient(Client):
    """A :class:`Client` over a requests-like session that knows its base URL: Locust's
    ``HttpUser.client`` / ``FastHttpUser.client``. Requests pass ``name=<route template>`` so
    Locust groups its statistics by route template."""

    def __init__(
        self, session: Any, *, tokens: TokenBook | None = None, on_request: Recorder | None = None
    ) -> None:
        super().__init__(transport=SessionTransport(session), tokens=tokens, on_request=on_request)
        self.session = session


def _coroutine_of(kind: Any) -> Any:
    return Coroutine[Any, Any, kind]


class AsyncClient(_Sender):
    """Asynchronous client: every method returns a coroutine of what the platform returns.

    Sends through ``transport`` (an :class:`~.transports.AsyncTransport`), by default an
    :class:`~.transports.AsyncHttpxTransport` to ``base_url`` with a pool of
    ``max_connections`` (requests beyond it wait for a connection, and that wait is part of
    their measured latency); ``http=`` wraps any object with ``await request(method, url,
    content=, headers=)`` and ``await aclose()``. :class:`~.transports.ASGITransport` calls an
    app in-process (the load generator passes its own lean HTTP/1.1 pool as ``http=``).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        transport: AsyncTransport | None = None,
        tokens: TokenBook | None = None,
        on_request: Recorder | None = None,
        timeout: float = 30.0,
        max_connections: int = 100,
        http: Any = None,
    ) -> None:
        super().__init__(tokens=tokens, on_request=on_request)
        self.transport = transport or AsyncHttpxTransport(
            http, base_url=base_url, timeout=timeout, max_connections=max_connections
        )

    def _call(self, call: Call) -> Any:
        return self.execute(call)

    async def execute(self, call: Call) -> Any:
        """Send ``call`` (from any client or :class:`Calls`) and return its parsed result."""
        headers, content = self._prepare(call)
        start = time.perf_counter()
        try:
            status, body = await self.transport.request(
                call.op.method, call.url, content, headers, call.op.path
            )
        except NoResponse as exc:
            raise self._unreachable(call, time.perf_counter() - start, exc) from exc
        return self._finish(call, status, body, time.perf_counter() - start)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


operations(AsyncClient, _coroutine_of)  # the same table, annotated as returning coroutines
