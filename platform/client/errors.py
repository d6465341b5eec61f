"""Errors the client raises: the platform's own classes, rebuilt from the service's error body.

A non-2xx response raises the class named by the body's ``error`` (``OutOfStock`` from a 409,
``NotFound`` from a 404...), with ``message`` and ``field`` from the body and the HTTP
``status`` as an attribute; :class:`ServiceError` for anything the tree does not describe
(5xx, an unknown body) and :class:`Unreachable` when no response came at all (status 0).
"""

from __future__ import annotations

import json as jsonlib

from ..errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PlatformError,
    Unauthorized,
)

__all__ = ["ServiceError", "Unreachable", "error_from"]


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
