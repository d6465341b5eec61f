"""The crowd under load: who starts the next session.

The scenario's people (consumers and creators with interests, activity, budgets, a follower
graph, brands and products) are built on the target by the simulation's own population
builder, with no second mode of the model; each arrival then picks a person
weighted by activity (a visit) or by posting rate (a compose). A person is in at most one
session at a time.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator
from typing import Any

import numpy as np

from redloop.agents.consumer import Consumer
from redloop.scenarios.schema import Scenario

from .. import population
from ..growth import ShareGrowth
from ..model import RedloopModel
from .shapes import COMPOSE, VISIT

__all__ = ["Crowd", "CrowdWorld", "build_crowd"]


class CrowdWorld(RedloopModel):
    """The world a crowd acts in under load: the model's state and world services, and the
    scenario's community built on the target by :mod:`redloop.sim.population` — but no
    staff (they cannot sign up over HTTP), no clock and no offline world: nothing ships,
    nobody reviews, and the caller drives the sessions."""

    def __init__(self, scenario: Scenario, build_on: Any, acts_through: Any = None) -> None:
        # Not RedloopModel.__init__: no fresh platform, staff or processes (see above).
        self._init_world(scenario, lambda _rng: build_on)
        population.build_people(self, scenario, build_on)
        self.growth = _NoOutsideVisitors(self)
        population.build_brands(self, scenario, build_on)
        population.seed_content(self)
        if scenario.world_seed >= 0:
            self._enter_world(scenario.world_seed)
        #: What behaviour calls from now on: the target's platform, or requests to send.
        self.platform = build_on if acts_through is None else acts_through


class _NoOutsideVisitors(ShareGrowth):
    """Shares reach followers, but nobody from outside visits or signs up under load: the
    load is the crowd's own sessions."""

    def outside_visits(self, share: int, sharer: int, now: float) -> None:
        return None


def build_crowd(scenario: Scenario, platform: Any, *, acts_through: Any = None) -> CrowdWorld:
    """The scenario's crowd built on ``platform`` (a Platform or a sync client); its
    behaviour then calls ``acts_through`` (default: ``platform``), e.g. a timed proxy or
    :class:`~redloop.platform.client.Calls` whose requests each driver sends itself."""
    return CrowdWorld(scenario, platform, acts_through)


class Crowd:
    """Who starts the next session: a person weighted by activity (visits) or by posting
    rate (composes), skipping anyone already in a session."""

    TRIES = 16

    def __init__(self, model: RedloopModel, rng: np.random.Generator) -> None:
        self.model = model
        self.people: list[Consumer] = model.people
        self.rng = rng
        activity = np.asarray(model.activity, dtype=np.float64)
        posting = model.columns.live("posts_per_day").copy()
        self._weights = {VISIT: activity, COMPOSE: posting}
        self._use(np.ones(len(self.people), dtype=bool))
        self.busy: set[int] = set()  # uids of people in a session

    def _use(self, mask: np.ndarray) -> None:
        activity, posting = self._weights[VISIT] * mask, self._weights[COMPOSE] * mask
        #: Composes per visit: the crowd's posts per day over its sessions per day.
        self.compose_share = float(posting.sum() / activity.sum()) if activity.sum() else 0.0
        self._cdf = {VISIT: self._cdf_of(activity), COMPOSE: self._cdf_of(posting)}

    def partition(self, part: int, parts: int) -> None:
        """Draw only from every ``parts``-th person, starting at ``part``: each process of a
        distributed run owns its people, whose intent and reading history then live in one
        process."""
        self._use(self.model.columns.live("uid") % parts == part % parts)

    @staticmethod
    def _cdf_of(weights: np.ndarray) -> list[float] | None:
        """The cumulative shares as a list: ``bisect`` on it is what ``np.searchsorted``
        answers, at a fraction of the cost of a numpy call per draw."""
        total = weights.sum()
        return (np.cumsum(weights) / total).tolist() if total > 0 else None

    def pick(self, kind: int) -> Consumer | None:
        """A person free to start a session (marked busy), or None if all draws were busy.
        The tries' uniforms come in one call: when arrivals outrun the crowd most picks
        fail every try, and one call for all of them halves what such a pick costs."""
        cdf = self._cdf[kind]
        if cdf is None:
            return None
        last = len(cdf) - 1
        for draw in self.rng.random(self.TRIES).tolist():
            person = self.people[min(bisect.bisect_right(cdf, draw), last)]
            if person.uid not in self.busy:
                self.busy.add(person.uid)
                return person
        return None

    def release(self, person: Consumer) -> None:
        self.busy.discard(person.uid)

    @staticmethod
    def steps(person: Consumer, kind: int, now: float) -> Generator[Any, Any, Any]:
        return person.compose(now) if kind == COMPOSE else person.visit(now)
