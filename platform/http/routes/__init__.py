"""Every route of the service, one module per domain, gathered into one flat router."""

from __future__ import annotations

from fastapi import APIRouter

from . import accounts, ads, collaborations, feeds, notes, shares, shop, trending

__all__ = ["TAGS", "router"]

#: The OpenAPI tags, in the order the docs show them.
TAGS: tuple[tuple[str, str], ...] = (
    ("accounts", "sign up (returns a bearer token) and read users"),
    ("follows", "follow and unfollow as the token's user"),
    ("notes", "publish and read notes"),
    ("engagement", "read, like, collect, comment, share"),
    ("shares", "shares that reach followers or outside visitors, and cascades"),
    ("feeds", "discovery (recommender) and following feeds"),
    ("search", "search by topic, product, brand"),
    ("shop", "catalogue, product pages, stock and prices"),
    ("orders", "order lifecycle: placed, paid, shipped, delivered, reviewed"),
    ("ads", "paid feed and search placements"),
    ("marketplace", "creator collaborations: offer, accept, decline, withdraw"),
    ("trending", "trending topics and products"),
    ("health", "liveness and counts"),
)

# The routes themselves, not included routers: ``router.routes`` lists every APIRoute.
router = APIRouter(
    routes=[
        route
        for domain in (accounts, notes, feeds, shop, ads, trending, collaborations, shares)
        for route in domain.router.routes
    ]
)
