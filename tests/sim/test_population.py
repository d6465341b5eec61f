"""The population builder tells agents their settings from the scenario's specs."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from redloop.agents.people import COLUMNS
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
    assert [b.spec for b in model.brands] == [brand_settings(s, sc.size_factor) for s in sc.brands]


def test_brand_budgets_are_set_for_the_reference_community() -> None:
    """A weekly budget is spend per audience: at 4x the reference size a brand has 4x the
    yuan (the same spend per person), so its ads and sponsored notes do not thin out."""
    small, big = (load("baseline", **{"population.users": n}) for n in (3000, 12000))
    assert big.size_factor == 4.0
    for a, b in zip(small.brands, big.brands, strict=True):
        assert brand_settings(b, big.size_factor).budget == 4 * brand_settings(a).budget
    assert [b.weekly_budget for b in RedloopModel(big).brands] == [
        4 * s.budget for s in small.brands
    ]


def test_creators_get_the_population_fee_settings() -> None:
    sc = load("baseline", **{"population.users": 200})
    pop = sc.population
    pop.creator_fee_floor, pop.creator_fee_elasticity, pop.creator_product_posts = 80, 0.5, 0.3
    assert creator_settings(sc) == CreatorSettings(
        fee_floor=80, fee_elasticity=0.5, product_posts=0.3
    )
    assert RedloopModel(sc).creator_settings == creator_settings(sc)


class SingleCommands:
    """The platform without its bulk commands, as the HTTP client offers it: the population
    is then built one account and one follow at a time."""

    def __init__(self, platform: object) -> None:
        self._platform = platform

    def __getattr__(self, name: str) -> object:
        if name in ("create_users", "follow_many"):
            raise AttributeError(name)
        return getattr(self._platform, name)


class OneByOneModel(RedloopModel):
    def _init_world(self, scenario, platform_of) -> None:  # type: ignore[no-untyped-def]
        super()._init_world(scenario, lambda seed: SingleCommands(platform_of(seed)))


def test_the_bulk_build_is_the_one_by_one_build() -> None:
    sc = load("baseline", seed=3, days=2, **{"population.users": 2_000})
    fast, slow = RedloopModel(sc), OneByOneModel(sc)
    assert isinstance(slow.platform, SingleCommands)
    assert fast.platform.log.digest() == slow.platform.log.digest()
    assert fast.platform.fingerprint() == slow.platform.fingerprint()
    assert len(fast.people) == 2_000
    for a, b in zip(fast.people, slow.people, strict=True):
        assert type(a) is type(b) and (a.row, a.uid) == (b.row, b.uid)  # consumer or creator
    for name in COLUMNS:  # with the same traits and state
        assert (fast.columns.live(name) == slow.columns.live(name)).all(), name
    for table in ("value", "since", "order", "had", "count"):  # and the same wants
        mine, theirs = getattr(fast.columns.wants, table), getattr(slow.columns.wants, table)
        assert np.array_equal(mine, theirs, equal_nan=True), table
    assert (fast.activity == slow.activity).all()
    assert fast.head_kols == slow.head_kols
    hub = max(fast.people, key=lambda a: fast.platform.user(a.uid).followers).uid
    assert fast.platform.followers(hub) == slow.platform.followers(hub)
    fast.run_days(2)
    slow.run_days(2)
    assert fast.platform.log.digest() == slow.platform.log.digest()


def test_the_crowd_is_not_in_mesas_registry() -> None:
    """Brands, editors and the shop are Mesa agents; consumers and creators are the model's
    own crowd (``people``), a million of them built without Mesa's per-agent bookkeeping."""
    model = RedloopModel(load("baseline", **{"population.users": 300}))
    registered = set(model.agents)
    assert set(model.brands) | set(model.editors) | {model.shop} == registered
    assert not registered & set(model.people)


def test_a_timeline_campaign_budget_is_set_for_the_reference_community(tmp_path) -> None:
    """Like weekly budgets, a one-off campaign's yuan are spend per audience: at half the
    reference size the campaign buys half the impressions."""
    path = tmp_path / "campaign.toml"
    path.write_text(
        'extends = "baseline"\n[population]\nusers = 1500\n'
        '[[timeline]]\nday = 0.5\nkind = "campaign"\nbrand = "LumiSkin"\n'
        'budget = 2000.0\nstrategy = "feed_ads"\n'
    )
    sc = load(path)
    assert sc.size_factor == 0.5
    model = RedloopModel(sc)
    model.run_days(1)
    lumi = next(b for b in model.brands if b.name == "LumiSkin")
    assert [model.platform.campaign(c).budget for c in lumi.campaigns] == [1000.0]


def test_stock_is_set_for_the_reference_community() -> None:
    """Products' stock and the shop's order size are units per audience: at half the
    reference size a product starts with half its units (one not yet sold stays at 0) and the
    shop orders half as many, so a large crowd does not sell out what a small one never did."""
    sc = load("baseline", **{"population.users": 1500})
    model = RedloopModel(sc)
    specs = [p for b in sc.brands for p in b.products]
    stocks = [model.platform.product(p).stock for b in model.brands for p in b.products]
    assert stocks == [round(p.stock / 2) for p in specs]
    assert 0 in stocks  # the overseas cream nobody sells yet
    assert model.shop is not None and model.shop.batch == sc.shop_restock_units // 2
    huge = load("baseline", reference_users=1, **{"population.users": 5_000_000})
    assert huge.sized(100_000) == 2**31 - 1  # the platform's stock column is int32
