"""Checkpoints, resume and fork: a restored run ends exactly where the uninterrupted one does."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from redloop.platform.api import Platform
from redloop.scenarios.schema import load
from redloop.sim import checkpoints
from redloop.sim.checkpoints import Schedule
from redloop.sim.cli import main
from redloop.sim.experiments import Task, run_task
from redloop.sim.forks import compare_forks
from redloop.sim.model import RedloopModel
from redloop.sim.results import event_log
from redloop.sim.runner import run_scenario

REPO = Path(__file__).resolve().parents[2]
TABLES = ("metrics.csv", "brands.csv", "brand_weeks.csv")


def chain_head(folder: Path) -> dict:
    db = sqlite3.connect(folder / "events.sqlite")
    try:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'chain_head'").fetchone()
    finally:
        db.close()
    return json.loads(value)


def rows(folder: Path) -> list[tuple]:
    db = sqlite3.connect(folder / "events.sqlite")
    try:
        return db.execute(
            "SELECT seq, kind, time, actor, object, value, ints, text FROM events ORDER BY seq"
        ).fetchall()
    finally:
        db.close()


def replayed(folder: Path) -> Platform:
    events = event_log(folder)
    if events.suffix == ".parquet":
        return Platform.from_parquet(events)
    return Platform.from_sqlite(events)


def assert_same_run(a: Path, b: Path) -> None:
    """The same events (by the chain head if both logs are SQLite, else replayed) and the
    same tables, byte for byte."""
    if event_log(a).suffix == event_log(b).suffix == ".sqlite":
        assert chain_head(a) == chain_head(b)
    else:
        assert replayed(a).log.digest() == replayed(b).log.digest()
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("baseline", {}),  # brands: KOC seeding, feed ads, collaborations, the shop stocking
        ("baseline", {"engine": "batch"}),  # the batched engine
        ("anniversary_sale", {}),  # a festival: price cuts and activity, then their end
        ("switch_2016", {}),  # a dated switch of recommender
        ("seeding_by_choice", {}),  # free samples shipped and reviewed
        ("classroom_tipping", {"adoption.mode": "bass", "adoption.mixing": "network"}),
    ],
)
def test_a_run_restored_from_a_checkpoint_ends_as_the_uninterrupted_run(
    tmp_path: Path, name: str, overrides: dict
) -> None:
    scenario = load(name, **{"population.users": 500, "days": 20, **overrides})
    whole = RedloopModel(scenario)
    whole.run_days(scenario.days)

    first = RedloopModel(scenario)
    first.run_days(7)
    path = checkpoints.write(first, tmp_path, Schedule(every=7))
    header, restored = checkpoints.read(path)
    assert (header.day, header.log_rows, header.log_head) == (7, len(first.platform.log), None)
    restored.run_days(scenario.days - restored.day)

    assert restored.platform.log.digest() == whole.platform.log.digest()
    pd.testing.assert_frame_equal(restored.metrics(), whole.metrics())
    pd.testing.assert_frame_equal(restored.brand_metrics(), whole.brand_metrics())


@pytest.mark.parametrize("log_format", ["sqlite", "parquet"])
def test_resume_after_sigkill_between_checkpoints_gives_the_uninterrupted_results(
    tmp_path: Path, log_format: str
) -> None:
    flags = ["baseline", "--users", "500", "--days", "12", "--seed", "2", "--quiet"]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert main(["run", *flags, "--out", str(whole)]) == 0

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "redloop.sim.cli", "run", *flags, "--out", str(killed)]
    process = subprocess.Popen(
        [*command, "--checkpoint-every", "3", "--log-format", log_format],
        cwd=REPO,
        env=env,
    )
    second = killed / "checkpoints" / "day-006.ckpt"
    deadline = time.monotonic() + 240
    while not second.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the condition, not hoping a delay is enough
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL, "the run ended before it could be killed"
    assert second.exists() and not (killed / "summary.json").exists()

    assert main(["resume", str(killed), "--quiet"]) == 0
    assert_same_run(whole, killed)
    assert (killed / "summary.json").exists()


def test_keep_checkpoints_leaves_the_latest_and_resume_goes_on_pruning(tmp_path: Path) -> None:
    out = tmp_path / "r"
    flags = ["baseline", "--users", "300", "--days", "7", "--quiet", "--out", str(out)]
    assert main(["run", *flags, "--checkpoint-every", "1", "--keep-checkpoints", "2"]) == 0
    folder = out / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["day-005.ckpt", "day-006.ckpt"]
    assert checkpoints.read_header(folder / "day-006.ckpt")[0].keep == 2

    # Make it an interrupted run again, with a stray older checkpoint left in the folder.
    (out / "summary.json").unlink()
    (folder / "day-006.ckpt").unlink()
    (folder / "day-001.ckpt").write_bytes((folder / "day-005.ckpt").read_bytes())
    assert main(["resume", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["day-005.ckpt", "day-006.ckpt"]


def test_keep_checkpoints_without_an_interval_is_refused_before_anything_is_written(
    tmp_path: Path, capsys
) -> None:
    out = tmp_path / "r"
    assert main(["run", "baseline", "--keep-checkpoints", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--keep-checkpoints" in err and "--checkpoint-every" in err
    assert not out.exists()


def test_resume_refuses_a_complete_run_and_a_foreign_event_log(tmp_path: Path, capsys) -> None:
    small = load("baseline", **{"population.users": 300, "days": 4})
    run_scenario(small, tmp_path / "a", progress=False, schedule=Schedule(every=2))
    run_scenario(
        load("baseline", **{"population.users": 300, "days": 4, "seed": 9}),
        tmp_path / "b",
        progress=False,
    )

    assert main(["resume", str(tmp_path / "a")]) == 2
    assert "is complete" in capsys.readouterr().err

    (tmp_path / "a" / "summary.json").unlink()
    os.replace(tmp_path / "b" / "events.sqlite", tmp_path / "a" / "events.sqlite")
    assert main(["resume", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not the event log of this checkpoint's run" in err

    (tmp_path / "b" / "summary.json").unlink()
    assert main(["resume", str(tmp_path / "b")]) == 2
    assert "holds no checkpoints" in capsys.readouterr().err


def test_a_fork_shares_the_history_and_changes_only_what_follows(tmp_path: Path) -> None:
    source = tmp_path / "run"
    scenario = load("baseline", **{"population.users": 600, "days": 14})
    run_scenario(scenario, source, progress=False, schedule=Schedule(every=4))
    same, changed = tmp_path / "same", tmp_path / "changed"
    assert main(["fork", str(source), "--day", "4", "--out", str(same), "--quiet"]) == 0
    args = ["--set", "behaviour.review_post_rate=0.02", "--out", str(changed), "--quiet"]
    assert main(["fork", str(source), "--day", "4", *args]) == 0

    assert rows(same) == rows(source)  # nothing changed: the very same events
    for name in TABLES:
        assert (same / name).read_bytes() == (source / name).read_bytes()
    history = checkpoints.read_header(source / "checkpoints" / "day-004.ckpt")[0].log_rows
    assert rows(changed)[:history] == rows(source)[:history]
    assert rows(changed) != rows(source)
    before, after = (pd.read_csv(f / "metrics.csv") for f in (source, changed))
    pd.testing.assert_frame_equal(before.iloc[:4], after.iloc[:4])
    assert after["notes_review"].iloc[4:].sum() < before["notes_review"].iloc[4:].sum()


@pytest.mark.parametrize("log_format", ["sqlite", "parquet"])
def test_a_fork_switching_recommender_keeps_the_history_in_the_run_s_log_format(
    tmp_path: Path, log_format: str
) -> None:
    source, fork = tmp_path / "run", tmp_path / "fork"
    scenario = load("baseline", **{"population.users": 400, "days": 8})
    schedule = Schedule(every=4)
    run_scenario(scenario, source, progress=False, schedule=schedule, log_format=log_format)
    args = ["--set", "platform.recommender=recent", "--out", str(fork), "--quiet"]
    assert main(["fork", str(source), "--day", "4", *args]) == 0

    assert event_log(fork).name == event_log(source).name == f"events.{log_format}"
    history = checkpoints.read_header(source / "checkpoints" / "day-004.ckpt")[0].log_rows
    before, after = list(replayed(source).log), list(replayed(fork).log)
    assert after[:history] == before[:history]
    assert after != before


def test_a_fork_can_change_how_a_brand_markets_from_the_fork_day(tmp_path: Path) -> None:
    source, fork = tmp_path / "run", tmp_path / "fork"
    scenario = load("baseline", **{"population.users": 600, "days": 21})
    run_scenario(scenario, source, progress=False, schedule=Schedule(every=7))
    args = ["--set", "brands.NestHome.budget=12000", "--set", "brands.LumiSkin.strategy=feed_ads"]
    args += ["--set", "brands.LumiSkin.budget=6000"]  # it had none, and no strategy
    assert main(["fork", str(source), "--day", "7", *args, "--out", str(fork), "--quiet"]) == 0

    before, after = (
        pd.read_csv(f / "brands.csv").set_index(["day", "brand"]) for f in (source, fork)
    )
    first_week = before.index.get_level_values("day") < 7
    pd.testing.assert_frame_equal(before[first_week], after[first_week])
    last = before.index.get_level_values("day").max()
    assert after.loc[(last, "NestHome"), "budget"] > before.loc[(last, "NestHome"), "budget"]
    assert before.loc[(last, "LumiSkin"), "spend"] == 0  # strategy "none" in the original
    assert after.loc[(last, "LumiSkin"), "spend"] > 0  # it buys feed ads from the fork on


def _checkpointed_run(tmp_path: Path, log_format: str = "sqlite") -> Path:
    """A small baseline run (300 users, 6 days) checkpointed every 4 days, to fork from."""
    source = tmp_path / "run"
    run_scenario(
        load("baseline", **{"population.users": 300, "days": 6}),
        source,
        progress=False,
        schedule=Schedule(every=4),
        log_format=log_format,
    )
    return source


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--day", "4", "--set", "population.users=900"],
            "population.users: cannot change mid-run",
        ),
        (["--day", "4", "--set", "seed=3"], "seed: cannot change mid-run"),
        (
            ["--day", "4", "--set", "brands.NestHome.origin=overseas"],
            "brands.NestHome.origin: cannot change mid-run",
        ),
        (["--day", "4", "--set", "brands.Nope.budget=1"], "no entry named 'Nope'"),
        (["--day", "4", "--set", "days=3"], "days: 3 ends before the fork day 4"),
        (["--day", "5"], "--day 5: "),
    ],
)
def test_fork_refuses_what_cannot_change_mid_run(
    tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    source = _checkpointed_run(tmp_path)
    out = tmp_path / "fork"
    assert main(["fork", str(source), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (out / "events.sqlite").exists()


def _edit_row_50(events: Path) -> None:
    """Change one event's actor in place: the history no longer matches its chain."""
    if events.suffix == ".sqlite":
        db = sqlite3.connect(events)
        with db:
            db.execute("UPDATE events SET actor = actor + 1 WHERE seq = 50")
        db.close()
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = sorted(events.glob("part-*.parquet"))[0]
    table = pq.read_table(part)
    actors = table.column("actor").to_pylist()
    actors[50] += 1
    field = table.schema.field("actor")
    column = pa.array(actors, type=field.type)
    pq.write_table(table.set_column(table.schema.get_field_index("actor"), field, column), part)


