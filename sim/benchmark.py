"""``redloop bench``: throughput and memory figures the issues ask for.

Run ``redloop bench platform`` (or ``make bench``). Figures are printed as a table and can be
written as JSON with ``--json PATH``. Timing uses ``time.perf_counter`` over many operations
on one core; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import gc
import json
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


def build_platform(users: int, notes: int, seed: int = 7, recommender: str = "ces_pools"
                   ) -> tuple[Platform, dict[str, float]]:
    """A platform with ``users`` accounts (1% creators) and ``notes`` notes over 30 days."""
    rng = np.random.default_rng(seed)
    platform = Platform(PlatformConfig(recommender=recommender), rng=rng)
    interests = rng.integers(0, len(TOPICS), size=(users, 3))
    kinds = np.where(rng.random(users) < 0.01, "creator", "consumer")
    for u in range(users):
        platform.create_user(f"u{u}", str(kinds[u]),
                             [TOPICS[t] for t in set(interests[u].tolist())], now=0.0)
    authors = rng.zipf(1.8, size=notes) % users
    topic_a = rng.integers(0, len(TOPICS), size=notes)
    times = np.sort(rng.random(notes)) * 24 * 30
    topic_names = [[t] for t in TOPICS]
    rss0 = _rss()
    start = time.perf_counter()
    publish = platform.publish
    for i, (a, t, when) in enumerate(zip(authors.tolist(), topic_a.tolist(), times.tolist(),
                                        strict=True)):
        publish(a, topic_names[t], now=when, title=f"note {i}" if i % 4 == 0 else "")
    elapsed = time.perf_counter() - start
    per_note = (_rss() - rss0) / notes
    return platform, {"publish_ops_s": notes / elapsed, "bytes_per_note": per_note}


def platform_figures(users: int = 100_000, notes: int = 1_000_000, ops: int = 200_000,
                     pages: int = 50_000, seed: int = 7) -> dict[str, float]:
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

    def following(n: int) -> None:
        f = platform.following_feed
        for i in range(n):
            f(us[i], now=now)

    figures["like_ops_s"] = _rate(ops, like)
    figures["collect_ops_s"] = _rate(ops, collect)
    figures["read_ops_s"] = _rate(ops, read)
    figures["follow_ops_s"] = _rate(ops, follow)
    figures["discovery_pages_s_ces_pools"] = _rate(pages, discovery)
    figures["following_pages_s"] = _rate(pages // 5, following)
    for name in ("interest", "popular", "manual"):
        platform.set_recommender(name, now=now)
        figures[f"discovery_pages_s_{name}"] = _rate(pages // 5, discovery)
    figures["events_logged"] = len(platform.log)
    return figures


def print_table(title: str, figures: dict[str, float]) -> None:
    print(title)
    for key, value in figures.items():
        print(f"  {key:<34} {value:>14,.1f}")


def main(which: str, *, users: int, notes: int, json_path: Path | None) -> int:
    figures = platform_figures(users=users, notes=notes)
    print_table(f"platform: {users:,} users, {notes:,} notes (one core)", figures)
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2))
    return 0
