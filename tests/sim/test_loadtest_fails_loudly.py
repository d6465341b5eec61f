"""A load test whose target failed exits non-zero: errors over 1% by default (overridable),
and a target that died under the run is named as such in the report and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from redloop.sim.cli import build_parser, main
from redloop.sim.load import LoadTestConfig, spawned_server
from redloop.sim.load.command import DEFAULT_MAX_ERROR_RATE, check_thresholds, main_loadtest
from redloop.sim.load.targets import HttpTarget


def summary(errors: int, requests: int = 1000, alive: bool = True) -> dict:
    return {
        "target": "http://127.0.0.1:1",
        "target_alive": alive,
        "requests": requests,
        "errors": errors,
        "error_rate": errors / requests,
        "p99_ms": 1.0,
        "unanswered": 0 if alive else errors,
    }


def test_the_default_threshold_is_one_percent_and_overridable() -> None:
    assert DEFAULT_MAX_ERROR_RATE == 0.01 == LoadTestConfig().max_error_rate
    assert build_parser().parse_args(["loadtest"]).max_error_rate is None  # cmd applies 0.01
    assert check_thresholds(summary(10), None, DEFAULT_MAX_ERROR_RATE) == []
    breached = check_thresholds(summary(11), None, DEFAULT_MAX_ERROR_RATE)
    assert len(breached) == 1 and "--max-error-rate 0.01" in breached[0]
    assert check_thresholds(summary(11), None, 0.05) == []
    assert check_thresholds(summary(1000), None, 1.0) == []  # 1 turns it off


def test_a_dead_target_is_a_breach_whatever_the_thresholds() -> None:
    breached = check_thresholds(summary(750, alive=False), None, None)
    assert len(breached) == 1 and "died during the run" in breached[0]
    assert "750 requests got no answer" in breached[0]


class DyingTarget(HttpTarget):
    """The server is killed (SIGKILL) once the crowd is built, before the sessions run."""

    def __init__(self, url, **kw) -> None:
        super().__init__(url, **kw)
        self.server = url

    def run(self, crowd, plan, **kw):
        self.server.process.kill()
        self.server.process.wait(timeout=10)
        return super().run(crowd, plan, **kw)


def test_a_target_that_died_mid_run_exits_1_and_is_named(tmp_path: Path, capsys) -> None:
    with spawned_server() as url:
        cfg = LoadTestConfig(
            target=url, users=40, duration=1.0, rate=20, out=tmp_path / "run", quiet=True
        )
        code = main_loadtest(cfg, target=DyingTarget(url, connections=4))
    err = capsys.readouterr().err
    assert code == 1
    assert f"target died: {url} stopped answering during the run" in err
    report = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert report["target_alive"] is False and report["unanswered"] > 0
    assert any("died during the run" in line for line in report["thresholds"]["breached"])


def test_a_healthy_inprocess_run_passes_the_default_threshold(tmp_path: Path, capsys) -> None:
    args = ["loadtest", "--users", "60", "--duration", "1", "--rate", "30", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "ok")]) == 0
    report = json.loads((tmp_path / "ok" / "summary.json").read_text())
    assert report["thresholds"]["max_error_rate"] == 0.01 and report["target_alive"] is True
