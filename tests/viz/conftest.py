"""Small models for the visualiser's tests: 300 users."""

from __future__ import annotations

from dataclasses import replace

import pytest

from redloop.viz.views import Params, Sim

SMALL_USERS = 300


def _params(**changes) -> Params:
    return replace(Params.of("baseline"), users=SMALL_USERS, **changes)


def _stepped(days: int, **changes) -> Sim:
    sim = Sim(_params(**changes))
    for _ in range(days):
        sim.step_day()
    return sim


@pytest.fixture(scope="session")
def small_params():
    """The baseline's controls with 300 users: ``small_params(**changes)``."""
    return _params


@pytest.fixture(scope="session")
def stepped():
    """A 300-user visualiser model run for some days: ``stepped(days, **param_changes)``."""
    return _stepped


@pytest.fixture(scope="session")
def young_sim() -> Sim:
    """Two simulated days: purchases, no R_loop yet. Shared: only read it."""
    return _stepped(2)


@pytest.fixture(scope="session")
def mature_sim() -> Sim:
    """Fourteen simulated days: old enough for R_loop to be measured. Shared: only read it."""
    return _stepped(14)
