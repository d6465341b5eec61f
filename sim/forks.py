"""Forks: a counterfactual that branches from a checkpoint of a run.

A fork restores a run at day D and changes what can change mid-run — the run's length,
behaviour rates (``behaviour.*``), platform settings (``platform.*`` but those the platform
keeps while running, ``FIXED_MID_RUN``), dated events added on or after day D, a brand's
budget, strategy, bid, discount and boost share — then runs on. It shares
the original's history to the day, and its random numbers after it wherever the two stay
alike (streams keyed by purpose and hour): the comparison of arm A (the run continued) with
arm B (the fork) is paired, seed by seed.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redloop.platform.api import InvalidInput, PlatformError
from redloop.scenarios.schema import Scenario, build, load, set_key

from . import checkpoints
from .checkpoints import CheckpointError
from .experiments import comparison_table, execute, mean_ci, outcomes, write_comparison
from .results import event_log

if TYPE_CHECKING:
    from .model import RedloopModel
    from .runner import RunResult

#: A brand's settings that a fork may change: how it markets from the fork on.
BRAND_MUTABLE = ("budget", "strategy", "ad_cpm", "discount", "boost_share")
#: What a fork may change (dotted keys; a trailing dot: everything under it; ``*``: any one
#: brand, by name). The platform refuses the settings it keeps while running.
MUTABLE = (
    "name",
    "description",
    "days",
    "behaviour.",
    "platform.",
    "timeline",
    *(f"brands.*.{field}" for field in BRAND_MUTABLE),
)


def changed_keys(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys whose values differ: tables compared key by key, lists of the same
    named tables (the brands) table by table under their names, other lists whole."""
    keys = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += changed_keys(a, b, f"{prefix}{key}.")
        elif _names(a) and _names(a) == _names(b):
            for x, y in zip(a, b, strict=True):  # type: ignore[arg-type]
                keys += changed_keys(x, y, f"{prefix}{key}.{x['name']}.")
        elif a != b:
            keys.append(f"{prefix}{key}")
    return keys


def _names(value: Any) -> list[str] | None:
    """The names of a list of named tables, else None."""
    if isinstance(value, list) and all(isinstance(t, dict) and "name" in t for t in value):
        return [t["name"] for t in value]
    return None


def _may_change(key: str) -> bool:
    return any(
        key == m or (m.endswith(".") and key.startswith(m)) or ("*" in m and fnmatchcase(key, m))
        for m in MUTABLE
    )


def forked_scenario(
    original: Scenario, scenario: str | None, overrides: list[tuple[str, Any]]
) -> Scenario:
    """The fork's scenario: ``scenario`` (a name or file; default the original) with
    ``overrides`` (dotted keys) on top; the original's seed, size and length are kept
    unless overridden."""
    if scenario is None:
        data = original.to_dict()
        for key, value in overrides:
            set_key(data, key, value)
        return build(Scenario, data, "fork")
    kept = {"seed": original.seed, "population.users": original.population.users}
    return load(scenario, **kept, days=original.days, **dict(overrides))


def check_fork(old: Scenario, scenario: Scenario, hour: int) -> list[str]:
    """The keys ``scenario`` changes from ``old``; CheckpointError if a fork at ``hour``
    cannot change them."""
    changed = changed_keys(old.to_dict(), scenario.to_dict())
    for key in changed:
        if not _may_change(key):
            allowed = (
                "days, behaviour.*, platform.*, dated events from the fork day, "
                f"brands.NAME.{{{','.join(BRAND_MUTABLE)}}}"
            )
            raise CheckpointError(f"{key}: cannot change mid-run (a fork may change {allowed})")
    settings = platform_settings(scenario, changed)
    try:
        old.platform_config().changed(settings)
    except InvalidInput as exc:
        raise CheckpointError(f"platform.{exc.field}: {exc.message}") from None
    day = hour // 24
    if scenario.days <= day:
        raise CheckpointError(f"days: {scenario.days} ends before the fork day {day}")
    if any(e not in scenario.timeline for e in old.timeline):
        raise CheckpointError("timeline: a fork may add dated events, not remove them")
    if any(e.day * 24 < hour for e in scenario.timeline if e not in old.timeline):
        raise CheckpointError(f"timeline: an added event is dated before the fork day {day}")
    return changed


def platform_settings(scenario: Scenario, changed: list[str]) -> dict[str, Any]:
    """The platform settings among the ``changed`` keys, by name, as ``scenario``'s platform
    holds them (pools sized to the community)."""
    config = scenario.platform_config()
    names = [key.removeprefix("platform.") for key in changed if key.startswith("platform.")]
    return {name: getattr(config, name) for name in names}


def retarget(model: RedloopModel, scenario: Scenario) -> None:
    """Give a restored ``model`` the fork's ``scenario`` from its current hour on;
    CheckpointError if it changes what cannot change mid-run."""
    old = model.scenario_config
    changed = check_fork(old, scenario, model.hour)
    added = [e for e in scenario.timeline if e not in old.timeline]
    model.scenario_config = scenario
    model.take_behaviour(scenario.behaviour)
    if "behaviour.post_purchase_sharing" in changed:
        model.sharing_enabled = scenario.behaviour.post_purchase_sharing
    settings = platform_settings(scenario, changed)
    if settings:
        model.platform.set_config(settings, now=model.hour)
        model.page_size = model.platform.config.page_size
    for event in added:
        model.offline.later(event.day * 24, model.timeline_event, event)
    _rebrief_brands(model, scenario, changed)


