"""An HTTP client SDK for the platform service (``platform/http/``), facade-shaped.

The clients have the :class:`~redloop.platform.core.Platform` facade's method names,
arguments and return types (``discovery_feed(user, *, now, k=None) -> DiscoveryPage``,
``place_order(...) -> int``, ``order(id) -> Order``...), so the same agent code runs
in-process and over HTTP. ``now`` arguments are accepted and ignored: the server keeps time.

One table, several transports
-----------------------------
The operations both the platform and this client offer are one :class:`Protocol`,
:class:`PlatformOps` (``protocol.py``). Every operation is one row of the table in ``ops.py``
(HTTP method, route, acting user, body and query arguments); the client methods are generated
from it with the protocol's signatures, and a response is parsed into the annotated return
type. A client *holds* a transport (``transports.py``), httpx-style:

=====================  =======================================================================
:class:`Client`        sync; returns the result. ``Client(url)`` or ``Client(transport=...)``
:class:`AsyncClient`   async: methods return coroutines. ``AsyncClient(transport=
                       ASGITransport(app))`` calls the service in-process (tests)
:class:`SessionClient` a :class:`Client` over a requests-like session: Locust's
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

from ..errors import Unauthorized
from .clients import AsyncClient, Client, Recorder, SessionClient
from .errors import ServiceError, Unreachable, error_from
from .facade import Calls, Facade
from .ops import OPS, Call, Op
from .protocol import ClientOps, PlatformOps
from .tokens import TokenBook
from .transports import (
    ASGITransport,
    AsyncHttpxTransport,
    AsyncTransport,
    HttpxTransport,
    NoResponse,
    SessionTransport,
    Transport,
)

__all__ = [
    "OPS",
    "ASGITransport",
    "AsyncClient",
    "AsyncHttpxTransport",
    "AsyncTransport",
    "Call",
    "Calls",
    "Client",
    "ClientOps",
    "Facade",
    "HttpxTransport",
    "NoResponse",
    "Op",
    "PlatformOps",
    "Recorder",
    "ServiceError",
    "SessionClient",
    "SessionTransport",
    "TokenBook",
    "Transport",
    "Unauthorized",
    "Unreachable",
    "error_from",
]
