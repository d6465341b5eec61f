"""The creator marketplace over HTTP: its routes.

Same rules as every route there: the actor is the bearer token's user, and who may do what is
decided by the platform (only the brand offers or withdraws, only the offered creator accepts
or declines, only the two parties and staff read a collaboration): 403 otherwise, 404 for an
unknown id, 409 for an offer no longer open or a creator's full week, 422 for invalid input.
A sponsored note is published with ``POST /notes`` and ``{"collaboration": id}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..auth import Actor, Svc
from ..errors import ACT, BODY, error_responses
from ..schemas import (
    CollaborationOut,
    DeclineIn,
    IdPage,
    Limit,
    NewCollaboration,
    Offset,
    PathId,
    StatusName,
)

__all__ = ["router"]

router = APIRouter()
TAGS = ["marketplace"]


def _out(svc: Svc, actor: int, collaboration: int) -> Any:
    return CollaborationOut.of(svc.platform.collaboration(collaboration, viewer=actor))


@router.post(
    "/collaborations",
    status_code=201,
    response_model=CollaborationOut,
    tags=TAGS,
    responses=error_responses(*BODY),
)
async def offer_collaboration(svc: Svc, actor: Actor, body: NewCollaboration) -> Any:
    """Offer a creator a fee for a note about one of the token's brand's products."""
    cid = svc.platform.offer_collaboration(
        actor, body.creator, body.product, body.fee, now=svc.now(), hours=body.hours
    )
    return _out(svc, actor, cid)


@router.get(
    "/collaborations", response_model=IdPage, tags=TAGS, responses=error_responses(401, 404, 422)
)
async def my_collaborations(
    svc: Svc,
    actor: Actor,
    status: StatusName | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Any:
    """The token's user's collaborations (offered by a brand or to a creator), oldest first;
    ``status=offered`` lists the offers waiting for an answer."""
    return IdPage.of_ids(svc.platform.collaborations_of(actor, status=status), offset, limit)


@router.get(
    "/collaborations/{collaboration_id}",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=error_responses(*ACT),
)
async def get_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """A collaboration, visible to its brand, its creator and staff."""
    return _out(svc, actor, collaboration_id)


@router.post(
    "/collaborations/{collaboration_id}/accept",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=error_responses(*ACT, 409),
)
async def accept_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """Accept an offer (the offered creator, within their weekly capacity)."""
    svc.platform.accept_collaboration(actor, collaboration_id, now=svc.now())
    return _out(svc, actor, collaboration_id)


@router.post(
    "/collaborations/{collaboration_id}/decline",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=error_responses(*BODY, 409),
)
async def decline_collaboration(
    svc: Svc, actor: Actor, collaboration_id: PathId, body: DeclineIn
) -> Any:
    """Decline an offer (the offered creator), optionally saying why."""
    svc.platform.decline_collaboration(actor, collaboration_id, now=svc.now(), reason=body.reason)
    return _out(svc, actor, collaboration_id)


@router.delete(
    "/collaborations/{collaboration_id}",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=error_responses(*ACT, 409),
)
async def withdraw_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """Withdraw an offer nobody has answered yet (the brand)."""
    svc.platform.withdraw_collaboration(actor, collaboration_id, now=svc.now())
    return _out(svc, actor, collaboration_id)
