"""The small community most tests start from: who is who, and a builder for it.

Ids are what the platform assigns in creation order, so tests can name people instead of
spelling numbers: two consumers, a creator, a brand and an editor; the brand sells a serum
(in stock) and an overseas travel mug (none in stock).
"""

from __future__ import annotations

from typing import Any

from redloop.platform.api import Platform, PlatformConfig

ANN, BO, CY, GLOWCO, EDITOR = range(5)
SERUM, MUG = 0, 1


def small_platform(rng: int = 42, serum_stock: int = 5, **config: Any) -> Platform:
    """The small community on a fresh platform (``config`` overrides the test settings:
    small pools, and collaborations open to creators without followers)."""
    settings: dict[str, Any] = {
        "pool_quotas": (3, 10, 50),
        "pool_thresholds": (0.2, 0.2),
        "pool_slot_weights": (0.5, 0.3, 0.2),
        "collab_min_followers": 0,  # cy has no followers yet and may take collaborations
        **config,
    }
    p = Platform(PlatformConfig(**settings), rng=rng)
    p.create_user("ann", "consumer", ["beauty", "skincare"], now=0)
    p.create_user("bo", "consumer", ["food", "travel"], now=0)
    p.create_user("cy", "creator", ["skincare"], now=0)
    brand = p.create_user("glowco", "brand", [], now=0)
    p.create_user("editor", "staff", [], now=0)
    p.create_product(brand, "Glow Serum", "skincare", 199.0, serum_stock, now=0)
    p.create_product(brand, "Travel Mug", "travel", 59.0, 0, now=0, origin="overseas")
    return p
