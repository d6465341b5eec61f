"""``redloop bench``: throughput and memory figures the issues ask for.

Run ``redloop bench platform`` (or ``make bench``). Figures are printed as a table and can be
written as JSON with ``--json PATH``. Timing uses ``time.perf_counter`` over many operations
on one core; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil

from redloop.platform.api import TOPICS, Platform, PlatformConfig


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

    def like(n: int) -> None:
        f = platform.like
        for i in range(n):
            f(us[i], ns[i], now=now)

    def collect(n: int) -> None:
        f = platform.collect
        for i in range(n):
            f(us[i], ns[i], now=now)

    def read(n: int) -> None:
        f = platform.read
        for i in range(n):
            f(us[i], ns[i], now=now)

    def follow(n: int) -> None:
        f = platform.follow
        for i in range(n):
            if us[i] != vs[i]:
                f(us[i], vs[i], now=now)

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

    figures["like_ops_s"] = _rate(ops, like)
    figures["collect_ops_s"] = _rate(ops, collect)
    figures["read_ops_s"] = _rate(ops, read)
    figures["follow_ops_s"] = _rate(ops, follow)
    figures["discovery_pages_s_ces_pools"] = _rate(pages, discovery)
    figures["following_pages_s_50_followees"] = _rate(pages // 5, following)
    for name in ("interest", "popular", "manual"):
        platform.set_recommender(name, now=now)
        figures[f"discovery_pages_s_{name}"] = _rate(pages // 5, discovery)
    figures["events_logged"] = len(platform.log)
    return figures


def sim_figures(users: int, days: int, seed: int = 1) -> dict[str, float | str]:
    """Run the baseline scenario headless (in-memory log) and time it."""
    import resource

    from redloop.scenarios.schema import load
    from redloop.sim.model import RedloopModel

    scenario = load("baseline", seed=seed, days=days, **{"population.users": users})
    start = time.perf_counter()
    model = RedloopModel(scenario)
    built = time.perf_counter()
    model.run_days(days)
    end = time.perf_counter()
    sessions = int(model.metrics()["sessions"].sum())
    return {
        "users": users,
        "days": days,
        "build_s": built - start,
        "run_s": end - built,
        "sessions": sessions,
        "sessions_per_s": sessions / (end - built),
        "wall_s_per_day": (end - built) / days,
        "events": len(model.platform.log),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # Same digest before and after a change: the change altered no simulated event.
        "event_log_digest": model.platform.log.digest(),
    }


def _sim_in_child(users: int, days: int) -> dict[str, float | str]:
    """Each size in a fresh process, so peak memory is that run's own."""
    out = subprocess.run(
        [sys.executable, "-m", "redloop.sim.benchmark", str(users), str(days)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_table(title: str, figures: dict[str, float | str]) -> None:
    print(title)
    for key, value in figures.items():
        shown = value if isinstance(value, str) else f"{value:>14,.1f}"
        print(f"  {key:<34} {shown}")


def main(
    which: str,
    *,
    users: int,
    notes: int,
    sim_users: list[int],
    sim_days: int,
    json_path: Path | None,
) -> int:
    report: dict[str, object] = {}
    if which in ("all", "platform"):
        figures = platform_figures(users=users, notes=notes)
        print_table(f"platform: {users:,} users, {notes:,} notes (one core)", figures)
        report["platform"] = figures
    if which in ("all", "sim"):
        runs = []
        for n in sim_users:
            fig = _sim_in_child(n, sim_days)
            print_table(f"simulation: baseline, {n:,} users x {sim_days} days", fig)
            runs.append(fig)
        if len(runs) > 1:
            a, b = runs[0], runs[-1]
            growth = (b["run_s"] / a["run_s"]) / (b["users"] / a["users"])
            print(
                f"  cost growth per user ({a['users']:,} -> {b['users']:,}): "
                f"{growth:.2f} (1.0 = linear)"
            )
        report["sim"] = runs
    if which in ("all", "viz"):
        from redloop.viz.bench import figures as viz_figures  # viz is optional for the engine

        fig = viz_figures(users=2000, days=5)
        print_table("visualiser: baseline, 2,000 users, one Step = one day + full re-render", fig)
        report["viz"] = fig
    if which in ("all", "loadtest"):
        from redloop.sim.loadtest import bench_figures, print_figures

        fig = bench_figures()
        print_figures(fig)
        report["loadtest"] = fig
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    print(json.dumps(sim_figures(int(sys.argv[1]), int(sys.argv[2]))))
