"""The platform over HTTP: a FastAPI (ASGI) app around the :class:`Platform` facade.

Run it with ``redloop serve`` or ``python -m redloop.platform.http [--host --port]``; the
OpenAPI schema is served at ``/openapi.json`` and interactive docs at ``/docs``.

Design
------
Auth
    ``POST /users`` opens an account and returns the user's own bearer token, made with
    :func:`secrets.token_urlsafe`. Every acting request sends ``Authorization: Bearer <token>``
    and acts as that token's user; the actor is never a body field. Missing or unknown token:
    401. A path naming another user (``PUT /users/7/following/9`` with user 3's token), or an
    object the user may not touch: 403. The server keeps only SHA-256 digests of tokens.
    Sign-up may open consumer, creator and brand accounts; staff accounts (which may ship and
    restock anyone's goods) are made in-process and given a token with ``app.state.tokens``.
    Pure reads of public data (users, notes, products, trending, health) need no token.

Errors
    One handler maps the platform's error tree (see ``errors.py``) to statuses: NotFound 404,
    Conflict (OutOfStock, InvalidTransition) 409, InvalidInput 422, Forbidden 403, and this
    layer's :class:`Unauthorized` 401. Request validation fails with 422 and bodies over
    ``max_body_bytes`` with 413. Every error body is
    ``{"error": <class name>, "message": <what is wrong and what is allowed>, "field": <name>}``
    (validation errors add ``details``, one entry per problem). A failed request changes
    nothing: the platform validates before it writes, and this layer writes only after the
    platform call succeeded (a sign-up's token is issued after ``create_user`` returned).

Time
    The platform needs ``now`` in simulated hours, never decreasing. The default clock counts
    real hours since the app was created, starting from the platform's own time; an injected
    ``clock`` (tests) is clamped so that ``now`` never goes below the platform's time.

Concurrency
    The Platform is not thread-safe and has no locks. Every endpoint and every dependency is
    ``async def`` and calls the platform synchronously, reading the clock, validating and
    applying with no ``await`` in between. On the single event loop each operation is
    therefore atomic: concurrent requests interleave only *between* operations, so no update
    is lost or double-counted. Sync ``def`` endpoints are forbidden because FastAPI would run
    them in a thread pool (a test checks that every route is a coroutine). Request bodies are
    read in full, bounded by ``max_body_bytes``, before the endpoint runs. One process serves
    one platform on one core: run a single uvicorn worker.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import secrets
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus  # the standard library's: this module is redloop.platform.http
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .boosts import MAX_FEE, MAX_HOURS, MIN_FEE, MIN_HOURS
from .core import Platform
from .errors import Conflict, Forbidden, InvalidInput, NotFound, PlatformError, Unauthorized
from .model import TOPICS, AdPlacement, BoostGoal, Channel, NoteFormat, Origin, PlatformConfig

__all__ = ["TokenStore", "Unauthorized", "create_app", "main", "serve"]

#: Ids are dense int32 indexes in the platform's columns.
MAX_ID = 2**31 - 1

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# ================================================================ errors: the one mapping

#: Most specific first; the first class the error is an instance of decides its status.
_STATUS: tuple[tuple[type[PlatformError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
)


def status_of(error: PlatformError) -> int:
    """The HTTP status for a platform error (400 for a branch this table does not know)."""
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


def _error_response(
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"error": error, "message": message, "field": field}
    if details is not None:
        body["details"] = details
    # ensure_ascii: a message quoting odd client input can never fail to encode.
    content = json.dumps(body, ensure_ascii=True).encode()
    return Response(content, status, headers, media_type="application/json")


async def _on_platform_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlatformError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return _error_response(status, type(exc).__name__, exc.message, exc.field, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    """422 ``InvalidInput``, like the platform's own, naming every field that is wrong."""
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: echoing the input could leak NaN or lone surrogates
    # that cannot be encoded as JSON (FastAPI's default handler fails with a 500 on them).
    details = [
        {"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    message = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details) or "invalid request"
    field = _field_of(details[0]["loc"]) if details else None
    return _error_response(422, "InvalidInput", message, field, details=details)


def _field_of(loc: list[str]) -> str:
    """``["body", "topics", "0"]`` -> ``"topics.0"``: the field as the platform names it."""
    inner = loc[1:] if len(loc) > 1 and loc[0] in ("body", "query", "path", "header") else loc
    return ".".join(inner)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's "error parsing the body": a body that is not UTF-8 is invalid input too.
        message = f"the body is not UTF-8 JSON: {exc.__cause__.reason}"
        return _error_response(422, "InvalidInput", message, "body")
    name = HTTPStatus(exc.status_code).phrase.title().replace(" ", "").replace("-", "")
    return _error_response(exc.status_code, name, str(exc.detail), headers=exc.headers)


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
        response = _error_response(status, error, message, "body")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*response.raw_headers, (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


# ================================================================ auth


class TokenStore:
    """Bearer tokens: one per user, stored as SHA-256 digests."""

    def __init__(self) -> None:
        self._user_by_digest: dict[bytes, int] = {}
        self._digest_by_user: dict[int, bytes] = {}

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()

    def issue(self, user: int) -> str:
        """A fresh token for ``user``, replacing (revoking) any earlier one."""
        token = secrets.token_urlsafe(32)
        old = self._digest_by_user.pop(user, None)
        if old is not None:
            del self._user_by_digest[old]
        digest = self._digest(token)
        self._user_by_digest[digest] = user
        self._digest_by_user[user] = digest
        return token

    def user_of(self, token: str) -> int | None:
        return self._user_by_digest.get(self._digest(token))

    def __len__(self) -> int:
        return len(self._user_by_digest)


@dataclass(slots=True)
class _Service:
    platform: Platform
    clock: Callable[[], float]
    tokens: TokenStore

    def now(self) -> float:
        """The clock's time, never below the platform's (the platform refuses going back)."""
        return max(self.clock(), self.platform.now)


async def _service(request: Request) -> _Service:
    return request.app.state.service


Svc = Annotated[_Service, Depends(_service)]
_bearer = HTTPBearer(auto_error=False, description="The token returned by POST /users.")


async def _actor(
    svc: Svc, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    if credentials is None:
        raise Unauthorized(
            "this request acts as a user: send 'Authorization: Bearer <token>' with the token "
            "returned by POST /users",
            field="authorization",
        )
    user = svc.tokens.user_of(credentials.credentials)
    if user is None:
        raise Unauthorized("unknown bearer token", field="authorization")
    return user


Actor = Annotated[int, Depends(_actor)]


def _must_be(actor: int, user: int) -> None:
    if actor != user:
        raise Forbidden(
            f"the token belongs to user {actor}; it cannot act as user {user}",
            field="user_id",
            value=user,
        )


# ================================================================ vocabulary and input models


def _labels(enum: Any) -> tuple[str, ...]:
    return tuple(member.label for member in enum)


# Literal types built from the platform's own vocabulary, so the schema cannot drift from it.
Topic = Literal[TOPICS]  # type: ignore[valid-type]
ChannelName = Literal[_labels(Channel)]  # type: ignore[valid-type]
FormatName = Literal[_labels(NoteFormat)]  # type: ignore[valid-type]
OriginName = Literal[_labels(Origin)]  # type: ignore[valid-type]
PlacementName = Literal[_labels(AdPlacement)]  # type: ignore[valid-type]
GoalName = Literal[_labels(BoostGoal)]  # type: ignore[valid-type]
SignupKind = Literal["consumer", "creator", "brand"]


def _unicode(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


Text = Annotated[str, AfterValidator(_unicode)]
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
Money = Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False, description="yuan")]


class _In(BaseModel):
    # strict: "5" is not a number and true is not 1; forbid: a misspelt field is an error.
    model_config = ConfigDict(extra="forbid", strict=True)


class NewUser(_In):
    name: Annotated[Text, Field(min_length=1, description="unique; the platform caps length")]
    kind: SignupKind = "consumer"
    interests: Annotated[list[Topic], Field(max_length=len(TOPICS))] = []


class NewNote(_In):
    topics: Annotated[list[Topic], Field(min_length=1, max_length=3)]
    format: FormatName = "image"
    products: Annotated[list[Id], Field(description="tagged product ids")] = []
    sponsor: Id | None = Field(None, description="the paying brand, for a sponsored note")
    title: Annotated[Text, Field(max_length=200)] = ""
    collaboration: Id | None = Field(
        None, description="an accepted collaboration this note fulfils: it names the sponsor"
    )


class ReadIn(_In):
    channel: ChannelName = Field("discovery", description="where the card was: drives attribution")


class CommentIn(_In):
    text: Annotated[Text, Field(min_length=1)]


class NewProduct(_In):
    name: Annotated[Text, Field(min_length=1, max_length=120)]
    topic: Topic
    price: Money
    stock: Annotated[int, Field(ge=0, le=10**9)] = 0
    origin: OriginName = "domestic"


class RestockIn(_In):
    quantity: Annotated[int, Field(ge=1, le=10**9)]


class PriceIn(_In):
    price: Money


class ViewIn(_In):
    channel: ChannelName = Field("direct", description="search and ad visits count for attribution")


class NewOrder(_In):
    product: Id
    quantity: Annotated[int, Field(ge=1, description="at most the config's max_order_quantity")] = 1


class SampleIn(_In):
    user: Id = Field(description="the consumer or creator who receives the free unit")


class ReviewIn(_In):
    rating: Annotated[int, Field(ge=1, le=5)]
    note: Id | None = Field(None, description="the buyer's own note tagging the product")


class NewCampaign(_In):
    note: Id
    budget: Money
    placement: PlacementName = "feed"
    topics: Annotated[list[Topic], Field(min_length=1)] | None = Field(
        None, description="targeted topics (default: the note's)"
    )
    cpm: Money = 50.0
    hours: Annotated[float, Field(ge=1, le=24 * 365, allow_inf_nan=False)] | None = Field(
        None, description="pace the budget evenly over this many hours, then end"
    )


class NewBoost(_In):
    note: Id
    fee: Annotated[float, Field(ge=MIN_FEE, le=MAX_FEE, allow_inf_nan=False, description="yuan")]
    hours: Annotated[float, Field(ge=MIN_HOURS, le=MAX_HOURS, allow_inf_nan=False)] = 24.0
    goal: GoalName = "reads"


# ================================================================ output models


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, view: object) -> Any:
        return cls.model_validate(view)


class UserOut(_Out):
    id: int
    name: str
    kind: str
    interests: list[str]
    created_at: float
    followers: int
    following: int
    notes: int


class NewUserOut(UserOut):
    token: str = Field(description="bearer token for Authorization headers; shown only once")


class IdPage(_Out):
    total: int
    offset: int
    ids: list[int]


class FollowOut(_Out):
    user: int
    target: int
    following: bool
    changed: bool = Field(description="false when the request was a no-op")


class NoteOut(_Out):
    id: int
    author: int
    created_at: float
    format: str
    topics: list[str]
    products: list[int]
    sponsor: int | None
    sponsored: bool
    title: str
    impressions: int
    reads: int
    likes: int
    collects: int
    comments: int
    shares: int
    follows: int
    ces: float
    interaction_rate: float
    pool_stage: int | None


class EngagementOut(_Out):
    changed: bool = Field(description="false when the request was a no-op (a second like...)")
    note: NoteOut


class CommentOut(_Out):
    note: int
    user: int
    time: float
    text: str


class CommentPage(_Out):
    total: int
    offset: int
    comments: list[CommentOut]


class DiscoveryPageOut(_Out):
    notes: list[int]
    ad_slots: list[int] = Field(description="positions in notes that are paid ads")
    boost_slots: list[int] = Field(description="positions in notes that are promoted (boosts)")


class FollowingPageOut(_Out):
    notes: list[int]
    next_before: int | None = Field(description="pass as before= for the next page")


class SearchOut(_Out):
    query: str
    topics: list[str]
    products: list[int]
    notes: list[int]
    ad_note: int | None


class ProductOut(_Out):
    id: int
    brand: int
    name: str
    topic: str
    price: float
    stock: int
    origin: str
    units_sold: int
    notes: int
    reviews: int
    rating: float | None


class ProductPageOut(_Out):
    product: ProductOut
    top_notes: list[int]
    likes_on_notes: int
    collects_on_notes: int


class OrderOut(_Out):
    id: int
    buyer: int
    product: int
    quantity: int
    unit_price: float
    amount: float
    placed_at: float
    status: str
    note: int | None
    channel: str
    rating: int | None
    review_note: int | None
    sample: bool = False


class CampaignOut(_Out):
    id: int
    brand: int
    note: int
    placement: str
    topics: list[str]
    budget: float
    spent: float
    cpm: float
    impressions: int
    active: bool
    start: float
    end: float | None


class BoostOut(_Out):
    id: int
    buyer: int
    note: int
    goal: str
    fee: float
    bought: int = Field(description="impressions the fee bought")
    delivered: int = Field(description="impressions delivered so far")
    start: float
    end: float
    active: bool
    spent: float = Field(description="cost of the impressions delivered; the rest is refunded")


class TopicScore(_Out):
    topic: str
    score: float


class ProductScore(_Out):
    product: int
    score: float


class HealthOut(_Out):
    status: Literal["ok"]
    now: float | None = Field(description="the platform's time in hours (null before any write)")
    recommender: str
    users: int
    notes: int
    products: int
    orders: int


class ErrorDetail(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ErrorOut(BaseModel):
    error: str = Field(description="error class, e.g. NotFound, OutOfStock, ValidationError")
    message: str
    field: str | None
    details: list[ErrorDetail] | None = None


# ================================================================ routes

_WHY = {
    401: "no or unknown bearer token",
    403: "acting as another user, or not allowed to",
    404: "unknown id",
    409: "the current state refuses it (out of stock, invalid order transition)",
    413: "request body too large",
    422: "invalid input",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in codes}


ACT = (401, 403, 404, 422)  # an authenticated action on existing objects
BODY = (*ACT, 413)

PathId = Annotated[int, Path(ge=0, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]

router = APIRouter()


def _page(ids: tuple[int, ...], offset: int, limit: int) -> IdPage:
    return IdPage(total=len(ids), offset=offset, ids=list(ids[offset : offset + limit]))


# ---------------------------------------------------------------- accounts & follows


@router.post(
    "/users",
    status_code=201,
    response_model=NewUserOut,
    tags=["accounts"],
    responses=_errors(413, 422),
)
async def create_user(svc: Svc, body: NewUser) -> Any:
    """Open an account. The response carries the user's bearer token (shown only once)."""
    p = svc.platform
    uid = p.create_user(body.name, body.kind, body.interests, now=svc.now())
    token = svc.tokens.issue(uid)  # only once the platform accepted the account
    return NewUserOut(**UserOut.of(p.user(uid)).model_dump(), token=token)


@router.get(
    "/users/{user_id}", response_model=UserOut, tags=["accounts"], responses=_errors(404, 422)
)
async def get_user(svc: Svc, user_id: PathId) -> Any:
    return UserOut.of(svc.platform.user(user_id))


@router.get(
    "/users/{user_id}/followers",
    response_model=IdPage,
    tags=["accounts"],
    responses=_errors(404, 422),
)
async def get_followers(svc: Svc, user_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
    return _page(svc.platform.followers(user_id), offset, limit)


@router.get(
    "/users/{user_id}/following",
    response_model=IdPage,
    tags=["accounts"],
    responses=_errors(404, 422),
)
async def get_following(svc: Svc, user_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
    return _page(svc.platform.following(user_id), offset, limit)


@router.get(
    "/users/{user_id}/notes",
    response_model=IdPage,
    tags=["accounts"],
    responses=_errors(404, 422),
)
async def get_notes_by(svc: Svc, user_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
    """The user's notes, oldest first."""
    return _page(svc.platform.notes_by(user_id), offset, limit)


@router.put(
    "/users/{user_id}/following/{target_id}",
    response_model=FollowOut,
    tags=["follows"],
    responses=_errors(*ACT),
)
async def follow(
    svc: Svc,
    actor: Actor,
    user_id: PathId,
    target_id: PathId,
    via_note: Annotated[int | None, Query(ge=0, le=MAX_ID, description="credit a note")] = None,
) -> Any:
    """Follow ``target_id`` (idempotent; you cannot follow yourself)."""
    _must_be(actor, user_id)
    changed = svc.platform.follow(actor, target_id, now=svc.now(), via_note=via_note)
    return FollowOut(user=actor, target=target_id, following=True, changed=changed)


@router.delete(
    "/users/{user_id}/following/{target_id}",
    response_model=FollowOut,
    tags=["follows"],
    responses=_errors(*ACT),
)
async def unfollow(svc: Svc, actor: Actor, user_id: PathId, target_id: PathId) -> Any:
    _must_be(actor, user_id)
    changed = svc.platform.unfollow(actor, target_id, now=svc.now())
    return FollowOut(user=actor, target=target_id, following=False, changed=changed)


# ---------------------------------------------------------------- notes & engagement


@router.post(
    "/notes", status_code=201, response_model=NoteOut, tags=["notes"], responses=_errors(*BODY)
)
async def publish(svc: Svc, actor: Actor, body: NewNote) -> Any:
    """Publish a note as the token's user. A sponsored note is the brand's own, or fulfils a
    collaboration the token's creator accepted (403 otherwise)."""
    p = svc.platform
    nid = p.publish(
        actor,
        body.topics,
        now=svc.now(),
        format=body.format,
        products=body.products,
        sponsor=body.sponsor,
        title=body.title,
        collaboration=body.collaboration,
    )
    return NoteOut.of(p.note(nid))


@router.get("/notes/{note_id}", response_model=NoteOut, tags=["notes"], responses=_errors(404, 422))
async def get_note(svc: Svc, note_id: PathId) -> Any:
    return NoteOut.of(svc.platform.note(note_id))


@router.get(
    "/notes/{note_id}/comments",
    response_model=CommentPage,
    tags=["notes"],
    responses=_errors(404, 422),
)
async def get_comments(svc: Svc, note_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
    thread = svc.platform.comments(note_id)
    return CommentPage(
        total=len(thread),
        offset=offset,
        comments=[
            CommentOut(note=note_id, user=c.user, time=c.time, text=c.text)
            for c in thread[offset : offset + limit]
        ],
    )


def _engaged(svc: _Service, note: int, changed: bool) -> EngagementOut:
    return EngagementOut(changed=changed, note=NoteOut.of(svc.platform.note(note)))


@router.post(
    "/notes/{note_id}/reads",
    status_code=201,
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*BODY),
)
async def read(
    svc: Svc, actor: Actor, note_id: PathId, body: Annotated[ReadIn | None, Body()] = None
) -> Any:
    """Open a note's card; ``channel`` says where the card was (attribution)."""
    channel = (body or ReadIn()).channel
    svc.platform.read(actor, note_id, now=svc.now(), channel=channel)
    return _engaged(svc, note_id, True)


@router.put(
    "/notes/{note_id}/like",
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*ACT),
)
async def like(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    """Like a note (idempotent: a second like changes nothing)."""
    return _engaged(svc, note_id, svc.platform.like(actor, note_id, now=svc.now()))


@router.delete(
    "/notes/{note_id}/like",
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*ACT),
)
async def unlike(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    return _engaged(svc, note_id, svc.platform.unlike(actor, note_id, now=svc.now()))


@router.put(
    "/notes/{note_id}/collect",
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*ACT),
)
async def collect(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    """Save a note to the user's collection (idempotent)."""
    return _engaged(svc, note_id, svc.platform.collect(actor, note_id, now=svc.now()))


@router.delete(
    "/notes/{note_id}/collect",
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*ACT),
)
async def uncollect(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    return _engaged(svc, note_id, svc.platform.uncollect(actor, note_id, now=svc.now()))


@router.post(
    "/notes/{note_id}/comments",
    status_code=201,
    response_model=CommentOut,
    tags=["engagement"],
    responses=_errors(*BODY),
)
async def comment(svc: Svc, actor: Actor, note_id: PathId, body: CommentIn) -> Any:
    p = svc.platform
    p.comment(actor, note_id, body.text, now=svc.now())
    return CommentOut(note=note_id, user=actor, time=p.now, text=body.text)


@router.post(
    "/notes/{note_id}/shares",
    status_code=201,
    response_model=EngagementOut,
    tags=["engagement"],
    responses=_errors(*ACT),
)
async def share(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    """Share a note out of the app; every share counts."""
    svc.platform.share(actor, note_id, now=svc.now())
    return _engaged(svc, note_id, True)


# ---------------------------------------------------------------- feeds & search


@router.get(
    "/feed/discovery",
    response_model=DiscoveryPageOut,
    tags=["feeds"],
    responses=_errors(401, 422),
)
async def discovery_feed(
    svc: Svc,
    actor: Actor,
    k: Annotated[int | None, Query(ge=1, le=100, description="cards (default page_size)")] = None,
) -> Any:
    """A two-column discovery page from the active recommender; serving records impressions."""
    page = svc.platform.discovery_feed(actor, now=svc.now(), k=k)
    return DiscoveryPageOut(
        notes=list(page.notes), ad_slots=list(page.ad_slots), boost_slots=list(page.boost_slots)
    )


@router.get(
    "/feed/following",
    response_model=FollowingPageOut,
    tags=["feeds"],
    responses=_errors(401, 404, 422),
)
async def following_feed(
    svc: Svc,
    actor: Actor,
    before: Annotated[int | None, Query(ge=0, le=MAX_ID, description="next_before")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Newest notes of the accounts the user follows, newest first."""
    notes = svc.platform.following_feed(actor, now=svc.now(), before=before, limit=limit)
    return FollowingPageOut(notes=notes, next_before=notes[-1] if len(notes) == limit else None)


@router.get("/search", response_model=SearchOut, tags=["search"], responses=_errors(401, 422))
async def search(
    svc: Svc,
    actor: Actor,
    q: Annotated[Text, Query(min_length=1, max_length=200, description="topic, product, brand")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Search notes and products (logged as purchase intent)."""
    return SearchOut.of(svc.platform.search(actor, q, now=svc.now(), limit=limit))


# ---------------------------------------------------------------- shop


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    tags=["shop"],
    responses=_errors(*BODY),
)
async def create_product(svc: Svc, actor: Actor, body: NewProduct) -> Any:
    """List a product; the token's user must be a brand."""
    p = svc.platform
    pid = p.create_product(
        actor, body.name, body.topic, body.price, body.stock, now=svc.now(), origin=body.origin
    )
    return ProductOut.of(p.product(pid))


@router.get(
    "/products/{product_id}",
    response_model=ProductOut,
    tags=["shop"],
    responses=_errors(404, 422),
)
async def get_product(svc: Svc, product_id: PathId) -> Any:
    return ProductOut.of(svc.platform.product(product_id))


@router.get(
    "/products/{product_id}/page",
    response_model=ProductPageOut,
    tags=["shop"],
    responses=_errors(404, 422),
)
async def get_product_page(
    svc: Svc, product_id: PathId, top: Annotated[int, Query(ge=1, le=100)] = 10
) -> Any:
    """The product with its word of mouth: the best notes tagging it and their totals."""
    page = svc.platform.product_page(product_id, top=top)
    return ProductPageOut(
        product=ProductOut.of(page.product),
        top_notes=list(page.top_notes),
        likes_on_notes=page.likes_on_notes,
        collects_on_notes=page.collects_on_notes,
    )


@router.post(
    "/products/{product_id}/views",
    response_model=ProductOut,
    tags=["shop"],
    responses=_errors(*BODY),
)
async def view_product(
    svc: Svc, actor: Actor, product_id: PathId, body: Annotated[ViewIn | None, Body()] = None
) -> Any:
    """Open a product page; a visit from search or an ad is a touch for attribution."""
    channel = (body or ViewIn()).channel
    return ProductOut.of(
        svc.platform.view_product(actor, product_id, now=svc.now(), channel=channel)
    )


@router.post(
    "/products/{product_id}/restock",
    response_model=ProductOut,
    tags=["shop"],
    responses=_errors(*BODY),
)
async def restock(svc: Svc, actor: Actor, product_id: PathId, body: RestockIn) -> Any:
    """Add stock: the product's brand, or staff."""
    p = svc.platform
    p.restock(actor, product_id, body.quantity, now=svc.now())
    return ProductOut.of(p.product(product_id))


@router.put(
    "/products/{product_id}/price",
    response_model=ProductOut,
    tags=["shop"],
    responses=_errors(*BODY),
)
async def set_price(svc: Svc, actor: Actor, product_id: PathId, body: PriceIn) -> Any:
    p = svc.platform
    p.set_price(actor, product_id, body.price, now=svc.now())
    return ProductOut.of(p.product(product_id))


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    tags=["orders"],
    responses=_errors(*BODY, 409),
)
async def place_order(svc: Svc, actor: Actor, body: NewOrder) -> Any:
    """Order a product as the token's user; stock is reserved at once (409 if short)."""
    p = svc.platform
    oid = p.place_order(actor, body.product, body.quantity, now=svc.now())
    return OrderOut.of(p.order(oid))


@router.post(
    "/products/{product_id}/samples",
    status_code=201,
    response_model=OrderOut,
    tags=["orders"],
    responses=_errors(*BODY, 409),
)
async def send_sample(svc: Svc, actor: Actor, product_id: PathId, body: SampleIn) -> Any:
    """Send one free unit of the token's brand's own product to a user (409 if out of
    stock); it becomes a paid zero-price order marked ``sample``."""
    p = svc.platform
    oid = p.send_sample(actor, product_id, body.user, now=svc.now())
    return OrderOut.of(p.order(oid))


@router.get("/orders/{order_id}", response_model=OrderOut, tags=["orders"], responses=_errors(*ACT))
async def get_order(svc: Svc, actor: Actor, order_id: PathId) -> Any:
    """An order, visible to its buyer, the product's brand and staff."""
    p = svc.platform
    order = p.order(order_id)
    if (
        actor != order.buyer
        and actor != p.product(order.product).brand
        and (p.user(actor).kind != "staff")
    ):
        raise Forbidden(f"order {order_id} is not yours", field="order_id", value=order_id)
    return OrderOut.of(order)


def _order_action(name: str, doc: str) -> None:
    """Register ``POST /orders/{id}/<name>`` calling ``Platform.<name>(actor, order)``."""

    async def action(svc: Svc, actor: Actor, order_id: PathId) -> Any:
        p = svc.platform
        getattr(p, name)(actor, order_id, now=svc.now())
        return OrderOut.of(p.order(order_id))

    action.__name__ = f"{name}_order"
    action.__doc__ = doc
    router.add_api_route(
        f"/orders/{{order_id}}/{name}",
        action,
        methods=["POST"],
        response_model=OrderOut,
        tags=["orders"],
        responses=_errors(*ACT, 409),
        name=f"{name}_order",
    )


_order_action("pay", "Pay a placed order (the buyer).")
_order_action("ship", "Ship a paid order (the product's brand, or staff).")
_order_action("deliver", "Mark a shipped order delivered (the product's brand, or staff).")
_order_action("cancel", "Cancel before shipping (buyer or seller); the stock comes back.")
_order_action("refund", "Refund a delivered or reviewed order (the buyer).")


@router.post(
    "/orders/{order_id}/review",
    response_model=OrderOut,
    tags=["orders"],
    responses=_errors(*BODY, 409),
)
async def review(svc: Svc, actor: Actor, order_id: PathId, body: ReviewIn) -> Any:
    """Rate a delivered order 1–5, optionally pointing at the buyer's review note."""
    p = svc.platform
    p.review(actor, order_id, body.rating, now=svc.now(), note=body.note)
    return OrderOut.of(p.order(order_id))


# ---------------------------------------------------------------- ads


@router.post(
    "/campaigns",
    status_code=201,
    response_model=CampaignOut,
    tags=["ads"],
    responses=_errors(*BODY),
)
async def create_campaign(svc: Svc, actor: Actor, body: NewCampaign) -> Any:
    """Buy impressions for a note the token's brand wrote or sponsored."""
    p = svc.platform
    cid = p.create_campaign(
        actor,
        body.note,
        body.budget,
        now=svc.now(),
        placement=body.placement,
        topics=body.topics,
        cpm=body.cpm,
        hours=body.hours,
    )
    return CampaignOut.of(p.campaign(cid))


@router.get(
    "/campaigns/{campaign_id}", response_model=CampaignOut, tags=["ads"], responses=_errors(*ACT)
)
async def get_campaign(svc: Svc, actor: Actor, campaign_id: PathId) -> Any:
    """A campaign, visible to its brand and staff."""
    p = svc.platform
    campaign = p.campaign(campaign_id)
    if actor != campaign.brand and p.user(actor).kind != "staff":
        raise Forbidden(
            f"campaign {campaign_id} is not yours", field="campaign_id", value=campaign_id
        )
    return CampaignOut.of(campaign)


@router.delete(
    "/campaigns/{campaign_id}", response_model=CampaignOut, tags=["ads"], responses=_errors(*ACT)
)
async def stop_campaign(svc: Svc, actor: Actor, campaign_id: PathId) -> Any:
    """Stop a campaign (its brand only); the unspent budget is no longer used."""
    p = svc.platform
    p.stop_campaign(actor, campaign_id, now=svc.now())
    return CampaignOut.of(p.campaign(campaign_id))


@router.post(
    "/boosts", status_code=201, response_model=BoostOut, tags=["ads"], responses=_errors(*BODY)
)
async def create_boost(svc: Svc, actor: Actor, body: NewBoost) -> Any:
    """Pay to show a note the token's user wrote or sponsored to more interested users."""
    p = svc.platform
    bid = p.create_boost(
        actor, body.note, body.fee, now=svc.now(), hours=body.hours, goal=body.goal
    )
    return BoostOut.of(p.boost(bid))


@router.get("/boosts/{boost_id}", response_model=BoostOut, tags=["ads"], responses=_errors(*ACT))
async def get_boost(svc: Svc, actor: Actor, boost_id: PathId) -> Any:
    """A boost with impressions bought and delivered, visible to its buyer and staff."""
    p = svc.platform
    boost = p.boost(boost_id)
    if actor != boost.buyer and p.user(actor).kind != "staff":
        raise Forbidden(f"boost {boost_id} is not yours", field="boost_id", value=boost_id)
    return BoostOut.of(boost)


# ---------------------------------------------------------------- trending & health

TopK = Annotated[int, Query(ge=1, le=100)]


@router.get(
    "/trending/topics",
    response_model=list[TopicScore],
    tags=["trending"],
    responses=_errors(422),
)
async def trending_topics(svc: Svc, k: TopK = 5) -> Any:
    """Topics by engagement over the trending window."""
    ranked = svc.platform.trending_topics(now=svc.now(), k=k)
    return [TopicScore(topic=topic, score=score) for topic, score in ranked]


@router.get(
    "/trending/products",
    response_model=list[ProductScore],
    tags=["trending"],
    responses=_errors(422),
)
async def trending_products(svc: Svc, k: TopK = 5) -> Any:
    """Products by engagement and units ordered over the trending window."""
    ranked = svc.platform.trending_products(now=svc.now(), k=k)
    return [ProductScore(product=product, score=score) for product, score in ranked]


@router.get("/health", response_model=HealthOut, tags=["health"])
async def health(svc: Svc) -> Any:
    p = svc.platform
    return HealthOut(
        status="ok",
        now=p.now if math.isfinite(p.now) else None,
        recommender=p.recommender,
        users=p.n_users,
        notes=p.n_notes,
        products=p.n_products,
        orders=p.n_orders,
    )


# ---------------------------------------------------------------- marketplace and shares

# Their routes live in their own modules, which add them to this module's router: imported
# here, once everything they need is defined.
from . import collabs_http, http_shares  # noqa: E402, F401

# ================================================================ app and server


def create_app(
    platform: Platform | None = None,
    *,
    clock: Callable[[], float] | None = None,
    max_body_bytes: int = 64_000,
) -> FastAPI:
    """The platform as an ASGI app.

    ``clock`` returns the current time in simulated hours; by default real hours since this
    call, starting at the platform's current time. ``app.state.platform`` is the platform and
    ``app.state.tokens`` the :class:`TokenStore` (``issue(user)`` gives a token to a user made
    in-process, e.g. a staff account).
    """
    if type(max_body_bytes) is not int or max_body_bytes < 0:
        raise ValueError(f"max_body_bytes must be a whole number >= 0; got {max_body_bytes!r}")
    platform = platform if platform is not None else Platform()
    if clock is None:
        start = platform.now if math.isfinite(platform.now) else 0.0
        t0 = time.monotonic()

        def clock() -> float:
            return start + (time.monotonic() - t0) / 3600.0

    app = FastAPI(
        title="redloop platform",
        summary="A lifestyle community with a shop: notes, engagement, feeds, search, orders.",
        version="1",
        openapi_tags=[
            {"name": name, "description": text}
            for name, text in (
                ("accounts", "sign up (returns a bearer token) and read users"),
                ("follows", "follow and unfollow as the token's user"),
                ("notes", "publish and read notes"),
                ("engagement", "read, like, collect, comment, share"),
                ("shares", "shares that reach followers or outside visitors, and cascades"),
                ("feeds", "discovery (recommender) and following feeds"),
                ("search", "search by topic, product, brand"),
                ("shop", "catalogue, product pages, stock and prices"),
                ("orders", "order lifecycle: placed, paid, shipped, delivered, reviewed"),
                ("ads", "paid feed and search placements"),
                ("marketplace", "creator collaborations: offer, accept, decline, withdraw"),
                ("trending", "trending topics and products"),
                ("health", "liveness and counts"),
            )
        ],
    )
    tokens = TokenStore()
    app.state.service = _Service(platform, clock, tokens)
    app.state.platform = platform
    app.state.tokens = tokens
    app.include_router(router)
    app.add_exception_handler(PlatformError, _on_platform_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_middleware(_BodyLimit, max_bytes=max_body_bytes)
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    recommender: str | None = None,
    config: PlatformConfig | None = None,
) -> int:
    """Serve a fresh platform (``config``, default settings if None; ``recommender``
    overrides its recommender) with uvicorn until Ctrl-C or SIGTERM; 0 on a clean shutdown,
    2 for a bad setting."""
    import uvicorn

    try:
        config = config or PlatformConfig()
        if recommender is not None:
            config = dataclasses.replace(config, recommender=recommender)
        platform = Platform(config)
    except InvalidInput as exc:
        print(f"redloop serve: error: {exc}", file=sys.stderr)
        return 2
    # One worker: the platform lives in this process and is not thread-safe (module docstring).
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host=host, port=port))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to the
    # previous handler; make both arrive here as KeyboardInterrupt, i.e. a clean exit.
    with _sigterm_as_keyboard_interrupt(), contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0


@contextlib.contextmanager
def _sigterm_as_keyboard_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m redloop.platform.http", description="Serve the redloop platform over HTTP."
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--recommender", default="ces_pools", help="discovery recommender")
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, recommender=args.recommender)


if __name__ == "__main__":
    raise SystemExit(main())
