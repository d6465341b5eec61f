"""Errors over HTTP, in one place: which status each platform error is, and the error body.

One handler maps the platform's error tree (``platform/errors.py``) to statuses: NotFound 404,
Conflict (OutOfStock, InvalidTransition) 409, InvalidInput 422, Forbidden 403, Unauthorized
401. Request validation fails with 422 (also a body that is not UTF-8, or whose JSON nests
too deeply to parse) and bodies over the limit with 413. Every error body is
``{"error": <class name>, "message": <what is wrong and what is allowed>, "field": <name>}``
(validation errors add ``details``, one entry per problem).
"""

from __future__ import annotations

import json
from http import HTTPStatus  # the standard library's: this package is redloop.platform.http
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import Conflict, Forbidden, InvalidInput, NotFound, PlatformError, Unauthorized

__all__ = [
    "ACT",
    "BODY",
    "ErrorOut",
    "error_response",
    "error_responses",
    "install",
    "platform_error_response",
    "status_of",
]

#: Most specific first; the first class the error is an instance of decides its status.
_STATUS: tuple[tuple[type[PlatformError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
)

_WHY = {
    401: "no or unknown bearer token",
    403: "acting as another user, or not allowed to",
    404: "unknown id",
    409: "the current state refuses it (out of stock, invalid order transition)",
    413: "request body too large",
    422: "invalid input",
}

ACT = (401, 403, 404, 422)  # an authenticated action on existing objects
BODY = (*ACT, 413)


class ErrorDetail(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ErrorOut(BaseModel):
    error: str = Field(description="error class, e.g. NotFound, OutOfStock, ValidationError")
    message: str
    field: str | None
    details: list[ErrorDetail] | None = None


def status_of(error: PlatformError) -> int:
    """The HTTP status for a platform error (400 for a branch this table does not know)."""
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return 400


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses a route documents (``responses=`` of a route decorator)."""
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in codes}


def error_response(
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error body as a response; ASCII JSON, so odd client input quoted in it always encodes."""
    body: dict[str, Any] = {"error": error, "message": message, "field": field}
    if details is not None:
        body["details"] = details
    content = json.dumps(body, ensure_ascii=True).encode()
    return Response(content, status, headers, media_type="application/json")


def platform_error_response(exc: PlatformError) -> Response:
    """The response for a platform error (the handler's, and the hot routes' in ``fast``)."""
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status, type(exc).__name__, exc.message, exc.field, headers=headers)


async def _on_platform_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlatformError)
    return platform_error_response(exc)


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
    return error_response(422, "InvalidInput", message, field, details=details)


def _field_of(loc: list[str]) -> str:
    """``["body", "topics", "0"]`` -> ``"topics.0"``: the field as the platform names it."""
    inner = loc[1:] if len(loc) > 1 and loc[0] in ("body", "query", "path", "header") else loc
    return ".".join(inner)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's "error parsing the body": a body that is not UTF-8 is invalid input too.
        message = f"the body is not UTF-8 JSON: {exc.__cause__.reason}"
        return error_response(422, "InvalidInput", message, "body")
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        # The JSON parser gives up on a deeply nested body: that is invalid input too.
        message = "the body's JSON nests too deeply to parse; no field takes nested values"
        return error_response(422, "InvalidInput", message, "body")
    name = HTTPStatus(exc.status_code).phrase.title().replace(" ", "").replace("-", "")
    return error_response(exc.status_code, name, str(exc.detail), headers=exc.headers)


def install(app: FastAPI) -> None:
    """Route every error the app can raise through the one error body."""
    app.add_exception_handler(PlatformError, _on_platform_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
