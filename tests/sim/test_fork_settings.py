"""Forks that change platform settings: the change is a CONFIG_SET in the fork's log, which
replays to the live platform in both log formats; the metrics are the original's to the fork
day and differ after; settings the platform keeps while running, and bad values, are refused
in one line before anything is written; ``compare --fork-day`` takes them too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from redloop.platform.api import EventKind
from redloop.scenarios.schema import load
from redloop.sim import checkpoints
from redloop.sim.checkpoints import Schedule
from redloop.sim.cli import main
from redloop.sim.forks import compare_forks, forked_scenario, retarget
from redloop.sim.runner import run_scenario

from .test_checkpoints import replayed

QUOTAS = [120, 800, 4000, 20000]  # baseline's four stages, each twice as large


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """baseline at 400 users for 8 days, checkpointed every 4, in each log format."""
    scenario = load("baseline", **{"population.users": 400, "days": 8})
    found = {}
    for log_format in ("sqlite", "parquet"):
        out = tmp_path_factory.mktemp(log_format) / "run"
        run_scenario(
            scenario, out, progress=False, schedule=Schedule(every=4), log_format=log_format
        )
        found[log_format] = out
    return found


@pytest.mark.parametrize("log_format", ["sqlite", "parquet"])
def test_a_fork_changing_pools_ad_slot_and_page_size_replays_to_the_live_platform(
    runs: dict[str, Path], tmp_path: Path, log_format: str
) -> None:
    source, fork = runs[log_format], tmp_path / "fork"
    quotas = ",".join(map(str, QUOTAS))  # a list, as --set takes one
    args = ["--set", f"platform.pool_quotas={quotas}", "--set", "platform.ad_slot=1"]
    args += ["--set", "platform.page_size=6"]
    assert main(["fork", str(source), "--day", "4", *args, "--out", str(fork), "--quiet"]) == 0

    _, model = checkpoints.read(checkpoints.find(source, 4))  # the same fork, live
    overrides = [("platform.pool_quotas", QUOTAS), ("platform.ad_slot", 1)]
    overrides.append(("platform.page_size", 6))
    retarget(model, forked_scenario(model.scenario_config, None, overrides))
    model.run_days(model.scenario_config.days - model.day)
    platform = replayed(fork)
    assert platform.fingerprint() == model.platform.fingerprint()
    assert platform.config.ad_slot == 1 and platform.config.page_size == model.page_size == 6
    assert platform.config.pool_quotas[0] == 120  # the targeted stages are not sized
    changes = [e for e in platform.log if e.kind is EventKind.CONFIG_SET]
    assert [e.time for e in changes] == [4 * 24]
    assert replayed(source).config.pool_quotas[0] == 60  # the original's

    before, after = (pd.read_csv(f / "metrics.csv") for f in (source, fork))
    pd.testing.assert_frame_equal(before.iloc[:4], after.iloc[:4])
    assert not before.iloc[4:].equals(after.iloc[4:])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            ["platform.seen_window=50"],
            "platform.seen_window: config seen_window cannot change mid-run (it sizes",
        ),
        (
            [
                "platform.pool_quotas=300,4000",
                "platform.pool_thresholds=[0.01]",
                "platform.pool_slot_weights=0.5,0.5",
            ],
            "platform.pool_quotas: config pool_quotas cannot change mid-run (the number of",
        ),
        (["platform.ad_slot=40"], "ad_slot must be a whole number >= 0 and <= 9; got 40"),
        (["platform.boost_cpm=-1"], "boost_cpm must be a number >= 0.01"),
    ],
)
def test_a_fixed_setting_or_a_bad_value_is_refused_before_anything_is_written(
    runs: dict[str, Path], tmp_path: Path, capsys, settings: list[str], message: str
) -> None:
    out = tmp_path / "fork"
    sets = [a for setting in settings for a in ("--set", setting)]
    assert main(["fork", str(runs["sqlite"]), "--day", "4", *sets, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists() or not any(out.iterdir())


def test_compare_of_forks_takes_a_platform_setting(tmp_path: Path) -> None:
    wide = tmp_path / "wide.toml"
    wide.write_text(f'extends = "baseline"\n[platform]\npool_quotas = {QUOTAS}\n', "utf-8")
    table = compare_forks(
        "baseline",
        str(wide),
        day=3,
        seeds=2,
        out=tmp_path,
        size={"population.users": 300, "days": 6},
        jobs=1,
        progress=False,
    ).set_index("outcome")
    assert (tmp_path / "comparison.csv").exists()
    assert (table["difference (B−A)"] != 0).any()  # larger pools from day 3 change the run
