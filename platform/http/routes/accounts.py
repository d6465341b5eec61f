"""Accounts and follows: sign up (returns the bearer token), read users, follow and unfollow."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..auth import Actor, Svc, must_be
from ..errors import ACT, error_responses
from ..schemas import (
    MAX_ID,
    FollowOut,
    IdPage,
    Limit,
    NewUser,
    NewUserOut,
    Offset,
    PathId,
    UserOut,
)

__all__ = ["router"]

router = APIRouter()


@router.post(
    "/users",
    status_code=201,
    response_model=NewUserOut,
    tags=["accounts"],
    responses=error_responses(413, 422),
)
async def create_user(svc: Svc, body: NewUser) -> Any:
    """Open an account. The response carries the user's bearer token (shown only once)."""
    p = svc.platform
    uid = p.create_user(body.name, body.kind, body.interests, now=svc.now())
    token = svc.tokens.issue(uid)  # only once the platform accepted the account
    return NewUserOut(**UserOut.of(p.user(uid)).model_dump(), token=token)


@router.get(
    "/users/{user_id}",
    response_model=UserOut,
    tags=["accounts"],
    responses=error_responses(404, 422),
)
async def get_user(svc: Svc, user_id: PathId) -> Any:
    return UserOut.of(svc.platform.user(user_id))


def _id_list(name: str, query: str, doc: str | None) -> None:
    """Register ``GET /users/{id}/<name>``: a page of ``Platform.<query>(user)``'s ids."""

    async def id_list(svc: Svc, user_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
        return IdPage.of_ids(getattr(svc.platform, query)(user_id), offset, limit)

    id_list.__name__ = f"get_{query}"
    id_list.__doc__ = doc
    router.add_api_route(
        f"/users/{{user_id}}/{name}",
        id_list,
        methods=["GET"],
        response_model=IdPage,
        tags=["accounts"],
        responses=error_responses(404, 422),
        name=f"get_{query}",
    )


_id_list("followers", "followers", None)
_id_list("following", "following", None)
_id_list("notes", "notes_by", "The user's notes, oldest first.")


@router.put(
    "/users/{user_id}/following/{target_id}",
    response_model=FollowOut,
    tags=["follows"],
    responses=error_responses(*ACT),
)
async def follow(
    svc: Svc,
    actor: Actor,
    user_id: PathId,
    target_id: PathId,
    via_note: Annotated[int | None, Query(ge=0, le=MAX_ID, description="credit a note")] = None,
) -> Any:
    """Follow ``target_id`` (idempotent; you cannot follow yourself)."""
    must_be(actor, user_id)
    changed = svc.platform.follow(actor, target_id, now=svc.now(), via_note=via_note)
    return FollowOut(user=actor, target=target_id, following=True, changed=changed)


@router.delete(
    "/users/{user_id}/following/{target_id}",
    response_model=FollowOut,
    tags=["follows"],
    responses=error_responses(*ACT),
)
async def unfollow(svc: Svc, actor: Actor, user_id: PathId, target_id: PathId) -> Any:
    must_be(actor, user_id)
    changed = svc.platform.unfollow(actor, target_id, now=svc.now())
    return FollowOut(user=actor, target=target_id, following=False, changed=changed)
