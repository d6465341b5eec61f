"""``redloop loadtest``: the simulated crowd as traffic, with a realistic shape.

The crowd (consumers and creators with interests, activity, budgets, a follower graph, brands
and products) is built from a scenario on the target, in-process or over HTTP, and then its
sessions are generated as an **open model**: arrivals form a Poisson process whose rate is
``rate x shape(t)`` (drawn up front by thinning, from a seeded numpy Generator), and each
arrival starts one session at its time whether or not earlier sessions have finished — a slow
server gets more concurrent sessions, never fewer arrivals (no coordinated omission). The rate
is in sessions per second; requests follow from what people do in a session.

Each arrival picks a person weighted by activity and runs one ``visit()`` — or, at the crowd's
posting rate relative to its sessions, a poster or creator runs ``compose()`` and publishes.
A person is in at most one session at a time (the arrival picks someone else). Behaviour is
the agents' own generator code: every platform call is ``result = yield platform.op(...)``.

Targets
    ``inproc``  a fresh in-process :class:`Platform`; sessions run inline, one after another
                (the platform needs non-decreasing ``now``: hours since start), each platform
                call timed by a small proxy; the arrival schedule is still followed.
    ``URL``     a running ``redloop serve`` with a fresh platform (the crowd's ids must start
                at 0, see :class:`HttpTarget`): the crowd is built with the sync HTTP client
                (reported as "setup", not in the measured stats), sessions run as asyncio
                tasks through the async client.

Shapes (``shape(t)`` multiplies the base rate; see :func:`make_shape`)
    ``constant``, ``diurnal`` (the model's 24-hour profile compressed into the run),
    ``spike`` (5x for the middle tenth), ``scenario`` (a scenario's days compressed into the
    run: the daily profile times its festivals' activity multipliers).

Results (``--out``, each file written atomically, ``summary.json`` last): ``loadtest.csv``
(per endpoint), ``timeline.csv`` (per endpoint per second), ``summary.json`` and a
self-contained ``loadtest.html``.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from redloop.agents.consumer import Consumer, run_inline
from redloop.platform.api import Platform, PlatformError
from redloop.platform.client import OPS, AsyncClient, Call, Client, TokenBook, Unreachable
from redloop.platform.leanhttp import LeanHttp
from redloop.scenarios.schema import Scenario
from redloop.scenarios.schema import load as load_scenario

from .loadstats import Stats
from .model import DIURNAL, RedloopModel

SHAPES = ("constant", "diurnal", "spike", "scenario")
HTTP_CLIENTS = ("lean", "httpx")
VISIT, COMPOSE = 0, 1
#: Sessions a person starts per second by default (``--rate`` = users x this).
DEFAULT_RATE_PER_USER = 0.05
SPIKE_FACTOR = 5.0


class LoadTestError(Exception):
    """Bad input or an unusable target: the CLI prints it and exits with 2."""


# ================================================================ shapes and arrivals


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


# ================================================================ the crowd


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


# ================================================================ drivers


def drive_sync(steps: Generator[Any, Any, Any], execute: Callable[[Call], Any]) -> Any:
    """Run behaviour whose platform is :class:`~redloop.platform.client.Calls`: each yielded
    Call is executed (e.g. on a Locust user's own session); platform errors are thrown back
    into the behaviour, which may catch them (``OutOfStock``)."""
    value: Any = None
    error: PlatformError | None = None
    while True:
        try:
            call = steps.throw(error) if error is not None else steps.send(value)
        except StopIteration as stop:
            return stop.value
        error = None
        try:
            value = execute(call)
        except PlatformError as exc:
            value, error = None, exc


async def drive_async(steps: Generator[Any, Any, Any]) -> Any:
    """Run behaviour whose platform is an :class:`AsyncClient`: await each yielded coroutine
    and send its result back (or throw its platform error in)."""
    value: Any = None
    error: PlatformError | None = None
    while True:
        try:
            step = steps.throw(error) if error is not None else steps.send(value)
        except StopIteration as stop:
            return stop.value
        error = None
        try:
            value = await step
        except PlatformError as exc:
            value, error = None, exc
        except BaseException:
            steps.close()
            raise


# ================================================================ one run


@dataclass
class RunResult:
    """What one load phase did: request stats plus the sessions' own book-keeping."""

    stats: Stats
    plan: Plan
    elapsed: float = 0.0
    planned: int = 0
    started: int = 0
    completed: int = 0
    failed: int = 0
    dropped_outstanding: int = 0  # arrivals refused: too many sessions in flight
    dropped_busy: int = 0  # arrivals that found only people already in a session
    late: int = 0  # arrivals not started before the end (the generator fell behind)
    unfinished: int = 0  # sessions still running after the grace period, cancelled
    failures: Counter[str] = field(default_factory=Counter)
    starts: array = field(default_factory=lambda: array("d"))  # seconds since start
    lags: array = field(default_factory=lambda: array("d"))  # start - scheduled time, s
    durations: array = field(default_factory=lambda: array("d"))  # session length, s

    def start(self, at: float, scheduled: float) -> None:
        self.started += 1
        self.starts.append(at)
        self.lags.append(max(0.0, at - scheduled))

    def fail(self, exc: BaseException) -> None:
        """Count a failed session; up to 50 distinct reasons are kept with their counts."""
        self.failed += 1
        reason = f"{type(exc).__name__}: {str(exc)[:160]}"
        if reason in self.failures or len(self.failures) < 50:
            self.failures[reason] += 1

    def session_figures(self) -> dict[str, Any]:
        lag = np.frombuffer(self.lags, dtype=np.float64) if self.lags else np.zeros(1)
        dur = np.frombuffer(self.durations, dtype=np.float64) if self.durations else np.zeros(1)
        return {
            "planned": self.planned,
            "started": self.started,
            "completed": self.completed,
            "failed": self.failed,
            "dropped_outstanding": self.dropped_outstanding,
            "dropped_busy": self.dropped_busy,
            "late": self.late,
            "unfinished": self.unfinished,
            "duration_p50_ms": float(np.percentile(dur, 50) * 1000),
            "duration_p99_ms": float(np.percentile(dur, 99) * 1000),
            "start_lag_p50_ms": float(np.percentile(lag, 50) * 1000),
            "start_lag_p99_ms": float(np.percentile(lag, 99) * 1000),
            "start_lag_max_ms": float(lag.max() * 1000),
        }

    def per_second(self, seconds: int) -> np.ndarray:
        starts = np.frombuffer(self.starts, dtype=np.float64) if self.starts else np.zeros(0)
        return np.bincount(starts.astype(np.int64), minlength=seconds)[:seconds]


class _Progress:
    """A status line every few seconds (stderr), unless quiet."""

    def __init__(self, enabled: bool, result: RunResult, every: float = 5.0) -> None:
        self.enabled, self.result, self.every = enabled, result, every
        self.next = every

    def tick(self, elapsed: float, outstanding: int = 0) -> None:
        if not self.enabled or elapsed < self.next:
            return
        self.next += self.every
        r = self.result
        total = r.stats.total
        print(
            f"  [{elapsed:5.0f}s] sessions {r.started:,} ({r.failed:,} failed)  "
            f"requests {total.requests:,} ({total.errors:,} errors)  in flight {outstanding}",
            file=sys.stderr,
            flush=True,
        )


class TimedPlatform:
    """The in-process platform with each facade call timed and recorded under the same
    endpoint name the HTTP client uses; errors are recorded with their HTTP status and
    re-raised (so behaviour can catch ``OutOfStock``)."""

    def __init__(self, platform: Platform, record: Callable[[str, float, bool, int], None]):
        from redloop.platform.http import status_of  # the service's own error -> status map

        self._platform = platform
        self._record = record
        self._status_of = status_of

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._platform, name)
        op = OPS.get(name)
        if op is None or not callable(attr):
            return attr
        endpoint, ok_status = op.endpoint, op.ok_status
        record, status_of = self._record, self._status_of

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = attr(*args, **kwargs)
            except PlatformError as exc:
                record(endpoint, time.perf_counter() - start, False, status_of(exc))
                raise
            record(endpoint, time.perf_counter() - start, True, ok_status)
            return result

        setattr(self, name, timed)  # next time, found without __getattr__
        return timed


