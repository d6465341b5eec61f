"""The creator marketplace over HTTP: routes added to :mod:`redloop.platform.http`'s router.

Same rules as every route there: the actor is the bearer token's user, and who may do what is
decided by the platform (only the brand offers or withdraws, only the offered creator accepts
or declines, only the two parties and staff read a collaboration): 403 otherwise, 404 for an
unknown id, 409 for an offer no longer open or a creator's full week, 422 for invalid input.
A sponsored note is published with ``POST /notes`` and ``{"collaboration": id}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .collabs import MAX_OFFER_HOURS, MAX_REASON_CHARS, CollabStatus
from .http import (
    ACT,
    BODY,
    Actor,
    Id,
    IdPage,
    Limit,
    Money,
    Offset,
    PathId,
    Svc,
    Text,
    _errors,
    _In,
    _labels,
    _Out,
    _page,
    router,
)

TAGS: list[str | Any] = ["marketplace"]
StatusName = Literal[_labels(CollabStatus)]  # type: ignore[valid-type]


class NewCollaboration(_In):
    creator: Id
    product: Annotated[Id, Field(description="one of the brand's own products")]
    fee: Annotated[Money, Field(description="paid to the creator; the brand adds the commission")]
    hours: Annotated[int, Field(ge=1, le=MAX_OFFER_HOURS)] | None = Field(
        None, description="the offer expires after this (default: the platform's setting)"
    )


class DeclineIn(_In):
    reason: Annotated[Text, Field(max_length=MAX_REASON_CHARS)] = ""


class CollaborationOut(_Out):
    id: int
    brand: int
    creator: int
    product: int
    fee: float
    commission: float
    status: str
    offered_at: float
    expires_at: float
    note: int | None
    reason: str


def _out(svc: Svc, actor: int, collaboration: int) -> Any:
    return CollaborationOut.of(svc.platform.collaboration(collaboration, viewer=actor))


@router.post(
    "/collaborations",
    status_code=201,
    response_model=CollaborationOut,
    tags=TAGS,
    responses=_errors(*BODY),
)
async def offer_collaboration(svc: Svc, actor: Actor, body: NewCollaboration) -> Any:
    """Offer a creator a fee for a note about one of the token's brand's products."""
    cid = svc.platform.offer_collaboration(
        actor, body.creator, body.product, body.fee, now=svc.now(), hours=body.hours
    )
    return _out(svc, actor, cid)


@router.get("/collaborations", response_model=IdPage, tags=TAGS, responses=_errors(401, 404, 422))
async def my_collaborations(
    svc: Svc,
    actor: Actor,
    status: StatusName | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Any:
    """The token's user's collaborations (offered by a brand or to a creator), oldest first;
    ``status=offered`` lists the offers waiting for an answer."""
    return _page(svc.platform.collaborations_of(actor, status=status), offset, limit)


@router.get(
    "/collaborations/{collaboration_id}",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=_errors(*ACT),
)
async def get_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """A collaboration, visible to its brand, its creator and staff."""
    return _out(svc, actor, collaboration_id)


@router.post(
    "/collaborations/{collaboration_id}/accept",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=_errors(*ACT, 409),
)
async def accept_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """Accept an offer (the offered creator, within their weekly capacity)."""
    svc.platform.accept_collaboration(actor, collaboration_id, now=svc.now())
    return _out(svc, actor, collaboration_id)


@router.post(
    "/collaborations/{collaboration_id}/decline",
    response_model=CollaborationOut,
    tags=TAGS,
    responses=_errors(*BODY, 409),
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
    responses=_errors(*ACT, 409),
)
async def withdraw_collaboration(svc: Svc, actor: Actor, collaboration_id: PathId) -> Any:
    """Withdraw an offer nobody has answered yet (the brand)."""
    svc.platform.withdraw_collaboration(actor, collaboration_id, now=svc.now())
    return _out(svc, actor, collaboration_id)
