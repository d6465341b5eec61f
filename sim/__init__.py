"""redloop.sim: the engine — model, clock, metrics, runners and the CLI.

For notebooks::

    from redloop.sim import build_model
    model = build_model("baseline", seed=3, **{"population.users": 1000})
    model.run_days(14)
    model.metrics()        # pandas DataFrame, one row per day
    model.brand_metrics()
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redloop.scenarios.schema import Scenario, load

    from .model import RedloopModel
    from .runner import RunResult, run_scenario

__all__ = ["RedloopModel", "RunResult", "Scenario", "build_model", "load", "run_scenario"]

#: Imported on first use, so that ``redloop --help`` (``redloop.sim.cli``) does not load the
#: model, Mesa and the platform just to print its usage.
_LAZY = {
    "RedloopModel": ".model",
    "RunResult": ".runner",
    "run_scenario": ".runner",
    "Scenario": "redloop.scenarios.schema",
    "load": "redloop.scenarios.schema",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def build_model(
    scenario: str | Scenario = "baseline", *, seed: int | None = None, **overrides: Any
) -> RedloopModel:
    """A model from a named scenario (or a path, or a Scenario) with dotted-key overrides."""
    from redloop.scenarios.schema import load

    from .model import RedloopModel

    if isinstance(scenario, str):
        if seed is not None:
            overrides["seed"] = seed
        scenario = load(scenario, **overrides)
    elif seed is not None or overrides:
        raise ValueError("pass overrides with a scenario name or path, not a Scenario object")
    return RedloopModel(scenario)
