"""``redloop bench service``: how fast the service is next to a bare app, and how fast the
load generator is next to Locust.

**Service.** A bare ASGI app answering constant JSON (:mod:`.reference`), ``redloop serve
--memory`` and ``redloop serve --data`` each run as a subprocess on loopback with the same
uvicorn settings, and each is driven with the same read-heavy mix — per visit one discovery
page, two reads and one like, by random users of a fresh community, on random notes — sent
closed-loop (every connection sends its next request when the last is answered) by the
project's :class:`~.leanhttp.LeanHttp` client over ``connections`` keep-alive connections, in
``processes`` generator processes. The figure is requests/s over the measured window (after
a warm-up), and the ratio to the bare app. The server's and the generator's CPU per request
are printed too. The generator needs well under half the bare server's CPU per request, so
one core would do; it runs in two processes by default because on a shared, loaded machine
the scheduler gives each process its share: with one, the generator rather than the server
was starved first (the bare app measured 3.0-3.4k req/s with one process, 4.7k with two).

**Generator.** The baseline crowd's real sessions (:class:`~.targets.HttpTarget`, open model,
offered more than the server can take) and Locust ``FastHttpUser`` (the shipped locustfile,
no think time) each against a fresh ``redloop serve --memory`` with the same crowd: the
requests/s each got through, their ratio, and the server's CPU per request during each (for
Locust over the steady window its throughput is read from), which says whether the server or
the generator was the bottleneck.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx
import numpy as np

from redloop.platform.api import TOPICS
from redloop.scenarios.schema import load as load_scenario

from .leanhttp import LeanHttp
from .locust_runner import run_locust
from .result import RunResult
from .server import ServerUrl, spawned, spawned_server
from .shapes import Plan, make_shape
from .stats import Stats
from .targets import HttpTarget

__all__ = ["Request", "generator_figures", "print_service", "read_heavy_mix", "service_figures"]

#: method, path, body, headers
Request = tuple[str, str, bytes | None, dict[str, str]]
_READ_BODY = b'{"channel":"discovery"}'


def _community(url: str, users: int, notes: int, rng: np.random.Generator) -> list[str]:
    """Sign up ``users`` consumers and a tenth as many creators who publish ``notes`` notes;
    the consumers' tokens."""
    tokens = []
    with httpx.Client(base_url=url, timeout=30.0) as client:

        def signup(name: str, kind: str) -> str:
            interests = [str(t) for t in rng.choice(TOPICS, size=2, replace=False)]
            body = {"name": name, "kind": kind, "interests": interests}
            answer = client.post("/users", json=body)
            answer.raise_for_status()
            return answer.json()["token"]

        creators = [signup(f"creator{i}", "creator") for i in range(max(1, users // 10))]
        for i in range(notes):
            auth = {"Authorization": f"Bearer {creators[i % len(creators)]}"}
            topics = [str(rng.choice(TOPICS))]
            client.post("/notes", json={"topics": topics}, headers=auth).raise_for_status()
        tokens = [signup(f"user{i}", "consumer") for i in range(users)]
    return tokens


def read_heavy_mix(tokens: list[str], notes: int, visits: int, seed: int) -> list[Request]:
    """``visits`` visits of random users: a discovery page, two reads and a like each."""
    rng = np.random.default_rng(seed)
    requests: list[Request] = []
    for _ in range(visits):
        auth = {"Authorization": f"Bearer {tokens[int(rng.integers(len(tokens)))]}"}
        read = {**auth, "Content-Type": "application/json"}
        a, b, c = (int(n) for n in rng.integers(notes, size=3))
        requests += [
            ("GET", "/feed/discovery", None, auth),
            ("POST", f"/notes/{a}/reads", _READ_BODY, read),
            ("POST", f"/notes/{b}/reads", _READ_BODY, read),
            ("PUT", f"/notes/{c}/like", None, auth),
        ]
    return requests


async def _closed_loop(url: str, requests: list[Request], connections: int, seconds: float):
    """Each connection sends request after request for ``seconds``; counts and CPU."""
    http = LeanHttp(url, max_connections=connections)
    counts = {"requests": 0, "errors": 0}
    stop_at = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        while time.perf_counter() < stop_at:
            method, path, body, headers = requests[i % len(requests)]
            i += connections
            answer = await http.request(method, path, content=body, headers=headers)
            counts["requests"] += 1
            counts["errors"] += not 200 <= answer.status_code < 300

    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    counts["seconds"] = time.perf_counter() - start
    counts["cpu"] = time.process_time() - cpu
    await http.aclose()
    return counts


def _drive_here(url: str, requests: list[Request], connections: int, seconds: float) -> dict:
    return asyncio.run(_closed_loop(url, requests, connections, seconds))


def _drive(
    url: ServerUrl,
    requests: list[Request],
    *,
    connections: int,
    processes: int,
    seconds: float,
    warmup: float,
) -> dict[str, float]:
    """Requests/s through ``url`` over ``seconds`` (after ``warmup``), with CPU per request."""
    _drive_here(url, requests, min(connections, 8), warmup)
    server_cpu = url.cpu_seconds()
    if processes == 1:
        runs = [_drive_here(url, requests, connections, seconds)]
    else:
        share = max(1, connections // processes)
        urls = [str(url)] * processes  # a plain str: the worker processes cannot take a process
        spawn = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(processes, mp_context=spawn) as pool:
            # start the workers (imports, a short warm-up) before the measured window
            list(
                pool.map(
                    _drive_here,
                    urls,
                    [requests[:8]] * processes,
                    [1] * processes,
                    [0.2] * processes,
                )
            )
            server_cpu = url.cpu_seconds()
            parts = [requests[i::processes] for i in range(processes)]
            runs = list(
                pool.map(_drive_here, urls, parts, [share] * processes, [seconds] * processes)
            )
    server_cpu = url.cpu_seconds() - server_cpu
    total = sum(r["requests"] for r in runs)
    elapsed = max(r["seconds"] for r in runs)
    return {
        "rps": total / elapsed,
        "requests": total,
        "errors": sum(r["errors"] for r in runs),
        "server_cpu_us_per_request": server_cpu / max(1, total) * 1e6,
        "server_busy": server_cpu / elapsed,
        "generator_cpu_us_per_request": sum(r["cpu"] for r in runs) / max(1, total) * 1e6,
    }


def service_figures(
    *,
    seconds: float = 5.0,
    users: int = 200,
    notes: int = 400,
    connections: int = 32,
    processes: int = 2,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The read-heavy mix against the bare app, ``serve --memory`` and ``serve --data``."""
    import tempfile

    options = {"connections": connections, "processes": processes, "seconds": seconds}
    drive = {**options, "warmup": min(2.0, seconds / 2)}
    figures: dict[str, Any] = {"cores": os.cpu_count(), "users": users, "notes": notes, **options}
    mix: list[Request] = []
    with tempfile.TemporaryDirectory(prefix="redloop-bench-") as data:
        servers: list[tuple[str, Callable[[], AbstractContextManager[ServerUrl]]]] = [
            ("memory", lambda: spawned_server()),
            ("durable", lambda: spawned_server("--data", data)),
            ("reference", lambda: spawned(["redloop.sim.load.reference"])),
        ]
        for name, start in servers:
            with start() as url:
                if name != "reference":  # the bare app answers anything: it takes the last mix
                    tokens = _community(url, users, notes, np.random.default_rng(1))
                    mix = read_heavy_mix(tokens, notes, 5_000, seed=2)
                figures[name] = _drive(url, mix, **drive)
                say(f"  {name}: {figures[name]['rps']:.0f} req/s")
    for name in ("memory", "durable"):
        figures[f"{name}_to_reference"] = figures[name]["rps"] / figures["reference"]["rps"]
    return figures


def generator_figures(
    *, seconds: float = 10.0, users: int = 300, rate: float = 3000.0, locust_users: int = 64
) -> dict[str, Any]:
    """The crowd's sessions by ``redloop loadtest``'s generator and by Locust FastHttpUser,
    each against a fresh ``serve --memory`` with a baseline crowd of ``users``. Both are read
    alike: requests/s and the server's CPU per request over the steady window, the second
    half of the run's whole seconds (the first seconds ramp up; Locust starts its users, our
    first sessions are still on their first request). ``rate`` (sessions/s) is offered well
    beyond what the server takes: at 1,000/s nearly every arrival started, so the offered rate,
    not the server, set the throughput. Both run at most ``locust_users`` sessions at once
    (ours drops an arrival while that many run): with up to 300 at once over 200 connections
    the generator spent ~15% more CPU per request (arrivals for busy people, more tasks)."""
    scenario = load_scenario("baseline", **{"population.users": users})
    with spawned_server() as url:
        # as many sessions at once as Locust has users, each on its own connection
        target = HttpTarget(url, max_outstanding=locust_users, connections=locust_users)
        rng = np.random.default_rng(scenario.seed)
        crowd = target.build(scenario, rng)
        plan = Plan.draw(make_shape("constant", seconds), rate, crowd.compose_share, rng)
        cpu = time.process_time()
        with _CpuSampler(url) as server:
            result = target.run(crowd, plan, grace=1.0)
        cpu = time.process_time() - cpu
        total = result.stats.total
        window = _steady_window(result, int(seconds))
    ours = {
        "rps": window[2] / (window[1] - window[0]) if window else math.nan,
        "requests": total.requests,
        "errors": total.errors,
        "generator_cpu_us_per_request": cpu / max(1, total.requests) * 1e6,
        "steady_window": window,
        "sessions": result.session_figures(),
        **server.per_request(window),
    }
    with spawned_server() as url, _CpuSampler(url) as server:
        theirs = run_locust(
            url,
            "RedloopShopperFast",
            users=locust_users,
            seconds=seconds,
            crowd_users=users,
            think=0.0,
        )
    theirs.update(server.per_request(theirs["steady_window"]))
    ratio = ours["rps"] / theirs["throughput_rps"] if theirs["throughput_rps"] else float("nan")
    return {
        "users": users,
        "seconds": seconds,
        "rate": rate,
        "ours": ours,
        "locust_fast": theirs,
        "ours_to_locust": ratio,
    }


def _steady_window(result: RunResult, seconds: int) -> tuple[float, float, int] | None:
    """``(unix start, unix end, requests)`` over the second half of the run's whole seconds,
    as :func:`~.locust_runner.run_locust` reads Locust's (None if the run was too short)."""
    first = seconds // 2
    if seconds - first < 1:
        return None
    timeline = result.stats.timeline()
    per_second = {int(r["t"]): int(r["requests"]) for r in timeline if r["endpoint"] == Stats.TOTAL}
    requests = sum(per_second.get(s, 0) for s in range(first, seconds))
    return result.wall_start + first, result.wall_start + seconds, requests


class _CpuSampler:
    """The server's CPU time sampled every 0.1 s by wall-clock time while Locust runs, so its
    CPU over Locust's steady window (whole seconds, after the crowd was built) can be read."""

    def __init__(self, url: ServerUrl) -> None:
        self.url = url
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.samples.append((time.time(), self.url.cpu_seconds()))

    def __enter__(self) -> _CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def per_request(self, window: tuple[int, int, int] | None) -> dict[str, float]:
        """Server CPU per request and busy share over ``(start, end, requests)``."""
        if window is None or len(self.samples) < 2:
            return {"server_cpu_us_per_request": math.nan, "server_busy": math.nan}
        start, end, requests = window
        times, cpu = zip(*self.samples, strict=True)
        used = float(np.interp(end, times, cpu) - np.interp(start, times, cpu))
        return {
            "server_cpu_us_per_request": used / max(1, requests) * 1e6,
            "server_busy": used / (end - start),
        }


def print_service(service: dict[str, Any], generator: dict[str, Any]) -> None:
    s = service
    print(
        f"service, read-heavy mix (per visit: discovery page, 2 reads, a like; {s['users']} "
        f"users, {s['notes']} notes), closed loop over {s['connections']} connections in "
        f"{s['processes']} generator process(es), {s['seconds']:g} s each, {s['cores']} cores:"
    )
    labels = {
        "reference": "bare ASGI app, constant JSON",
        "memory": "redloop serve --memory",
        "durable": "redloop serve --data",
    }
    for name, label in labels.items():
        f = s[name]
        ratio = "" if name == "reference" else f"; {s[f'{name}_to_reference']:.2f}x the bare app"
        print(
            f"  {label:<30} {f['rps']:7.0f} req/s ({f['errors']} errors); server CPU "
            f"{f['server_cpu_us_per_request']:.0f} us/req, busy {f['server_busy']:.0%} of a "
            f"core; generator CPU {f['generator_cpu_us_per_request']:.0f} us/req{ratio}"
        )
    g = generator
    ours, theirs = g["ours"], g["locust_fast"]
    print(f"generator, baseline crowd of {g['users']} (real sessions), {g['seconds']:g} s each:")
    print(
        f"  redloop loadtest (lean client)  {ours['rps']:7.0f} req/s ({ours['errors']} errors); "
        f"generator CPU {ours['generator_cpu_us_per_request']:.0f} us/req; server CPU "
        f"{ours['server_cpu_us_per_request']:.0f} us/req, busy {ours['server_busy']:.0%} of a core"
    )
    print(
        f"  locust FastHttpUser ({theirs['locust_users']} users)  {theirs['throughput_rps']:7.0f} "
        f"req/s ({theirs['failures']} failures); its CPU <= "
        f"{theirs['generator_cpu_us_per_request']:.0f} us/req (crowd build included); server "
        f"CPU {theirs['server_cpu_us_per_request']:.0f} us/req, busy {theirs['server_busy']:.0%} "
        f"of a core; loadtest/locust = {g['ours_to_locust']:.2f}"
    )


if __name__ == "__main__":  # a quick look: python -m redloop.sim.load.bench_service [seconds]
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    print_service(service_figures(seconds=seconds, say=print), generator_figures(seconds=seconds))
