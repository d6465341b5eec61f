"""The population builder tells agents their settings from the scenario's specs."""

from __future__ import annotations

from dataclasses import fields

from redloop.agents.settings import BrandSettings, CreatorSettings
from redloop.scenarios.schema import load
from redloop.sim.model import RedloopModel
from redloop.sim.population import brand_settings, creator_settings


def test_brands_get_every_setting_of_their_spec() -> None:
    sc = load("baseline", **{"population.users": 200})
    spec = sc.brands[0]
    spec.budget, spec.strategy, spec.ad_cpm, spec.seeds = 1234.0, "feed_ads", 55.0, 7
    settings = brand_settings(spec)
    assert (settings.name, settings.budget, settings.strategy) == (spec.name, 1234.0, "feed_ads")
    assert (settings.ad_cpm, settings.seeds) == (55.0, 7)
    assert all(hasattr(spec, f.name) for f in fields(BrandSettings))  # same names as the spec
    model = RedloopModel(sc)
    assert [b.spec for b in model.brands] == [brand_settings(s) for s in sc.brands]


def test_creators_get_the_population_fee_settings() -> None:
    sc = load("baseline", **{"population.users": 200})
    pop = sc.population
    pop.creator_fee_floor, pop.creator_fee_elasticity, pop.creator_product_posts = 80, 0.5, 0.3
    assert creator_settings(sc) == CreatorSettings(
        fee_floor=80, fee_elasticity=0.5, product_posts=0.3
    )
    assert RedloopModel(sc).creator_settings == creator_settings(sc)
