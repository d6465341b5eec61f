"""The load generator (sim/load/), its statistics and the Locust interop.

In-process runs last a few seconds per shape; one end-to-end run drives a real uvicorn
server over loopback and checks the server's counters against the writes the generator saw
succeed; a Locust smoke test runs the shipped locustfile headless against a fresh
``redloop serve``.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import numpy as np
import pytest

from redloop.agents.steps import drive_sync
from redloop.platform.api import Platform
from redloop.platform.client import AsyncClient, Call, Calls, Client, TokenBook
from redloop.platform.http import create_app
from redloop.scenarios.schema import load
from redloop.sim.cli import main
from redloop.sim.load import (
    COMPOSE,
    LOCUSTFILE,
    Crowd,
    HttpTarget,
    LoadTestConfig,
    Plan,
    arrival_times,
    build_crowd,
    make_shape,
    run_loadtest,
    spawned_server,
    write_results,
)
from redloop.sim.load.stats import Stats
from redloop.sim.routines import DIURNAL

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- shapes and arrivals


def test_shapes_multiply_the_base_rate() -> None:
    assert make_shape("constant", 10)(np.array([0.0, 9.9])).tolist() == [1.0, 1.0]
    spike = make_shape("spike", 10)
    assert spike(np.array([4.4, 4.5, 5.49, 5.5])).tolist() == [1.0, 5.0, 5.0, 1.0]
    day = make_shape("diurnal", 24)  # one second per hour
    assert np.allclose(day(np.arange(24) + 0.5), DIURNAL)
    assert day.peak == pytest.approx(DIURNAL.max())
    sale = load("anniversary_sale")
    shape = make_shape("scenario", sale.days * 24, sale)  # one second per simulated hour
    festival = sale.timeline[0]
    inside = shape(np.array([festival.day * 24 + 12.5]))[0]
    assert inside == pytest.approx(DIURNAL[12] * festival.activity)
    assert shape(np.array([5 * 24 + 12.5]))[0] == pytest.approx(DIURNAL[12])
    assert shape.peak >= DIURNAL.max() * festival.activity


def test_thinned_arrivals_follow_the_shape() -> None:
    rng = np.random.default_rng(7)
    duration, rate = 100.0, 200.0
    spike = arrival_times(rate, make_shape("spike", duration), rng)
    burst = ((spike >= 45) & (spike < 55)).sum() / 10.0
    rest = ((spike < 45) | (spike >= 55)).sum() / 90.0
    assert burst / rest == pytest.approx(5.0, rel=0.1)
    assert rest == pytest.approx(rate, rel=0.05)
    day = arrival_times(rate, make_shape("diurnal", 24.0), rng)
    per_hour = np.bincount(day.astype(int), minlength=24)
    assert per_hour.argmax() in (20, 21, 22) and per_hour.argmin() in (2, 3, 4, 5)
    assert per_hour.max() / per_hour.min() > 8  # 1.9 vs 0.1 of the mean, in the model
    assert per_hour.sum() == pytest.approx(rate * 24, rel=0.05)


def test_plans_are_seeded_and_mix_in_composes() -> None:
    shape = make_shape("constant", 50)
    a = Plan.draw(shape, 20.0, 0.1, np.random.default_rng(3))
    b = Plan.draw(shape, 20.0, 0.1, np.random.default_rng(3))
    assert np.array_equal(a.times, b.times) and np.array_equal(a.kinds, b.kinds)
    assert np.all(np.diff(a.times) >= 0)
    assert (a.kinds == COMPOSE).mean() == pytest.approx(0.1 / 1.1, abs=0.03)
    assert a.offered(3).tolist() == [20.0, 20.0, 20.0]


# ---------------------------------------------------------------- statistics


def test_stats_percentiles_merge_and_buckets() -> None:
    rng = np.random.default_rng(1)
    latency = rng.lognormal(np.log(0.004), 0.7, 20_000)
    stats = Stats()
    for i, seconds in enumerate(latency.tolist()):
        stats.record("GET /a" if i % 2 else "PUT /b", seconds, i % 100 != 0, i / 2000, 200)
    rows = stats.table(10.0)
    total = rows[-1]
    assert total["endpoint"] == Stats.TOTAL and total["requests"] == 20_000
    assert sum(r["requests"] for r in rows[:-1]) == total["requests"]
    assert total["errors"] == 200 and total["rps"] == 2000.0
    for p in (50, 90, 99):
        assert total[f"p{p}_ms"] == pytest.approx(np.percentile(latency, p) * 1000, rel=0.01)
    timeline = [r for r in stats.timeline() if r["endpoint"] == Stats.TOTAL]
    assert [r["t"] for r in timeline] == [float(s) for s in range(10)]
    assert sum(r["requests"] for r in timeline) == 20_000
    second = latency[2000 * 4 : 2000 * 5]
    assert timeline[4]["p99_ms"] == pytest.approx(np.percentile(second, 99) * 1000, rel=0.02)
    merged = Stats()
    merged.merge([stats, stats])
    assert merged.table(10.0)[-1]["requests"] == 40_000
    assert merged.table(10.0)[-1]["p50_ms"] == total["p50_ms"]


# ---------------------------------------------------------------- in-process runs


def _run(tmp_path: Path, shape: str, **kw: Any) -> tuple[Any, dict[str, Any]]:
    cfg = LoadTestConfig(users=kw.pop("users", 120), shape=shape, quiet=True, **kw)
    report = run_loadtest(cfg)
    write_results(report, tmp_path)
    return report, json.loads((tmp_path / "summary.json").read_text())


def _check_files(tmp_path: Path, summary: dict[str, Any]) -> None:
    for name in ("loadtest.csv", "timeline.csv", "loadtest.html", "summary.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert not list(tmp_path.glob("*.partial"))
    with (tmp_path / "loadtest.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows[-1]["endpoint"] == "(all)"
    assert sum(int(r["requests"]) for r in rows[:-1]) == int(rows[-1]["requests"])
    assert int(rows[-1]["requests"]) == summary["requests"] > 0
    with (tmp_path / "timeline.csv").open() as f:
        timeline = list(csv.DictReader(f))
    for row in rows:
        per_second = [int(t["requests"]) for t in timeline if t["endpoint"] == row["endpoint"]]
        assert sum(per_second) == int(row["requests"]), row["endpoint"]
    assert sum(summary["status_counts"].values()) == summary["requests"]
    s = summary["sessions"]
    accounted = s["started"] + s["dropped_busy"] + s["dropped_outstanding"] + s["late"]
    assert accounted == s["planned"]
    assert s["completed"] + s["failed"] + s["unfinished"] == s["started"]
    assert s["failed"] == 0, summary["session_failures"]
    page = (tmp_path / "loadtest.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    assert 'src="http' not in page and "<script" not in page  # self-contained


def test_constant_inprocess(tmp_path: Path) -> None:
    report, summary = _run(tmp_path, "constant", duration=2.0, rate=150.0)
    _check_files(tmp_path, summary)
    assert summary["target"] == "inproc" and summary["users"] == 120
    starts = np.frombuffer(report.result.starts)
    assert len(starts) == pytest.approx(300, rel=0.25)
    assert summary["crowd"]["sessions"] > 0


def test_spike_inprocess_bursts_in_the_middle_tenth(tmp_path: Path) -> None:
    report, summary = _run(tmp_path, "spike", duration=3.0, rate=120.0)
    _check_files(tmp_path, summary)
    starts = np.frombuffer(report.result.starts)
    burst = ((starts >= 1.35) & (starts < 1.65)).sum() / 0.3
    rest = ((starts < 1.35) | (starts >= 1.65)).sum() / 2.7
    assert burst > 3 * rest, (burst, rest)


def test_diurnal_inprocess_has_peaks_and_troughs(tmp_path: Path) -> None:
    report, summary = _run(tmp_path, "diurnal", duration=3.0, rate=150.0)
    _check_files(tmp_path, summary)
    hours = np.frombuffer(report.result.starts) / 3.0 * 24
    per_hour = np.bincount(hours.astype(int), minlength=24)[:24]
    order = np.argsort(DIURNAL)
    trough, peak = per_hour[order[:4]].sum(), per_hour[order[-4:]].sum()
    assert peak > 4 * max(trough, 1), per_hour


def test_scenario_shape_inprocess_has_the_festival(tmp_path: Path) -> None:
    report, summary = _run(
        tmp_path, "scenario", scenario="anniversary_sale", duration=3.0, rate=150.0
    )
    _check_files(tmp_path, summary)
    assert summary["scenario"] == "anniversary_sale"
    days = (np.frombuffer(report.result.starts) / 3.0 * 28).astype(int)
    per_day = np.bincount(days, minlength=28)[:28]
    ordinary = np.delete(per_day, 20).mean()
    assert per_day[20] > 1.6 * ordinary, per_day


# ---------------------------------------------------------------- the command line


def test_cli_thresholds_exit_1_when_breached_and_0_when_met(tmp_path: Path, capsys) -> None:
    common = ["loadtest", "--users", "60", "--duration", "1", "--rate", "60", "--quiet"]
    code = main([*common, "--out", str(tmp_path / "a"), "--max-p99-ms", "0.0005"])
    err = capsys.readouterr().err
    assert code == 1 and "threshold breached: p99 latency" in err and "--max-p99-ms" in err
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["thresholds"]["breached"]
    code = main(
        [*common, "--out", str(tmp_path / "b"), "--max-p99-ms", "5000", "--max-error-rate", "0.5"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "req/s" in out and str(tmp_path / "b") in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shape", "wobble"], "unknown shape 'wobble'"),
        (["--users", "-5"], "--users must be >= 1"),
        (["--rate", "-1"], "--rate must be >= 0"),
        (["--duration", "soon"], "--duration must be seconds"),
        (["--duration", "0"], "--duration must be > 0"),
        (["--max-error-rate", "2"], "--max-error-rate is a fraction"),
        (["--target", "localhost:8000"], "--target must be 'inproc' or an http(s):// URL"),
        (["--scenario", "nope"], "nope"),
    ],
)
def test_cli_usage_errors_exit_2(args: list[str], message: str, capsys) -> None:
    assert main(["loadtest", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("redloop: error:") and message in err and "Traceback" not in err


def test_cli_unreachable_target_exits_2(capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["loadtest", "--target", f"http://127.0.0.1:{port}", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach http://127.0.0.1:{port}" in err and "is `redloop serve` running" in err


# ---------------------------------------------------------------- over HTTP, end to end


@pytest.fixture
def served(live_server: Callable[[Any], str]) -> tuple[str, Platform]:
    """`redloop serve` equivalent: a fresh platform on uvicorn, loopback, background thread."""
    platform = Platform(load("baseline").platform_config(), rng=5)
    return live_server(create_app(platform)), platform


class CountingClient(AsyncClient):
    """Counts each operation's successful calls and, for idempotent ones, real changes."""

    done: ClassVar[Counter[str]] = Counter()

    async def execute(self, call: Call) -> Any:
        result = await super().execute(call)
        self.done[call.op.name] += 1
        if result is True:
            self.done[f"{call.op.name}:changed"] += 1
        return result


