"""``redloop bench viz``: the page is rendered, Step clicked, and the day timed apart."""

from __future__ import annotations

from redloop.viz.bench import TARGET_MS, figures


def test_bench_viz_times_steps_and_the_bare_day() -> None:
    fig = figures(users=200, days=2)
    assert fig["users"] == 200 and fig["days"] == 2
    assert 0 < fig["step_ms"] <= fig["step_max_ms"]
    assert fig["day_ms"] > 0 and fig["first_render_ms"] > 0 and fig["snapshot_ms"] >= 0
    assert fig["within_target"] == float(fig["step_ms"] <= TARGET_MS)
    assert "redraw_ms" not in fig  # a day in a thread beside the drawing does not subtract
