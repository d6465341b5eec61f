"""``redloop bench``: every benchmark figure, in one place.

``platform`` (facade operations per second, bytes per note), ``sim`` (the baseline scenario's
rate and peak memory, each size in a fresh process, with its event-log digest), ``loadtest``
(the service: the most requests per second this load generator sustains against ``redloop
serve``, next to Locust) and ``durable`` (the same against ``redloop serve --data``, next to
in memory: what group commit costs) and ``service`` (:mod:`.load.bench_service`: the
service next to a bare ASGI app, the load generator next to Locust). The visualiser's figures
come from ``redloop.viz.bench``, which the command line passes in (the engine never imports
the visualiser). Run ``redloop bench`` (or ``make bench``); ``--json PATH`` also writes the
figures. Timing uses ``time.perf_counter`` over many operations; nothing here is asserted by
the test suite.
"""

from __future__ import annotations

import gc
import json
import math
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from redloop.platform.api import TOPICS, Platform, PlatformConfig
from redloop.scenarios.schema import load as load_scenario

from .load import bench_service
from .load.crowd import Crowd
from .load.locust_runner import LOCUST_CLASSES, run_locust
from .load.server import ServerUrl, spawned_server
from .load.shapes import Plan, make_shape
from .load.targets import HttpTarget


def _rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def _rate(n: int, fn: Callable[[int], None]) -> float:
    start = time.perf_counter()
    fn(n)
    return n / (time.perf_counter() - start)


def build_platform(
    users: int, notes: int, seed: int = 7, recommender: str = "ces_pools"
) -> tuple[Platform, dict[str, float]]:
    """A platform with ``users`` accounts (1% creators) and ``notes`` notes over 30 days."""
    rng = np.random.default_rng(seed)
    platform = Platform(PlatformConfig(recommender=recommender), rng=rng)
    interests = rng.integers(0, len(TOPICS), size=(users, 3))
    kinds = np.where(rng.random(users) < 0.01, "creator", "consumer")
    for u in range(users):
        platform.create_user(
            f"u{u}", str(kinds[u]), [TOPICS[t] for t in set(interests[u].tolist())], now=0.0
        )
    authors = rng.zipf(1.8, size=notes) % users
    topic_a = rng.integers(0, len(TOPICS), size=notes)
    times = np.sort(rng.random(notes)) * 24 * 30
    topic_names = [[t] for t in TOPICS]
    rss0 = _rss()
    start = time.perf_counter()
    publish = platform.publish
    for i, (a, t, when) in enumerate(
        zip(authors.tolist(), topic_a.tolist(), times.tolist(), strict=True)
    ):
        publish(a, topic_names[t], now=when, title=f"note {i}" if i % 4 == 0 else "")
    elapsed = time.perf_counter() - start
    per_note = (_rss() - rss0) / notes
    return platform, {"publish_ops_s": notes / elapsed, "bytes_per_note": per_note}


