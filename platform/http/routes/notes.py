"""Notes and engagement: publish and read notes; read, like, collect, comment, share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from ..auth import Actor, Service, Svc
from ..errors import ACT, BODY, error_responses
from ..schemas import (
    CommentIn,
    CommentOut,
    CommentPage,
    EngagementOut,
    Limit,
    NewNote,
    NoteOut,
    Offset,
    PathId,
    ReadIn,
)

__all__ = ["TOGGLES", "read_note", "router", "toggle_note"]

router = APIRouter()

#: ``(method, switch) -> Platform method`` of the four toggles: ``("PUT", "like") -> "like"``.
TOGGLES: dict[tuple[str, str], str] = {}


@router.post(
    "/notes",
    status_code=201,
    response_model=NoteOut,
    tags=["notes"],
    responses=error_responses(*BODY),
)
async def publish(svc: Svc, actor: Actor, body: NewNote) -> Any:
    """Publish a note as the token's user. A sponsored note is the brand's own, or fulfils a
    collaboration the token's creator accepted (403 otherwise)."""
    p = svc.platform
    nid = p.publish(
        actor,
        body.topics,
        now=svc.now(),
        format=body.format,
        products=body.products,
        sponsor=body.sponsor,
        title=body.title,
        collaboration=body.collaboration,
    )
    return NoteOut.of(p.note(nid))


@router.get(
    "/notes/{note_id}", response_model=NoteOut, tags=["notes"], responses=error_responses(404, 422)
)
async def get_note(svc: Svc, note_id: PathId) -> Any:
    return NoteOut.of(svc.platform.note(note_id))


@router.get(
    "/notes/{note_id}/comments",
    response_model=CommentPage,
    tags=["notes"],
    responses=error_responses(404, 422),
)
async def get_comments(svc: Svc, note_id: PathId, offset: Offset = 0, limit: Limit = 100) -> Any:
    thread = svc.platform.comments(note_id)
    return CommentPage(
        total=len(thread),
        offset=offset,
        comments=[
            CommentOut(note=note_id, user=c.user, time=c.time, text=c.text)
            for c in thread[offset : offset + limit]
        ],
    )


def _engaged(svc: Service, note: int, changed: bool) -> EngagementOut:
    return EngagementOut(changed=changed, note=NoteOut.of(svc.platform.note(note)))


@router.post(
    "/notes/{note_id}/reads",
    status_code=201,
    response_model=EngagementOut,
    tags=["engagement"],
    responses=error_responses(*BODY),
)
async def read(
    svc: Svc, actor: Actor, note_id: PathId, body: Annotated[ReadIn | None, Body()] = None
) -> Any:
    """Open a note's card; ``channel`` says where the card was (attribution)."""
    return _engaged(svc, note_id, read_note(svc, actor, note_id, (body or ReadIn()).channel))


def read_note(svc: Service, actor: int, note: int, channel: str) -> bool:
    """The route's work once its input is valid (also run by :mod:`..fast`): whether it
    changed anything (a read always does)."""
    svc.platform.read(actor, note, now=svc.now(), channel=channel)
    return True


def toggle_note(svc: Service, name: str, actor: int, note: int) -> bool:
    """``Platform.<name>(actor, note)`` for like/unlike/collect/uncollect (also run by
    :mod:`..fast`): whether it changed anything."""
    return getattr(svc.platform, name)(actor, note, now=svc.now())


def _toggle(name: str, method: str, switch: str, doc: str | None) -> None:
    """Register ``<method> /notes/{id}/<switch>`` calling ``Platform.<name>(actor, note)``:
    one builder for like/unlike/collect/uncollect, so the four stay alike."""

    async def toggle(svc: Svc, actor: Actor, note_id: PathId) -> Any:
        return _engaged(svc, note_id, toggle_note(svc, name, actor, note_id))

    toggle.__name__ = name
    toggle.__doc__ = doc
    TOGGLES[method, switch] = name
    router.add_api_route(
        f"/notes/{{note_id}}/{switch}",
        toggle,
        methods=[method],
        response_model=EngagementOut,
        tags=["engagement"],
        responses=error_responses(*ACT),
        name=name,
    )


_toggle("like", "PUT", "like", "Like a note (idempotent: a second like changes nothing).")
_toggle("unlike", "DELETE", "like", None)
_toggle("collect", "PUT", "collect", "Save a note to the user's collection (idempotent).")
_toggle("uncollect", "DELETE", "collect", None)


@router.post(
    "/notes/{note_id}/comments",
    status_code=201,
    response_model=CommentOut,
    tags=["engagement"],
    responses=error_responses(*BODY),
)
async def comment(svc: Svc, actor: Actor, note_id: PathId, body: CommentIn) -> Any:
    p = svc.platform
    p.comment(actor, note_id, body.text, now=svc.now())
    return CommentOut(note=note_id, user=actor, time=p.now, text=body.text)


@router.post(
    "/notes/{note_id}/shares",
    status_code=201,
    response_model=EngagementOut,
    tags=["engagement"],
    responses=error_responses(*ACT),
)
async def share(svc: Svc, actor: Actor, note_id: PathId) -> Any:
    """Share a note out of the app; every share counts."""
    svc.platform.share(actor, note_id, now=svc.now())
    return _engaged(svc, note_id, True)
