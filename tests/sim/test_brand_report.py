"""Brands book creators through the marketplace and account for every yuan of budget."""

from __future__ import annotations

import math

import pytest

from redloop.platform.api import AccountKind, EventKind
from redloop.scenarios.schema import load
from redloop.sim.model import BRAND_COLUMNS, RedloopModel
from redloop.sim.report import render_run_report


@pytest.fixture(scope="module", params=["koc_seeding", "head_kols"])
def model(request) -> RedloopModel:
    m = RedloopModel(load(request.param, seed=2, days=15, **{"population.users": 800}))
    m.run_days(15)
    return m


def perfect_day(model: RedloopModel):
    return next(b for b in model.brands if b.name == "PerfectDay")


def test_every_week_is_committed_or_says_why_not(model: RedloopModel) -> None:
    brand = perfect_day(model)
    weeks = model.brand_weeks().query("brand == 'PerfectDay'")
    assert list(weeks["week"]) == [0, 1, 2] and set(weeks["tactic"]) == {brand.spec.strategy}
    for row in weeks.itertuples():
        assert math.isclose(row.committed + row.unspent, row.budget, abs_tol=0.02)
        assert (row.unspent >= 0.01) == bool(row.why_unspent), row
    final = model.brand_metrics().query("brand == 'PerfectDay'").iloc[-1]
    assert final["budget"] == brand.budgeted > 0
    # what is not spent is exactly what the last week carries forward, and it says why
    assert math.isclose(final["unspent"], weeks["unspent"].iloc[-1], abs_tol=0.05)
    assert math.isclose(final["utilisation"], final["spend"] / final["budget"], rel_tol=1e-6)
    assert final["why_unspent"] or final["unspent"] < 0.01


def test_brand_spend_is_what_the_marketplace_booked(model: RedloopModel) -> None:
    brand = perfect_day(model)
    p = model.platform
    booked = sum(
        c.fee + c.commission
        for c in map(p.collaboration, p.collaborations_of(brand.uid))
        if c.status in ("accepted", "published")
    )
    assert math.isclose(p.collab_money(brand.uid)["committed"], booked, abs_tol=0.01)
    assert math.isclose(brand.spend_by_tactic[brand.spec.strategy], booked, rel_tol=1e-9)


def test_every_sponsored_note_is_the_brands_own_or_a_collaboration(model: RedloopModel) -> None:
    p = model.platform
    kinds = {
        e.object: e.kind
        for e in p.log
        if e.kind in (EventKind.NOTE_PUBLISHED, EventKind.COLLAB_PUBLISHED)
    }
    sponsored = [n for n in range(p.n_notes) if p.note(n).sponsored]
    assert sponsored, "the brand's collaborations were published"
    for n in sponsored:
        note = p.note(n)
        if p.user(note.author).kind != AccountKind.BRAND.label:
            assert kinds[n] is EventKind.COLLAB_PUBLISHED, n


def test_revenue_by_tactic_adds_up(model: RedloopModel) -> None:
    final = model.brand_metrics().groupby("brand").last()
    by_source = final[[c for c in BRAND_COLUMNS if c.startswith("revenue_")]].sum(axis=1)
    assert (abs(by_source - final["revenue"]) < 0.05 * len(BRAND_COLUMNS)).all()


def test_report_shows_budget_utilisation_and_why(model: RedloopModel) -> None:
    page = render_run_report(
        model.metrics(),
        model.brand_metrics(),
        {"scenario": "x"},
        title="t",
        brand_weeks=model.brand_weeks(),
    )
    for heading in ("utilisation", "unspent", "why_unspent", "Revenue by tactic"):
        assert heading in page
    assert "Creator budgets by week" in page and perfect_day(model).spec.strategy in page
