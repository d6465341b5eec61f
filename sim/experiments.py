"""Many runs: compare scenarios over seeds, sweep parameter grids (local processes or Ray).

One run is a pure function of (scenario, overrides, seed) → outcomes, so runs parallelise
freely and a sweep can skip the ones already on disk.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from functools import cached_property
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from redloop.scenarios.schema import ScenarioError, load

from .extras import require
from .metrics import CHANNELS, NOTE_KINDS
from .results import atomic_write, write_csv, write_json, write_text

#: Outcomes a comparison reports first, in this order.
KEY_OUTCOMES = ("gmv", "orders", "mean_dau", "adopters", "r_loop", "read_rate", "engagement_rate")


@dataclass(frozen=True)
class Task:
    scenario: str
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    #: settings every task of a sweep shares (``--days``, ``--users``): not a swept column
    fixed: tuple[tuple[str, Any], ...] = ()

    @cached_property
    def run_id(self) -> str:
        """A hash of the fully resolved scenario (its file, everything it extends, the
        overrides and the seed): editing any of them makes a new run, never a stale row."""
        content = json.dumps(asdict(self.load()), sort_keys=True, default=str)
        key = json.dumps([self.scenario, sorted(self.overrides), self.seed, content], default=str)
        return hashlib.sha1(key.encode()).hexdigest()[:12]

    def load(self):
        return load(self.scenario, seed=self.seed, **dict(self.fixed), **dict(self.overrides))


def outcomes(metrics: pd.DataFrame, brands: pd.DataFrame) -> dict[str, float]:
    """Whole-run outcomes of one run: totals, order-weighted attribution shares, brand
    revenue, ROI, spend and budget utilisation."""
    orders = metrics["orders"]
    total_orders = float(orders.sum())
    r_loop = metrics["r_loop"].dropna()
    last = metrics.loc[r_loop.index[-1]] if len(r_loop) else None
    out: dict[str, float] = {
        "gmv": float(metrics["gmv"].sum()),
        "orders": total_orders,
        "mean_dau": float(metrics["dau"].mean()),
        "adopters": float(metrics["adopters"].iloc[-1]),
        "r_loop": float(r_loop.iloc[-1]) if len(r_loop) else math.nan,
        # the within-run 95% bootstrap interval of that last R_loop (compare adds seeds' CI)
        "r_loop_lo": float(last["r_loop_lo"]) if last is not None else math.nan,
        "r_loop_hi": float(last["r_loop_hi"]) if last is not None else math.nan,
        "read_rate": float(metrics["reads"].sum() / max(1, metrics["impressions"].sum())),
        "engagement_rate": float(metrics["engagements"].sum() / max(1, metrics["reads"].sum())),
    }
    for name in [*CHANNELS, *(f"{k}_note" for k in NOTE_KINDS)]:
        col = metrics[f"share_{name}"]
        out[f"share_{name}"] = float((col * orders).sum() / total_orders) if total_orders else 0.0
    if len(brands):
        for row in brands.groupby("brand").last().reset_index().itertuples():
            out[f"revenue[{row.brand}]"] = float(row.revenue)
            out[f"roi[{row.brand}]"] = float(row.roi)
            out[f"spend[{row.brand}]"] = float(row.spend)  # compare strategies at known spend
            out[f"budget[{row.brand}]"] = float(row.budget)  # what it set aside (follows ROI)
            out[f"utilisation[{row.brand}]"] = float(row.utilisation)
    return out


def run_task(task: Task) -> dict[str, Any]:
    """Run one task headless (no files) and return its outcomes and daily metrics."""
    from .model import RedloopModel

    scenario = task.load()
    model = RedloopModel(scenario)
    model.run_days(scenario.days)
    metrics, brands = model.metrics(), model.brand_metrics()
    return {
        "run_id": task.run_id,
        "scenario": task.scenario,
        "seed": task.seed,
        **{f"set:{k}": v for k, v in task.overrides},
        **outcomes(metrics, brands),
        "_metrics": metrics.to_dict(orient="list"),
    }


def validate(tasks: Iterable[Task]) -> list[Task]:
    """Load every task's scenario up front: a bad value fails before any run starts."""
    tasks = list(tasks)
    for task in tasks:
        task.load()
    return tasks


# ------------------------------------------------------------------ executing


