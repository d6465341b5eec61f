"""``redloop bench service`` end to end on tiny durations: real servers on loopback (the bare
reference app, ``serve --memory``, ``serve --data``), the read-heavy mix, and Locust next to
the load generator. It asserts what is measured and printed, never a speed."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from redloop.sim.load import bench_service

# Not imported here: importing locust monkey-patches the test process with gevent.
needs_locust = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="needs the load extra (locust)"
)


@needs_locust
def test_bench_service_measures_every_server_and_both_generators(capsys) -> None:
    service = bench_service.service_figures(
        seconds=0.5, users=8, notes=12, connections=4, processes=2
    )
    for name in ("reference", "memory", "durable"):
        run = service[name]
        assert run["requests"] > 0 and run["errors"] == 0, name
        assert run["rps"] > 0 and run["server_cpu_us_per_request"] > 0
        assert run["generator_cpu_us_per_request"] > 0
    for name in ("memory", "durable"):
        expected = service[name]["rps"] / service["reference"]["rps"]
        assert service[f"{name}_to_reference"] == pytest.approx(expected)
    generator = bench_service.generator_figures(seconds=3.0, users=30, rate=40, locust_users=4)
    assert generator["ours"]["requests"] > 0
    assert generator["locust_fast"]["requests"] > 0
    for side in ("ours", "locust_fast"):  # the server's CPU during each generator's run
        assert generator[side]["server_cpu_us_per_request"] > 0, side
        assert generator[side]["server_busy"] > 0, side
    assert math.isfinite(generator["ours_to_locust"]) and generator["ours_to_locust"] > 0
    bench_service.print_service(service, generator)
    out = capsys.readouterr().out
    assert "bare ASGI app, constant JSON" in out
    assert out.count("x the bare app") == 2  # memory and durable
    assert "loadtest/locust = " in out


def test_the_read_heavy_mix_is_pages_reads_and_likes_of_known_notes() -> None:
    mix = bench_service.read_heavy_mix(["a", "b"], notes=5, visits=50, seed=3)
    assert len(mix) == 200
    kinds = [(method, path.rsplit("/", 1)[-1]) for method, path, _, _ in mix]
    assert kinds.count(("GET", "discovery")) == 50
    assert kinds.count(("POST", "reads")) == 100
    assert kinds.count(("PUT", "like")) == 50
    ids = {int(path.split("/")[2]) for _, path, _, _ in mix if path.startswith("/notes/")}
    assert ids <= set(range(5))
    assert {h["Authorization"] for _, _, _, h in mix} == {"Bearer a", "Bearer b"}
    assert mix == bench_service.read_heavy_mix(["a", "b"], notes=5, visits=50, seed=3)


def test_the_generator_is_read_over_its_steady_window() -> None:
    """Like Locust's: the second half of the run's whole seconds, in unix time."""
    from redloop.sim.load.result import RunResult
    from redloop.sim.load.shapes import Plan, make_shape
    from redloop.sim.load.stats import Stats

    stats = Stats()
    for second, count in enumerate([1, 2, 3, 4, 5, 6, 7]):  # second 6 is the grace period
        for _ in range(count):
            stats.record("GET /x", 0.001, True, second + 0.5, 200)
    plan = Plan.draw(make_shape("constant", 6.0), 1.0, 0.0, np.random.default_rng(0))
    result = RunResult(stats, plan, wall_start=1000.0)
    assert bench_service._steady_window(result, 6) == (1003.0, 1006.0, 4 + 5 + 6)
    assert bench_service._steady_window(result, 1) == (1000.0, 1001.0, 1)
    assert bench_service._steady_window(result, 0) is None
