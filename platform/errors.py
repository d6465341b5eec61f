"""The platform's error tree. Callers catch at the level they care about.

    PlatformError
    ├── NotFound          unknown user / note / product / order / campaign id
    ├── Conflict          the request is well-formed but the current state refuses it
    │   ├── OutOfStock    not enough stock for the ordered quantity
    │   └── InvalidTransition   an order (or campaign) is not in a state that allows the action
    ├── InvalidInput      a field is malformed or out of its allowed range
    │   └── CorruptLog    a stored event log fails verification (names the first bad row)
    ├── Forbidden         the actor may not do this (self-follow, not the buyer, not the seller...)
    └── Unauthorized      no bearer token, or one the server did not issue (HTTP layer only)

Every error names the offending field or id and what is allowed. An operation that raises
has changed nothing. The HTTP layer maps the four branches to 404 / 409 / 422 / 403.
"""

from __future__ import annotations

from numbers import Integral

__all__ = [
    "Conflict",
    "CorruptLog",
    "Forbidden",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "OutOfStock",
    "PlatformError",
    "Unauthorized",
]


class PlatformError(Exception):
    """Root of every error the platform raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


class NotFound(PlatformError):
    """An id that does not exist: ``field`` names the kind (``user``, ``note``...)."""


class Conflict(PlatformError):
    """The state refuses a well-formed request."""


class OutOfStock(Conflict):
    """Fewer units in stock than ordered."""


class InvalidTransition(Conflict):
    """The object's lifecycle does not allow this action from its current state."""


class InvalidInput(PlatformError):
    """A malformed or out-of-range value: ``field`` names it, the message says what is allowed."""


class CorruptLog(InvalidInput):
    """A stored event log that is damaged or was edited: ``seq`` is the first bad row (None
    when the file or its meta rows are at fault), the message says what is wrong."""

    def __init__(self, message: str, *, seq: int | None = None, path: str | None = None) -> None:
        where = "" if path is None else f"{path}: "
        at = "" if seq is None else f"row {seq}: "
        super().__init__(f"corrupt event log {where}{at}{message}", field="path", value=path)
        self.seq = seq


class Forbidden(PlatformError):
    """The actor is not allowed to perform the action."""


class Unauthorized(PlatformError):
    """401: no bearer token, or one this server did not issue (raised by the HTTP layer and
    by the client when it has no token for the acting user)."""


def check_id(value: object, count: int, field: str) -> None:
    """``value`` must name one of ``count`` dense ids: a whole number (not a bool; numpy
    integers are fine), else InvalidInput; below ``count`` and not negative, else NotFound."""
    if type(value) is int and 0 <= value < count:
        return
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInput(
            f"{field} must be a whole-number id; got {value!r}", field=field, value=value
        )
    if not 0 <= value < count:
        raise NotFound(f"{field} {value!r} does not exist", field=field, value=value)
