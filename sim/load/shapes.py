"""The arrival-rate shapes of a load test and the seeded arrival schedule they give.

Arrivals form a Poisson process whose rate is ``rate x shape(t)``, drawn up front by thinning
from a seeded numpy Generator (an open model: the schedule does not wait for the server).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from redloop.scenarios.schema import Scenario
from redloop.scenarios.schema import load as load_scenario

from ..routines import DIURNAL
from .errors import LoadTestError

__all__ = [
    "COMPOSE",
    "SHAPES",
    "SPIKE_FACTOR",
    "VISIT",
    "Plan",
    "Shape",
    "arrival_times",
    "make_shape",
]

SHAPES = ("constant", "diurnal", "spike", "scenario")
VISIT, COMPOSE = 0, 1
SPIKE_FACTOR = 5.0


@dataclass(frozen=True)
class Shape:
    """``multiplier(t)`` (vectorised over seconds since the start) and an upper bound."""

    name: str
    duration: float
    multiplier: Callable[[np.ndarray], np.ndarray]
    peak: float

    def __call__(self, t: np.ndarray | float) -> np.ndarray:
        return self.multiplier(np.asarray(t, dtype=np.float64))


def make_shape(name: str, duration: float, scenario: Scenario | None = None) -> Shape:
    """The rate multiplier over a run of ``duration`` seconds."""
    if name not in SHAPES:
        raise LoadTestError(f"unknown shape {name!r}; choose one of {', '.join(SHAPES)}")
    if not duration > 0:
        raise LoadTestError(f"duration must be > 0 seconds; got {duration}")
    if name == "constant":
        return Shape(name, duration, np.ones_like, 1.0)
    if name == "spike":
        lo, hi = 0.45 * duration, 0.55 * duration

        def spike(t: np.ndarray) -> np.ndarray:
            return np.where((t >= lo) & (t < hi), SPIKE_FACTOR, 1.0)

        return Shape(name, duration, spike, SPIKE_FACTOR)
    days = 1.0
    festivals: list[tuple[float, float, float]] = []  # (start hour, end hour, activity)
    if name == "scenario":
        scenario = scenario if scenario is not None else load_scenario("baseline")
        days = float(scenario.days)
        festivals = [
            (e.day * 24.0, (e.day + e.days) * 24.0, e.activity)
            for e in scenario.timeline
            if e.kind == "festival"
        ]
    hours_per_second = days * 24.0 / duration

    def daily(t: np.ndarray) -> np.ndarray:
        hours = np.clip(t, 0.0, duration) * hours_per_second
        value = DIURNAL[np.minimum(hours, days * 24.0 - 1e-9).astype(np.int64) % 24]
        for start, end, activity in festivals:
            value = np.where((hours >= start) & (hours < end), value * activity, value)
        return value

    peak = float(DIURNAL.max()) * math.prod(max(1.0, a) for _, _, a in festivals)
    return Shape(name, duration, daily, peak)


def arrival_times(rate: float, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals with rate ``rate x shape(t)`` over the shape's duration, by thinning:
    a homogeneous process at the peak rate, each point kept with probability shape/peak."""
    if rate <= 0:
        return np.zeros(0)
    n = rng.poisson(rate * shape.peak * shape.duration)
    times = np.sort(rng.uniform(0.0, shape.duration, n))
    keep = rng.random(n) * shape.peak < shape(times)
    return times[keep]


@dataclass(frozen=True)
class Plan:
    """The arrival schedule of one run: times (s) and kinds (VISIT or COMPOSE)."""

    shape: Shape
    rate: float  # base sessions per second (visits)
    times: np.ndarray
    kinds: np.ndarray

    @classmethod
    def draw(
        cls, shape: Shape, rate: float, compose_share: float, rng: np.random.Generator
    ) -> Plan:
        visits = arrival_times(rate, shape, rng)
        composes = arrival_times(rate * compose_share, shape, rng)
        times = np.concatenate([visits, composes])
        kinds = np.concatenate(
            [np.full(visits.size, VISIT, np.int8), np.full(composes.size, COMPOSE, np.int8)]
        )
        order = np.argsort(times, kind="stable")
        return cls(shape, rate, times[order], kinds[order])

    def offered(self, seconds: int) -> np.ndarray:
        """Mean offered visit rate (sessions/s) in each one-second bucket."""
        grid = np.arange(seconds)[:, None] + (np.arange(10)[None, :] + 0.5) / 10
        return self.rate * self.shape(grid).mean(axis=1)
