"""redloop.sim: the engine — model, clock, metrics, runners and the CLI.

For notebooks::

    from redloop.sim import build_model
    model = build_model("baseline", seed=3, **{"population.users": 1000})
    model.run_days(14)
    model.metrics()        # pandas DataFrame, one row per day
    model.brand_metrics()
"""

from __future__ import annotations

from typing import Any

from redloop.scenarios.schema import Scenario, load

from .model import RedloopModel
from .runner import RunResult, run_scenario

__all__ = ["RedloopModel", "RunResult", "Scenario", "build_model", "load", "run_scenario"]


def build_model(
    scenario: str | Scenario = "baseline", *, seed: int | None = None, **overrides: Any
) -> RedloopModel:
    """A model from a named scenario (or a path, or a Scenario) with dotted-key overrides."""
    if isinstance(scenario, str):
        if seed is not None:
            overrides["seed"] = seed
        scenario = load(scenario, **overrides)
    elif seed is not None or overrides:
        raise ValueError("pass overrides with a scenario name or path, not a Scenario object")
    return RedloopModel(scenario)
