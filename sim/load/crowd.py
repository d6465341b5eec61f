"""The crowd under load: who starts the next session.

The scenario's people (consumers and creators with interests, activity, budgets, a follower
graph, brands and products) are built on the target; each arrival then picks a person
weighted by activity (a visit) or by posting rate (a compose). A person is in at most one
session at a time.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from redloop.agents.consumer import Consumer
from redloop.scenarios.schema import Scenario

from ..model import RedloopModel
from .shapes import COMPOSE, VISIT

__all__ = ["Crowd", "build_crowd"]


def build_crowd(scenario: Scenario, platform: Any) -> RedloopModel:
    """The scenario's crowd built on ``platform`` (a Platform or a client). No offline world
    under load: nothing ships and nobody reviews; the caller drives the sessions."""
    model = RedloopModel(scenario, platform=platform)
    model.offline = None
    return model


class Crowd:
    """Who starts the next session: a person weighted by activity (visits) or by posting
    rate (composes), skipping anyone already in a session."""

    TRIES = 16

    def __init__(self, model: RedloopModel, rng: np.random.Generator) -> None:
        self.model = model
        self.people: list[Consumer] = model.people
        self.rng = rng
        activity = np.asarray(model.activity, dtype=np.float64)
        posting = np.array([p.posts_per_day for p in self.people], dtype=np.float64)
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
        self._use(np.array([p.uid % parts == part % parts for p in self.people], dtype=bool))

    @staticmethod
    def _cdf_of(weights: np.ndarray) -> np.ndarray | None:
        total = weights.sum()
        return np.cumsum(weights) / total if total > 0 else None

    def pick(self, kind: int) -> Consumer | None:
        """A person free to start a session (marked busy), or None if all draws were busy."""
        cdf = self._cdf[kind]
        if cdf is None:
            return None
        for _ in range(self.TRIES):
            i = min(int(np.searchsorted(cdf, self.rng.random(), side="right")), len(cdf) - 1)
            person = self.people[i]
            if person.uid not in self.busy:
                self.busy.add(person.uid)
                return person
        return None

    def release(self, person: Consumer) -> None:
        self.busy.discard(person.uid)

    @staticmethod
    def steps(person: Consumer, kind: int, now: float) -> Generator[Any, Any, Any]:
        return person.compose(now) if kind == COMPOSE else person.visit(now)
