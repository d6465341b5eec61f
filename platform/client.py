"""An HTTP client SDK for the platform service (``platform/http.py``), facade-shaped.

The clients have the :class:`~redloop.platform.core.Platform` facade's method names,
arguments and return types (``discovery_feed(user, *, now, k=None) -> DiscoveryPage``,
``place_order(...) -> int``, ``order(id) -> Order``...), so the same agent code runs
in-process and over HTTP. ``now`` arguments are accepted and ignored: the server keeps time.

One mapping, three transports
-----------------------------
Every operation is written once, as a method of :class:`Facade` whose body says which request
it is (a :class:`Call`: path, query, body, the acting user); the :func:`_op` decorator names its
HTTP method and route template and how to parse the response. How a call is sent is up to the
subclass:

=====================  =======================================================================
:class:`Client`        sends with an ``httpx.Client`` and returns the result (sync)
:class:`AsyncClient`   sends with an ``httpx.AsyncClient``: methods return coroutines
:class:`SessionClient` sends with a requests-like session: ``requests.Session`` or Locust's
                       ``HttpSession`` / ``FastHttpSession`` (``name=`` groups Locust's stats)
:class:`Calls`         sends nothing: methods return the :class:`Call`, for a driver to
                       ``execute`` on whichever client it holds (a Locust user's own session)
=====================  =======================================================================

:data:`OPS` lists the operations; ``OPS[name].endpoint`` is ``"METHOD /route/{template}"``,
the name every request is reported under.

Auth
----
``create_user`` stores the returned bearer token in the client's :class:`TokenBook`; a call
acting as a user sends that user's token. The actor is the facade's first argument (the user,
author, brand or buyer); ``order(id)`` and ``campaign(id)`` have none and use the token of the
buyer or brand this book saw create them. Several clients may share one book (build a crowd
with a sync client, then drive sessions with an async one).

Errors
------
A non-2xx response raises the platform's own error class, named by the body's ``error``
(``OutOfStock`` from a 409, ``NotFound`` from a 404...), with ``message`` and ``field`` from
the body and the HTTP ``status`` as an attribute::

    PlatformError
    ├── NotFound, Conflict (OutOfStock, InvalidTransition), InvalidInput, Forbidden
    ├── Unauthorized   401, or a call acting as a user this book has no token for (no request)
    └── ServiceError   any other failure: 5xx, an unknown error body
        └── Unreachable   no response at all (connection refused, timeout); status 0

Every request is reported to ``on_request(endpoint, seconds, ok, status)`` if given, before
its result is parsed or its error raised.
"""

from __future__ import annotations

import functools
import json as jsonlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from .collabs import Collaboration
from .errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PlatformError,
    Unauthorized,
)
from .model import (
    AdCampaign,
    Boost,
    Channel,
    DiscoveryPage,
    Note,
    Order,
    Product,
    ProductPage,
    SearchResult,
    User,
)
from .shares import Cascade, Share, SharedItem

__all__ = [
    "OPS",
    "AsyncClient",
    "Call",
    "Calls",
    "Client",
    "Facade",
    "Op",
    "Recorder",
    "ServiceError",
    "SessionClient",
    "TokenBook",
    "Unauthorized",
    "Unreachable",
    "error_from",
]

#: ``on_request(endpoint, seconds, ok, status)``: status 0 when no response came back.
Recorder = Callable[[str, float, bool, int], None]


# ================================================================ errors


class ServiceError(PlatformError):
    """The service failed in a way the platform's error tree does not describe (5xx...)."""

    status = 0


class Unreachable(ServiceError):
    """No HTTP response at all: connection refused, reset or timed out."""


