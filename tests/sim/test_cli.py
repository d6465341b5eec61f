"""The ``redloop`` command: headless runs, results folders, usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from redloop.platform.api import Platform
from redloop.scenarios.schema import load
from redloop.sim.cli import main
from redloop.sim.model import RedloopModel

REPO = Path(__file__).resolve().parents[2]


def redloop(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=300,
    )


def test_run_writes_a_complete_results_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    flags = ["--users", "300", "--days", "4", "--seed", "3", "--quiet", "--out", str(out)]
    umask = os.umask(0o077)  # a strict umask: every file still gets the one mode
    try:
        assert main(["run", "baseline", *flags]) == 0
    finally:
        os.umask(umask)
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o644"}
    line = capsys.readouterr().out.splitlines()[0]
    assert re.fullmatch(
        r"baseline: [\d,]+ sessions, [\d,]+ orders, GMV ¥[\d,]+, R_loop "
        r"(not measured yet|\d\.\d\d( \(95% CI \d\.\d\d–\d\.\d\d\))?)",
        line,
    ), line
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "brand_weeks.csv",
        "brands.csv",
        "events.sqlite",
        "metrics.csv",
        "report.html",
        "summary.json",
    ]
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics["day"]) == [0, 1, 2, 3]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["users"] == 300 and summary["days"] == 4
    assert summary["totals"]["orders"] == metrics["orders"].sum()
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 5 and "https://" not in html

    # The SQLite event log is complete: replaying it rebuilds the run's platform exactly.
    model = RedloopModel(load("baseline", seed=3, days=4, **{"population.users": 300}))
    model.run_days(4)
    assert Platform.from_sqlite(out / "events.sqlite").fingerprint() == (
        model.platform.fingerprint()
    )


def test_bad_scenario_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline"\n[population]\nuserz = 10\n')
    out = tmp_path / "out"
    result = redloop("run", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert "population.userz" in result.stderr and "did you mean 'users'" in result.stderr
    assert str(bad) in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_out_of_range_flag_is_blamed_on_the_flag_not_the_file(tmp_path: Path) -> None:
    result = redloop("run", "baseline", "--users", "3", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.startswith("redloop: error: --users: 3 is out of")
    assert "10 to 5000000" in result.stderr and "baseline.toml" not in result.stderr
    swept = redloop("sweep", "baseline", "--set", "days=-3", "--out", str(tmp_path / "s"))
    assert swept.returncode == 2 and "--set days: -3 is out of range" in swept.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'name = "x"\ndays = \xff\n', "not UTF-8 text (byte 0xff"),
        (b"\x00\x01\x02binary", "not valid TOML"),
        (b"a = " + b"{b = " * 500 + b"1" + b"}" * 500 + b"\n", "nested too deeply"),
    ],
    ids=["not-utf8", "binary", "deep-nesting"],
)
def test_unreadable_scenario_files_get_one_line(tmp_path: Path, content: bytes, problem: str):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    result = redloop("run", str(bad), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and problem in result.stderr
    assert not (tmp_path / "o").exists()


def test_scenario_descriptions_are_wrapped_never_cut_mid_word() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "scenarios"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert result.returncode == 0
    blocks = [b.splitlines() for b in result.stdout.strip().split("\n\n")]
    for name, *lines in blocks:
        description = " ".join(load(name).description.split())
        assert lines and all(len(line) <= 60 and line.startswith("    ") for line in lines)
        assert " ".join(line.strip() for line in lines) == description  # whole words only


def test_a_mistyped_scenario_name_gets_a_suggestion() -> None:
    result = redloop("run", "baselin")
    assert result.returncode == 2 and "did you mean 'baseline'?" in result.stderr


def test_a_scenario_name_cannot_place_results_outside_results(tmp_path: Path) -> None:
    escaping = tmp_path / "escaping.toml"
    escaping.write_text('extends = "baseline"\nname = "../../../escaped"\ndays = 1\n')
    result = redloop("run", str(escaping), "--users", "60", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["escaped-seed1"]
    assert not list(tmp_path.parent.parent.glob("escaped*"))


def test_a_run_never_writes_over_another(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["run", "baseline", "--users", "60", "--days", "1", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    first = (out / "summary.json").read_text()
    again = redloop(*argv)
    assert again.returncode == 2 and "holds an earlier run" in again.stderr
    assert "--force" in again.stderr and (out / "summary.json").read_text() == first
    assert main([*argv, "--seed", "2", "--force"]) == 0
    assert (tmp_path / "run.previous-1" / "summary.json").read_text() == first
    assert json.loads((out / "summary.json").read_text())["seed"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "-1"], "argument --port: -1 is out of range; allowed 1 to 65535"),
        (["serve", "--port", "70000"], "70000 is out of range"),
        (["viz", "--port", "http"], "expected a port number, got 'http'"),
        (["serve", "--host", "999.1.1.1"], "--host 999.1.1.1: does not resolve"),
    ],
)
def test_bad_ports_and_hosts_are_usage_errors(argv: list[str], message: str) -> None:
    result = redloop(*argv)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_port_is_named_with_a_hint() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = redloop("serve", "--port", port)
    assert result.returncode == 2
    assert f"--port {port}: already in use on 127.0.0.1; choose another with --port" in (
        result.stderr
    )


def test_viz_on_a_busy_port_says_so_in_one_line_before_starting() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = redloop("viz", "--port", port)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"redloop: error: --port {port}: already in use on 127.0.0.1; choose another with --port"
    ]


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_out_that_cannot_be_a_folder_is_refused_before_running(tmp_path: Path, where: str):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    out = a_file if where == "file" else a_file / "sub"
    result = redloop("run", "baseline", "--users", "60", "--days", "1", "--out", str(out))
    assert result.returncode == 2 and "--out" in result.stderr
    assert a_file.read_text() == "x"


def test_unknown_scenario_lists_the_named_ones() -> None:
    result = redloop("run", "no-such-scenario")
    assert result.returncode == 2 and "baseline" in result.stderr


def test_version_and_help() -> None:
    assert redloop("--version").stdout.startswith("redloop ")
    assert redloop().returncode == 2  # no command: help, usage exit code


def test_an_interrupted_run_does_not_look_complete(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "run"

    def interrupt(self, days, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(RedloopModel, "run_days", interrupt)
    assert (
        main(["run", "baseline", "--users", "100", "--days", "2", "--out", str(out), "--quiet"])
        == 130
    )
    assert not (out / "summary.json").exists()
    assert not (
        out / "events.sqlite"
    ).exists()  # only the .partial file, never a complete-looking log


def test_same_seed_same_results_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Determinism must not depend on PYTHONHASHSEED (no iteration over string sets)."""
    import os
    import sqlite3

    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "redloop.sim.cli",
                "run",
                "baseline",
                "--users",
                "200",
                "--days",
                "2",
                "--out",
                str(out),
                "--quiet",
            ],
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            timeout=300,
        )
        db = sqlite3.connect(out / "events.sqlite")
        outputs.append(
            (
                (out / "metrics.csv").read_text(),
                db.execute("SELECT * FROM events ORDER BY seq").fetchall(),
            )
        )
        db.close()
    assert outputs[0] == outputs[1]


