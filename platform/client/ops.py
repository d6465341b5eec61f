"""The operation table: every client operation as data, and how a call becomes a request.

One row per operation says its HTTP method and route, which argument is the acting user
(whose token is sent), which arguments go in the body or the query string, and which status
means success. Path ids come from the route template (``{note_id}`` is the ``note``
argument), and how a response is parsed follows from the operation's annotated return type
in :class:`~redloop.platform.client.protocol.ClientOps` (``int``: the new object's id;
``bool``: ``changed``; a view class: that view). :data:`OPS` lists the rows by name;
``OPS[name].endpoint`` is ``"METHOD /route/{template}"``, the name requests are reported under.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import string
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..model import Channel, DiscoveryPage, Product, ProductPage
from ..shares import SharedItem
from .protocol import ClientOps
from .tokens import TokenBook

__all__ = ["NO_BODY", "OPS", "Call", "Op"]

NO_BODY: Any = object()
_SCALARS = frozenset({int, float, str, bool})

#: Arguments sent as the API's lowercase names (the platform also takes enum members).
_LABELLED = frozenset({"kind", "format", "channel", "origin", "placement", "goal"})


@dataclass(frozen=True, slots=True)
class Op:
    """One platform operation over HTTP."""

    name: str  # the facade method
    method: str
    path: str  # route template, e.g. "/notes/{note_id}/like"
    parse: Callable[[Any], Any]
    learn: Callable[[TokenBook, Any], None] | None = None  # book-keeping from the response
    ok_status: int = 200
    actor: str | None = None  # the argument naming the acting user
    owner: str | None = None  # else: whose object it is, e.g. "order:{order}" (in the book)
    body: tuple[str, ...] | None = None  # arguments sent as the JSON body
    query: tuple[str, ...] = ()  # arguments sent in the query string ("q=query" renames)
    fixed: Mapping[str, Any] = field(default_factory=dict)  # constant query parameters

    @property
    def endpoint(self) -> str:
        """The name requests are reported under: ``"PUT /notes/{note_id}/like"``."""
        return f"{self.method} {self.path}"

    def call(self, args: Mapping[str, Any]) -> Call:
        """The request for this operation with these (bound, defaulted) arguments."""
        url = self.path.format(**{key: args[arg] for key, arg in _path_ids(self.path)})
        query = {**{key: args[arg] for key, arg in _renamed(self.query)}, **self.fixed}
        query = {k: v for k, v in query.items() if v is not None}
        if query:
            url = f"{url}?{urlencode(query)}"
        body = NO_BODY if self.body is None else {n: _wire(n, args[n]) for n in self.body}
        actor = args[self.actor] if self.actor is not None else None
        owner = self.owner.format(**args) if self.owner is not None and actor is None else None
        return Call(self, url, body, actor, owner)


@dataclass(frozen=True, slots=True)
class Call:
    """One prepared request: which operation, the concrete URL, body and acting user."""

    op: Op
    url: str  # path with ids filled in and the query string
    body: Any = NO_BODY
    actor: int | None = None  # whose token authorises it
    owner: str | None = None  # or: the owner of this object ("order:5"), looked up in the book

    @property
    def json(self) -> Any:
        """The JSON body, or None for a request without one."""
        return None if self.body is NO_BODY else self.body


@functools.cache
def _path_ids(path: str) -> tuple[tuple[str, str], ...]:
    """``{note_id}`` placeholders and the arguments filling them (``note``)."""
    names = [name for _, name, _, _ in string.Formatter().parse(path) if name]
    return tuple((name, name.removesuffix("_id")) for name in names)


@functools.cache
def _renamed(query: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Query keys and their arguments: ``"q=query"`` sends ``query`` as ``q``."""
    pairs = (entry.partition("=") for entry in query)
    return tuple((key, arg or key) for key, _, arg in pairs)


def _wire(name: str, value: Any) -> Any:
    """An argument as JSON: enum members by label, channels by name, iterables as lists."""
    if name in _LABELLED:
        if hasattr(value, "label"):
            return value.label
        return Channel(value).label if type(value) is int else str(value)
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return list(value)
    return value


# ---------------------------------------------------------------- parsers, by return type


def _view(cls: type) -> Callable[[Any], Any]:
    """A parser building the frozen view ``cls`` from a response body (lists -> tuples)."""
    names = tuple(f.name for f in dataclasses.fields(cls))

    def parse(body: Any) -> Any:
        values = {name: body[name] for name in names}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    parse.__name__ = f"parse_{cls.__name__}"
    return parse