#: Error classes a response body may name; anything else is decided by the status.
_BY_NAME: dict[str, type[PlatformError]] = {
    cls.__name__: cls
    for cls in (
        NotFound,
        Conflict,
        OutOfStock,
        InvalidTransition,
        InvalidInput,
        Forbidden,
        Unauthorized,
    )
}
_BY_STATUS: dict[int, type[PlatformError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: InvalidInput,  # PayloadTooLarge: the body is invalid input
    422: InvalidInput,
}


def error_from(status: int, content: bytes | str | None) -> PlatformError:
    """The platform error for a non-2xx response ``{"error", "message", "field"}``."""
    try:
        body = jsonlib.loads(content) if content else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    name = body.get("error")
    message = body.get("message") or f"HTTP {status}"
    cls = ServiceError if status >= 500 else _BY_NAME.get(name) or _BY_STATUS.get(status)
    exc = (cls or ServiceError)(str(message), field=body.get("field"))
    exc.status = status  # type: ignore[attr-defined]
    return exc


# ================================================================ tokens


class TokenBook:
    """Bearer tokens by user id, and who may read which order or campaign.

    Plain dicts: share one book between clients of one process; :meth:`export` /
    :meth:`load` move it between processes (e.g. a Locust master and its workers).
    """

    def __init__(self, tokens: Mapping[int, str] | None = None) -> None:
        self.tokens: dict[int, str] = dict(tokens or {})
        self.owners: dict[str, int] = {}  # "order:5" -> the buyer; "campaign:2" -> the brand

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, user: object) -> bool:
        return user in self.tokens

    def add(self, user: int, token: str) -> None:
        self.tokens[user] = token

    def headers(self, call: Call) -> dict[str, str] | None:
        """The Authorization header for ``call`` (None if it acts as nobody)."""
        actor = call.actor if call.owner is None else self.owners.get(call.owner)
        if actor is None and call.owner is None:
            return None
        token = self.tokens.get(actor) if actor is not None else None
        if token is None:
            who = f"user {actor}" if actor is not None else f"the owner of {call.owner}"
            raise Unauthorized(
                f"{call.op.endpoint}: no token for {who}; a client acts only as users it "
                "created (or whose tokens were added to its TokenBook)",
                field="authorization",
            )
        return {"Authorization": f"Bearer {token}"}

    def export(self) -> dict[str, Any]:
        """JSON- and msgpack-friendly: ``{"tokens": [[id, token], ...], "owners": {...}}``."""
        return {"tokens": sorted(self.tokens.items()), "owners": dict(self.owners)}

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> TokenBook:
        book = cls({int(u): str(t) for u, t in data.get("tokens", ())})
        book.owners.update({str(k): int(v) for k, v in data.get("owners", {}).items()})
        return book


# ================================================================ the mapping


@dataclass(frozen=True, slots=True)
class Op:
    """One facade operation over HTTP."""

    name: str  # the facade method
    method: str
    path: str  # route template, e.g. "/notes/{note_id}/like"
    parse: Callable[[Any], Any]
    learn: Callable[[TokenBook, Any], None] | None = None  # book-keeping from the response
    ok_status: int = 200

    @property
    def endpoint(self) -> str:
        """The name requests are reported under: ``"PUT /notes/{note_id}/like"``."""
        return f"{self.method} {self.path}"


_NO_BODY = object()


@dataclass(frozen=True, slots=True)
class Call:
    """One prepared request: which operation, the concrete URL, body and acting user."""

    op: Op
    url: str  # path with ids filled in and the query string
    body: Any = _NO_BODY
    actor: int | None = None  # whose token authorises it
    owner: str | None = None  # or: the owner of this object ("order:5"), looked up in the book

    @property
    def json(self) -> Any:
        """The JSON body, or None for a request without one."""
        return None if self.body is _NO_BODY else self.body


@dataclass(frozen=True, slots=True)
class _Req:
    """What a facade method body returns: the request's variable parts."""

    ids: Mapping[str, int] | None = None
    query: Mapping[str, Any] | None = None
    body: Any = _NO_BODY
    actor: int | None = None
    owner: str | None = None


#: Every operation by facade method name.
OPS: dict[str, Op] = {}


