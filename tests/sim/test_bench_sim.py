"""``python -m redloop.sim.benchmark``, the one-run command ``bench sim`` calls per size and
the README quotes: one JSON line of figures, or a usage error (exit 2) naming the argument."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from redloop.sim.benchmark import one_run


def test_one_run_prints_its_figures_as_one_json_line(capsys: pytest.CaptureFixture) -> None:
    one_run(["150", "1", "batch"])
    figures = json.loads(capsys.readouterr().out)
    assert (figures["engine"], figures["users"], figures["days"]) == ("batch", 150, 1)
    assert figures["sessions"] > 0 and figures["events"] > 0
    assert int(figures["event_log_digest"], 16) >= 0  # a hex digest


@pytest.mark.parametrize(
    ("argv", "blamed"),
    [
        (["100"], "days"),
        (["100", "1", "fast"], "engine"),
        (["many", "1"], "users"),
        (["0", "1"], "users must be >= 1"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_no_traceback(argv: list[str], blamed: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "redloop.sim.benchmark", *argv], capture_output=True, text=True
    )
    assert run.returncode == 2 and not run.stdout
    assert blamed in run.stderr and "Traceback" not in run.stderr
