"""The app factory, its entry (group commit, the hot routes, then FastAPI), and the bound
on request bodies."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

from ..core import Platform
from ..durable import DurableStore
from . import errors
from .auth import Service, TokenStore
from .durability import Durability, GroupCommit
from .fast import FastRoutes
from .methods import AllowedMethods
from .routes import TAGS, router

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def create_app(
    platform: Platform | None = None,
    *,
    clock: Callable[[], float] | None = None,
    max_body_bytes: int = 64_000,
    store: DurableStore | None = None,
    tokens: TokenStore | None = None,
) -> FastAPI:
    """The platform as an ASGI app.

    ``clock`` returns the current time in simulated hours; by default real hours since this
    call, starting at the platform's current time. ``app.state.platform`` is the platform and
    ``app.state.tokens`` the :class:`TokenStore` (``issue(user)`` gives a token to a user made
    in-process, e.g. a staff account).

    With a ``store`` (:func:`~redloop.platform.durable.open_store`, which also gives the
    replayed platform and the token digests for ``tokens``) every response waits until what
    it shows is committed (:mod:`.durability`); ``app.state.service`` is then the one to read,
    as a failed commit replaces its platform and tokens with the committed ones.
    """
    if type(max_body_bytes) is not int or max_body_bytes < 0:
        raise ValueError(f"max_body_bytes must be a whole number >= 0; got {max_body_bytes!r}")
    platform = platform if platform is not None else Platform()
    if clock is None:
        start = platform.now if math.isfinite(platform.now) else 0.0
        t0 = time.monotonic()

        def clock() -> float:
            return start + (time.monotonic() - t0) / 3600.0

    app = _PlatformApp(
        title="redloop platform",
        summary="A lifestyle community with a shop: notes, engagement, feeds, search, orders.",
        version="1",
        openapi_tags=[{"name": name, "description": text} for name, text in TAGS],
    )
    if tokens is None:
        tokens = TokenStore(journal=store is not None)
    elif store is not None and tokens.journal is None:
        raise ValueError("a durable app's TokenStore must keep a journal (journal=True)")
    app.state.service = service = Service(platform, clock, tokens)
    app.state.platform = platform
    app.state.tokens = tokens
    app.include_router(router)
    errors.install(app)
    app.add_middleware(AllowedMethods, routes=app.routes)
    app.add_middleware(_BodyLimit, max_bytes=max_body_bytes)
    app.entry = FastRoutes(app.handle, service, max_body_bytes=max_body_bytes)
    if store is not None:
        app.state.commits = commits = GroupCommit(service, store)
        app.entry = Durability(app.entry, commits=commits)
    return app


class _PlatformApp(FastAPI):
    """FastAPI whose HTTP requests enter through :attr:`entry`: the group commit's wait
    (durable apps) around the hot routes' fast path (:mod:`.fast`) around FastAPI itself, so
    a hot request skips FastAPI's own middleware as well as its routing."""

    entry: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own handling of a request (the whole middleware stack and router)."""
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.entry is not None and scope["type"] == "http":
            await self.entry(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


class _BodyLimit:
    """ASGI middleware: 413 for bodies over ``max_bytes``, declared or streamed.

    A declared Content-Length over the limit is refused before reading; otherwise the body is
    read in full (counting bytes, refusing as soon as the limit is passed) and replayed to the
    app, so endpoints never wait on the network between platform calls.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [v for k, v in scope["headers"] if k == b"content-length"]
        if declared:
            try:
                length = int(declared[0])
            except ValueError:
                await self._refuse(send, 400, "BadRequest", "Content-Length is not a number")
                return
            if length > self.max_bytes:
                await self._refuse_size(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse_size(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:  # the body was consumed: from now on only a disconnect can come
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse_size(self, send: Send) -> None:
        await self._refuse(
            send, 413, "PayloadTooLarge", f"request body exceeds {self.max_bytes} bytes"
        )

    @staticmethod
    async def _refuse(send: Send, status: int, error: str, message: str) -> None:
        response = errors.error_response(status, error, message, "body")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*response.raw_headers, (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": response.body})
