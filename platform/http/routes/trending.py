"""Trending topics and products, and the service's health."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..auth import Svc
from ..errors import error_responses
from ..schemas import (
    HealthOut,
    ProductScore,
    TopicScore,
)

__all__ = ["router"]

router = APIRouter()


TopK = Annotated[int, Query(ge=1, le=100)]


@router.get(
    "/trending/topics",
    response_model=list[TopicScore],
    tags=["trending"],
    responses=error_responses(422),
)
async def trending_topics(svc: Svc, k: TopK = 5) -> Any:
    """Topics by engagement over the trending window."""
    ranked = svc.platform.trending_topics(now=svc.now(), k=k)
    return [TopicScore(topic=topic, score=score) for topic, score in ranked]


@router.get(
    "/trending/products",
    response_model=list[ProductScore],
    tags=["trending"],
    responses=error_responses(422),
)
async def trending_products(svc: Svc, k: TopK = 5) -> Any:
    """Products by engagement and units ordered over the trending window."""
    ranked = svc.platform.trending_products(now=svc.now(), k=k)
    return [ProductScore(product=product, score=score) for product, score in ranked]


@router.get("/health", response_model=HealthOut, tags=["health"])
async def health(svc: Svc) -> Any:
    p = svc.platform
    return HealthOut(
        status="ok",
        now=p.now if math.isfinite(p.now) else None,
        recommender=p.recommender,
        users=p.n_users,
        notes=p.n_notes,
        products=p.n_products,
        orders=p.n_orders,
    )
