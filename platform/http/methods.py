"""``OPTIONS`` and ``405``: the ``Allow`` header lists every method the path takes.

The router answers 405 from the first route whose path matches, so a path served by several
routes (``PUT`` and ``DELETE /users/{id}/following/{target}``) would list only one method,
and it has no ``OPTIONS`` at all. This middleware looks only at responses the router already
refused with 405, so the hot path pays nothing: it rewrites ``Allow`` from every route the
path matches, and turns the refusal of an ``OPTIONS`` request into ``204 No Content``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match

__all__ = ["AllowedMethods", "allowed_methods"]

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Any, Send], Awaitable[None]]


def allowed_methods(routes: Sequence[BaseRoute], scope: MutableMapping[str, Any]) -> list[str]:
    """Every method some route takes on the scope's path, plus OPTIONS; sorted."""
    methods: set[str] = set()
    for route in _flat(routes):
        taken = getattr(route, "methods", None)
        if taken and route.matches(scope)[0] is not Match.NONE:
            methods |= taken
    return sorted(methods | {"OPTIONS"}) if methods else []


def _flat(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes, with those of included routers in place of the inclusion."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from _flat(inner.routes) if inner is not None else (route,)


class AllowedMethods:
    """ASGI middleware: a full ``Allow`` on every 405; ``OPTIONS`` on a known path is 204."""

    def __init__(self, app: App, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        swallow = False

        async def send_allowed(message: Message) -> None:
            nonlocal swallow
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = ", ".join(allowed_methods(self.routes, scope)).encode()
                if scope["method"] == "OPTIONS":
                    swallow = True
                    headers = [(b"allow", allow), (b"content-length", b"0")]
                    await send({"type": "http.response.start", "status": 204, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", allow)]}
            elif swallow:
                return
            await send(message)

        await self.app(scope, receive, send_allowed)