def _op(
    method: str,
    path: str,
    parse: Callable[[Any], Any],
    *,
    learn: Callable[[TokenBook, Any], None] | None = None,
    ok_status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a facade method as an HTTP operation; the body returns the request's parts."""

    def decorate(build: Callable[..., Any]) -> Callable[..., Any]:
        op = Op(build.__name__, method, path, parse, learn, ok_status)
        OPS[op.name] = op

        @functools.wraps(build)
        def method_(self: Facade, *args: Any, **kwargs: Any) -> Any:
            req: _Req = build(self, *args, **kwargs)
            url = path.format(**req.ids) if req.ids else path
            query = {k: v for k, v in (req.query or {}).items() if v is not None}
            if query:
                url = f"{url}?{urlencode(query)}"
            return self._call(Call(op, url, req.body, req.actor, req.owner))

        method_.op = op  # type: ignore[attr-defined]
        return method_

    return decorate


# ---------------------------------------------------------------- parsers


def _nothing(body: Any) -> None:
    return None


def _id(body: Any) -> int:
    return int(body["id"])


def _changed(body: Any) -> bool:
    return bool(body["changed"])


def _view(cls: type) -> Callable[[Any], Any]:
    """A parser building the frozen view ``cls`` from a response body (lists -> tuples)."""
    names = tuple(f.name for f in fields(cls))

    def parse(body: Any) -> Any:
        values = {name: body[name] for name in names}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    parse.__name__ = f"parse_{cls.__name__}"
    return parse


_user, _note, _product, _order, _campaign = map(_view, (User, Note, Product, Order, AdCampaign))
_boost = _view(Boost)
_search = _view(SearchResult)
_share, _cascade, _shared_item = map(_view, (Share, Cascade, SharedItem))


def _inbox(body: Any) -> tuple[SharedItem, ...]:
    return tuple(_shared_item(row) for row in body)


def _ids(body: Any) -> tuple[int, ...]:
    return tuple(body["ids"])


def _discovery_page(body: Any) -> DiscoveryPage:
    boosts = tuple(body.get("boost_slots", ()))  # absent from servers without boosts
    return DiscoveryPage(tuple(body["notes"]), tuple(body["ad_slots"]), boosts)


def _following_page(body: Any) -> list[int]:
    return list(body["notes"])


def _product_page(body: Any) -> ProductPage:
    return ProductPage(
        _product(body["product"]),
        tuple(body["top_notes"]),
        body["likes_on_notes"],
        body["collects_on_notes"],
    )


def _topic_scores(body: Any) -> list[tuple[str, float]]:
    return [(row["topic"], row["score"]) for row in body]


def _product_scores(body: Any) -> list[tuple[int, float]]:
    return [(row["product"], row["score"]) for row in body]


def _as_is(body: Any) -> Any:
    return body


def _learn_token(book: TokenBook, body: Any) -> None:
    book.add(int(body["id"]), body["token"])


def _learn_buyer(book: TokenBook, body: Any) -> None:
    book.owners[f"order:{body['id']}"] = int(body["buyer"])


def _learn_brand(book: TokenBook, body: Any) -> None:
    book.owners[f"campaign:{body['id']}"] = int(body["brand"])


def _learn_booster(book: TokenBook, body: Any) -> None:
    book.owners[f"boost:{body['id']}"] = int(body["buyer"])


def _learn_collaboration(book: TokenBook, body: Any) -> None:
    book.owners[f"collaboration:{body['id']}"] = int(body["brand"])


_collaboration = _view(Collaboration)


def _all_ids(body: Any) -> tuple[int, ...]:
    return tuple(body["ids"])


def _label(value: Any) -> str:
    """An enum member (or its int value, for channels) as the API's lowercase name."""
    if hasattr(value, "label"):
        return value.label
    if type(value) is int:
        return Channel(value).label
    return str(value)


# ---------------------------------------------------------------- the facade


class Facade:
    """The platform facade's methods as HTTP calls. Subclasses implement :meth:`_call`.

    Each method's body describes its request; the decorator fills in the route, sends it via
    ``self._call`` and parses the response into the annotated return type.
    """

    tokens: TokenBook

    def _call(self, call: Call) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------ accounts & follows

    @_op("POST", "/users", _id, learn=_learn_token, ok_status=201)
    def create_user(
        self, name: str, kind: str = "consumer", interests: Iterable[str] = (), *, now: float = 0
    ) -> int:
        """Sign up; the token the server returns goes into the book (staff: 422 over HTTP)."""
        return _Req(body={"name": name, "kind": _label(kind), "interests": list(interests)})

    @_op("GET", "/users/{user_id}", _user)
    def user(self, user: int) -> User:
        return _Req(ids={"user_id": user})

    @_op("PUT", "/users/{user_id}/following/{target_id}", _changed)
    def follow(
        self, user: int, target: int, *, now: float = 0, via_note: int | None = None
    ) -> bool:
        return _Req(
            ids={"user_id": user, "target_id": target}, query={"via_note": via_note}, actor=user
        )

    @_op("DELETE", "/users/{user_id}/following/{target_id}", _changed)
    def unfollow(self, user: int, target: int, *, now: float = 0) -> bool:
        return _Req(ids={"user_id": user, "target_id": target}, actor=user)

    # ------------------------------------------------------------ notes & engagement

    @_op("POST", "/notes", _id, ok_status=201)
    def publish(
        self,
        author: int,
        topics: Iterable[str],
        *,
        now: float = 0,
        format: str = "image",
        products: Iterable[int] = (),
        sponsor: int | None = None,
        title: str = "",
        collaboration: int | None = None,
    ) -> int:
        body = {
            "topics": list(topics),
            "format": _label(format),
            "products": list(products),
            "sponsor": sponsor,
            "title": title,
            "collaboration": collaboration,
        }
        return _Req(body=body, actor=author)

    @_op("GET", "/notes/{note_id}", _note)
    def note(self, note: int) -> Note:
        return _Req(ids={"note_id": note})

    @_op("POST", "/notes/{note_id}/reads", _nothing, ok_status=201)
    def read(
        self, user: int, note: int, *, now: float = 0, channel: str | int = Channel.DISCOVERY
    ) -> None:
        return _Req(ids={"note_id": note}, body={"channel": _label(channel)}, actor=user)

    @_op("PUT", "/notes/{note_id}/like", _changed)
    def like(self, user: int, note: int, *, now: float = 0) -> bool:
        return _Req(ids={"note_id": note}, actor=user)

    @_op("DELETE", "/notes/{note_id}/like", _changed)
    def unlike(self, user: int, note: int, *, now: float = 0) -> bool:
        return _Req(ids={"note_id": note}, actor=user)

    @_op("PUT", "/notes/{note_id}/collect", _changed)
    def collect(self, user: int, note: int, *, now: float = 0) -> bool:
        return _Req(ids={"note_id": note}, actor=user)

    @_op("DELETE", "/notes/{note_id}/collect", _changed)
    def uncollect(self, user: int, note: int, *, now: float = 0) -> bool:
        return _Req(ids={"note_id": note}, actor=user)

    @_op("POST", "/notes/{note_id}/comments", _nothing, ok_status=201)
    def comment(self, user: int, note: int, text: str, *, now: float = 0) -> None:
        return _Req(ids={"note_id": note}, body={"text": text}, actor=user)

    @_op("POST", "/notes/{note_id}/shares", _nothing, ok_status=201)
    def share(self, user: int, note: int, *, now: float = 0) -> None:
        return _Req(ids={"note_id": note}, actor=user)

    # ------------------------------------------------------------ shares that reach people

    @_op("GET", "/users/{user_id}/followers", _ids)
    def followers(self, user: int) -> tuple[int, ...]:
        """The first 1,000 followers (the route pages; in-process returns them all)."""
        return _Req(ids={"user_id": user}, query={"limit": 1000})

    @_op("POST", "/shares", _id, ok_status=201)
    def deliver_share(
        self, user: int, note: int, to: Iterable[int], *, now: float = 0, parent: int | None = None
    ) -> int:
        return _Req(body={"note": note, "to": list(to), "parent": parent}, actor=user)

    @_op("POST", "/shares/outside", _id, ok_status=201)
    def share_outside(
        self, user: int, note: int, *, now: float = 0, parent: int | None = None
    ) -> int:
        return _Req(body={"note": note, "parent": parent}, actor=user)

    @_op("POST", "/shares/{share_id}/visits", _nothing, ok_status=201)
    def share_visited(self, share: int, visitors: int, *, now: float = 0) -> None:
        """Sent as the staff account in ``tokens.owners["link_service"]`` (the link service)."""
        return _Req(ids={"share_id": share}, body={"visitors": visitors}, owner="link_service")

    @_op("POST", "/shares/{share_id}/signups", _id, learn=_learn_token, ok_status=201)
    def sign_up_via_share(
        self, share: int, name: str, interests: Iterable[str] = (), *, now: float = 0
    ) -> int:
        return _Req(ids={"share_id": share}, body={"name": name, "interests": list(interests)})

    @_op("GET", "/users/{user_id}/shared-with", _inbox)
    def shared_with(
        self, user: int, *, after: int | None = None, limit: int = 20
    ) -> tuple[SharedItem, ...]:
        return _Req(ids={"user_id": user}, query={"after": after, "limit": limit}, actor=user)

    @_op("GET", "/shares/{share_id}", _share)
    def share_info(self, share: int) -> Share:
        return _Req(ids={"share_id": share})

    @_op("GET", "/notes/{note_id}/cascade", _cascade)
    def cascade(self, note: int) -> Cascade:
        return _Req(ids={"note_id": note})

    # ------------------------------------------------------------ feeds & search

    @_op("GET", "/feed/following", _following_page)
    def following_feed(
        self, user: int, *, now: float = 0, before: int | None = None, limit: int = 20
    ) -> list[int]:
        return _Req(query={"before": before, "limit": limit}, actor=user)

    @_op("GET", "/feed/discovery", _discovery_page)
    def discovery_feed(self, user: int, *, now: float = 0, k: int | None = None) -> DiscoveryPage:
        return _Req(query={"k": k}, actor=user)

    @_op("GET", "/search", _search)
    def search(self, user: int, query: str, *, now: float = 0, limit: int = 20) -> SearchResult:
        return _Req(query={"q": query, "limit": limit}, actor=user)

    # ------------------------------------------------------------ shop

    @_op("POST", "/products", _id, ok_status=201)
    def create_product(
        self,
        brand: int,
        name: str,
        topic: str,
        price: float,
        stock: int = 0,
        *,
        now: float = 0,
        origin: str = "domestic",
    ) -> int:
        body = {"name": name, "topic": topic, "price": price, "stock": stock}
        return _Req(body={**body, "origin": _label(origin)}, actor=brand)

    @_op("GET", "/products/{product_id}", _product)
    def product(self, product: int) -> Product:
        return _Req(ids={"product_id": product})

    @_op("GET", "/products/{product_id}/page", _product_page)
    def product_page(self, product: int, *, top: int = 10) -> ProductPage:
        return _Req(ids={"product_id": product}, query={"top": top})

    @_op("POST", "/products/{product_id}/views", _product)
    def view_product(
        self, user: int, product: int, *, now: float = 0, channel: str | int = Channel.DIRECT
    ) -> Product:
        return _Req(ids={"product_id": product}, body={"channel": _label(channel)}, actor=user)

    @_op("POST", "/products/{product_id}/restock", _nothing)
    def restock(self, actor: int, product: int, quantity: int, *, now: float = 0) -> None:
        return _Req(ids={"product_id": product}, body={"quantity": quantity}, actor=actor)

    @_op("PUT", "/products/{product_id}/price", _nothing)
    def set_price(self, actor: int, product: int, price: float, *, now: float = 0) -> None:
        return _Req(ids={"product_id": product}, body={"price": price}, actor=actor)

    # ------------------------------------------------------------ orders

    @_op("POST", "/orders", _id, learn=_learn_buyer, ok_status=201)
    def place_order(self, user: int, product: int, quantity: int = 1, *, now: float = 0) -> int:
        return _Req(body={"product": product, "quantity": quantity}, actor=user)

    @_op("POST", "/products/{product_id}/samples", _id, learn=_learn_buyer, ok_status=201)
    def send_sample(self, brand: int, product: int, user: int, *, now: float = 0) -> int:
        return _Req(ids={"product_id": product}, body={"user": user}, actor=brand)

    @_op("GET", "/orders/{order_id}", _order)
    def order(self, order: int) -> Order:
        """Read as the buyer this book saw place it (the API shows orders to their parties)."""
        return _Req(ids={"order_id": order}, owner=f"order:{order}")

    @_op("POST", "/orders/{order_id}/pay", _nothing)
    def pay(self, user: int, order: int, *, now: float = 0) -> None:
        return _Req(ids={"order_id": order}, actor=user)

    @_op("POST", "/orders/{order_id}/ship", _nothing)
    def ship(self, actor: int, order: int, *, now: float = 0) -> None:
        return _Req(ids={"order_id": order}, actor=actor)

    @_op("POST", "/orders/{order_id}/deliver", _nothing)
    def deliver(self, actor: int, order: int, *, now: float = 0) -> None:
        return _Req(ids={"order_id": order}, actor=actor)

    @_op("POST", "/orders/{order_id}/cancel", _nothing)
    def cancel(self, actor: int, order: int, *, now: float = 0) -> None:
        return _Req(ids={"order_id": order}, actor=actor)

    @_op("POST", "/orders/{order_id}/refund", _nothing)
    def refund(self, user: int, order: int, *, now: float = 0) -> None:
        return _Req(ids={"order_id": order}, actor=user)

    @_op("POST", "/orders/{order_id}/review", _nothing)
    def review(
        self, user: int, order: int, rating: int, *, now: float = 0, note: int | None = None
    ) -> None:
        return _Req(ids={"order_id": order}, body={"rating": rating, "note": note}, actor=user)

    # ------------------------------------------------------------ ads

    @_op("POST", "/campaigns", _id, learn=_learn_brand, ok_status=201)
    def create_campaign(
        self,
        brand: int,
        note: int,
        budget: float,
        *,
        now: float = 0,
        placement: str = "feed",
        topics: Iterable[str] | None = None,
        cpm: float = 50.0,
        hours: float | None = None,
    ) -> int:
        body = {
            "note": note,
            "budget": budget,
            "placement": _label(placement),
            "topics": list(topics) if topics is not None else None,
            "cpm": cpm,
            "hours": hours,
        }
        return _Req(body=body, actor=brand)

    @_op("GET", "/campaigns/{campaign_id}", _campaign)
    def campaign(self, campaign: int) -> AdCampaign:
        """Read as the brand this book saw create it."""
        return _Req(ids={"campaign_id": campaign}, owner=f"campaign:{campaign}")

    @_op("DELETE", "/campaigns/{campaign_id}", _nothing)
    def stop_campaign(self, brand: int, campaign: int, *, now: float = 0) -> None:
        return _Req(ids={"campaign_id": campaign}, actor=brand)

    @_op("POST", "/boosts", _id, learn=_learn_booster, ok_status=201)
    def create_boost(
        self,
        user: int,
        note: int,
        fee: float,
        *,
        now: float = 0,
        hours: float = 24.0,
        goal: str = "reads",
    ) -> int:
        body = {"note": note, "fee": fee, "hours": hours, "goal": _label(goal)}
        return _Req(body=body, actor=user)

    @_op("GET", "/boosts/{boost_id}", _boost)
    def boost(self, boost: int) -> Boost:
        """Read as the user this book saw buy it."""
        return _Req(ids={"boost_id": boost}, owner=f"boost:{boost}")

    # ------------------------------------------------------------ creator marketplace

    @_op("POST", "/collaborations", _id, learn=_learn_collaboration, ok_status=201)
    def offer_collaboration(
        self,
        brand: int,
        creator: int,
        product: int,
        fee: float,
        *,
        now: float = 0,
        hours: int | None = None,
    ) -> int:
        body = {"creator": creator, "product": product, "fee": fee, "hours": hours}
        return _Req(body=body, actor=brand)

    @_op("POST", "/collaborations/{collaboration_id}/accept", _nothing)
    def accept_collaboration(self, creator: int, collaboration: int, *, now: float = 0) -> None:
        return _Req(ids={"collaboration_id": collaboration}, actor=creator)

    @_op("POST", "/collaborations/{collaboration_id}/decline", _nothing)
    def decline_collaboration(
        self, creator: int, collaboration: int, *, now: float = 0, reason: str = ""
    ) -> None:
        body = {"reason": reason}
        return _Req(ids={"collaboration_id": collaboration}, body=body, actor=creator)

    @_op("DELETE", "/collaborations/{collaboration_id}", _nothing)
    def withdraw_collaboration(self, brand: int, collaboration: int, *, now: float = 0) -> None:
        return _Req(ids={"collaboration_id": collaboration}, actor=brand)

    @_op("GET", "/collaborations/{collaboration_id}", _collaboration)
    def collaboration(self, collaboration: int, *, viewer: int | None = None) -> Collaboration:
        """Read as ``viewer``, else as the brand this book saw make the offer."""
        ids = {"collaboration_id": collaboration}
        if viewer is not None:
            return _Req(ids=ids, actor=viewer)
        return _Req(ids=ids, owner=f"collaboration:{collaboration}")

    @_op("GET", "/collaborations", _all_ids)
    def collaborations_of(self, user: int, *, status: str | None = None) -> tuple[int, ...]:
        """The user's own collaborations (the first 1,000), as that user."""
        return _Req(query={"status": status, "limit": 1000}, actor=user)

    # ------------------------------------------------------------ trending & health

    @_op("GET", "/trending/topics", _topic_scores)
    def trending_topics(self, *, now: float = 0, k: int = 5) -> list[tuple[str, float]]:
        return _Req(query={"k": k})

    @_op("GET", "/trending/products", _product_scores)
    def trending_products(self, *, now: float = 0, k: int = 5) -> list[tuple[int, float]]:
        return _Req(query={"k": k})

    @_op("GET", "/health", _as_is)
    def health(self) -> dict[str, Any]:
        """Not a facade method: ``{"status", "now", "recommender", "users", "notes", ...}``."""
        return _Req()


# ================================================================ transports


class _Sender(Facade):
    """Shared by the clients that send: headers, reporting, parsing."""

    def __init__(self, *, tokens: TokenBook | None, on_request: Recorder | None) -> None:
        self.tokens = tokens if tokens is not None else TokenBook()
        self.on_request = on_request

    def _prepare(self, call: Call) -> tuple[dict[str, str] | None, bytes | None]:
        headers = self.tokens.headers(call)
        if call.body is _NO_BODY:
            return headers, None
        content = jsonlib.dumps(call.body, separators=(",", ":")).encode()
        return {**(headers or {}), "Content-Type": "application/json"}, content

    def _unreachable(self, call: Call, seconds: float, exc: Exception) -> Unreachable:
        if self.on_request is not None:
            self.on_request(call.op.endpoint, seconds, False, 0)
        err = Unreachable(f"{call.op.endpoint}: no response ({type(exc).__name__}: {exc})")
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
    """Synchronous client over ``httpx.Client`` (``base_url`` like ``http://127.0.0.1:8000``).

    Pass ``http=`` to use your own ``httpx.Client`` (its base URL is then used as is).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        tokens: TokenBook | None = None,
        on_request: Recorder | None = None,
        timeout: float = 30.0,
        http: Any = None,
    ) -> None:
        import httpx

        super().__init__(tokens=tokens, on_request=on_request)
        self._transport_errors = (httpx.TransportError,)
        self.http = http if http is not None else httpx.Client(base_url=base_url, timeout=timeout)

    def _call(self, call: Call) -> Any:
        return self.execute(call)

    def execute(self, call: Call) -> Any:
        headers, content = self._prepare(call)
        start = time.perf_counter()
        try:
            r = self.http.request(call.op.method, call.url, content=content, headers=headers)
        except self._transport_errors as exc:
            raise self._unreachable(call, time.perf_counter() - start, exc) from exc
        return self._finish(call, r.status_code, r.content, time.perf_counter() - start)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Sender):
    """Asynchronous client over ``httpx.AsyncClient``: every facade method returns a coroutine.

    ``max_connections`` bounds the connection pool (requests beyond it wait for a connection,
    and that wait is part of their measured latency). ``http=`` takes any object with
    ``await request(method, url, content=, headers=)`` returning ``.status_code`` and
    ``.content``, and ``await aclose()`` (the load generator passes its lean HTTP/1.1 pool).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        tokens: TokenBook | None = None,
        on_request: Recorder | None = None,
        timeout: float = 30.0,
        max_connections: int = 100,
        http: Any = None,
    ) -> None:
        import httpx

        super().__init__(tokens=tokens, on_request=on_request)
        self._transport_errors = (httpx.TransportError, OSError)  # LeanHttp's: ConnectionError
        if http is None:
            limits = httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
            http = httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)
        self.http = http

    def _call(self, call: Call) -> Any:
        return self.execute(call)

    async def execute(self, call: Call) -> Any:
        headers, content = self._prepare(call)
        start = time.perf_counter()
        try:
            r = await self.http.request(call.op.method, call.url, content=content, headers=headers)
        except self._transport_errors as exc:
            raise self._unreachable(call, time.perf_counter() - start, exc) from exc
        return self._finish(call, r.status_code, r.content, time.perf_counter() - start)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class SessionClient(_Sender):
    """Synchronous client over a requests-like session that knows its base URL: Locust's
    ``HttpUser.client`` / ``FastHttpUser.client``. Requests pass ``name=<route template>`` so Locust
    groups its statistics by route template; a status of 0 (Locust's "no response") raises
    :class:`Unreachable`."""

    def __init__(
        self, session: Any, *, tokens: TokenBook | None = None, on_request: Recorder | None = None
    ) -> None:
        super().__init__(tokens=tokens, on_request=on_request)
        self.session = session

    def _call(self, call: Call) -> Any:
        return self.execute(call)

    def execute(self, call: Call) -> Any:
        headers, content = self._prepare(call)
        start = time.perf_counter()
        r = self.session.request(
            call.op.method, call.url, name=call.op.path, data=content, headers=headers
        )
        seconds = time.perf_counter() - start
        status = r.status_code or 0
        if status == 0:
            error = getattr(r, "error", None) or "no response"
            raise self._unreachable(call, seconds, ConnectionError(str(error)))
        return self._finish(call, status, r.content, seconds)


class Calls(Facade):
    """The facade as data: every method returns its :class:`Call` unsent.

    Lets one shared agent model run on many transports at once: behaviour yields Calls and
    each driver executes them on its own client (``client.execute(call)``).
    """

    def __init__(self, tokens: TokenBook | None = None) -> None:
        self.tokens = tokens if tokens is not None else TokenBook()

    def _call(self, call: Call) -> Call:
        return call