@pytest.mark.parametrize("log_format", ["sqlite", "parquet"])
def test_a_fork_of_a_tampered_history_is_refused_and_leaves_no_folder(
    tmp_path: Path, capsys, log_format: str
) -> None:
    source = _checkpointed_run(tmp_path, log_format)
    _edit_row_50(event_log(source))
    out = tmp_path / "fork"
    assert main(["fork", str(source), "--day", "4", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(source) in err
    assert not out.exists()


def test_compare_of_forks_continues_arm_a_as_a_plain_run_and_pairs_the_difference(
    tmp_path: Path,
) -> None:
    off = tmp_path / "off.toml"
    off.write_text(
        'extends = "classroom_tipping"\n[behaviour]\npost_purchase_sharing = false\n', "utf-8"
    )
    size = {"population.users": 300, "days": 10}
    table = compare_forks(
        "classroom_tipping",
        str(off),
        day=5,
        seeds=3,
        out=tmp_path,
        size=size,
        jobs=1,
        progress=False,
    ).set_index("outcome")
    assert (tmp_path / "comparison.csv").exists()
    report = (tmp_path / "comparison.html").read_text("utf-8")
    assert "forked at day 5" in report and report.count('<img src="data:image/png') >= 3
    plain = [
        run_task(Task("classroom_tipping", (), seed, tuple(size.items())))["orders"]
        for seed in (1, 2, 3)
    ]
    assert table.loc["orders", "classroom_tipping mean"] == pytest.approx(sum(plain) / 3)
    off_mean = table.loc["orders", f"{off} mean"]
    diff = table.loc["orders", "difference (B−A)"]
    assert diff == pytest.approx(off_mean - sum(plain) / 3)
    assert table.loc["orders", "diff ±95%"] >= 0


def test_compare_of_forks_on_ray_gives_the_local_table(tmp_path: Path) -> None:
    off = tmp_path / "off.toml"
    off.write_text('extends = "baseline"\n[platform]\nrecommender = "recent"\n', "utf-8")
    common = {
        "day": 3,
        "seeds": 2,
        "size": {"population.users": 300, "days": 6},
        "jobs": 2,
        "progress": False,
    }
    local = compare_forks("baseline", str(off), out=tmp_path / "local", **common)
    ray = compare_forks("baseline", str(off), out=tmp_path / "ray", backend="ray", **common)
    pd.testing.assert_frame_equal(local, ray)
    assert (tmp_path / "ray" / "comparison.html").exists()


def test_the_command_refuses_a_missing_folder_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "resume", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"redloop: error: {tmp_path / 'none'}: no such results folder\n"