def _rebrief_brands(model: RedloopModel, scenario: Scenario, changed: list[str]) -> None:
    """Brands whose settings the fork changes market by the new ones from now on; a new
    budget restarts the weekly budget's adaptation from it."""
    from .population import brand_settings

    specs = {spec.name: spec for spec in scenario.brands}
    for brand in model.brands:
        prefix = f"brands.{brand.name}."
        if not any(key.startswith(prefix) for key in changed):
            continue
        brand.spec = brand_settings(specs[brand.name], scenario.size_factor)
        if f"{prefix}budget" in changed:
            brand.weekly_budget = brand.spec.budget


def fork_run(
    source: Path,
    day: int,
    out: Path,
    *,
    scenario: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
    progress: bool = True,
) -> RunResult:
    """A new results folder ``out``: the run in ``source`` to ``day``, then the fork."""
    from .runner import finish

    header, model = checkpoints.read(checkpoints.find(source, day))
    new = forked_scenario(model.scenario_config, scenario, overrides or [])
    check_fork(model.scenario_config, new, model.hour)  # before anything is written
    earlier = event_log(source)  # the fork's log has the original's format
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        # the settings its history starts from (the fork's changes are events in it)
        "platform_config": checkpoints.stored_meta(earlier, "platform_config"),
        "scenario": new.to_dict(),
        "fork": {"of": str(source), "day": day},
    }
    start = time.perf_counter()
    try:
        model.platform.log.fork_stream(
            out / earlier.name, earlier, header.log_head or "", meta
        )  # a log kept in memory (no head) has no file to fork from: refused as missing
    except PlatformError as exc:
        if created:  # a refused fork leaves nothing behind (the stream discarded its file)
            out.rmdir()
        raise CheckpointError(f"{source}: {exc}") from None
    retarget(model, new)  # after the history is copied: a change of settings is an event
    return finish(model, out, start, progress=progress)


# ------------------------------------------------------------------ comparing forks


@dataclass(frozen=True)
class ForkPair:
    """Arm A (scenario ``a`` run to the end) and arm B (forked from it at ``day``) on one
    seed."""

    a: str
    b: str
    day: int
    seed: int
    size: tuple[tuple[str, Any], ...] = ()

    @property
    def run_id(self) -> str:
        return str(self.seed)

    def scenarios(self) -> tuple[Scenario, Scenario]:
        original = load(self.a, seed=self.seed, **dict(self.size))
        return original, load(self.b, seed=self.seed, **dict(self.size))


def run_fork_pair(pair: ForkPair) -> dict[str, Any]:
    """Both arms' outcomes: the history is run once, checkpointed in memory, then continued
    unchanged (A) and forked (B)."""
    from .model import RedloopModel

    a, b = pair.scenarios()
    model = RedloopModel(a)
    model.run_days(pair.day)
    saved = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    arms = {}
    for name, scenario in (("a", a), ("b", b)):
        arm = pickle.loads(saved)
        if name == "b":
            retarget(arm, scenario)
        arm.run_days(arm.scenario_config.days - arm.day)
        metrics = arm.metrics()
        arms[name] = outcomes(metrics, arm.brand_metrics())
        arms[f"_metrics_{name}"] = metrics.to_dict(orient="list")
    return {"run_id": pair.run_id, **arms}


def compare_forks(
    a: str,
    b: str,
    *,
    day: int,
    seeds: int,
    out: Path,
    size: dict[str, Any] | None = None,
    jobs: int | None = None,
    backend: str = "local",
    address: str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """A vs B as forks of one history per seed: the comparison table and report of
    ``compare``, with the difference's 95% CI paired by seed (t on the per-seed
    differences); both arms' curves coincide up to ``day``."""
    base = load(a, **(size or {}))
    if not 0 < day < base.days:
        raise CheckpointError(f"--fork-day {day}: must be between 1 and {base.days - 1}")
    pairs = [
        ForkPair(a, b, day, base.seed + i, tuple(sorted((size or {}).items())))
        for i in range(seeds)
    ]
    check_fork(*pairs[0].scenarios(), day * 24)  # before any run
    results = execute(
        pairs, backend=backend, jobs=jobs, address=address, progress=progress, fn=run_fork_pair
    )
    table = comparison_table(a, b, [r["a"] for r in results], [r["b"] for r in results])
    paired = []
    for key in table["outcome"]:
        d = np.array([r["b"][key] - r["a"][key] for r in results], dtype=float)
        paired.append(mean_ci(d))
    table["diff ±95%"] = [ci for _, ci in paired]
    table["difference (B−A)"] = [m for m, _ in paired]
    table["significant"] = [bool(ci == ci and abs(m) > ci) for m, ci in paired]
    table = table.drop(columns=["seeds to detect"])
    runs = {a: [r["_metrics_a"] for r in results], b: [r["_metrics_b"] for r in results]}
    title = f"redloop — {a} vs {b}, forked at day {day} ({seeds} seeds, paired)"
    write_comparison(out, table, runs, title=title)
    return table
