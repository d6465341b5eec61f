"""Shared fixtures."""

from __future__ import annotations

import pytest

from redloop.platform.api import Platform, PlatformConfig


@pytest.fixture
def platform() -> Platform:
    """A small platform: two consumers, a creator, a brand with two products, an editor."""
    p = Platform(
        PlatformConfig(
            pool_quotas=(3, 10, 50), pool_thresholds=(0.2, 0.2), pool_slot_weights=(0.5, 0.3, 0.2)
        ),
        rng=42,
    )
    p.create_user("ann", "consumer", ["beauty", "skincare"], now=0)
    p.create_user("bo", "consumer", ["food", "travel"], now=0)
    p.create_user("cy", "creator", ["skincare"], now=0)
    brand = p.create_user("glowco", "brand", [], now=0)
    p.create_user("editor", "staff", [], now=0)
    p.create_product(brand, "Glow Serum", "skincare", 199.0, 5, now=0)
    p.create_product(brand, "Travel Mug", "travel", 59.0, 0, now=0, origin="overseas")
    return p
