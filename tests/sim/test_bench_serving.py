"""``redloop bench platform``'s serving row runs and checks its own claim: pages served one
by one and in bulk log the same events (it raises otherwise)."""

from __future__ import annotations

from redloop.sim.benchmark import serving_figures


def test_the_serving_bench_compares_equal_logs() -> None:
    figures = serving_figures(300, notes_per_user=3, hours=2)
    for feed in ("ces_pools", "ces_pools_ads", "popular", "interest", "following"):
        assert figures[f"{feed}_pages_per_cpu_s_single"] > 0
        assert figures[f"{feed}_pages_per_cpu_s_bulk"] > 0
