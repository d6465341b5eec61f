"""Headless runs: a scenario in, a results folder out."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from redloop import __version__
from redloop.platform.api import PlatformError
from redloop.scenarios.schema import Scenario, load

from . import checkpoints
from .checkpoints import CheckpointError
from .model import RedloopModel
from .results import EVENT_LOGS, event_log, set_mode, write_csv, write_json, write_text


@dataclass
class RunResult:
    out: Path
    metrics: pd.DataFrame
    brands: pd.DataFrame
    summary: dict[str, Any]

    @property
    def report(self) -> Path:
        return self.out / "report.html"

    @property
    def events(self) -> Path:
        """The run's event log (a SQLite file or a Parquet folder)."""
        return event_log(self.out)


def summarise(
    model: RedloopModel, metrics: pd.DataFrame, brands: pd.DataFrame, wall: float
) -> dict[str, Any]:
    sc = model.scenario_config
    r_loop = metrics["r_loop"].dropna()
    last = metrics.loc[r_loop.index[-1]] if len(r_loop) else None
    sessions = int(metrics["sessions"].sum())
    final_brands = brands.groupby("brand").last().reset_index() if len(brands) else brands
    return {
        "scenario": sc.name,
        "description": sc.description,
        "seed": sc.seed,
        "days": len(metrics),
        "users": sc.population.users,
        "recommender": model.platform.recommender,
        "redloop_version": __version__,
        "totals": {
            "sessions": sessions,
            "notes": int(metrics["notes"].sum()),
            "orders": int(metrics["orders"].sum()),
            "gmv": round(float(metrics["gmv"].sum()), 2),
            "adopters": int(metrics["adopters"].iloc[-1]) if len(metrics) else 0,
            "mean_dau": round(float(metrics["dau"].mean()), 1) if len(metrics) else 0,
            "read_rate": float(metrics["reads"].sum() / max(1, metrics["impressions"].sum())),
            "r_loop_final": float(r_loop.iloc[-1]) if len(r_loop) else None,
            "r_loop_interval": (
                [float(last["r_loop_lo"]), float(last["r_loop_hi"])] if last is not None else None
            ),
            "events": len(model.platform.log),
        },
        "brands": final_brands.to_dict(orient="records"),
        "wall_seconds": round(wall, 2),
        "sessions_per_second": round(sessions / wall, 1) if wall > 0 else None,
    }


def run_scenario(
    scenario: Scenario | str,
    out: str | os.PathLike[str],
    *,
    progress: bool = True,
    schedule: checkpoints.Schedule = checkpoints.NEVER,
    log_format: str = "sqlite",
) -> RunResult:
    """Run ``scenario`` (a :class:`Scenario`, or a name or file for :func:`load`) for its
    days and write the results folder ``out`` with its event log in ``log_format``
    (:data:`~.results.EVENT_LOGS`), checkpointing on ``schedule`` (default: never).

    ``summary.json`` is written last and removed first: its presence marks a complete run.
    """
    if log_format not in EVENT_LOGS:
        allowed = ", ".join(EVENT_LOGS)
        raise ValueError(f"log_format must be one of {allowed}; got {log_format!r}")
    scenario = load(scenario) if isinstance(scenario, str) else scenario
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").unlink(missing_ok=True)
    start = time.perf_counter()
    model = RedloopModel(scenario, log_path=str(out / EVENT_LOGS[log_format]))
    return finish(model, out, start, progress=progress, schedule=schedule)


def resume_run(out: Path, *, progress: bool = True) -> RunResult:
    """Continue the interrupted run in ``out`` from its latest checkpoint to the end: the
    results are those of the uninterrupted run (same event log, same metrics)."""
    if (out / "summary.json").exists():
        raise CheckpointError(f"{out}: the run there is complete (it has summary.json)")
    path = checkpoints.find(out)
    header, model = checkpoints.read(path)
    events = event_log(out)
    stored = checkpoints.stored_meta(events)
    if stored is None or checkpoints.scenario_hash(stored) != header.scenario:
        raise CheckpointError(
            f"{path}: {events} is not the event log of this checkpoint's run (another "
            "scenario, or missing)"
        )
    start = time.perf_counter()
    try:
        model.platform.log.resume_stream(events, header.log_head or "")
    except PlatformError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    schedule = checkpoints.Schedule(header.every, header.keep)
    return finish(model, out, start, progress=progress, schedule=schedule)


def finish(
    model: RedloopModel,
    out: Path,
    start: float,
    *,
    progress: bool,
    schedule: checkpoints.Schedule = checkpoints.NEVER,
) -> RunResult:
    """Run ``model`` from its current day to its scenario's last, then write the results."""
    from .report import render_run_report

    scenario = model.scenario_config
    with tqdm(
        total=scenario.days,
        initial=model.day,
        unit="day",
        disable=not progress,
        desc=f"{scenario.name} (seed {scenario.seed})",
    ) as bar:
        while model.day < scenario.days:
            model.run_days(1)
            bar.update(1)
            if schedule.due(model.day, scenario.days):
                checkpoints.write(model, out, schedule)
    model.close()
    set_mode(event_log(out))
    wall = time.perf_counter() - start
    metrics, brands = model.metrics(), model.brand_metrics()
    summary = summarise(model, metrics, brands, wall)
    write_csv(out / "metrics.csv", metrics)
    write_csv(out / "brands.csv", brands)
    weeks = model.brand_weeks()
    write_csv(out / "brand_weeks.csv", weeks)
    write_text(
        out / "report.html",
        render_run_report(
            metrics, brands, summary, title=f"redloop — {scenario.name}", brand_weeks=weeks
        ),
    )
    write_json(out / "summary.json", summary)
    return RunResult(out, metrics, brands, summary)
