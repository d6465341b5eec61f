"""The controls' data: schema-generated parameters with ranges and units, brand controls,
validation by the schema, and feed cards that name who placed them."""

from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass, replace

from redloop.platform.api import CONFIG_LIMITS, PlatformConfig
from redloop.scenarios.schema import Scenario, load
from redloop.viz.inspector import EDITORS_RECOMMENDER
from redloop.viz.params import MAIN_KEYS, Params, problem, schema_fields
from redloop.viz.views import feed_snapshot


def _scalar_keys(cls: type = Scenario, prefix: str = "") -> set[str]:
    hints = typing.get_type_hints(cls)
    out: set[str] = set()
    for f in fields(cls):
        tp = hints[f.name]
        if is_dataclass(tp):
            out |= _scalar_keys(tp, f"{prefix}{f.name}.")  # type: ignore[arg-type]
        elif tp in (int, float, str, bool):
            out.add(f"{prefix}{f.name}")
    return out


def test_every_scalar_schema_key_is_reachable_with_its_range_and_unit():
    panel = {f.key: f for f in schema_fields()}
    assert set(panel) | set(MAIN_KEYS) | {"name", "description"} >= _scalar_keys()
    assert panel["days"].allowed == "1 to 3,650" and panel["days"].unit == "days"
    assert panel["population.budget_mean"].unit == "¥"
    assert panel["behaviour.like_rate"].unit.startswith("probability")
    assert panel["population.graph"].allowed.startswith("one of powerlaw_cluster")
    assert all(f.doc for f in panel.values())


def test_every_scalar_platform_setting_is_reachable_with_the_range_it_enforces():
    panel = {f.key: f for f in schema_fields()}
    hints = typing.get_type_hints(PlatformConfig)
    scalars = {f.name for f in fields(PlatformConfig) if hints[f.name] in (int, float, str)}
    assert {f"platform.{n}" for n in scalars} - set(MAIN_KEYS) <= set(panel)
    assert all(panel[f"platform.{n}"].doc for n in scalars if f"platform.{n}" in panel)
    assert panel["platform.page_size"].allowed == "1 to 100"
    assert panel["platform.collab_commission"].unit.startswith("probability")
    assert panel["platform.pool_max_age_hours"].allowed == "more than 0"
    for name, (lo, hi, _) in CONFIG_LIMITS.items():  # the panel shows what the platform enforces
        assert (panel[f"platform.{name}"].lo, panel[f"platform.{name}"].hi) == (lo, hi)


def test_a_platform_edit_reaches_the_model_and_an_invalid_one_names_the_key():
    p = Params.of("baseline")
    page = next(f for f in schema_fields() if f.key == "platform.page_size")
    edited = p.with_extra(page.key, page.parse("12"))
    assert edited.load().platform_config().page_size == 12 and problem(edited) is None
    assert edited.with_extra(page.key, 10).extra == ()  # the platform's default: no edit
    bad = problem(p.with_extra(page.key, page.parse("0")))
    assert bad is not None and "page_size" in bad and "<= 100" in bad


def test_an_edit_reaches_the_model_and_an_invalid_one_names_the_key():
    p = Params.of("baseline")
    days = next(f for f in schema_fields() if f.key == "days")
    edited = p.with_extra("days", days.parse("12"))
    assert edited.load().days == 12 and problem(edited) is None
    assert edited.with_extra("days", 30).extra == ()  # back to the scenario's: no edit
    bad = p.with_extra("days", days.parse("-3"))
    assert problem(bad) == "override: days: -3 is out of range; allowed 1 to 3650"
    typo = p.with_extra("population.budget_mean", "lots")
    assert "population.budget_mean" in problem(typo) and "expected number" in problem(typo)


def test_brand_budget_and_strategy_are_controls():
    p = Params.of("baseline")
    assert [b.name for b in p.brands] == [b.name for b in load("baseline").brands]
    changed = p.with_brand("NestHome", budget=9000.0, strategy="search_ads")
    brand = next(b for b in changed.load().brands if b.name == "NestHome")
    assert (brand.budget, brand.strategy) == (9000.0, "search_ads")
    assert changed.load().brands[0] == load("baseline").brands[0]  # the others untouched
    assert p.load().brands == load("baseline").brands


def test_editors_pick_only_on_notes_the_editors_recommender_placed(stepped):
    ranked = stepped(2)
    view = feed_snapshot(ranked, None)
    assert view.page is not None and view.page.recommender != EDITORS_RECOMMENDER
    assert not any("Editors' pick" in c.labels for c in view.cards)
    assert all(c.placed_by for c in view.cards)
    assert all(c.title and not c.title.startswith("note #") for c in view.cards)
    manual = stepped(1, recommender=EDITORS_RECOMMENDER)
    page = feed_snapshot(manual, None)
    picks = set(manual.model.platform.editors_picks())
    for card in page.cards:
        placed = card.placed_by == f"the {EDITORS_RECOMMENDER} recommender"
        assert ("Editors' pick" in card.labels) == (placed and card.note in picks)
    assert any("Editors' pick" in c.labels for c in page.cards)


def test_params_default_to_the_teaching_scenario():
    assert Params().scenario == "classroom_tipping"
    assert replace(Params.of("classroom_tipping"), users=500).load().population.users == 500
