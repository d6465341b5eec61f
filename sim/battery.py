"""The machinery of ``redloop validate``: battery sizes, findings, and shared runs.

A fact is a function ``(Runs, Settings) -> Finding`` (in :mod:`redloop.sim.facts_diffusion`
and :mod:`redloop.sim.facts_platform`). Facts share finished runs through :class:`Runs`, which
simulates in worker processes the runs a fact asks for at once and keeps what facts read as
plain arrays (:class:`RunData`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from redloop.scenarios.schema import Scenario, build, load, set_key

from .dynamics import Trace, trace
from .experiments import mean_ci
from .model import RedloopModel
from .report import figure_html


@dataclass(frozen=True)
class Settings:
    """How big the battery's runs are."""

    quick: bool
    users: int  # the community for the platform facts
    days: int
    seeds: tuple[int, ...]
    # A fully mixed crowd: the fitted p's sampling noise falls as 1/sqrt(N p). For p = 0.01
    # its sd is about 7% at 10,000 people and 2.4% at 80,000 (40 simulated crowds of the
    # same hourly process): the 10% tolerance then tests the mechanism, not the luck of a seed.
    bass_users: int = 80_000
    bass_days: int = 40
    size_ladder: tuple[int, int, int] = (2_000, 10_000, 20_000)
    size_seeds: tuple[int, ...] = (1, 2)
    engine: str = "sessions"  # every run's engine (the facts of both engines can be compared)
    # The seeding fact's own seeds (empty: ``seeds``). Its arms hinge on whether one or two
    # of the seeds' review notes pass the first traffic pool (note appeal is lognormal), and
    # the arms' histories part after the first sample, so pairing removes little: over 20
    # seeds top_degree − random is +89 adopters with an sd of 100–126 between seeds, which 5
    # seeds detect with a power of 0.2–0.4 and 20 seeds with 0.85–0.99 (README, *Seeding*).
    seeding_seeds: tuple[int, ...] = ()
    # Scenario keys (dotted) set in every run, a sensitivity check of an assumption
    # (``redloop validate --set``); a key a fact varies between its arms stays the arm's.
    overrides: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.days < 22:
            raise ValueError("the battery needs ≥ 22 days: switch_2016 switches on day 15")


QUICK = Settings(
    quick=True,
    users=1_000,
    days=22,
    seeds=(1, 2, 3),
    size_ladder=(1_000, 3_000, 6_000),
    size_seeds=(1,),
)
FULL = Settings(
    quick=False, users=2_000, days=30, seeds=(1, 2, 3, 4, 5), seeding_seeds=tuple(range(1, 21))
)


@dataclass
class Finding:
    """What one fact measured. ``value`` holds the numbers behind ``passed``."""

    name: str
    passed: bool
    value: dict[str, float]
    target: str
    source: str
    summary: str
    figures: list[str] = field(default_factory=list)  # embedded HTML

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "value": self.value,
            "target": self.target,
            "source": self.source,
            "summary": self.summary,
        }


@dataclass
class RunData:
    """What the facts read of a finished run: plain arrays, so a worker process can send it."""

    metrics: pd.DataFrame
    tables: dict[str, dict[str, np.ndarray]]
    trace: Trace
    people: np.ndarray  # account ids of the simulated consumers and creators
    brand_products: list[list[int]]


def simulate(scenario: Scenario) -> RunData:
    """Run ``scenario`` to its last day and keep what the facts read."""
    model = RedloopModel(scenario)
    try:
        model.run_days(scenario.days)
        return RunData(
            metrics=model.metrics(),
            tables=model.platform.tables(),
            trace=trace(model.platform.log),
            people=np.array([a.uid for a in model.people], dtype=np.int64),
            brand_products=[list(b.products) for b in model.brands],
        )
    finally:
        model.close()


Request = tuple[str | Scenario, int, dict[str, Any]]


class Runs:
    """Finished runs by scenario: facts that need the same run share it, and the runs a fact
    asks for at once are simulated in parallel worker processes."""

    def __init__(self, settings: Settings, pool: Executor | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self._done: dict[str, RunData] = {}

    def scenario(self, scenario: str | Scenario, seed: int, **overrides: Any) -> Scenario:
        """A named scenario at the battery's size (unless overridden), or a built one as
        given; either with the settings' overrides, under the fact's own."""
        given = dict(self.settings.overrides)
        if isinstance(scenario, Scenario):
            if not given:
                return scenario
            data = scenario.to_dict()
            for key, value in given.items():
                set_key(data, key, value)
            return build(Scenario, data, scenario.name)
        sizes = {"population.users": self.settings.users, "days": self.settings.days}
        return load(scenario, seed=seed, **(sizes | given | overrides))

    def many(self, requests: Sequence[Request]) -> list[RunData]:
        engine = self.settings.engine
        scenarios = [
            replace(self.scenario(name, seed, **over), engine=engine)
            for name, seed, over in requests
        ]
        keys = [json.dumps(sc.to_dict(), sort_keys=True, default=str) for sc in scenarios]
        todo = {k: sc for k, sc in zip(keys, scenarios, strict=True) if k not in self._done}
        if self.pool is None or len(todo) < 2:
            results = map(simulate, todo.values())
        else:
            results = self.pool.map(simulate, todo.values())
        self._done.update(zip(todo, results, strict=True))
        return [self._done[k] for k in keys]

    def get(self, scenario: str | Scenario, seed: int, **overrides: Any) -> RunData:
        return self.many([(scenario, seed, overrides)])[0]

    def each_seed(self, scenario: str, **overrides: Any) -> list[RunData]:
        return self.many([(scenario, seed, overrides) for seed in self.settings.seeds])


Fact = Callable[[Runs, Settings], Finding]

# ------------------------------------------------------------------ shared measures


def run_totals(model: RunData, since_day: int = 0) -> dict[str, float]:
    m = model.metrics
    m = m[m["day"] >= since_day]
    impressions, reads = m["impressions"].sum(), m["reads"].sum()
    return {
        "gmv": float(m["gmv"].sum()),
        "orders": float(m["orders"].sum()),
        "read_rate": float(reads / impressions) if impressions else math.nan,
        "engagement_rate": float(m["engagements"].sum() / reads) if reads else math.nan,
    }


def two_arms(
    arms: Sequence[tuple[str, Sequence[RunData]]], key: str, since_day: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    (_, a), (_, b) = arms
    return (
        np.array([run_totals(m, since_day)[key] for m in a]),
        np.array([run_totals(m, since_day)[key] for m in b]),
    )


def bar_figure(arms: Sequence[tuple[str, np.ndarray]], ylabel: str, caption: str) -> str:
    fig = Figure(figsize=(5.0, 3.0))
    ax = fig.subplots()
    for i, (label, values) in enumerate(arms):
        mean, half = mean_ci(values)
        ax.bar(i, mean, yerr=0 if math.isnan(half) else half, capsize=6, color="#c0392b")
        ax.plot(np.full(values.size, i), values, "o", color="#333", ms=3)
        ax.text(i, 0, label, ha="center", va="bottom", color="white", fontsize=8)
    ax.set_xticks(range(len(arms)), [label for label, _ in arms])
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return figure_html(fig, caption)


def paired_diff_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of b − a over paired seeds and the half-width of its 95% CI (Student t): the
    two arms share each seed's population, so the pairing removes the between-seed spread
    (common random numbers)."""
    return mean_ci(np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64))