class InProcessTarget:
    """A fresh in-process platform; sessions run inline in arrival order."""

    label = "inproc"

    def __init__(self, scenario: Scenario) -> None:
        self.platform = Platform(scenario.platform_config(), rng=scenario.seed)
        self.recommender = self.platform.recommender
        self._clock0 = time.monotonic()
        self.setup: dict[str, Any] = {}

    def hours(self) -> float:
        """The platform's ``now``: real hours since the target was made (never decreasing)."""
        return (time.monotonic() - self._clock0) / 3600.0

    def build(self, scenario: Scenario, rng: np.random.Generator) -> Crowd:
        start = time.perf_counter()
        model = build_crowd(scenario, self.platform)
        self.setup = {"seconds": time.perf_counter() - start, "events": len(self.platform.log)}
        self._clock0 = time.monotonic()
        return Crowd(model, rng)

    def run(
        self, crowd: Crowd, plan: Plan, *, grace: float = 0.0, progress: bool = False
    ) -> RunResult:
        """Follow the plan, running each session inline; ``grace`` is unused (nothing is
        ever in flight at the end)."""
        stats = Stats()
        result = RunResult(stats, plan, planned=len(plan.times))
        t0 = time.perf_counter()

        def record(name: str, seconds: float, ok: bool, status: int) -> None:
            stats.record(name, seconds, ok, time.perf_counter() - t0, status)

        crowd.model.platform = TimedPlatform(self.platform, record)
        status = _Progress(progress, result)
        duration = plan.shape.duration
        times, kinds = plan.times.tolist(), plan.kinds.tolist()
        try:
            for i, (at, kind) in enumerate(zip(times, kinds, strict=True)):
                now = time.perf_counter() - t0
                if now >= duration:
                    result.late += len(times) - i
                    break
                if at > now:
                    time.sleep(at - now)
                    now = time.perf_counter() - t0
                status.tick(now)
                person = crowd.pick(kind)
                if person is None:
                    result.dropped_busy += 1
                    continue
                result.start(now, at)
                try:
                    run_inline(crowd.steps(person, kind, self.hours()))
                    result.completed += 1
                except Exception as exc:  # a failed session must not end the run: count it
                    result.fail(exc)
                finally:
                    crowd.release(person)
                    result.durations.append(time.perf_counter() - t0 - now)
            rest = duration - (time.perf_counter() - t0)
            if rest > 0:
                time.sleep(rest)
        finally:
            crowd.model.platform = self.platform
        result.elapsed = time.perf_counter() - t0
        return result


