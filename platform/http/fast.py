"""The hot routes without FastAPI's per-request machinery: same checks, same bytes.

Profiled under the crowd's read-heavy traffic (discovery pages, reads, likes), FastAPI's
route matching (a linear scan of ~60 routes), dependency solving (service, bearer token, path
and query parameters) and response re-validation cost more server CPU than the platform call.
:class:`FastRoutes` answers those routes' *well-formed* requests itself: a bearer token that
names a user, a canonical decimal id within range, no query string but a canonical ``k`` (a
discovery page) or ``after`` and ``limit`` (the inbox), and no body or a JSON object the input
model takes. It then runs the very function the FastAPI route runs
(``routes.feeds.discovery_page``, ``routes.notes.read_note``/``toggle_note``,
``routes.shares.inbox``: the "shared with you" inbox the crowd reads at every visit) and writes
the bytes FastAPI's response model would (:mod:`.encode`); a platform error gets the error
handler's own response. Anything else (a missing or unknown token, an odd id, a query
parameter, a body it does not take as it is, any other method or path) goes on to the FastAPI
app unchanged, so every refusal is FastAPI's: the fast path can only answer what FastAPI would
answer with the same bytes (``tests/platform/test_http_fast.py`` compares them), and the
OpenAPI schema is the routes' own.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import PlatformError
from .auth import Service
from .encode import Encoder
from .errors import platform_error_response
from .routes.feeds import discovery_page
from .routes.notes import TOGGLES, read_note, toggle_note
from .routes.shares import INBOX_LIMIT, INBOX_MAX_LIMIT, inbox
from .schemas import MAX_ID, ChannelName, ReadIn

__all__ = ["FastRoutes"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

_CHANNELS = frozenset(typing.get_args(ChannelName))
_DEFAULT_CHANNEL = ReadIn().channel
#: ``{"channel":"<name>"}`` as compact JSON -> the name: what clients send, known without parsing
_CANONICAL_BODIES = {
    json.dumps({"channel": c}, separators=(",", ":")).encode(): c for c in _CHANNELS
}
_MAX_DIGITS = len(str(MAX_ID))


def _id(text: str) -> int | None:
    """A canonical decimal id (``"0"``, ``"17"``) within range, else None (left to FastAPI)."""
    if not (0 < len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit()):
        return None
    if text[0] == "0" and text != "0":
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class FastRoutes:
    """ASGI middleware: the hot routes' well-formed requests, answered directly."""

    def __init__(self, app: App, service: Service, *, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.encoder = Encoder()

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            rest = await self._try(scope, receive, send)
            if rest is None:
                return
            receive = rest
        await self.app(scope, receive, send)

    async def _try(
        self, scope: MutableMapping[str, Any], receive: Receive, send: Send
    ) -> Receive | None:
        """None once answered; else the ``receive`` to hand on (the body replayed if read)."""
        method, path = scope["method"], scope["path"]
        if path == "/feed/discovery" and method == "GET":
            k = self._k(scope["query_string"])
            actor = self._actor(scope)
            if k is False or actor is None:
                return receive
            page = self.encoder.discovery_page
            return await self._answer(send, 200, lambda svc: page(discovery_page(svc, actor, k)))
        if path.startswith("/users/") and path.endswith("/shared-with") and method == "GET":
            return await self._inbox(scope, receive, send, _id(path[7:-12]))
        if not path.startswith("/notes/") or scope["query_string"]:
            return receive
        id_text, _, switch = path[7:].partition("/")
        note = _id(id_text)
        actor = self._actor(scope) if note is not None else None
        if actor is None:
            return receive
        name = TOGGLES.get((method, switch))
        engaged = self.encoder.engagement
        if name is not None:
            return await self._answer(
                send,
                200,
                lambda svc: engaged(svc.platform, toggle_note(svc, name, actor, note), note),
            )
        if switch == "reads" and method == "POST":
            if not self._small_body(scope):
                return receive
            body, replay = await _read_body(receive)
            channel = _channel(scope, body) if body is not None else None
            if channel is None:
                return replay
            return await self._answer(
                send,
                201,
                lambda svc: engaged(svc.platform, read_note(svc, actor, note, channel), note),
            )
        return receive

    async def _inbox(
        self, scope: MutableMapping[str, Any], receive: Receive, send: Send, user: int | None
    ) -> Receive | None:
        """``GET /users/{user}/shared-with``, its query plainly valid (:func:`_inbox_query`)."""
        query = _inbox_query(scope["query_string"])
        if user is None or query is None:
            return receive
        actor = self._actor(scope)
        if actor is None:
            return receive
        after, limit = query
        encode = self.encoder.inbox
        return await self._answer(
            send, 200, lambda svc: encode(inbox(svc, actor, user, after, limit))
        )

    @staticmethod
    def _k(query: bytes) -> int | bool | None:
        """``k`` of the discovery page: None when absent, False when not plainly valid."""
        if not query:
            return None
        if not query.startswith(b"k="):
            return False
        k = _id(query[2:].decode("latin-1"))
        return k if k is not None and 1 <= k <= 100 else False

    def _small_body(self, scope: MutableMapping[str, Any]) -> bool:
        """A declared Content-Length within the limit (anything else: FastAPI's 413 or 400)."""
        lengths = [v for k, v in scope["headers"] if k in (b"content-length", b"transfer-encoding")]
        if len(lengths) != 1 or not lengths[0].isdigit():
            return False
        return int(lengths[0]) <= self.max_body_bytes

    def _actor(self, scope: MutableMapping[str, Any]) -> int | None:
        """The user of a plain ``Authorization: Bearer <token>`` header, else None."""
        for key, value in scope["headers"]:
            if key == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme != b"Bearer" or not token or b" " in token or not token.isascii():
                    return None
                return self.service.tokens.user_of(token.decode("ascii"))
        return None

    async def _answer(self, send: Send, status: int, work: Callable[[Service], bytes]) -> None:
        try:
            body = work(self.service)
        except PlatformError as exc:
            response = platform_error_response(exc)
            start = {"type": "http.response.start", "status": response.status_code}
            await send({**start, "headers": response.raw_headers})
            await send({"type": "http.response.body", "body": response.body})
            return None
        headers = [(b"content-length", str(len(body)).encode()), _CONTENT_TYPE]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return None


_CONTENT_TYPE = (b"content-type", b"application/json")


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole body (None if the client went away), and a ``receive`` that hands it on as
    one message (then the rest)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see it
            return None, _once(message)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _inbox_query(query: bytes) -> tuple[int | None, int] | None:
    """The inbox's ``after`` and ``limit`` from ``[after=ID][&][limit=N]`` in that order (as
    clients write them), each canonical and within range; None for anything else."""
    after, limit = None, INBOX_LIMIT
    head, _, rest = query.partition(b"&")
    if head.startswith(b"after="):
        after = _id(head[6:].decode("latin-1"))
        if after is None:
            return None
        head, rest = rest, b""
    if head.startswith(b"limit="):
        limit = _id(head[6:].decode("latin-1"))
        if limit is None or not 1 <= limit <= INBOX_MAX_LIMIT:
            return None
        head = b""
    return (after, limit) if not head and not rest else None


def _once(message: Message) -> Receive:
    """A ``receive`` that gives ``message`` (a disconnect: it stays the answer)."""

    async def receive() -> Message:
        return message

    return receive


def _channel(scope: MutableMapping[str, Any], body: bytes) -> str | None:
    """A read's channel from no body, or a JSON object with at most a known ``channel``."""
    if not body:
        return _DEFAULT_CHANNEL
    types = [v for k, v in scope["headers"] if k == b"content-type"]
    if types != [b"application/json"]:
        return None
    channel = _CANONICAL_BODIES.get(body)
    if channel is not None:
        return channel
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if type(parsed) is not dict or not set(parsed) <= {"channel"}:
        return None
    channel = parsed.get("channel", _DEFAULT_CHANNEL)
    return channel if type(channel) is str and channel in _CHANNELS else None
