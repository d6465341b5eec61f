"""The discovery and following feeds, and search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...model import DiscoveryPage
from ..auth import Actor, Service, Svc
from ..errors import error_responses
from ..schemas import (
    MAX_ID,
    DiscoveryPageOut,
    FollowingPageOut,
    SearchOut,
    Text,
)

__all__ = ["discovery_page", "router"]

router = APIRouter()


@router.get(
    "/feed/discovery",
    response_model=DiscoveryPageOut,
    tags=["feeds"],
    responses=error_responses(401, 422),
)
async def discovery_feed(
    svc: Svc,
    actor: Actor,
    k: Annotated[int | None, Query(ge=1, le=100, description="cards (default page_size)")] = None,
) -> Any:
    """A two-column discovery page from the active recommender; serving records impressions."""
    page = discovery_page(svc, actor, k)
    return DiscoveryPageOut(
        notes=list(page.notes),
        ad_slots=list(page.ad_slots),
        boost_slots=list(page.boost_slots),
        likes=list(page.likes),
    )


def discovery_page(svc: Service, actor: int, k: int | None) -> DiscoveryPage:
    """The route's work once its input is valid (also run by :mod:`..fast`)."""
    return svc.platform.discovery_feed(actor, now=svc.now(), k=k)


@router.get(
    "/feed/following",
    response_model=FollowingPageOut,
    tags=["feeds"],
    responses=error_responses(401, 404, 422),
)
async def following_feed(
    svc: Svc,
    actor: Actor,
    before: Annotated[int | None, Query(ge=0, le=MAX_ID, description="next_before")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Newest notes of the accounts the user follows, newest first."""
    notes = svc.platform.following_feed(actor, now=svc.now(), before=before, limit=limit)
    return FollowingPageOut(notes=notes, next_before=notes[-1] if len(notes) == limit else None)


@router.get(
    "/search", response_model=SearchOut, tags=["search"], responses=error_responses(401, 422)
)
async def search(
    svc: Svc,
    actor: Actor,
    q: Annotated[Text, Query(min_length=1, max_length=200, description="topic, product, brand")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Search notes and products (logged as purchase intent)."""
    return SearchOut.of(svc.platform.search(actor, q, now=svc.now(), limit=limit))
