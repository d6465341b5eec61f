"""``redloop loadtest``: the simulated crowd as traffic, with a realistic shape.

The crowd is built from a scenario on the target, in-process or over HTTP, and then its
sessions are generated as an **open model**: arrivals form a Poisson process whose rate is
``rate x shape(t)`` (:mod:`.shapes`), and each arrival starts one session at its time whether
or not earlier sessions have finished — a slow server gets more concurrent sessions, never
fewer arrivals (no coordinated omission). The rate is in sessions per second; requests follow
from what people do in a session.

Each arrival picks a person weighted by activity and runs one ``visit()`` — or, at the crowd's
posting rate relative to its sessions, a poster or creator runs ``compose()`` and publishes
(:mod:`.crowd`). Behaviour is the agents' own generator code, stepped by the one driver loop
of :mod:`redloop.agents.steps`. Targets (:mod:`.targets`): ``inproc`` or the URL of a fresh
``redloop serve``. Results (:mod:`.output`, ``--out``): ``loadtest.csv``, ``timeline.csv``,
``loadtest.html`` and ``summary.json`` (last).
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from redloop.scenarios.schema import Scenario
from redloop.scenarios.schema import load as load_scenario

from .crowd import Crowd
from .errors import LoadTestError
from .output import format_table, write_results
from .result import RunResult
from .shapes import SHAPES, Plan, make_shape
from .stats import Stats
from .targets import HTTP_CLIENTS, HttpTarget, InProcessTarget

__all__ = [
    "DEFAULT_MAX_ERROR_RATE",
    "DEFAULT_RATE_PER_USER",
    "LoadTestConfig",
    "LoadTestReport",
    "check_thresholds",
    "main_loadtest",
    "parse_duration",
    "run_loadtest",
]

#: Sessions a person starts per second by default (``--rate`` = users x this).
DEFAULT_RATE_PER_USER = 0.05
#: A run with more failed requests than this share fails (exit 1) unless told otherwise.
DEFAULT_MAX_ERROR_RATE = 0.01


@dataclass
class LoadTestConfig:
    """Everything ``redloop loadtest`` takes (see :func:`parse_duration` for durations)."""

    target: str = "inproc"
    users: int = 500
    duration: float = 30.0
    shape: str = "constant"
    scenario: str | None = None
    rate: float | None = None  # base sessions/s; default users x DEFAULT_RATE_PER_USER
    seed: int | None = None
    out: Path | None = None
    max_p99_ms: float | None = None
    max_error_rate: float | None = DEFAULT_MAX_ERROR_RATE
    max_outstanding: int = 2000
    connections: int = 100
    http_client: str = "lean"
    quiet: bool = False

    def validate(self) -> None:
        if self.shape not in SHAPES:
            raise LoadTestError(f"unknown shape {self.shape!r}; choose one of {', '.join(SHAPES)}")
        if self.http_client not in HTTP_CLIENTS:
            raise LoadTestError(
                f"unknown --http-client {self.http_client!r}; choose one of "
                f"{', '.join(HTTP_CLIENTS)}"
            )
        checks = (
            ("--users", self.users, 1),
            ("--duration", self.duration, 1e-9),
            ("--rate", self.rate, 0.0),
            ("--seed", self.seed, 0),
            ("--max-p99-ms", self.max_p99_ms, 0.0),
            ("--max-error-rate", self.max_error_rate, 0.0),
            ("--max-outstanding", self.max_outstanding, 1),
            ("--connections", self.connections, 1),
        )
        for flag, value, lowest in checks:
            if value is not None and not (math.isfinite(value) and value >= lowest):
                bound = "> 0" if lowest == 1e-9 else f">= {lowest:g}"
                raise LoadTestError(f"{flag} must be {bound}; got {value:g}")
        if self.max_error_rate is not None and self.max_error_rate > 1:
            raise LoadTestError(f"--max-error-rate is a fraction 0..1; got {self.max_error_rate}")
        if self.target != "inproc" and not re.match(r"^https?://[^/\s]+", self.target):
            raise LoadTestError(
                f"--target must be 'inproc' or an http(s):// URL of `redloop serve`; "
                f"got {self.target!r}"
            )
        if self.target.startswith("https://") and self.http_client == "lean":
            raise LoadTestError("the lean HTTP client speaks plain http: use --http-client httpx")


def parse_duration(text: str) -> float:
    """``"30"``, ``"30s"``, ``"2m"``, ``"1.5h"`` -> seconds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([smh]?)\s*", str(text))
    if not match:
        raise LoadTestError(f"--duration must be seconds or like 30s, 2m, 1h; got {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


@dataclass
class LoadTestReport:
    """A finished load test: the numbers, and the frames its files are written from."""

    summary: dict[str, Any]
    endpoints: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    series: dict[str, list[float]]
    breaches: list[str]
    result: RunResult


def scenario_for(cfg: LoadTestConfig) -> Scenario:
    overrides: dict[str, Any] = {"population.users": cfg.users}
    if cfg.seed is not None:
        overrides["seed"] = cfg.seed
    return load_scenario(cfg.scenario or "baseline", **overrides)


def make_target(cfg: LoadTestConfig, scenario: Scenario) -> InProcessTarget | HttpTarget:
    if cfg.target == "inproc":
        return InProcessTarget(scenario)
    return HttpTarget(
        cfg.target,
        max_outstanding=cfg.max_outstanding,
        connections=cfg.connections,
        http_client=cfg.http_client,
    )


def run_loadtest(
    cfg: LoadTestConfig, *, target: InProcessTarget | HttpTarget | None = None
) -> LoadTestReport:
    """Build the crowd on the target, run the arrival plan, and summarise (writes nothing)."""
    cfg.validate()
    scenario = scenario_for(cfg)
    shape = make_shape(cfg.shape, cfg.duration, scenario)
    target = target if target is not None else make_target(cfg, scenario)
    if isinstance(target, HttpTarget):
        target.check()  # fail fast, before building anything
    seeds = np.random.SeedSequence(scenario.seed).spawn(2)
    plan_rng, pick_rng = (np.random.default_rng(s) for s in seeds)
    say = (lambda *a: None) if cfg.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    say(f"redloop loadtest: building {cfg.users:,} users ({scenario.name}) on {target.label} ...")
    crowd = target.build(scenario, pick_rng)
    rate = cfg.rate if cfg.rate is not None else max(1.0, cfg.users * DEFAULT_RATE_PER_USER)
    plan = Plan.draw(shape, rate, crowd.compose_share, plan_rng)
    say(
        f"  built in {target.setup.get('seconds', 0):.1f} s; {len(plan.times):,} arrivals "
        f"over {cfg.duration:g} s ({cfg.shape}, base {rate:g} sessions/s, peak "
        f"{rate * shape.peak:g}/s)"
    )
    result = target.run(crowd, plan, grace=_grace(cfg.duration), progress=not cfg.quiet)
    return summarise(cfg, scenario, target, crowd, result)


def _grace(duration: float) -> float:
    """How long sessions in flight at the end may take to finish."""
    return min(10.0, max(2.0, 0.2 * duration))


def summarise(
    cfg: LoadTestConfig,
    scenario: Scenario,
    target: InProcessTarget | HttpTarget,
    crowd: Crowd,
    result: RunResult,
) -> LoadTestReport:
    stats, plan = result.stats, result.plan
    elapsed = max(result.elapsed, 1e-9)
    endpoints = stats.table(elapsed)
    total = endpoints[-1]
    statuses = Counter(stats.total.statuses)
    # One-second buckets over the run (a last sliver shorter than 50 ms is not a bucket).
    seconds = max(1, math.ceil(plan.shape.duration), math.ceil(elapsed - 0.05))
    timeline = stats.timeline()
    per_second = {int(r["t"]): r for r in timeline if r["endpoint"] == Stats.TOTAL}
    series = {
        "t": list(range(seconds)),
        "offered_sessions_per_s": plan.offered(seconds).tolist(),
        "sessions_per_s": result.per_second(seconds).tolist(),
        "requests_per_s": [float(per_second.get(s, {}).get("requests", 0)) for s in range(seconds)],
        "p50_ms": [float(per_second.get(s, {}).get("p50_ms", math.nan)) for s in range(seconds)],
        "p99_ms": [float(per_second.get(s, {}).get("p99_ms", math.nan)) for s in range(seconds)],
    }
    tally = crowd.model.tally
    summary: dict[str, Any] = {
        "target": target.label,
        "recommender": target.recommender,
        "scenario": scenario.name,
        "users": cfg.users,
        "seed": scenario.seed,
        "shape": cfg.shape,
        "duration_s": cfg.duration,
        "elapsed_s": result.elapsed,
        "rate_sessions_per_s": plan.rate,
        "peak_rate_sessions_per_s": plan.rate * plan.shape.peak,
        "compose_share": crowd.compose_share,
        "requests": total["requests"],
        "errors": total["errors"],
        "error_rate": total["error_rate"],
        "throughput_rps": total["rps"],
        "p50_ms": total["p50_ms"],
        "p90_ms": total["p90_ms"],
        "p99_ms": total["p99_ms"],
        "max_ms": total["max_ms"],
        "status_counts": {str(k): statuses[k] for k in sorted(statuses)},
        "server_errors_5xx": sum(n for k, n in statuses.items() if k >= 500),
        "unanswered": statuses.get(0, 0),
        "target_alive": target.alive(),
        "sessions": result.session_figures(),
        "crowd": {
            "sessions": tally.sessions,
            "reads": tally.reads,
            "orders": tally.orders,
            "gmv": round(tally.gmv, 2),
            "notes_published": tally.notes_organic,
        },
        "setup": dict(target.setup),
        "session_failures": dict(result.failures.most_common(10)),
    }
    breaches = check_thresholds(summary, cfg.max_p99_ms, cfg.max_error_rate)
    summary["thresholds"] = {
        "max_p99_ms": cfg.max_p99_ms,
        "max_error_rate": cfg.max_error_rate,
        "breached": breaches,
    }
    return LoadTestReport(summary, endpoints, timeline, series, breaches, result)


def check_thresholds(
    summary: dict[str, Any], max_p99_ms: float | None, max_error_rate: float | None
) -> list[str]:
    """One line per breached threshold, the first naming a target that died (empty: all met
    or none set, and the target still answers)."""
    breaches = []
    if not summary.get("target_alive", True):
        breaches.append(
            f"the target {summary['target']} died during the run: it no longer answers /health "
            f"({summary.get('unanswered', 0):,} requests got no answer)"
        )
    if (max_p99_ms is not None or max_error_rate is not None) and not summary["requests"]:
        breaches.append("no requests completed, so no threshold can be met")
    if max_p99_ms is not None and summary["p99_ms"] > max_p99_ms:
        breaches.append(f"p99 latency {summary['p99_ms']:.2f} ms > --max-p99-ms {max_p99_ms:g}")
    if max_error_rate is not None and summary["error_rate"] > max_error_rate:
        breaches.append(
            f"error rate {summary['error_rate']:.4f} ({summary['errors']:,} of "
            f"{summary['requests']:,} requests) > --max-error-rate {max_error_rate:g}"
        )
    return breaches


def main_loadtest(
    cfg: LoadTestConfig, *, target: InProcessTarget | HttpTarget | None = None
) -> int:
    """What ``redloop loadtest`` does after parsing: run, print, write; 1 on a breach (the
    error rate over ``--max-error-rate``, 1% by default, or a target that died)."""
    report = run_loadtest(cfg, target=target)
    out = cfg.out if cfg.out is not None else Path("results") / f"loadtest-{cfg.shape}"
    write_results(report, out)
    s = report.summary
    sessions = s["sessions"]
    if not cfg.quiet:
        print(format_table(report.endpoints))
    print(
        f"{s['requests']:,} requests in {s['elapsed_s']:.1f} s: {s['throughput_rps']:.1f} req/s, "
        f"errors {100 * s['error_rate']:.2f}%, p50 {s['p50_ms']:.2f} ms, "
        f"p99 {s['p99_ms']:.2f} ms; sessions {sessions['started']:,} of "
        f"{sessions['planned']:,} planned ({sessions['failed']:,} failed)"
    )
    if not s["target_alive"]:
        print(f"target died: {s['target']} stopped answering during the run", file=sys.stderr)
    print(f"results: {out}/ (loadtest.csv, timeline.csv, loadtest.html, summary.json)")
    for line in report.breaches:
        print(f"threshold breached: {line}", file=sys.stderr)
    return 1 if report.breaches else 0