def _discovery_page(body: Any) -> DiscoveryPage:
    boosts = tuple(body.get("boost_slots", ()))  # absent from servers without boosts
    likes = tuple(body.get("likes", ()))  # ... or without like counts on cards
    return DiscoveryPage(tuple(body["notes"]), tuple(body["ad_slots"]), boosts, likes)


def _product_page(body: Any) -> ProductPage:
    product = _view(Product)(body["product"])
    return ProductPage(
        product, tuple(body["top_notes"]), body["likes_on_notes"], body["collects_on_notes"]
    )


_PARSERS: dict[Any, Callable[[Any], Any]] = {
    int: lambda body: int(body["id"]),  # a create: the new object's id
    bool: lambda body: bool(body["changed"]),
    type(None): lambda body: None,
    tuple[int, ...]: lambda body: tuple(body["ids"]),
    list[int]: lambda body: list(body["notes"]),  # the following feed's page
    tuple[SharedItem, ...]: lambda body: tuple(_view(SharedItem)(row) for row in body),
    list[tuple[str, float]]: lambda body: [(row["topic"], row["score"]) for row in body],
    list[tuple[int, float]]: lambda body: [(row["product"], row["score"]) for row in body],
    dict[str, Any]: lambda body: body,
    DiscoveryPage: _discovery_page,
    ProductPage: _product_page,
}


def returns(name: str) -> Any:
    """The annotated return type of operation ``name`` (the protocol's)."""
    return typing.get_type_hints(getattr(ClientOps, name))["return"]


def _parser(name: str) -> Callable[[Any], Any]:
    kind = returns(name)
    return _PARSERS[kind] if kind in _PARSERS else _view(kind)


# ---------------------------------------------------------------- book-keeping


def _learn_token(book: TokenBook, body: Any) -> None:
    book.add(int(body["id"]), body["token"])


def _learn_owner(kind: str, by: str) -> Callable[[TokenBook, Any], None]:
    """Remember who made a ``kind`` object (its ``by`` field) to read it later as them."""

    def learn(book: TokenBook, body: Any) -> None:
        book.owners[f"{kind}:{body['id']}"] = int(body[by])

    return learn


# ---------------------------------------------------------------- the table

