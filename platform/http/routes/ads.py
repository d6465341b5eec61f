"""Paid reach: feed and search campaigns, and boosts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ...errors import Forbidden
from ..auth import Actor, Svc
from ..errors import ACT, BODY, error_responses
from ..schemas import (
    BoostOut,
    CampaignOut,
    NewBoost,
    NewCampaign,
    PathId,
)

__all__ = ["router"]

router = APIRouter()


@router.post(
    "/campaigns",
    status_code=201,
    response_model=CampaignOut,
    tags=["ads"],
    responses=error_responses(*BODY),
)
async def create_campaign(svc: Svc, actor: Actor, body: NewCampaign) -> Any:
    """Buy impressions for a note the token's brand wrote or sponsored."""
    p = svc.platform
    cid = p.create_campaign(
        actor,
        body.note,
        body.budget,
        now=svc.now(),
        placement=body.placement,
        topics=body.topics,
        cpm=body.cpm,
        hours=body.hours,
    )
    return CampaignOut.of(p.campaign(cid))


@router.get(
    "/campaigns/{campaign_id}",
    response_model=CampaignOut,
    tags=["ads"],
    responses=error_responses(*ACT),
)
async def get_campaign(svc: Svc, actor: Actor, campaign_id: PathId) -> Any:
    """A campaign, visible to its brand and staff."""
    p = svc.platform
    campaign = p.campaign(campaign_id)
    if not p.may_read_campaign(actor, campaign_id):
        raise Forbidden(
            f"campaign {campaign_id} is not yours", field="campaign_id", value=campaign_id
        )
    return CampaignOut.of(campaign)


@router.delete(
    "/campaigns/{campaign_id}",
    response_model=CampaignOut,
    tags=["ads"],
    responses=error_responses(*ACT),
)
async def stop_campaign(svc: Svc, actor: Actor, campaign_id: PathId) -> Any:
    """Stop a campaign (its brand only); the unspent budget is no longer used."""
    p = svc.platform
    p.stop_campaign(actor, campaign_id, now=svc.now())
    return CampaignOut.of(p.campaign(campaign_id))


@router.post(
    "/boosts",
    status_code=201,
    response_model=BoostOut,
    tags=["ads"],
    responses=error_responses(*BODY),
)
async def create_boost(svc: Svc, actor: Actor, body: NewBoost) -> Any:
    """Pay to show a note the token's user wrote or sponsored to more interested users."""
    p = svc.platform
    bid = p.create_boost(
        actor, body.note, body.fee, now=svc.now(), hours=body.hours, goal=body.goal
    )
    return BoostOut.of(p.boost(bid))


@router.get(
    "/boosts/{boost_id}", response_model=BoostOut, tags=["ads"], responses=error_responses(*ACT)
)
async def get_boost(svc: Svc, actor: Actor, boost_id: PathId) -> Any:
    """A boost with impressions bought and delivered, visible to its buyer and staff."""
    p = svc.platform
    boost = p.boost(boost_id)
    if not p.may_read_boost(actor, boost_id):
        raise Forbidden(f"boost {boost_id} is not yours", field="boost_id", value=boost_id)
    return BoostOut.of(boost)
