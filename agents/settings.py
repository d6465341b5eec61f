"""What brands and creators are told about themselves, as plain values.

The scenario schema (``redloop.scenarios``) describes a whole run; agents need only their own
part of it. The simulation's population builder turns the scenario's specs into these, so the
agents depend on nothing but the platform.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BrandSettings:
    """A brand's marketing settings (see the scenario's ``BrandSpec`` for what each means)."""

    name: str
    budget: float = 0.0  # yuan per week
    strategy: str = "none"
    origin: str = "domestic"
    established: bool = True
    ad_cpm: float = 40.0
    discount: float = 0.2
    boost_share: float = 0.0
    seeding_rule: str = "top_degree"
    seeds: int = 20
    seeding_cascade_p: float = 0.05
    seeding_mc_samples: int = 64


@dataclass(frozen=True)
class CreatorSettings:
    """How creators price collaborations and how often they recommend a product unpaid."""

    fee_floor: float = 300.0  # yuan, a creator of median reach
    fee_elasticity: float = 1.2  # fee grows as (followers / median) ** this
    product_posts: float = 0.15  # share of a creator's posts that recommend a product
