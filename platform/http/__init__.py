"""The platform over HTTP: a FastAPI (ASGI) app around the :class:`Platform` facade.

Run it with ``redloop serve`` or ``python -m redloop.platform.http [--host --port]``; the
OpenAPI schema is served at ``/openapi.json`` and interactive docs at ``/docs``.

One module a job: ``errors`` (platform error -> status, the error body), ``auth`` (bearer
token -> actor), ``schemas`` (input and output models), ``routes/`` (one module per domain,
gathered into one ``router``), ``app`` (the factory and the body-limit middleware),
``methods`` (``OPTIONS`` and ``Allow``), ``durability`` (group commit to a durable store),
``fast`` (the hot routes' well-formed requests, answered before FastAPI), ``server`` (uvicorn).

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
    One handler (``errors.py``) maps the platform's error tree to statuses: NotFound 404,
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

Durability
    With a store (``redloop serve --data DIR``, :mod:`redloop.platform.durable`) no response
    starts before the events and token digests in memory at that moment are committed; commits
    are grouped across concurrent requests, and a failed one is a 503 that restores the
    committed state (:mod:`.durability`).
"""

from __future__ import annotations

from ..errors import Unauthorized
from .app import create_app
from .auth import TokenStore
from .errors import status_of
from .routes import router
from .server import main, serve

__all__ = ["TokenStore", "Unauthorized", "create_app", "main", "router", "serve", "status_of"]
