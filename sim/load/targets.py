"""Where the load goes: a fresh in-process platform, or a running ``redloop serve``.

``inproc`` sessions run inline, one after another (the platform needs non-decreasing ``now``:
hours since start), each facade call timed by a small proxy; the arrival schedule is still
followed. Over HTTP the crowd is built with the sync client (reported as "setup", not in the
measured stats); the crowd's behaviour then yields requests (:class:`Calls`) that each session
sends through the async client, as asyncio tasks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from redloop.agents.consumer import Consumer
from redloop.agents.steps import drive_async, run_inline
from redloop.platform.api import Platform, PlatformError
from redloop.platform.client import OPS, AsyncClient, Calls, Client, TokenBook, Unreachable
from redloop.scenarios.schema import Scenario

from . import leanhttp
from .crowd import Crowd, build_crowd
from .errors import LoadTestError
from .leanhttp import LeanHttp
from .result import Progress, RunResult
from .shapes import Plan
from .stats import Stats

__all__ = ["HTTP_CLIENTS", "HttpTarget", "InProcessTarget", "TimedPlatform"]

HTTP_CLIENTS = ("lean", "httpx")


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
        self._stats, self._t0 = Stats(), time.perf_counter()  # the run being recorded
        #: What the crowd's behaviour calls: the platform, each call timed into the run.
        self.timed = TimedPlatform(self.platform, self._record)

    def _record(self, name: str, seconds: float, ok: bool, status: int) -> None:
        self._stats.record(name, seconds, ok, time.perf_counter() - self._t0, status)

    def alive(self) -> bool:
        """An in-process platform cannot die under the run."""
        return True

    def hours(self) -> float:
        """The platform's ``now``: real hours since the target was made (never decreasing)."""
        return (time.monotonic() - self._clock0) / 3600.0

    def build(self, scenario: Scenario, rng: np.random.Generator) -> Crowd:
        start = time.perf_counter()
        model = build_crowd(scenario, self.platform, acts_through=self.timed)
        self.setup = {"seconds": time.perf_counter() - start, "events": len(self.platform.log)}
        self._clock0 = time.monotonic()
        return Crowd(model, rng)

    def run(
        self, crowd: Crowd, plan: Plan, *, grace: float = 0.0, progress: bool = False
    ) -> RunResult:
        """Follow the plan, running each session inline; ``grace`` is unused (nothing is
        ever in flight at the end)."""
        self._stats, self._t0 = Stats(), time.perf_counter()
        result = RunResult(self._stats, plan, planned=len(plan.times))
        t0 = self._t0
        status = Progress(progress, result)
        duration = plan.shape.duration
        times, kinds = plan.times.tolist(), plan.kinds.tolist()
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
        result.elapsed = time.perf_counter() - t0
        return result


class HttpTarget:
    """A running ``redloop serve``. Its platform must be fresh (no users yet): the crowd
    model numbers people and products from 0, as a new platform does, and a server issues a
    user's token only at sign-up, so a crowd cannot be re-attached to an older server.

    Sessions go through :class:`AsyncClient` over ``http_client``: ``"lean"`` (default,
    :class:`~redloop.sim.load.leanhttp.LeanHttp`: ~0.1 ms of client CPU per request) or
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

    def alive(self) -> bool:
        """Whether the server still answers ``/health`` (after a run: did it die under it?)."""
        try:
            with Client(self.url, timeout=5.0) as client:
                client.health()
        except (Unreachable, PlatformError, ValueError, KeyError):
            return False
        return True

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
                model = build_crowd(scenario, client, acts_through=Calls(self.tokens))
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
        return leanhttp.run(self._run(crowd, plan, grace, progress))

    async def _run(self, crowd: Crowd, plan: Plan, grace: float, progress: bool) -> RunResult:
        stats = Stats()
        result = RunResult(stats, plan, planned=len(plan.times), wall_start=time.time())
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
        tasks: set[asyncio.Task[None]] = set()
        status = Progress(progress, result)

        async def session(person: Consumer, kind: int, started: float) -> None:
            try:
                await drive_async(crowd.steps(person, kind, self.hours()), client.execute)
                result.completed += 1
            except asyncio.CancelledError:
                result.unfinished += 1
                raise
            except Exception as exc:  # a failed session must not end the run: count it
                result.fail(exc)
            finally:
                crowd.release(person)
                result.durations.append(time.perf_counter() - t0 - started)

        try:
            await self._follow(plan, crowd, result, t0, session, tasks, status)
            await _drain(tasks, plan.shape.duration - (time.perf_counter() - t0), grace)
        finally:
            await client.aclose()
        result.elapsed = time.perf_counter() - t0
        return result

    async def _follow(
        self,
        plan: Plan,
        crowd: Crowd,
        result: RunResult,
        t0: float,
        session: Callable[[Consumer, int, float], Coroutine[Any, Any, None]],
        tasks: set[asyncio.Task[None]],
        status: Progress,
    ) -> None:
        """Start a session at each planned arrival until the plan's duration is over (later
        arrivals are counted as late); behind schedule, yield every 32 starts so running
        sessions progress; drop an arrival when too many sessions are outstanding or no
        person of its kind is idle."""
        duration = plan.shape.duration
        times, kinds = plan.times.tolist(), plan.kinds.tolist()
        spawned_since_yield = 0
        for i, (at, kind) in enumerate(zip(times, kinds, strict=True)):
            now = time.perf_counter() - t0
            if now >= duration:
                result.late += len(times) - i
                return
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


async def _drain(tasks: set[asyncio.Task[None]], rest: float, grace: float) -> None:
    """Wait out the plan's remaining ``rest`` seconds, then give running sessions ``grace``
    seconds to finish and cancel the others (they count themselves as unfinished)."""
    if rest > 0:
        await asyncio.sleep(rest)
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
