"""The client's bearer tokens, and whose token reads an object that names no actor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Unauthorized

if TYPE_CHECKING:
    from .ops import Call

__all__ = ["TokenBook"]


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