class HttpTarget:
    """A running ``redloop serve``. Its platform must be fresh (no users yet): the crowd
    model numbers people and products from 0, as a new platform does, and a server issues a
    user's token only at sign-up, so a crowd cannot be re-attached to an older server.

    Sessions go through :class:`AsyncClient` over ``http_client``: ``"lean"`` (default,
    :class:`~redloop.platform.leanhttp.LeanHttp`: ~0.1 ms of client CPU per request) or
    ``"httpx"`` (``httpx.AsyncClient``: ~1.3 ms and more under concurrency, which caps the
    generator and inflates the latencies it measures).
    """

    def __init__(
        self,
        url: str,
        *,
        max_outstanding: int = 2000,
        connections: int = 100,
        timeout: float = 30.0,
        http_client: str = "lean",
        client_factory: Callable[..., AsyncClient] = AsyncClient,
    ) -> None:
        if http_client not in HTTP_CLIENTS:
            raise LoadTestError(
                f"unknown HTTP client {http_client!r}; choose one of {', '.join(HTTP_CLIENTS)}"
            )
        self.url = url.rstrip("/")
        self.label = self.url
        self.http_client = http_client
        self.max_outstanding = max_outstanding
        self.connections = connections
        self.timeout = timeout
        self.client_factory = client_factory
        self.tokens = TokenBook()
        self.setup_stats = Stats()
        self.setup: dict[str, Any] = {}
        self.recommender = "?"
        self._clock0 = time.monotonic()

    def check(self) -> dict[str, Any]:
        """The server's /health; LoadTestError if it cannot be reached or is not fresh."""
        try:
            with Client(self.url, timeout=5.0) as client:
                health = client.health()
        except Unreachable as exc:
            raise LoadTestError(
                f"cannot reach {self.url} ({exc}): is `redloop serve` running there?"
            ) from None
        except (PlatformError, ValueError, KeyError) as exc:
            raise LoadTestError(
                f"{self.url}/health did not answer like `redloop serve` ({exc})"
            ) from None
        if health.get("users", 0):
            raise LoadTestError(
                f"{self.url} already has {health['users']} users: the load test builds its "
                "crowd on a fresh platform (ids from 0, tokens issued at sign-up); "
                "restart `redloop serve` and run again"
            )
        self.recommender = health.get("recommender", "?")
        return health

    def hours(self) -> float:
        return (time.monotonic() - self._clock0) / 3600.0

    def build(self, scenario: Scenario, rng: np.random.Generator) -> Crowd:
        self.check()
        start = time.perf_counter()

        def record(name: str, seconds: float, ok: bool, status: int) -> None:
            self.setup_stats.record(name, seconds, ok, time.perf_counter() - start, status)

        with Client(
            self.url, tokens=self.tokens, on_request=record, timeout=self.timeout
        ) as client:
            try:
                model = build_crowd(scenario, client)
            except PlatformError as exc:
                raise LoadTestError(f"building the crowd on {self.url} failed: {exc}") from exc
        elapsed = time.perf_counter() - start
        total = self.setup_stats.total
        self.setup = {
            "seconds": elapsed,
            "requests": total.requests,
            "errors": total.errors,
            "rps": total.requests / elapsed if elapsed > 0 else 0.0,
        }
        self._clock0 = time.monotonic()
        return Crowd(model, rng)

    def run(
        self, crowd: Crowd, plan: Plan, *, grace: float = 5.0, progress: bool = False
    ) -> RunResult:
        """Follow the plan with asyncio tasks; sessions still running ``grace`` seconds after
        the end are cancelled (counted as unfinished)."""
        return asyncio.run(self._run(crowd, plan, grace, progress))

    async def _run(self, crowd: Crowd, plan: Plan, grace: float, progress: bool) -> RunResult:
        stats = Stats()
        result = RunResult(stats, plan, planned=len(plan.times))
        t0 = time.perf_counter()

        def record(name: str, seconds: float, ok: bool, status: int) -> None:
            stats.record(name, seconds, ok, time.perf_counter() - t0, status)

        http = None
        if self.http_client == "lean":
            http = LeanHttp(self.url, max_connections=self.connections, timeout=self.timeout)
        client = self.client_factory(
            self.url,
            tokens=self.tokens,
            on_request=record,
            timeout=self.timeout,
            max_connections=self.connections,
            http=http,
        )
        model = crowd.model
        saved, model.platform = model.platform, client
        tasks: set[asyncio.Task[None]] = set()
        status = _Progress(progress, result)

        async def session(person: Consumer, kind: int, started: float) -> None:
            try:
                await drive_async(crowd.steps(person, kind, self.hours()))
                result.completed += 1
            except asyncio.CancelledError:
                result.unfinished += 1
                raise
            except Exception as exc:  # a failed session must not end the run: count it
                result.fail(exc)
            finally:
                crowd.release(person)
                result.durations.append(time.perf_counter() - t0 - started)

        duration = plan.shape.duration
        times, kinds = plan.times.tolist(), plan.kinds.tolist()
        try:
            spawned_since_yield = 0
            for i, (at, kind) in enumerate(zip(times, kinds, strict=True)):
                now = time.perf_counter() - t0
                if now >= duration:
                    result.late += len(times) - i
                    break
                if at > now:
                    await asyncio.sleep(at - now)
                    now = time.perf_counter() - t0
                    spawned_since_yield = 0
                elif spawned_since_yield >= 32:  # behind schedule: still let sessions run
                    await asyncio.sleep(0)
                    spawned_since_yield = 0
                status.tick(now, len(tasks))
                if len(tasks) >= self.max_outstanding:
                    result.dropped_outstanding += 1
                    continue
                person = crowd.pick(kind)
                if person is None:
                    result.dropped_busy += 1
                    continue
                result.start(now, at)
                task = asyncio.create_task(session(person, kind, now))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                spawned_since_yield += 1
            rest = duration - (time.perf_counter() - t0)
            if rest > 0:
                await asyncio.sleep(rest)
            if tasks:
                _, pending = await asyncio.wait(set(tasks), timeout=grace)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        finally:
            model.platform = saved
            await client.aclose()
        result.elapsed = time.perf_counter() - t0
        return result