def execute(
    tasks: list[Task],
    *,
    backend: str = "local",
    jobs: int | None = None,
    address: str | None = None,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    fn: Callable[[Any], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Run tasks in parallel on local processes or Ray; results in task order. ``fn`` runs
    one task (default :func:`run_task`)."""
    if not tasks:
        return []
    results: dict[str, dict[str, Any]] = {}
    if backend == "ray":
        found = _run_ray(tasks, jobs, address, fn or run_task)
    else:
        found = _run_local(tasks, jobs, fn or run_task)
    with tqdm(total=len(tasks), unit="run", disable=not progress) as bar:
        for result in found:
            results[result["run_id"]] = result
            if on_result is not None:
                on_result(result)
            bar.update(1)
    return [results[t.run_id] for t in tasks]


def _run_local(
    tasks: list[Any], jobs: int | None, fn: Callable[[Any], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) == 1:
        yield from map(fn, tasks)
        return
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(fn, t) for t in tasks]
        for future in as_completed(futures):
            yield future.result()
    except BaseException:  # Ctrl-C, SIGTERM turned into SystemExit, a failed run
        _stop(pool)
        raise
    pool.shutdown()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now, not after their current run."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)


def _die_with_parent(parent: int, every: float = 0.5) -> None:
    """Worker initializer: exit as soon as the sweep's process is gone (even SIGKILLed, when
    no clean-up of its own can run), so a killed sweep never leaves runs computing."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _run_ray(
    tasks: list[Any], jobs: int | None, address: str | None, fn: Callable[[Any], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Ray is the distributed engine: a local instance by default, ``address`` for a cluster."""
    require("ray", extra="cluster")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    started = not ray.is_initialized()
    if started:
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        elif jobs:
            kwargs["num_cpus"] = jobs
        ray.init(**kwargs)
    try:
        remote = ray.remote(fn)
        pending = [remote.remote(t) for t in tasks]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started:
            ray.shutdown()


# ------------------------------------------------------------------ compare


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (Student t)."""
    from .stats import t975

    v = values[~np.isnan(values)]
    if v.size == 0:
        return math.nan, math.nan
    if v.size == 1:
        return float(v[0]), math.nan
    return float(v.mean()), float(t975(v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))


def diff_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """B − A and the half-width of its 95% CI (Welch's t, Welch–Satterthwaite df)."""
    from .stats import t975

    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        d = float(b.mean() - a.mean()) if a.size and b.size else math.nan
        return d, math.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return float(b.mean() - a.mean()), 0.0
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(b.mean() - a.mean()), float(t975(max(1, round(df))) * se)


def _seeds_to_detect(a: np.ndarray, b: np.ndarray, effect: float) -> float:
    """Seeds per scenario that would detect ``effect`` given the seeds' pooled spread."""
    from .stats import seeds_to_detect

    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return math.nan
    return seeds_to_detect(effect, math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))


def comparison_table(
    a: str, b: str, results_a: list[dict[str, Any]], results_b: list[dict[str, Any]]
) -> pd.DataFrame:
    keys = [
        k
        for k in results_a[0]
        if not k.startswith(("_", "set:"))
        and k not in ("run_id", "scenario", "seed")
        and k in results_b[0]
    ]
    keys.sort(key=lambda k: (KEY_OUTCOMES.index(k) if k in KEY_OUTCOMES else len(KEY_OUTCOMES), k))
    rows = []
    for key in keys:
        va = np.array([r[key] for r in results_a], dtype=float)
        vb = np.array([r[key] for r in results_b], dtype=float)
        ma, ca = mean_ci(va)
        mb, cb = mean_ci(vb)
        d, cd = diff_ci(va, vb)
        significant = bool(cd == cd and abs(d) > cd)
        rows.append(
            {
                "outcome": key,
                f"{a} mean": ma,
                f"{a} ±95%": ca,
                f"{b} mean": mb,
                f"{b} ±95%": cb,
                "difference (B−A)": d,
                "diff ±95%": cd,
                "significant": significant,
                # for a difference not (yet) significant: seeds per scenario to detect it
                "seeds to detect": math.nan if significant else _seeds_to_detect(va, vb, d),
            }
        )
    return pd.DataFrame(rows)


def compare(
    a: str,
    b: str,
    *,
    seeds: int,
    out: Path,
    overrides: dict[str, Any] | None = None,
    backend: str = "local",
    jobs: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run scenarios A and B over the same seeds; write table (CSV) and report (HTML)."""
    items = tuple(sorted((overrides or {}).items()))
    base_seed = load(a).seed
    tasks = validate(Task(name, items, base_seed + i) for name in (a, b) for i in range(seeds))
    results = execute(tasks, backend=backend, jobs=jobs, progress=progress)
    res_a, res_b = results[:seeds], results[seeds:]
    table = comparison_table(a, b, res_a, res_b)
    runs = {a: [r["_metrics"] for r in res_a], b: [r["_metrics"] for r in res_b]}
    write_comparison(out, table, runs, title=f"redloop — {a} vs {b} ({seeds} seeds)")
    return table


def write_comparison(
    out: Path, table: pd.DataFrame, runs: dict[str, list[dict[str, list]]], *, title: str
) -> None:
    """``comparison.csv`` (the table) and ``comparison.html`` (it, then each metric's daily
    mean per arm with a 95% band) from the arms' daily metrics (one dict of columns per run)."""
    from .report_compare import render_comparison_report

    frames = {label: [pd.DataFrame(m) for m in metrics] for label, metrics in runs.items()}
    write_csv(out / "comparison.csv", table)
    write_text(
        out / "comparison.html",
        render_comparison_report(frames, table.set_index("outcome"), title=title),
    )


# ------------------------------------------------------------------ sweep


def parse_set(option: str) -> tuple[str, list[Any]]:
    """``key=v1,v2`` → (key, [v1, v2]); values read as TOML (numbers, true/false, strings)."""
    key, sep, values = option.partition("=")
    if not sep or not key or not values:
        raise ScenarioError("--set", option, "expected key=value[,value...]")

    def value(text: str) -> Any:
        try:
            return tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            return text

    return key.strip(), [value(v.strip()) for v in values.split(",")]


def sweep_tasks(
    scenario: str,
    grid: list[tuple[str, list[Any]]],
    seeds: int,
    fixed: dict[str, Any] | None = None,
) -> list[Task]:
    """The grid × seeds; ``fixed`` overrides (run length, population) apply to every task."""
    keys = [k for k, _ in grid]
    shared = tuple(sorted((fixed or {}).items()))
    for key in keys:
        if key == "seed":
            raise ScenarioError(
                "--set", key, "seeds come from --seeds N (the scenario's seed, +1, +2, ...)"
            )
        if key in (fixed or {}):
            raise ScenarioError("--set", key, f"also given as a flag ({key}); give it once")
        if keys.count(key) > 1:
            raise ScenarioError(
                "--set", key, "given more than once; give all its values in one --set key=v1,v2"
            )
    base_seed = load(scenario).seed
    tasks = []
    for combo in itertools.product(*(vals for _, vals in grid)):
        items = tuple(sorted(zip(keys, combo, strict=True)))
        tasks += [Task(scenario, items, base_seed + i, shared) for i in range(seeds)]
    return validate(tasks)


def sweep(
    scenario: str,
    grid: list[tuple[str, list[Any]]],
    *,
    seeds: int,
    out: Path,
    fixed: dict[str, Any] | None = None,
    backend: str = "local",
    jobs: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run the grid × seeds, one row per run in ``results.csv`` and ``results.parquet``, and
    draw each outcome against each swept value in ``sweep.html``.

    Finished runs are kept in ``runs/<run_id>.json``; re-running skips them (a run's id
    covers the resolved scenario's content, so an edited scenario runs again). The table's
    ``attrs["ran"]`` says how many runs this call executed (0: nothing was left to run).
    """
    from .report_sweep import render_sweep_report

    tasks = sweep_tasks(scenario, grid, seeds, fixed)
    done_dir = out / "runs"
    done_dir.mkdir(parents=True, exist_ok=True)
    todo = [t for t in tasks if not (done_dir / f"{t.run_id}.json").exists()]

    def keep(result: dict[str, Any]) -> None:
        row = {k: v for k, v in result.items() if not k.startswith("_")}
        write_json(done_dir / f"{result['run_id']}.json", row)

    execute(todo, backend=backend, jobs=jobs, address=address, progress=progress, on_result=keep)
    rows = [json.loads((done_dir / f"{t.run_id}.json").read_text()) for t in tasks]
    table = pd.DataFrame(rows)
    table.attrs["ran"] = len(todo)
    write_csv(out / "results.csv", table)
    atomic_write(out / "results.parquet", lambda f: table.to_parquet(f, index=False), binary=True)
    title = f"redloop — sweep of {scenario} ({seeds} seed{'s' if seeds > 1 else ''} per point)"
    write_text(out / "sweep.html", render_sweep_report(table, title=title))
    return table
