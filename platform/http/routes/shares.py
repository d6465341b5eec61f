"""HTTP routes for shares (see ``platform/shares.py``), .

Same rules as every route: the sharer is the bearer token's user; the inbox is readable only by
its owner (403 for anyone else). Outside visits are recorded by the platform's link service, a
staff account (403 for anyone else). A sign-up through a share comes from someone without an
account, so it needs no token (like ``POST /users``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...errors import Forbidden
from ...shares import SharedItem
from ..auth import Actor, Service, Svc, must_be
from ..errors import ACT, BODY, error_responses
from ..schemas import (
    MAX_ID,
    CascadeOut,
    DeliveryIn,
    NewUserOut,
    OutsideIn,
    PathId,
    SharedItemOut,
    ShareOut,
    ShareSignupIn,
    UserOut,
    VisitsIn,
)

__all__ = ["INBOX_LIMIT", "INBOX_MAX_LIMIT", "inbox", "router"]

router = APIRouter()
TAGS = ["shares"]
#: Inbox entries per answer when the request names no ``limit``, and the most it may name.
INBOX_LIMIT, INBOX_MAX_LIMIT = 20, 1000


@router.post(
    "/shares", status_code=201, response_model=ShareOut, tags=TAGS, responses=error_responses(*BODY)
)
async def deliver_share(svc: Svc, actor: Actor, body: DeliveryIn) -> Any:
    """Share a note in the app with some of your followers (their "shared with you" inbox)."""
    p = svc.platform
    sid = p.deliver_share(actor, body.note, body.to, now=svc.now(), parent=body.parent)
    return ShareOut.of(p.share_info(sid))


@router.post(
    "/shares/outside",
    status_code=201,
    response_model=ShareOut,
    tags=TAGS,
    responses=error_responses(*BODY),
)
async def share_outside(svc: Svc, actor: Actor, body: OutsideIn) -> Any:
    """Share a note's link to a messaging app; outside visitors may come and sign up."""
    p = svc.platform
    sid = p.share_outside(actor, body.note, now=svc.now(), parent=body.parent)
    return ShareOut.of(p.share_info(sid))


@router.get(
    "/shares/{share_id}", response_model=ShareOut, tags=TAGS, responses=error_responses(404, 422)
)
async def get_share(svc: Svc, share_id: PathId) -> Any:
    return ShareOut.of(svc.platform.share_info(share_id))


@router.post(
    "/shares/{share_id}/visits",
    status_code=201,
    response_model=ShareOut,
    tags=TAGS,
    responses=error_responses(*BODY),
)
async def share_visited(svc: Svc, actor: Actor, share_id: PathId, body: VisitsIn) -> Any:
    """People without an account opened an out-of-app share's link (staff: the link service)."""
    p = svc.platform
    if p.user(actor).kind != "staff":
        raise Forbidden(
            f"user {actor} is not staff: only the platform's link service records visits",
            field="authorization",
            value=actor,
        )
    p.share_visited(share_id, body.visitors, now=svc.now())
    return ShareOut.of(p.share_info(share_id))


@router.post(
    "/shares/{share_id}/signups",
    status_code=201,
    response_model=NewUserOut,
    tags=TAGS,
    responses=error_responses(404, 409, 413, 422),
)
async def sign_up_via_share(svc: Svc, share_id: PathId, body: ShareSignupIn) -> Any:
    """A visitor of an out-of-app share opens a consumer account (returns its token)."""
    p = svc.platform
    uid = p.sign_up_via_share(share_id, body.name, body.interests, now=svc.now())
    token = svc.tokens.issue(uid)  # only once the platform accepted the account
    return NewUserOut(**UserOut.of(p.user(uid)).model_dump(), token=token)


@router.get(
    "/users/{user_id}/shared-with",
    response_model=list[SharedItemOut],
    tags=TAGS,
    responses=error_responses(*ACT),
)
async def shared_with(
    svc: Svc,
    actor: Actor,
    user_id: PathId,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="last share id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=INBOX_MAX_LIMIT)] = INBOX_LIMIT,
) -> Any:
    """Your "shared with you" inbox, oldest first (only your own)."""
    return [SharedItemOut.of(item) for item in inbox(svc, actor, user_id, after, limit)]


def inbox(
    svc: Service, actor: int, user: int, after: int | None, limit: int = INBOX_LIMIT
) -> list[SharedItem]:
    """The route's work once its input is valid (also run by :mod:`..fast`)."""
    must_be(actor, user)
    return svc.platform.shared_with(actor, after=after, limit=limit)


@router.get(
    "/notes/{note_id}/cascade",
    response_model=CascadeOut,
    tags=TAGS,
    responses=error_responses(404, 422),
)
async def cascade(svc: Svc, note_id: PathId) -> Any:
    """The note's share tree: its shares, size, depth and structural virality."""
    return CascadeOut.of(svc.platform.cascade(note_id))