def test_serve_takes_a_scenarios_platform_settings() -> None:
    """`redloop serve --scenario` serves the scenario's recommender; --recommender wins."""
    import httpx

    from redloop.sim.load import spawned_server

    for options, expected in (
        ((), "ces_pools"),
        (("--scenario", "editors_only"), "manual"),
        (("--scenario", "editors_only", "--recommender", "popular"), "popular"),
    ):
        with spawned_server(*options) as url:
            assert httpx.get(f"{url}/health").json()["recommender"] == expected, options


def test_serve_with_a_bad_scenario_or_recommender_is_a_usage_error() -> None:
    bad = redloop("serve", "--scenario", "no_such_scenario", "--port", "1")
    assert bad.returncode == 2 and "no_such_scenario" in bad.stderr
    bad = redloop("serve", "--scenario", "baseline", "--recommender", "astrology", "--port", "1")
    assert bad.returncode == 2 and "astrology" in bad.stderr


def test_bench_sim_with_zero_days_times_the_build_alone(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bench.json"
    args = ["bench", "sim", "--sim-users", "300", "--sim-days", "0", "--engine", "batch"]
    assert main([*args, "--json", str(out)]) == 0
    (run,) = json.loads(out.read_text())["sim"]
    assert run["build_s"] > 0 and run["build_cpu_s"] > 0 and "sessions" not in run
    assert run["events"] > 300  # the accounts, the follows and the creators' first notes
    bad = redloop("bench", "sim", "--sim-days", "-1")
    assert bad.returncode == 2 and "--sim-days" in bad.stderr and "Traceback" not in bad.stderr


def test_bench_sim_reports_rates_and_a_history_digest(tmp_path: Path, capsys) -> None:
    """The figures issues #3 and #13 ask for, on both engines with the ratio of their speeds,
    plus the event-log digest that shows whether a speed-up changed any simulated event
    (runs in fresh processes: the digest is the same each time)."""
    out = tmp_path / "bench.json"
    args = ["bench", "sim", "--sim-users", "200", "400", "--sim-days", "2", "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "sessions_per_s" in printed and "cost growth per user, batch" in printed
    assert "batch / sessions at 400 users" in printed
    first = json.loads(out.read_text())["sim"]
    runs = [(r["users"], r["engine"]) for r in first]
    assert runs == [(200, "sessions"), (200, "batch"), (400, "sessions"), (400, "batch")]
    for run in first:
        assert run["sessions"] > 0 and run["sessions_per_s"] > 0 and run["peak_rss_mb"] > 0
        assert run["wall_s_per_day"] == pytest.approx(run["run_s"] / 2)
        assert run["sessions_per_cpu_s"] >= run["sessions_per_s"] * 0.9  # CPU <= wall, ~
        assert run["build_cpu_s"] > 0 and run["load_average_1min"] >= 0
    assert main(args) == 0
    again = json.loads(out.read_text())["sim"]
    assert [r["event_log_digest"] for r in again] == [r["event_log_digest"] for r in first]
    digests = {r["event_log_digest"] for r in first}
    assert len(digests) == 4, "each size and engine is its own history"


def test_a_run_that_cannot_fit_in_memory_is_refused_before_building(tmp_path: Path) -> None:
    from redloop.sim import memory

    fits = memory.estimate(10_000, 30) < memory.available()
    assert fits, "this machine holds a 10,000-user month"
    result = redloop("run", "baseline", "--users", "5000000", "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "5,000,000 users for 30 days need about" in result.stderr
    assert "lower --users or --days" in result.stderr and not (tmp_path / "o").exists()


HEAVY = ("numpy", "pandas", "mesa", "numba", "matplotlib", "solara", "fastapi", "ray", "scipy")


def test_every_help_leaves_the_heavy_modules_unloaded() -> None:
    """``redloop --help`` and each subcommand's answer fast: heavy libraries (and the model,
    the platform) are imported only inside the command that runs."""
    probe = (
        "import sys, contextlib, io, time\n"
        "start = time.perf_counter()\n"
        "from redloop.sim.cli import build_parser\n"
        "parser = build_parser()\n"
        "subs = parser._subparsers._group_actions[0].choices\n"
        "for argv in [['--help'], *([name, '--help'] for name in subs)]:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        build_parser().parse_args(argv)\n"
        f"heavy = [m for m in {(*HEAVY, 'redloop.platform.core', 'redloop.sim.model')!r}"
        " if m in sys.modules]\n"
        "print(len(subs), ','.join(heavy), time.perf_counter() - start)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    subs, heavy, seconds = result.stdout.split(" ")
    assert int(subs) >= 9 and heavy == ""
    assert float(seconds) < 0.5 * (int(subs) + 1)  # every --help within its 0.5 s budget


def test_no_help_shows_a_doubled_percent_sign() -> None:
    """argparse %-formats a flag's help but prints a description as written: "1%%" there
    reached the reader as it stands."""
    from redloop.sim.cli import build_parser

    parser = build_parser()
    subs = parser._subparsers._group_actions[0].choices
    for name, sub in {"redloop": parser, **subs}.items():
        assert "%%" not in sub.format_help(), name


def test_the_engine_imports_neither_the_visualiser_nor_the_http_service() -> None:
    """viz is imported only inside the command line's viz paths; the load generator talks to
    the service only through the client."""
    code = (
        "import sys, redloop.sim.cli, redloop.sim.benchmark, redloop.sim.load; "
        "bad = [m for m in sys.modules if m.startswith(('redloop.viz', 'redloop.platform.http'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