def _counters(p: Platform) -> dict[str, int]:
    notes = p.tables()["notes"]
    return {
        **{k: int(np.sum(notes[k])) for k in ("reads", "likes", "collects", "comments", "shares")},
        "notes": p.n_notes,
        "orders": p.n_orders,
        "paid": sum(p.order(o).status == "paid" for o in range(p.n_orders)),
        "follows": sum(len(p.following(u)) for u in range(p.n_users)),
    }


def test_end_to_end_over_http_counters_equal_successful_writes(served) -> None:
    url, platform = served
    CountingClient.done = Counter()
    scenario = load("baseline", **{"population.users": 100})
    target = HttpTarget(url, client_factory=CountingClient)
    crowd = target.build(scenario, np.random.default_rng(1))
    assert target.setup["requests"] > 100 and target.setup["errors"] == 0
    before = _counters(platform)
    plan = Plan.draw(make_shape("constant", 3.0), 40.0, 0.05, np.random.default_rng(2))
    result = target.run(crowd, plan, grace=5.0)
    after = _counters(platform)
    done = CountingClient.done
    statuses = result.stats.total.statuses
    assert not [s for s in statuses if s >= 500], statuses
    assert result.failed == 0, result.failures
    assert result.completed == result.started > 60
    delta = {k: after[k] - before[k] for k in after}
    assert delta["reads"] == done["read"] > 0
    assert delta["comments"] == done["comment"]
    assert delta["shares"] == done["share"] + done["deliver_share"] + done["share_outside"]
    assert delta["likes"] == done["like:changed"] <= done["like"]
    assert delta["collects"] == done["collect:changed"] <= done["collect"]
    assert delta["follows"] == done["follow:changed"]
    assert delta["notes"] == done["publish"] > 0
    assert delta["orders"] == done["place_order"]
    assert delta["paid"] == done["pay"]
    # The recorder saw the same successes as the client.
    by_endpoint = {e.name: e.requests - e.errors for e in result.stats.entries.values()}
    assert by_endpoint["POST /notes/{note_id}/reads"] == done["read"]
    assert by_endpoint.get("GET /feed/discovery", 0) == done["discovery_feed"] > 0