# ================================================================ the command


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
    max_error_rate: float | None = None
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
    """One line per breached threshold (empty: all met or none set)."""
    breaches = []
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


# ---------------------------------------------------------------- output


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The per-endpoint table as printed by the CLI."""
    width = max([len("endpoint"), *(len(str(r["endpoint"])) for r in rows)])
    head = (
        f"{'endpoint':<{width}} {'requests':>9} {'req/s':>8} {'errors':>7} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['endpoint']:<{width}} {r['requests']:>9,} {r['rps']:>8.1f} "
            f"{100 * r['error_rate']:>6.2f}% {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.1f}"
        )
    return "\n".join(lines)


def write_results(report: LoadTestReport, out: Path) -> dict[str, Path]:
    """loadtest.csv, timeline.csv, loadtest.html, then summary.json (each atomically)."""
    import pandas as pd

    from .results import write_csv, write_json, write_text

    paths = {
        "loadtest.csv": write_csv(out / "loadtest.csv", pd.DataFrame(report.endpoints)),
        "timeline.csv": write_csv(out / "timeline.csv", pd.DataFrame(report.timeline)),
        "loadtest.html": write_text(out / "loadtest.html", render_html(report)),
    }
    data = {**report.summary, "endpoints": report.endpoints, "series": report.series}
    paths["summary.json"] = write_json(out / "summary.json", data)
    return paths


def render_html(report: LoadTestReport) -> str:
    """A self-contained page: summary, throughput vs the arrival shape, latency over time,
    latency per endpoint, and the endpoint table (the run report's helpers and style)."""
    import pandas as pd
    from matplotlib.figure import Figure

    from .report import FIGSIZE, figure_html, frame_html, legend, page, summary_html

    s, series = report.summary, report.series
    t = np.asarray(series["t"], dtype=np.float64) + 0.5
    parts = [summary_html({k: v for k, v in s.items() if k != "session_failures"})]

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.subplots()
    ax.plot(t, series["requests_per_s"], label="requests/s (achieved)", color="C0")
    ax.set_xlabel("seconds")
    ax.set_ylabel("requests / s")
    right = ax.twinx()
    right.step(
        t, series["offered_sessions_per_s"], where="mid", color="C3", ls="--", label="offered"
    )
    right.plot(t, series["sessions_per_s"], color="C1", alpha=0.7, label="sessions started")
    right.set_ylabel("sessions / s")
    right.set_ylim(bottom=0)
    ax.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small", frameon=False)
    parts += [
        "<h2>Throughput and the arrival shape</h2>",
        figure_html(
            fig,
            f"Dashed: the offered session rate ({s['shape']} shape); orange: sessions started "
            "each second; blue: requests completed each second. An open model: if the server "
            "slows down, sessions pile up rather than arrivals waiting.",
        ),
    ]

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.subplots()
    ax.plot(t, series["p50_ms"], label="p50")
    ax.plot(t, series["p99_ms"], label="p99")
    ax.set_xlabel("seconds")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    parts += [
        "<h2>Latency over time</h2>",
        figure_html(fig, "All endpoints, per second (log scale)."),
    ]

    rows = [r for r in report.endpoints if r["endpoint"] != Stats.TOTAL]
    if rows:
        fig = Figure(figsize=(FIGSIZE[0], max(2.5, 0.3 * len(rows) + 1)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(rows))
        ax.barh(y + 0.2, [r["p50_ms"] for r in rows], height=0.4, label="p50")
        ax.barh(y - 0.2, [r["p99_ms"] for r in rows], height=0.4, label="p99")
        ax.set_yticks(y, [f"{r['endpoint']} ({r['requests']:,})" for r in rows], fontsize=7)
        ax.set_xlabel("latency (ms)")
        legend(ax)
        parts += [
            "<h2>Latency per endpoint</h2>",
            figure_html(fig, "p50 and p99 per endpoint over the whole run (request counts)."),
        ]
    parts += ["<h2>Endpoints</h2>", frame_html(pd.DataFrame(report.endpoints))]
    if s.get("session_failures"):
        failures = pd.DataFrame(
            [{"failure": k, "sessions": v} for k, v in s["session_failures"].items()]
        )
        parts += ["<h2>Failed sessions</h2>", frame_html(failures)]
    title = f"redloop load test — {s['shape']} on {s['target']}"
    return page(title, parts)


def main_loadtest(cfg: LoadTestConfig) -> int:
    """What ``redloop loadtest`` does after parsing: run, print, write; 1 on a breach."""
    report = run_loadtest(cfg)
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
    print(f"results: {out}/ (loadtest.csv, timeline.csv, loadtest.html, summary.json)")
    for line in report.breaches:
        print(f"threshold breached: {line}", file=sys.stderr)
    return 1 if report.breaches else 0


# ================================================================ servers and the benchmark


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def spawned_server(*options: str, startup: float = 30.0) -> Iterator[str]:
    """``redloop serve [options]`` in a subprocess on a free loopback port (one uvicorn
    worker, a fresh platform); yields its URL once ``/health`` answers, and stops it
    afterwards."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "redloop.sim.cli", "serve", "--port", str(port), *options]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"redloop serve exited with {proc.returncode}: {err[-800:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redloop serve did not answer /health in {startup} s")
            time.sleep(0.05)  # polling interval
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def run_locust(
    url: str,
    user_class: str,
    *,
    users: int,
    seconds: float,
    crowd_users: int,
    think: float = 0.0,
    spawn_rate: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``locust -f sim/locustfile.py USER_CLASS --headless`` against ``url``; returns the
    steady-state throughput (second half of the run) and the final p50/p99 from its CSVs."""
    with tempfile.TemporaryDirectory(prefix="redloop-locust-") as tmp:
        prefix = str(Path(tmp) / "run")
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            user_class,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn_rate or users),
            "-t",
            f"{seconds:g}s",
            "--host",
            url,
            "--csv",
            prefix,
            "--csv-full-history",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = {
            **os.environ,
            "REDLOOP_USERS": str(crowd_users),
            "REDLOOP_THINK": str(think),
            **(extra_env or {}),
        }
        cpu = _children_cpu()
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
        cpu = _children_cpu() - cpu
        stats = _read_csv(Path(f"{prefix}_stats.csv"))
        history = _read_csv(Path(f"{prefix}_stats_history.csv"))
    total = next((r for r in stats if r["Name"] == "Aggregated"), None)
    if total is None:
        raise RuntimeError(f"locust wrote no stats (exit {proc.returncode}): {proc.stderr[-800:]}")
    agg = [r for r in history if r["Name"] == "Aggregated" and r["Total Request Count"] != "0"]
    steady = agg[len(agg) // 2 :] if len(agg) >= 4 else agg
    rps = 0.0
    if len(steady) >= 2:
        dn = int(steady[-1]["Total Request Count"]) - int(steady[0]["Total Request Count"])
        dt = int(steady[-1]["Timestamp"]) - int(steady[0]["Timestamp"])
        rps = dn / dt if dt > 0 else 0.0
    return {
        "user_class": user_class,
        "locust_users": users,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput_rps": rps or float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "exit_code": proc.returncode,
        # Locust's whole process, start-up and crowd build included: an upper bound.
        "generator_cpu_us_per_request": cpu / max(1, int(total["Request Count"])) * 1e6,
        "endpoints": {r["Name"]: int(r["Request Count"]) for r in stats if r["Type"]},
    }


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ramp(
    target: HttpTarget,
    crowd: Crowd,
    rng: np.random.Generator,
    *,
    start_rate: float,
    growth: float,
    step_seconds: float,
    max_steps: int,
    say: Callable[..., None],
) -> dict[str, Any]:
    """Constant-rate steps: the session rate grows by ``growth`` until a step fails to keep
    up (twice in a row: other processes may interfere), then two bisection steps between the
    last good and the first bad rate. The figure is the best step that kept up."""
    steps: list[dict[str, Any]] = []

    def step(rate: float) -> bool:
        plan = Plan.draw(make_shape("constant", step_seconds), rate, crowd.compose_share, rng)
        cpu = time.process_time()
        result = target.run(crowd, plan, grace=2.0)
        cpu = time.process_time() - cpu
        total = result.stats.total.summary(result.elapsed)
        per_session = total["requests"] / max(1, result.completed + result.failed)
        offered = result.planned / step_seconds * per_session
        achieved = total["requests"] / result.elapsed
        p99_first = steps[0]["p99_ms"] if steps else total["p99_ms"]
        lag_p99 = result.session_figures()["start_lag_p99_ms"]
        kept_up = (
            achieved >= 0.9 * offered
            and result.completed >= 0.97 * result.planned
            and lag_p99 < 100.0
            and not (total["p99_ms"] > 5 * p99_first and total["p99_ms"] > 50.0)
        )
        steps.append(
            {
                "sessions_per_s": rate,
                "requests_per_session": per_session,
                "offered_rps": offered,
                "achieved_rps": achieved,
                "p50_ms": total["p50_ms"],
                "p99_ms": total["p99_ms"],
                "start_lag_p99_ms": lag_p99,
                "generator_cpu_us_per_request": cpu / max(1, total["requests"]) * 1e6,
                "errors": total["errors"],
                "kept_up": kept_up,
            }
        )
        say(
            f"  {target.http_client:>5} {rate:7.1f} sessions/s: offered {offered:7.1f} req/s, "
            f"achieved {achieved:7.1f}, p50 {total['p50_ms']:.2f} ms, p99 "
            f"{total['p99_ms']:.2f} ms, start lag p99 {lag_p99:.1f} ms, generator CPU "
            f"{steps[-1]['generator_cpu_us_per_request']:.0f} us/req -> "
            f"{'ok' if kept_up else 'saturated'}"
        )
        return kept_up

    good, bad = 0.0, start_rate
    for _ in range(max_steps):
        if step(bad) or step(bad):
            good, bad = bad, bad * growth
        else:
            break
    for _ in range(2 if good else 0):
        mid = math.sqrt(good * bad)
        good, bad = (mid, bad) if step(mid) else (good, mid)
    kept = [s for s in steps if s["kept_up"]] or steps[:1]
    best = max(kept, key=lambda s: s["achieved_rps"])
    return {
        "max_sustained_rps": best["achieved_rps"],
        "sessions_per_s": best["sessions_per_s"],
        "server_p50_ms": best["p50_ms"],
        "server_p99_ms": best["p99_ms"],
        "generator_cpu_us_per_request": best["generator_cpu_us_per_request"],
        "max_achieved_rps": max(s["achieved_rps"] for s in steps),
        "steps": steps,
    }


def bench_figures(
    *,
    users: int = 300,
    step_seconds: float = 8.0,
    growth: float = 1.5,
    max_steps: int = 12,
    locust_users: int = 64,
    locust_seconds: float = 20.0,
    quiet: bool = False,
) -> dict[str, Any]:
    """Maximum sustained throughput of this generator against ``redloop serve`` (one uvicorn
    worker in a subprocess, a baseline crowd of ``users``) and the server's latency there,
    with each HTTP client; then the same crowd driven by Locust (HttpUser and FastHttpUser,
    headless, back-to-back sessions: saturating), each on a fresh server.

    Ours: constant-rate steps on one crowd, the session rate raised by ``growth`` until the
    achieved request rate stops following the offered one (< 90%, sessions not completed, or
    arrivals starting > 100 ms late) or p99 explodes (> 5x the first step's and > 50 ms),
    then bisected twice (see :func:`_ramp`). ``ratio_ours_to_*`` compares the most requests/s
    each generator got through, both saturating the one-core server.
    """
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    scenario = load_scenario("baseline", **{"population.users": users})
    figures: dict[str, Any] = {"cores": os.cpu_count(), "crowd_users": users}
    with spawned_server() as url:
        target = HttpTarget(url, max_outstanding=5000, connections=200)
        rng = np.random.default_rng(scenario.seed)
        crowd = target.build(scenario, rng)
        say(f"bench: crowd of {users} built over HTTP in {target.setup['seconds']:.1f} s")
        for client, start in (("lean", 100.0), ("httpx", 50.0)):
            target.http_client = client
            figures[f"ours_{client}"] = _ramp(
                target,
                crowd,
                rng,
                start_rate=start,
                growth=growth,
                step_seconds=step_seconds,
                max_steps=max_steps,
                say=say,
            )
    for user_class in LOCUST_CLASSES:
        with spawned_server() as url:
            say(f"bench: locust {user_class}, {locust_users} users, {locust_seconds:g} s")
            figures[user_class] = run_locust(
                url,
                user_class,
                users=locust_users,
                seconds=locust_seconds,
                crowd_users=users,
                think=0.0,
            )
    # Like for like: Locust saturates the server (closed loop, no think time), so compare
    # with the most our generator got through at any step (the server saturated there too).
    ours = figures["ours_lean"]["max_achieved_rps"]
    for user_class in LOCUST_CLASSES:
        theirs = figures[user_class]["throughput_rps"]
        figures[f"ratio_ours_to_{user_class}"] = ours / theirs if theirs else math.nan
    return figures


LOCUST_CLASSES = ("RedloopShopper", "RedloopShopperFast")


def print_figures(figures: dict[str, Any]) -> None:
    print(f"machine: {figures['cores']} cores; baseline crowd of {figures['crowd_users']} users")
    for client in ("lean", "httpx"):
        ours = figures[f"ours_{client}"]
        print(
            f"redloop loadtest ({client:>5} client, open model): "
            f"{ours['max_sustained_rps']:7.1f} req/s sustained at "
            f"{ours['sessions_per_s']:.0f} sessions/s; server p50 {ours['server_p50_ms']:.2f} ms, "
            f"p99 {ours['server_p99_ms']:.2f} ms; generator CPU "
            f"{ours['generator_cpu_us_per_request']:.0f} us/request; most at any step "
            f"{ours['max_achieved_rps']:.0f} req/s"
        )
    for user_class in LOCUST_CLASSES:
        f = figures[user_class]
        print(
            f"locust {user_class:<18} ({f['locust_users']} users, closed loop): "
            f"{f['throughput_rps']:7.1f} req/s; p50 {f['p50_ms']:.0f} ms, "
            f"p99 {f['p99_ms']:.0f} ms, {f['failures']} failures; CPU <= "
            f"{f['generator_cpu_us_per_request']:.0f} us/request; ours(lean, most)/locust = "
            f"{figures[f'ratio_ours_to_{user_class}']:.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(
        prog="python -m redloop.sim.loadtest", description="Load-generator benchmark."
    )
    parser.add_argument("--bench", action="store_true", help="measure and print the figures")
    parser.add_argument("--users", type=int, default=300, help="crowd size (default 300)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.bench:
        parser.print_help()
        return 2
    figures = bench_figures(users=args.users)
    print_figures(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
