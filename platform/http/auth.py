"""Who a request acts as: bearer tokens and the dependencies routes take.

``POST /users`` opens an account and returns the user's own bearer token, made with
:func:`secrets.token_urlsafe`. Every acting request sends ``Authorization: Bearer <token>`` and
acts as that token's user; the actor is never a body field. Missing or unknown token: 401. A
path naming another user: 403. The server keeps only SHA-256 digests of tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..core import Platform
from ..errors import Forbidden, Unauthorized

__all__ = ["Actor", "Service", "Svc", "TokenStore", "must_be"]


class TokenStore:
    """Bearer tokens: one per user, stored as SHA-256 digests.

    ``digests`` (user -> digest) restores a durable service's tokens; with ``journal=True``
    every issue is also queued in :attr:`journal` for the store to commit."""

    def __init__(self, digests: dict[int, bytes] | None = None, *, journal: bool = False) -> None:
        self._digest_by_user: dict[int, bytes] = dict(digests or {})
        self._user_by_digest: dict[bytes, int] = {d: u for u, d in self._digest_by_user.items()}
        self.journal: list[tuple[int, bytes]] | None = [] if journal else None

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
        if self.journal is not None:
            self.journal.append((user, digest))
        return token

    def user_of(self, token: str) -> int | None:
        return self._user_by_digest.get(self._digest(token))

    def __len__(self) -> int:
        return len(self._user_by_digest)


@dataclass(slots=True)
class Service:
    """What every route works with: the platform, the clock and the tokens."""

    platform: Platform
    clock: Callable[[], float]
    tokens: TokenStore

    def now(self) -> float:
        """The clock's time, never below the platform's (the platform refuses going back)."""
        return max(self.clock(), self.platform.now)


async def _service(request: Request) -> Service:
    return request.app.state.service


Svc = Annotated[Service, Depends(_service)]
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


def must_be(actor: int, user: int) -> None:
    """403 unless the path's ``user`` is the token's own user."""
    if actor != user:
        raise Forbidden(
            f"the token belongs to user {actor}; it cannot act as user {user}",
            field="user_id",
            value=user,
        )