def test_drive_sync_runs_behaviour_on_any_transport(served) -> None:
    """The Locust path: the shared model yields Calls, each user executes them itself."""
    url, _ = served
    book = TokenBook()
    scenario = load("baseline", **{"population.users": 30})
    with Client(url, tokens=book) as client:
        model = build_crowd(scenario, client)
        model.platform = Calls(book)
        crowd = Crowd(model, np.random.default_rng(0))
        sent: list[str] = []

        def execute(call: Call) -> Any:
            sent.append(call.op.endpoint)
            return client.execute(call)

        for _ in range(20):
            person = crowd.pick(0)
            drive_sync(crowd.steps(person, 0, 0.0), execute)
            crowd.release(person)
    assert sent.count("GET /feed/discovery") + sent.count("GET /feed/following") >= 20
    assert not crowd.busy


# ---------------------------------------------------------------- Locust


@pytest.mark.timeout(180)
def test_locust_smoke_headless(tmp_path: Path) -> None:
    if importlib.util.find_spec("locust") is None:
        if os.environ.get("CI"):
            pytest.fail("locust is not installed, and CI must run the Locust smoke test")
        pytest.skip("locust is not installed")
    prefix = tmp_path / "locust"
    env = {**os.environ, "REDLOOP_USERS": "50", "REDLOOP_THINK": "0.2"}
    with spawned_server() as url:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "-u",
                "5",
                "-r",
                "5",
                "-t",
                "5s",
                "--host",
                url,
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(f)}
    assert int(rows["GET", "/feed/discovery"]["Request Count"]) > 0, rows.keys()
    total = rows["", "Aggregated"]
    assert int(total["Failure Count"]) == 0, proc.stderr[-3000:]
    assert "crowd of 50 built" in proc.stderr