def platform_figures(
    users: int = 100_000,
    notes: int = 1_000_000,
    ops: int = 200_000,
    pages: int = 50_000,
    seed: int = 7,
) -> dict[str, float]:
    platform, figures = build_platform(users, notes, seed)
    rng = np.random.default_rng(seed + 1)
    us = rng.integers(0, users, size=max(ops, pages)).tolist()
    ns = rng.integers(0, notes, size=ops).tolist()
    vs = rng.integers(0, users, size=ops).tolist()
    now = platform.now

    def pairs(
        op: Callable[..., object], users: list[int], targets: list[int]
    ) -> Callable[[int], None]:
        """``op(user, target)`` over the first ``n`` of the pairs."""

        def run(n: int) -> None:
            for i in range(n):
                op(users[i], targets[i], now=now)

        return run

    distinct = [(u, v) for u, v in zip(us[:ops], vs, strict=True) if u != v]
    followers, followees = [u for u, _ in distinct], [v for _, v in distinct]

    def discovery(n: int) -> None:
        f = platform.discovery_feed
        for i in range(n):
            f(us[i], now=now)

    # Readers who follow 50 accounts each, drawn like real follows: towards prolific authors.
    note_authors = platform.tables()["notes"]["author"]
    readers = rng.choice(users, size=2_000, replace=False).tolist()
    for reader in readers:
        for author in set(rng.choice(note_authors, size=50).tolist()) - {reader}:
            platform.follow(reader, author, now=now)

    def following(n: int) -> None:
        f = platform.following_feed
        for i in range(n):
            f(readers[i % len(readers)], now=now, limit=20)

    figures["like_ops_s"] = _rate(ops, pairs(platform.like, us, ns))
    figures["collect_ops_s"] = _rate(ops, pairs(platform.collect, us, ns))
    figures["read_ops_s"] = _rate(ops, pairs(platform.read, us, ns))
    figures["follow_ops_s"] = _rate(len(followers), pairs(platform.follow, followers, followees))
    figures["discovery_pages_s_ces_pools"] = _rate(pages, discovery)
    figures["following_pages_s_50_followees"] = _rate(pages // 5, following)
    for name in ("interest", "popular", "manual"):
        platform.set_recommender(name, now=now)
        figures[f"discovery_pages_s_{name}"] = _rate(pages // 5, discovery)
    figures["events_logged"] = len(platform.log)
    return figures


def bulk_figures(users: int = 100_000, follows: int = 650_000, seed: int = 7) -> dict[str, float]:
    """Opening ``users`` accounts and ``follows`` random follows one by one and with the bulk
    commands: CPU seconds of each (the machine's other load does not count), same log."""
    rng = np.random.default_rng(seed)
    us, ts = rng.integers(0, users, follows), rng.integers(0, users, follows)
    us, ts = us[us != ts], ts[us != ts]
    names, topics = (
        [f"user{i}" for i in range(users)],
        [[TOPICS[i % len(TOPICS)]] for i in range(users)],
    )
    figures: dict[str, float] = {}
    digests = []
    for how in ("single", "bulk"):
        platform = Platform(rng=seed)
        start = time.process_time()
        if how == "bulk":
            platform.create_users(names, "consumer", topics, now=0.0)
        else:
            for name, chosen in zip(names, topics, strict=True):
                platform.create_user(name, "consumer", chosen, now=0.0)
        opened = time.process_time()
        if how == "bulk":
            platform.follow_many(us, ts, now=0.0)
        else:
            follow = platform.follow
            for u, t in zip(us.tolist(), ts.tolist(), strict=True):
                follow(u, t, now=0.0)
        figures[f"create_users_cpu_s_{how}"] = opened - start
        figures[f"follows_cpu_s_{how}"] = time.process_time() - opened
        digests.append(platform.log.digest())
    if digests[0] != digests[1]:
        raise AssertionError("bulk and single commands logged different events")
    return figures


def _serve_hours(platform: Platform, following: bool, bulk: bool, users: int, hours: int) -> None:
    """Every user one page an hour from 24 * 7 on, in one call an hour or one by one."""
    everyone = np.arange(users)
    for hour in range(hours):
        now = 24 * 7 + hour
        if bulk:
            many = platform.following_feed_many if following else platform.discovery_feed_many
            many(everyone, now=now)
        else:
            page = platform.following_feed if following else platform.discovery_feed
            for u in range(users):
                page(u, now=now)


def serving_figures(
    users: int, notes_per_user: int = 10, hours: int = 2, seed: int = 7
) -> dict[str, float]:
    """Every user served one discovery page an hour for ``hours`` hours, one by one and with
    ``discovery_feed_many`` (one call an hour), under ``ces_pools`` (also with a feed
    campaign for one topic, which about a quarter of the users may see, as in ``baseline``:
    their pages go user by user), ``popular`` and ``interest``, then 20-card following
    pages: pages per CPU second each way (the machine's other load does not count) and wall
    seconds; both ways must log the same events."""
    rng = np.random.default_rng(seed)
    n_notes = users * notes_per_user
    chosen = [[TOPICS[t] for t in set(row)] for row in rng.integers(0, len(TOPICS), (users, 3))]
    authors = (rng.zipf(1.8, size=n_notes) % users).tolist()
    topic_of = rng.integers(0, len(TOPICS), size=n_notes).tolist()
    times = (np.sort(rng.random(n_notes)) * 24 * 7).tolist()
    follows = rng.integers(0, users, size=(users * 20, 2))
    follows = follows[follows[:, 0] != follows[:, 1]]
    base = Platform(PlatformConfig(), rng=seed)
    base.create_users([f"u{u}" for u in range(users)], "consumer", chosen, now=0.0)
    brand = base.create_user("brand", "brand", now=0.0)
    base.follow_many(follows[:, 0], follows[:, 1], now=0.0)
    publish = base.publish
    for a, t, when in zip(authors, topic_of, times, strict=True):
        publish(a, [TOPICS[t]], now=when)
    frozen = pickle.dumps(base)
    del base
    figures: dict[str, float] = {}
    for feed in ("ces_pools", "ces_pools_ads", "popular", "interest", "following"):
        digests = []
        for how in ("single", "bulk"):
            platform = pickle.loads(frozen)
            if feed in ("popular", "interest"):
                platform.set_recommender(feed, now=24 * 7)
            if feed == "ces_pools_ads":
                ad = platform.publish(brand, [TOPICS[0]], now=24 * 7)
                platform.create_campaign(brand, ad, users * 1.0, now=24 * 7, cpm=20.0)
            cpu, wall = time.process_time(), time.perf_counter()
            _serve_hours(platform, feed == "following", how == "bulk", users, hours)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            figures[f"{feed}_pages_per_cpu_s_{how}"] = users * hours / cpu
            figures[f"{feed}_wall_s_{how}"] = wall
            digests.append(platform.log.digest())
            del platform
        if digests[0] != digests[1]:
            raise AssertionError(f"bulk and single {feed} pages logged different events")
        single, bulk = (figures[f"{feed}_pages_per_cpu_s_{h}"] for h in ("single", "bulk"))
        figures[f"{feed}_speedup"] = bulk / single
    return figures


def sim_figures(
    users: int, days: int, seed: int = 1, engine: str = "sessions"
) -> dict[str, float | str]:
    """Build the baseline scenario headless (in-memory log) on ``engine``, run it ``days``
    (0: only the build) and time both, in wall and in CPU seconds: on a shared machine the
    CPU figures are the process's own cost, the wall ones also what the other jobs took."""
    import resource

    from redloop.scenarios.schema import load
    from redloop.sim.model import RedloopModel

    sized = {"population.users": users}
    scenario = load("baseline", seed=seed, days=max(days, 1), engine=engine, **sized)
    start, start_cpu = time.perf_counter(), time.process_time()
    model = RedloopModel(scenario)
    built, built_cpu = time.perf_counter(), time.process_time()
    figures: dict[str, float | str] = {
        "engine": engine,
        "users": users,
        "days": days,
        "build_s": built - start,
        "build_cpu_s": built_cpu - start_cpu,
    }
    if days:
        model.run_days(days)
        end, end_cpu = time.perf_counter(), time.process_time()
        sessions = int(model.metrics()["sessions"].sum())
        figures |= {
            "run_s": end - built,
            "run_cpu_s": end_cpu - built_cpu,
            "sessions": sessions,
            "sessions_per_s": sessions / (end - built),
            "sessions_per_cpu_s": sessions / (end_cpu - built_cpu),
            "wall_s_per_day": (end - built) / days,
        }
    return figures | {
        "events": len(model.platform.log),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average_1min": os.getloadavg()[0],  # the machine's other jobs at the end
        # Same digest before and after a change: the change altered no simulated event.
        "event_log_digest": model.platform.log.digest(),
    }


def _sim_in_child(users: int, days: int, engine: str) -> dict[str, float | str]:
    """Each size and engine in a fresh process, so peak memory is that run's own."""
    out = subprocess.run(
        [sys.executable, "-m", "redloop.sim.benchmark", str(users), str(days), engine],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ================================================================ the service


def _ramp(
    server: ServerUrl,
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
        cpu, server_cpu = time.process_time(), server.cpu_seconds()
        result = target.run(crowd, plan, grace=2.0)
        cpu, server_cpu = time.process_time() - cpu, server.cpu_seconds() - server_cpu
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
                "server_cpu_us_per_request": server_cpu / max(1, total["requests"]) * 1e6,
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
        "server_cpu_us_per_request": best["server_cpu_us_per_request"],
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
                url,
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
            server_cpu = url.cpu_seconds()
            run = run_locust(
                url,
                user_class,
                users=locust_users,
                seconds=locust_seconds,
                crowd_users=users,
                think=0.0,
            )
            # The crowd's build over HTTP included, as in Locust's own CPU figure.
            server_cpu = url.cpu_seconds() - server_cpu
            run["server_cpu_us_per_request"] = server_cpu / max(1, run["requests"]) * 1e6
            figures[user_class] = run
    # Like for like: Locust saturates the server (closed loop, no think time), so compare
    # with the most our generator got through at any step (the server saturated there too).
    ours = figures["ours_lean"]["max_achieved_rps"]
    for user_class in LOCUST_CLASSES:
        theirs = figures[user_class]["throughput_rps"]
        figures[f"ratio_ours_to_{user_class}"] = ours / theirs if theirs else math.nan
    return figures


def durable_figures(
    *, users: int = 300, step_seconds: float = 6.0, quiet: bool = False
) -> dict[str, Any]:
    """What durability costs: the same ramp (lean client, baseline crowd of ``users``)
    against ``redloop serve --memory`` and ``redloop serve --data`` (group commit, WAL,
    synchronous=FULL), each on a fresh server; ``cost`` is the share of requests/s lost."""
    import tempfile

    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    scenario = load_scenario("baseline", **{"population.users": users})
    figures: dict[str, Any] = {"cores": os.cpu_count(), "crowd_users": users}
    with tempfile.TemporaryDirectory(prefix="redloop-bench-") as data:
        for mode, options in (("memory", ()), ("durable", ("--data", data))):
            with spawned_server(*options) as url:
                target = HttpTarget(url, max_outstanding=5000, connections=200)
                rng = np.random.default_rng(scenario.seed)
                crowd = target.build(scenario, rng)
                say(f"bench durable: {mode}, crowd of {users} built")
                figures[mode] = _ramp(
                    url,
                    target,
                    crowd,
                    rng,
                    start_rate=20.0,
                    growth=1.4,
                    step_seconds=step_seconds,
                    max_steps=12,
                    say=say,
                )
    for key in ("max_sustained_rps", "max_achieved_rps"):
        memory, durable = figures["memory"][key], figures["durable"][key]
        figures[f"{key}_cost"] = 1 - durable / memory if memory else math.nan
    return figures


def print_figures(figures: dict[str, Any]) -> None:
    print(f"machine: {figures['cores']} cores; baseline crowd of {figures['crowd_users']} users")
    for client in ("lean", "httpx"):
        ours = figures[f"ours_{client}"]
        print(
            f"redloop loadtest ({client:>5} client, open model): "
            f"{ours['max_sustained_rps']:7.1f} req/s sustained at "
            f"{ours['sessions_per_s']:.0f} sessions/s; server p50 {ours['server_p50_ms']:.2f} ms, "
            f"p99 {ours['server_p99_ms']:.2f} ms; generator CPU "
            f"{ours['generator_cpu_us_per_request']:.0f} us/request, server CPU "
            f"{ours['server_cpu_us_per_request']:.0f} us/request; most at any step "
            f"{ours['max_achieved_rps']:.0f} req/s"
        )
    for user_class in LOCUST_CLASSES:
        f = figures[user_class]
        print(
            f"locust {user_class:<18} ({f['locust_users']} users, closed loop): "
            f"{f['throughput_rps']:7.1f} req/s; p50 {f['p50_ms']:.0f} ms, "
            f"p99 {f['p99_ms']:.0f} ms, {f['failures']} failures; CPU <= "
            f"{f['generator_cpu_us_per_request']:.0f} us/request, server CPU "
            f"{f['server_cpu_us_per_request']:.0f} us/request; ours(lean, most)/locust = "
            f"{figures[f'ratio_ours_to_{user_class}']:.2f}"
        )


def print_table(title: str, figures: dict[str, float | str]) -> None:
    print(title)
    for key, value in figures.items():
        shown = value if isinstance(value, str) else f"{value:>14,.1f}"
        print(f"  {key:<34} {shown}")


def _sim_runs(sizes: list[int], days: int, engines: tuple[str, ...]) -> list[dict[str, Any]]:
    """``bench sim``: each size on each engine, then the cost growth per user of each
    engine and, with both, the batched engine's speed over the per-session one's."""
    runs = []
    for n in sizes:
        for engine in engines:
            fig = _sim_in_child(n, days, engine)
            print_table(f"simulation: baseline, {n:,} users x {days} days, {engine}", fig)
            runs.append(fig)
        if days and len(engines) == 2:
            one, batch = runs[-2:]
            ratio = batch["sessions_per_cpu_s"] / one["sessions_per_cpu_s"]
            print(f"  batch / sessions at {n:,} users: {ratio:.2f}x sessions per CPU second")
    for engine in engines if days and len(sizes) > 1 else ():
        first = engines.index(engine)
        a, b = runs[first], runs[first - len(engines)]
        growth = (b["run_cpu_s"] / a["run_cpu_s"]) / (b["users"] / a["users"])
        print(
            f"  cost growth per user, {engine} ({a['users']:,} -> {b['users']:,}): "
            f"{growth:.2f} (1.0 = linear)"
        )
    return runs


def main(
    which: str,
    *,
    users: int,
    notes: int,
    sim_users: list[int],
    sim_days: int,
    json_path: Path | None,
    viz: Callable[..., dict[str, float]] | None = None,
    seconds: float = 5.0,
    engines: tuple[str, ...] = ("sessions", "batch"),
) -> int:
    """Print (and optionally save) the figures of ``which``; ``viz`` computes the
    visualiser's (given by the command line for ``all`` and ``viz``)."""
    report: dict[str, object] = {}
    if which in ("all", "platform"):
        figures = platform_figures(users=users, notes=notes)
        print_table(f"platform: {users:,} users, {notes:,} notes (one core)", figures)
        report["platform"] = figures
        bulk = bulk_figures()
        print_table("platform: 100,000 accounts and 650,000 follows, one by one vs bulk", bulk)
        report["platform_bulk"] = bulk
        for n in (10_000, 100_000):
            serving = serving_figures(n)
            print_table(f"platform: pages for {n:,} users, one by one vs bulk", serving)
            report[f"platform_serving_{n}"] = serving
    if which in ("all", "sim"):
        report["sim"] = _sim_runs(sim_users, sim_days, engines)
    if viz is not None:
        fig = viz(users=2000, days=5)
        print_table("visualiser: baseline, 2,000 users, one Step = one day + full re-render", fig)
        report["viz"] = fig
    if which in ("all", "loadtest"):
        fig = bench_figures()
        print_figures(fig)
        report["loadtest"] = fig
    if which == "durable":
        fig = durable_figures()
        summary = {
            f"{mode} {key}": fig[mode][key]
            for mode in ("memory", "durable")
            for key in ("max_sustained_rps", "max_achieved_rps", "server_p99_ms")
        }
        cost = {k: fig[k] for k in ("max_sustained_rps_cost", "max_achieved_rps_cost")}
        print_table("service: in memory vs durable (--data), requests/s", {**summary, **cost})
        report["durable"] = fig
    if which == "log":
        from .bench_log import log_figures

        fig = log_figures()
        print_table("event log: baseline, 10,000 users x 10 days, written and read back", fig)
        report["log"] = fig
    if which == "service":
        service = bench_service.service_figures(seconds=seconds)
        generator = bench_service.generator_figures(seconds=2 * seconds)
        bench_service.print_service(service, generator)
        report["service"] = {"service": service, "generator": generator}
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, default=str))
    return 0


def one_run(argv: list[str] | None = None) -> None:
    """``python -m redloop.sim.benchmark USERS DAYS [ENGINE]``: one :func:`sim_figures` run,
    printed as one JSON line (what ``bench sim`` runs in a child process per size)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m redloop.sim.benchmark", description=one_run.__doc__
    )
    parser.add_argument("users", type=int, help="community size")
    parser.add_argument("days", type=int, help="simulated days (0: only the build)")
    parser.add_argument("engine", nargs="?", default="sessions", choices=("sessions", "batch"))
    args = parser.parse_args(argv)
    if args.users < 1 or args.days < 0:
        parser.error(f"users must be >= 1 and days >= 0; got {args.users} and {args.days}")
    print(json.dumps(sim_figures(args.users, args.days, engine=args.engine)))


if __name__ == "__main__":
    one_run()
