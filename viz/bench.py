"""Visualiser timings: how long a Step takes to show, and how long the page takes to open.

``figures(users=2000)`` renders the page in-process with ``solara.render`` (the same
component tree the browser gets, minus the websocket) and clicks Step a few times in a row:
each click shows the day the page simulated ahead in the background, waiting for it if it
is not ready yet — clicked back to back, as here, a Step costs the day and the redraw. The
same days are then run on a bare model with the same seed (identical work) for the day's
own cost. (The two do not subtract into a redraw time: the page's day runs in a thread
beside the drawing.) Run it with ``python -m redloop.viz.bench [USERS] [DAYS]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

#: What a Step should cost at 2,000 users: one simulated day plus redrawing every panel.
TARGET_MS = 250.0


def figures(users: int = 2000, days: int = 5, scenario: str = "baseline") -> dict[str, float]:
    """Milliseconds for the first render and for each Step (day + full re-render)."""
    import ipyvuetify as v
    import solara

    from .app import Page
    from .views import Params, Sim, feed_snapshot, snapshot

    start = time.perf_counter()
    _box, rc = solara.render(Page(scenario, users=users), handle_error=False)
    first_render = time.perf_counter() - start
    button = rc.find(v.Btn, children=["Step"]).widget
    per_step = []
    for _ in range(days):
        start = time.perf_counter()
        button.click()
        per_step.append(time.perf_counter() - start)
    rc.close()

    start = time.perf_counter()
    sim = Sim(replace(Params.of(scenario), users=users))
    build = time.perf_counter() - start
    per_day, per_read = [], []
    for _ in range(days):
        start = time.perf_counter()
        sim.step_day()
        per_day.append(time.perf_counter() - start)
        start = time.perf_counter()
        snapshot(sim)
        feed_snapshot(sim, None)
        per_read.append(time.perf_counter() - start)

    def ms(xs: list[float]) -> float:
        return round(1000 * statistics.fmean(xs), 1)

    step_ms = ms(per_step)
    return {
        "users": users,
        "days": days,
        "first_render_ms": round(1000 * first_render, 1),
        "model_build_ms": round(1000 * build, 1),
        "step_ms": step_ms,
        "step_max_ms": round(1000 * max(per_step), 1),
        "day_ms": ms(per_day),
        "snapshot_ms": ms(per_read),
        "target_ms": TARGET_MS,
        "within_target": float(step_ms <= TARGET_MS),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    users = int(args[0]) if args else 2000
    days = int(args[1]) if len(args) > 1 else 5
    for key, value in figures(users, days).items():
        print(f"{key:<18} {value:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
