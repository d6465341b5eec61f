"""Comparisons over seeds and parameter sweeps (local processes and Ray)."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from redloop.scenarios.schema import ScenarioError
from redloop.sim import experiments
from redloop.sim.cli import main
from redloop.sim.experiments import compare, diff_ci, mean_ci, parse_set, sweep

TINY = {"population.users": 150, "days": 2}


def test_mean_ci_and_welch_difference() -> None:
    m, half = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert m == 2.0 and half == pytest.approx(4.303 * 1.0 / math.sqrt(3), rel=1e-3)
    assert math.isnan(mean_ci(np.array([5.0]))[1])
    d, half = diff_ci(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    # equal variances, n = 3 each: Welch df = 4, t(0.975, 4) = 2.776
    assert d == 3.0 and half == pytest.approx(2.776 * math.sqrt(2 / 3), rel=1e-3)


def test_parse_set_reads_toml_values() -> None:
    assert parse_set("behaviour.open_rate=0.05,0.1") == ("behaviour.open_rate", [0.05, 0.1])
    assert parse_set("platform.recommender=manual,ces_pools")[1] == ["manual", "ces_pools"]
    assert parse_set("behaviour.post_purchase_sharing=true,false")[1] == [True, False]
    with pytest.raises(ScenarioError):
        parse_set("no-equals-sign")


def test_compare_writes_table_and_report(tmp_path: Path) -> None:
    table = compare(
        "baseline", "editors_only", seeds=2, out=tmp_path, overrides=TINY, jobs=1, progress=False
    )
    assert list(table["outcome"][:3]) == ["gmv", "orders", "mean_dau"]
    row = table.set_index("outcome").loc["read_rate"]
    assert row["difference (B−A)"] == pytest.approx(row["editors_only mean"] - row["baseline mean"])
    assert row["baseline ±95%"] >= 0
    assert (tmp_path / "comparison.csv").exists()
    html = (tmp_path / "comparison.html").read_text()
    assert "data:image/png;base64," in html and "baseline" in html


def test_sweep_runs_the_grid_and_skips_finished_runs(tmp_path: Path, monkeypatch) -> None:
    grid = [("behaviour.open_rate", [0.03, 0.09]), ("population.users", [150])]
    table = sweep("baseline", [*grid, ("days", [2])], seeds=2, out=tmp_path, jobs=2, progress=False)
    assert len(table) == 4 and table["run_id"].is_unique
    assert sorted(table["set:behaviour.open_rate"].unique()) == [0.03, 0.09]
    assert set(table["seed"]) == {1, 2}
    by_rate = table.groupby("set:behaviour.open_rate")["read_rate"].mean()
    assert by_rate[0.09] > by_rate[0.03], "the swept parameter changes the outcome"
    assert pd.read_parquet(tmp_path / "results.parquet").shape == table.shape

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("a finished run was executed again")

    monkeypatch.setattr(experiments, "run_task", must_not_run)
    again = sweep("baseline", [*grid, ("days", [2])], seeds=2, out=tmp_path, jobs=1, progress=False)
    pd.testing.assert_frame_equal(again, table)


def test_sweep_cli_takes_days_and_users_and_writes_sweep_html(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s"
    argv = ["sweep", "baseline", "--set", "behaviour.open_rate=0.03,0.09", "--days", "2"]
    assert (
        main([*argv, "--users", "150", "--seeds", "2", "--jobs", "1", "--quiet", "--out", str(out)])
        == 0
    )
    table = pd.read_csv(out / "results.csv")
    assert [c for c in table if c.startswith("set:")] == ["set:behaviour.open_rate"]  # not days
    runs = [json.loads(p.read_text()) for p in (out / "runs").iterdir()]
    assert len(runs) == 4
    html = (out / "sweep.html").read_text()
    assert html.count("data:image/png;base64,") == 1  # one figure per swept key
    assert "Each outcome against behaviour.open_rate" in html and "Every grid point" in html
    assert re.search(r"<td>¥[\d,]+ ± ¥[\d,]+</td>", html)  # means with their 95% CI
    printed = capsys.readouterr().out
    assert "¥" in printed and f"report: {out / 'sweep.html'}" in printed
    bad = main(["sweep", "baseline", "--days", "-3", "--out", str(tmp_path / "b")])
    assert bad == 2 and "--days: -3 is out of range" in capsys.readouterr().err


def test_compare_says_how_many_seeds_would_detect_a_difference(tmp_path: Path) -> None:
    table = compare(
        "baseline", "editors_only", seeds=2, out=tmp_path, overrides=TINY, jobs=1, progress=False
    ).set_index("outcome")
    quiet = table[~table["significant"] & (table["difference (B−A)"] != 0)]
    assert quiet["seeds to detect"].dropna().ge(2).all()
    assert table.loc[table["significant"], "seeds to detect"].isna().all()


def test_sweep_on_a_local_ray_instance(tmp_path: Path) -> None:
    table = sweep(
        "baseline",
        [("behaviour.open_rate", [0.03, 0.09]), ("population.users", [150]), ("days", [2])],
        seeds=1,
        out=tmp_path,
        backend="ray",
        jobs=2,
        progress=False,
    )
    assert len(table) == 2
    rows = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")]
    assert {r["set:behaviour.open_rate"] for r in rows} == {0.03, 0.09}


def test_sweep_with_an_invalid_value_fails_before_running(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "sweep",
            "baseline",
            "--set",
            "behaviour.open_rate=0.5,7",
            "--out",
            str(tmp_path / "s"),
            "--quiet",
        ]
    )
    assert code == 2
    assert "behaviour.open_rate" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_rerunning_a_finished_sweep_says_nothing_to_run(tmp_path: Path, capsys) -> None:
    argv = ["sweep", "baseline", "--set", "population.users=120", "--set", "days=1"]
    argv += ["--seeds", "2", "--jobs", "2", "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 0
    assert "ran 2 of 2 runs" in capsys.readouterr().out
    (tmp_path / "results.csv").unlink()
    assert main(argv) == 0  # once raised "max_workers must be greater than 0"
    assert "nothing to run: all 2 runs were done" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "results.csv")) == 2, "the table is written again"


def test_editing_a_scenario_file_or_what_it_extends_makes_new_runs(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    child = tmp_path / "child.toml"
    base.write_text('extends = "baseline"\n[behaviour]\nopen_rate = 0.05\n', encoding="utf-8")
    child.write_text('extends = "base.toml"\ndays = 1\n', encoding="utf-8")
    grid = [("population.users", [120])]
    first = sweep(str(child), grid, seeds=1, out=tmp_path / "out", jobs=1, progress=False)
    same = sweep(str(child), grid, seeds=1, out=tmp_path / "out", jobs=1, progress=False)
    assert same.attrs["ran"] == 0 and list(same["run_id"]) == list(first["run_id"])
    base.write_text('extends = "baseline"\n[behaviour]\nopen_rate = 0.2\n', encoding="utf-8")
    edited = sweep(str(child), grid, seeds=1, out=tmp_path / "out", jobs=1, progress=False)
    assert edited.attrs["ran"] == 1, "the edit in the extended file is a new run"
    assert list(edited["run_id"]) != list(first["run_id"])
    assert edited["read_rate"].iloc[0] != first["read_rate"].iloc[0]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killing_a_sweep_leaves_no_worker_running(tmp_path: Path, sig: signal.Signals) -> None:
    """SIGINT reaches the sweep as KeyboardInterrupt (it stops its pool); SIGTERM and SIGKILL
    end it at once, and the workers notice their parent is gone."""
    argv = [sys.executable, "-m", "redloop.sim.cli", "sweep", "baseline", "--seeds", "4"]
    argv += ["--set", "population.users=3000", "--jobs", "2", "--out", str(tmp_path), "--quiet"]
    parent = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline:  # until both workers are busy with a run
            workers = [
                p
                for p in psutil.Process(parent.pid).children(recursive=True)
                if "spawn_main" in " ".join(p.cmdline())
            ]
            if len(workers) == 2 and all(p.cpu_times().user > 3.0 for p in workers):
                break
            time.sleep(0.2)
        assert len(workers) == 2, "the sweep started its two workers"
        parent.send_signal(sig)
        parent.wait(30)  # its stop joins each of the 2 workers for up to 5 s, then it exits
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"workers outlived the killed sweep: {[p.pid for p in alive]}"
    finally:
        parent.kill()