_ROWS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    # accounts & follows
    (
        "create_user",
        "POST",
        "/users",
        dict(body=("name", "kind", "interests"), ok_status=201, learn=_learn_token),
    ),
    ("user", "GET", "/users/{user_id}", {}),
    (
        "follow",
        "PUT",
        "/users/{user_id}/following/{target_id}",
        dict(actor="user", query=("via_note",)),
    ),
    ("unfollow", "DELETE", "/users/{user_id}/following/{target_id}", dict(actor="user")),
    # notes & engagement
    (
        "publish",
        "POST",
        "/notes",
        dict(
            actor="author",
            ok_status=201,
            body=("topics", "format", "products", "sponsor", "title", "collaboration"),
        ),
    ),
    ("note", "GET", "/notes/{note_id}", {}),
    (
        "read",
        "POST",
        "/notes/{note_id}/reads",
        dict(actor="user", body=("channel",), ok_status=201),
    ),
    ("like", "PUT", "/notes/{note_id}/like", dict(actor="user")),
    ("unlike", "DELETE", "/notes/{note_id}/like", dict(actor="user")),
    ("collect", "PUT", "/notes/{note_id}/collect", dict(actor="user")),
    ("uncollect", "DELETE", "/notes/{note_id}/collect", dict(actor="user")),
    (
        "comment",
        "POST",
        "/notes/{note_id}/comments",
        dict(actor="user", body=("text",), ok_status=201),
    ),
    ("share", "POST", "/notes/{note_id}/shares", dict(actor="user", ok_status=201)),
    # shares that reach people
    ("followers", "GET", "/users/{user_id}/followers", dict(fixed={"limit": 1000})),
    (
        "deliver_share",
        "POST",
        "/shares",
        dict(actor="user", body=("note", "to", "parent"), ok_status=201),
    ),
    (
        "share_outside",
        "POST",
        "/shares/outside",
        dict(actor="user", body=("note", "parent"), ok_status=201),
    ),
    (
        "share_visited",
        "POST",
        "/shares/{share_id}/visits",
        dict(owner="link_service", body=("visitors",), ok_status=201),
    ),
    (
        "sign_up_via_share",
        "POST",
        "/shares/{share_id}/signups",
        dict(body=("name", "interests"), learn=_learn_token, ok_status=201),
    ),
    (
        "shared_with",
        "GET",
        "/users/{user_id}/shared-with",
        dict(actor="user", query=("after", "limit")),
    ),
    ("share_info", "GET", "/shares/{share_id}", {}),
    ("cascade", "GET", "/notes/{note_id}/cascade", {}),
    # feeds & search
    ("following_feed", "GET", "/feed/following", dict(actor="user", query=("before", "limit"))),
    ("discovery_feed", "GET", "/feed/discovery", dict(actor="user", query=("k",))),
    ("search", "GET", "/search", dict(actor="user", query=("q=query", "limit"))),
    # shop
    (
        "create_product",
        "POST",
        "/products",
        dict(actor="brand", body=("name", "topic", "price", "stock", "origin"), ok_status=201),
    ),
    ("product", "GET", "/products/{product_id}", {}),
    ("product_page", "GET", "/products/{product_id}/page", dict(query=("top",))),
    ("view_product", "POST", "/products/{product_id}/views", dict(actor="user", body=("channel",))),
    ("restock", "POST", "/products/{product_id}/restock", dict(actor="actor", body=("quantity",))),
    ("set_price", "PUT", "/products/{product_id}/price", dict(actor="actor", body=("price",))),
    # orders
    (
        "place_order",
        "POST",
        "/orders",
        dict(
            actor="user",
            body=("product", "quantity"),
            learn=_learn_owner("order", "buyer"),
            ok_status=201,
        ),
    ),
    (
        "send_sample",
        "POST",
        "/products/{product_id}/samples",
        dict(actor="brand", body=("user",), learn=_learn_owner("order", "buyer"), ok_status=201),
    ),
    ("order", "GET", "/orders/{order_id}", dict(owner="order:{order}")),
    *(
        (action, "POST", f"/orders/{{order_id}}/{action}", dict(actor=by))
        for action, by in (
            ("pay", "user"),
            ("ship", "actor"),
            ("deliver", "actor"),
            ("cancel", "actor"),
            ("refund", "user"),
        )
    ),
    ("review", "POST", "/orders/{order_id}/review", dict(actor="user", body=("rating", "note"))),
    # ads
    (
        "create_campaign",
        "POST",
        "/campaigns",
        dict(
            actor="brand",
            body=("note", "budget", "placement", "topics", "cpm", "hours"),
            learn=_learn_owner("campaign", "brand"),
            ok_status=201,
        ),
    ),
    ("campaign", "GET", "/campaigns/{campaign_id}", dict(owner="campaign:{campaign}")),
    ("stop_campaign", "DELETE", "/campaigns/{campaign_id}", dict(actor="brand")),
    (
        "create_boost",
        "POST",
        "/boosts",
        dict(
            actor="user",
            body=("note", "fee", "hours", "goal"),
            learn=_learn_owner("boost", "buyer"),
            ok_status=201,
        ),
    ),
    ("boost", "GET", "/boosts/{boost_id}", dict(owner="boost:{boost}")),
    # creator marketplace
    (
        "offer_collaboration",
        "POST",
        "/collaborations",
        dict(
            actor="brand",
            body=("creator", "product", "fee", "hours"),
            learn=_learn_owner("collaboration", "brand"),
            ok_status=201,
        ),
    ),
    (
        "accept_collaboration",
        "POST",
        "/collaborations/{collaboration_id}/accept",
        dict(actor="creator"),
    ),
    (
        "decline_collaboration",
        "POST",
        "/collaborations/{collaboration_id}/decline",
        dict(actor="creator", body=("reason",)),
    ),
    ("withdraw_collaboration", "DELETE", "/collaborations/{collaboration_id}", dict(actor="brand")),
    (
        "collaboration",
        "GET",
        "/collaborations/{collaboration_id}",
        dict(actor="viewer", owner="collaboration:{collaboration}"),
    ),
    (
        "collaborations_of",
        "GET",
        "/collaborations",
        dict(actor="user", query=("status",), fixed={"limit": 1000}),
    ),
    # trending & health
    ("trending_topics", "GET", "/trending/topics", dict(query=("k",))),
    ("trending_products", "GET", "/trending/products", dict(query=("k",))),
    ("health", "GET", "/health", {}),
)

#: Every operation by method name.
OPS: dict[str, Op] = {
    name: Op(name, method, path, _parser(name), **spec) for name, method, path, spec in _ROWS
}


def signature(name: str) -> inspect.Signature:
    """Operation ``name``'s signature as the client offers it: the protocol's (annotations
    resolved), with ``now`` optional (accepted and ignored: the server keeps time)."""
    method = getattr(ClientOps, name)
    hints = typing.get_type_hints(method)
    sig = inspect.signature(method)
    params = [
        p.replace(
            annotation=hints.get(p.name, p.annotation),
            default=0 if p.name == "now" and p.default is p.empty else p.default,
        )
        for p in sig.parameters.values()
    ]
    return sig.replace(parameters=params, return_annotation=hints["return"])
