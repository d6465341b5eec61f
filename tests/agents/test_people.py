"""The crowd as columns: a person is a view onto a row, so what the view sets is the column."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from redloop.agents.consumer import Consumer, Creator
from redloop.agents.people import COLUMNS, People

from ..people import ANN, CY, small_platform
from .fake_world import FakeWorld, as_world


def test_setting_a_trait_through_the_view_writes_its_column() -> None:
    world = FakeWorld(small_platform())
    ann = Consumer(as_world(world), ANN, 0b11, 1_000.0, 1.0, 0.5, 0.8, 0.0)
    cy = Creator(as_world(world), CY, 0b100, 500.0, 2.0, 1.0, 0.3, 1.5)
    cols = world.columns
    assert (ann.row, cy.row, len(cols)) == (0, 1, 2)
    assert cols.live("uid").tolist() == [ANN, CY] and cols.live("creator").tolist() == [0, 1]
    assert (cy.interests, cy.budget, cy.trust, cy.posts_per_day) == (0b100, 500.0, 0.3, 1.5)
    assert type(ann.interests) is int and type(ann.budget) is float and ann.adopted is False
    ann.spent += 199.0
    ann.adopted = True
    ann.inbox_seen = 7
    ann.skill = 2.5
    assert cols.spent[0] == 199.0 and cols.adopted[0] and cols.skill[0] == 2.5
    assert (cols.inbox_seen[0], cy.inbox_seen) == (7, None)  # -1 in the column: none read yet
    cols.budget[1] = 42.0  # and the other way: a write to the column is what the view reads
    assert cy.budget == 42.0 and ann.budget == 1_000.0
    ann.hear(3, 1.0, 1.0)
    assert cols.wants.held(0) == [(3, ann.intent(3, 1.0), 1.0)] and cy.wanted() == []


def test_columns_grow_and_keep_their_rows() -> None:
    people = People()
    first = people.extend(uid=np.arange(3), budget=[1.0, 2.0, 3.0])
    later = [people.extend(uid=3 + i, budget=10.0 + i) for i in range(40)]
    assert (first, later[-1]) == (range(0, 3), range(42, 43))
    assert len(people) == 43 and len(people.live("budget")) == 43
    assert people.live("budget")[:4].tolist() == [1.0, 2.0, 3.0, 10.0]
    assert people.live("skill").tolist() == [1.0] * 43  # a trait not given: its default
    assert (people.live("inbox_seen") == -1).all() and people.wants.count.size >= 43
    copy = pickle.loads(pickle.dumps(people))
    for name in COLUMNS:
        assert (copy.live(name) == people.live(name)).all()


def test_columns_reject_what_they_do_not_hold() -> None:
    people = People()
    with pytest.raises(ValueError, match="unknown people columns: mood"):
        people.extend(uid=1, mood=3)
    with pytest.raises(ValueError, match="different lengths"):
        people.extend(uid=[1, 2], budget=[1.0])
    assert len(people) == 0


def test_the_model_builds_its_people_as_columns_with_views_onto_them() -> None:
    from redloop.scenarios.schema import load
    from redloop.sim.model import RedloopModel

    model = RedloopModel(load("baseline", seed=2, days=1, **{"population.users": 300}))
    cols = model.columns
    assert len(cols) == len(model.people) == 300
    assert [p.row for p in model.people] == list(range(300))
    assert [p.uid for p in model.people] == cols.live("uid").tolist()
    assert [isinstance(p, Creator) for p in model.people] == cols.live("creator").tolist()
    assert [p.budget for p in model.people] == cols.live("budget").tolist()
    assert model.activity is not None and (model.activity == cols.live("activity")).all()
    model.run_days(1)
    assert model.today.dau > 0 and not cols.live("active_today").any()  # reset at the close
    restored = pickle.loads(pickle.dumps(model))
    assert restored.people[5].columns is restored.columns  # one set of columns, shared