@pytest.mark.timeout(180)
def test_locust_distributed_master_builds_the_crowd_once(tmp_path: Path) -> None:
    """Master + two workers: one crowd on the server, each worker drives its share."""
    if importlib.util.find_spec("locust") is None:
        if os.environ.get("CI"):
            pytest.fail("locust is not installed, and CI must run the Locust tests")
        pytest.skip("locust is not installed")
    env = {**os.environ, "REDLOOP_USERS": "40", "REDLOOP_THINK": "0.2"}
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    expected = Platform()
    build_crowd(load("baseline", **{"population.users": 40}), expected)
    with spawned_server() as url:
        master = subprocess.Popen(
            [
                *locust,
                "RedloopShopperFast",
                "--headless",
                "--master",
                "--expect-workers",
                "2",
                "--master-bind-port",
                port,
                "-u",
                "6",
                "-r",
                "6",
                "-t",
                "4s",
                "--host",
                url,
                "--csv",
                str(tmp_path / "dist"),
                "--only-summary",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        workers = [
            subprocess.Popen(
                [*locust, "--worker", "--master-port", port],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            master_log = master.communicate(timeout=150)[1]
            worker_logs = [w.communicate(timeout=60)[1] for w in workers]
        finally:
            for proc in (master, *workers):
                if proc.poll() is None:
                    proc.kill()
        health = httpx.get(f"{url}/health", timeout=5).json()
    assert master.returncode == 0, master_log[-3000:]
    assert health["users"] == expected.n_users  # built once, by the master alone
    assert "crowd of 40 built" in master_log
    shares = sorted(
        line.split("worker ")[1][:6]
        for w in worker_logs
        for line in w.splitlines()
        if "received a crowd of 40" in line
    )
    assert shares == ["1 of 2", "2 of 2"], worker_logs
    with open(tmp_path / "dist_stats.csv", newline="") as f:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(f)}
    assert int(rows["GET", "/feed/discovery"]["Request Count"]) > 0
    assert int(rows["", "Aggregated"]["Failure Count"]) == 0


def test_crowd_partitions_people_between_processes() -> None:
    model = build_crowd(load("baseline", **{"population.users": 60}), Platform())
    crowd = Crowd(model, np.random.default_rng(0))
    crowd.partition(1, 3)
    picked = set()
    for _ in range(200):
        person = crowd.pick(0)
        picked.add(person.uid)
        crowd.release(person)
    assert picked and all(uid % 3 == 1 for uid in picked)


def test_crowd_never_picks_a_busy_person_and_gives_up_when_all_are() -> None:
    model = build_crowd(load("baseline", **{"population.users": 40}), Platform())
    crowd = Crowd(model, np.random.default_rng(0))
    picked = [crowd.pick(0) for _ in range(len(model.people) * 3)]
    uids = [p.uid for p in picked if p is not None]
    assert uids and len(uids) == len(set(uids)) == len(crowd.busy)  # each at most once
    crowd.busy.update(p.uid for p in model.people)
    assert crowd.pick(0) is None
    crowd.release(picked[0])
    assert crowd.pick(0) in (picked[0], None)  # only the one let go can come back
