"""The ``redloop`` command line.

Usage errors (a bad scenario, an unknown option) print one clear message and exit with 2.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from redloop import __version__
from redloop.sim.cli_checkpoints import add_commands as add_checkpoint_commands
from redloop.sim.cli_checkpoints import add_run_options
from redloop.sim.cli_service import add_commands as add_service_commands
from redloop.sim.cli_service import check_bindable, port
from redloop.sim.usage import UsageError

if TYPE_CHECKING:  # the schema pulls in the platform: imported where a command needs it
    from collections.abc import Sequence

    from redloop.scenarios import schema
    from redloop.sim.battery import Settings

EXIT_USAGE = 2


def _add_scenario_overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="a named scenario (see `redloop scenarios`) or a TOML file",
    )
    p.add_argument("--days", type=int, help="override the scenario's run length")
    p.add_argument("--users", type=int, help="override the population size")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--engine", choices=("sessions", "batch"), help="override the scenario's engine")


def _scenario_from(args: argparse.Namespace) -> schema.Scenario:
    from redloop.scenarios import schema

    overrides = {}
    if args.days is not None:
        overrides["days"] = args.days
    if args.users is not None:
        overrides["population.users"] = args.users
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.engine is not None:
        overrides["engine"] = args.engine
    scenario = schema.load(args.scenario, **overrides)
    _check_memory(scenario)
    return scenario


def _check_memory(scenario: schema.Scenario) -> None:
    """Refuse a run that cannot fit in this machine's memory, before building anything."""
    from redloop.sim import memory

    users, days = scenario.population.users, scenario.days
    need, have = memory.estimate(users, days), memory.available()
    if need > have:
        fits = memory.users_that_fit(days, have)
        raise UsageError(
            f"{users:,} users for {days} days need about {memory.gigabytes(need)} of memory; "
            f"this machine has {memory.gigabytes(have)} available (about {fits:,} users fit "
            f"for {days} days): lower --users or --days"
        )


#: Command-line flags that override a scenario key (the rest come from ``--set key=value``).
_FLAGS = {"days": "days", "population.users": "users", "seed": "seed", "engine": "engine"}


def _flag_of(args: argparse.Namespace, key: str) -> str:
    """The flag the user typed for an override ``key``, to blame it rather than the file."""
    attr = _FLAGS.get(key)
    if attr is not None and getattr(args, attr, None) is not None:
        return f"--{attr}"
    return f"--set {key}"


RESULTS = Path("results")
#: What a results folder of a run holds; any of them there means an earlier run.
RUN_FILES = ("summary.json", "events.sqlite", "events.parquet", "metrics.csv", "report.html")


def _results_folder(out: str | None, *default: str) -> Path:
    """``--out``, or ``results/<default parts>`` made a single safe folder name: a scenario
    named ``../../x`` cannot place its results outside ``results/``."""
    if out:
        path = Path(out)
    else:
        name = re.sub(r"[^\w.-]+", "-", "-".join(default)).strip(".-") or "run"
        path = RESULTS / name
    _check_writable(path, "--out", folder=True)
    return path


def _fresh(out: Path, *, force: bool) -> Path:
    """A run never writes over another: refuse a folder holding one, or with ``--force``
    move it aside (``NAME.previous-N``) first. Returns where the old run went, if anywhere."""
    earlier = [name for name in RUN_FILES if (out / name).exists()]
    if not earlier:
        return out
    if not force:
        raise UsageError(
            f"--out {out}: holds an earlier run ({', '.join(earlier)}); pass --force to move "
            "it aside, or choose another --out"
        )
    n = 1
    while (aside := out.with_name(f"{out.name}.previous-{n}")).exists():
        n += 1
    out.rename(aside)
    print(f"moved the earlier run in {out} to {aside}")
    return aside


def cmd_run(args: argparse.Namespace) -> int:
    from redloop.sim import formatting as fmt
    from redloop.sim.cli_checkpoints import run_options
    from redloop.sim.runner import run_scenario

    options = run_options(args)  # checked before anything is written
    scenario = _scenario_from(args)
    out = _results_folder(args.out, scenario.name, f"seed{scenario.seed}")
    _fresh(out, force=args.force)
    result = run_scenario(scenario, out, progress=not args.quiet, **options)
    totals = result.summary["totals"]
    print(
        f"{scenario.name}: {fmt.count(totals['sessions'])} sessions, "
        f"{fmt.count(totals['orders'])} orders, GMV {fmt.money(totals['gmv'])}, "
        f"R_loop {fmt.r_loop(totals['r_loop_final'], totals['r_loop_interval'])}"
    )
    files = f"metrics.csv, brands.csv, brand_weeks.csv, {result.events.name}, summary.json"
    print(f"results: {out}/ ({files})")
    print(f"report:  {result.report}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from redloop.scenarios import schema

    if args.schema:
        for key, kind, default, doc in schema.field_docs():
            print(f"{key:<40} {kind:<16} {default:<14} {doc}")
        return 0
    width = min(shutil.get_terminal_size().columns, 100) - 4
    for name, path in schema.named().items():
        sc = schema.load(path)
        text = textwrap.fill(
            " ".join(sc.description.split()),
            width=max(width, 40),
            initial_indent="    ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        print(f"{name}\n{text}\n")
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {number}")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {number}")
    return number


def cmd_compare(args: argparse.Namespace) -> int:
    from redloop.sim import formatting as fmt
    from redloop.sim.experiments import compare

    out = _results_folder(args.out, "compare", Path(args.a).stem, "vs", Path(args.b).stem)
    overrides = _run_size(args)
    if args.fork_day is not None:
        from redloop.sim.cli_checkpoints import cmd_compare_forks

        return cmd_compare_forks(args, overrides)
    table = compare(
        args.a,
        args.b,
        seeds=args.seeds,
        out=out,
        overrides=overrides,
        jobs=args.jobs,
        backend=args.backend,
        progress=not args.quiet,
    )
    with _pandas_display():
        print(fmt.frame_text(table, by_row="outcome"))
    print(f"report: {out / 'comparison.html'}  table: {out / 'comparison.csv'}")
    return 0


def _run_size(args: argparse.Namespace) -> dict[str, int]:
    """``--days`` and ``--users`` as scenario overrides (for every run of a compare or sweep)."""
    overrides = {}
    if args.days is not None:
        overrides["days"] = args.days
    if args.users is not None:
        overrides["population.users"] = args.users
    return overrides


def cmd_sweep(args: argparse.Namespace) -> int:
    from redloop.sim import formatting as fmt
    from redloop.sim.experiments import parse_set, sweep

    grid = [parse_set(option) for option in args.set]
    out = _results_folder(args.out, "sweep", Path(args.scenario).stem)
    table = sweep(
        args.scenario,
        grid,
        seeds=args.seeds,
        out=out,
        fixed=_run_size(args),
        backend=args.backend,
        jobs=args.jobs,
        address=args.address,
        progress=not args.quiet,
    )
    keys = [c for c in table if c.startswith("set:")]
    summary = table.groupby(keys)[["gmv", "orders", "r_loop", "mean_dau"]].mean() if keys else table
    with _pandas_display():
        print(fmt.frame_text(summary))
    ran = table.attrs.get("ran", len(table))
    total = len(table)
    done = f"ran {ran} of {total} runs" if ran else f"nothing to run: all {total} runs were done"
    print(f"{done}; table rewritten: {out / 'results.parquet'} (and results.csv)")
    print(f"report: {out / 'sweep.html'}")
    return 0


def _pandas_display():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20)


def _check_writable(path: Path, flag: str, *, folder: bool) -> None:
    """Refuse before a long job what would fail at its end: a folder that is a file, or a
    place that cannot be written."""
    if folder and path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path}: exists and is not a folder")
    if not folder and path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; give a file name")
    probe = path if folder else path.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{flag} {path}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: {probe} is not writable")


def validation_settings(
    quick: bool, engine: str, seeds: int | None, sets: Sequence[str] = ()
) -> Settings:
    """The battery's settings for ``validate``'s flags: ``seeds`` (1..N) replaces every
    fact's seeds, the seeding fact's own 20 included; ``sets`` (``KEY=VALUE``) change a
    scenario key in every run, checked on ``baseline`` before anything runs."""
    from redloop.scenarios.schema import load
    from redloop.sim import validate

    from .experiments import parse_set

    overrides = []
    for option in sets:
        key, values = parse_set(option)
        if len(values) != 1:
            raise UsageError(f"--set {option}: validate takes one value a key")
        overrides.append((key, values[0]))
    load("baseline", **dict(overrides))  # a bad key or value is a usage error now
    settings = replace(
        validate.QUICK if quick else validate.FULL, engine=engine, overrides=tuple(overrides)
    )
    if seeds is None:
        return settings
    if seeds < 2:
        raise UsageError("--seeds: the facts' paired intervals need at least 2 seeds")
    return replace(settings, seeds=tuple(range(1, seeds + 1)), seeding_seeds=())


def cmd_validate(args: argparse.Namespace) -> int:
    from redloop.sim import validate

    unknown = [name for name in args.fact or () if name not in validate.FACTS]
    if unknown:
        raise UsageError(
            f"--fact: unknown fact {unknown[0]!r}; allowed: {', '.join(validate.FACTS)}"
        )
    settings = validation_settings(args.quick, args.engine, args.seeds, args.set)
    out = _results_folder(args.out, "validation")
    if args.json:
        _check_writable(Path(args.json), "--json", folder=False)
    findings = validate.validate(
        settings,
        out,
        json_path=Path(args.json) if args.json else None,
        names=args.fact,
        progress=(lambda _line: None) if args.quiet else print,
    )
    failed = [f.name for f in findings if not f.passed]
    print(f"{len(findings) - len(failed)} of {len(findings)} facts hold", end="")
    print(f"; failing: {', '.join(failed)}" if failed else "")
    print(f"report: {out / 'validation.html'}")
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from redloop.sim import benchmark

    viz = None
    if args.which in ("all", "viz"):  # the engine never imports the visualiser: only here
        from redloop.viz.bench import figures as viz

    return benchmark.main(
        args.which,
        users=args.users,
        notes=args.notes,
        sim_users=args.sim_users,
        sim_days=args.sim_days,
        json_path=Path(args.json) if args.json else None,
        viz=viz,
        seconds=args.seconds,
        engines=("sessions", "batch") if args.engine == "both" else (args.engine,),
    )


def cmd_viz(args: argparse.Namespace) -> int:
    from redloop.scenarios import schema

    schema.load(args.scenario)  # validate first: a bad name is a usage error, not a blank page
    check_bindable(args.host, args.port)  # before the visualiser's (slow) import
    from redloop.viz.app import serve

    return serve(args.scenario, host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redloop",
        description="redloop: simulate a social "
        "shopping community (share → interact → consume → share).",
    )
    parser.add_argument("--version", action="version", version=f"redloop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario headless and write a results folder")
    _add_scenario_overrides(run)
    run.add_argument("--out", help="results folder (default results/<scenario>-seed<seed>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--force",
        action="store_true",
        help="if --out holds an earlier run, move it aside to OUT.previous-N and run",
    )
    add_run_options(run, _positive)
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="print throughput and memory figures")
    bench.add_argument(
        "which",
        nargs="?",
        default="all",
        choices=("all", "platform", "sim", "viz", "loadtest", "durable", "service", "log"),
    )
    bench.add_argument("--users", type=int, default=100_000, help="platform bench: users")
    bench.add_argument("--notes", type=int, default=1_000_000, help="platform bench: notes")
    bench.add_argument(
        "--sim-users",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="sim bench: population sizes",
    )
    bench.add_argument(
        "--sim-days", type=_count, default=30, help="sim bench: simulated days (0: build only)"
    )
    bench.add_argument(
        "--engine",
        choices=("sessions", "batch", "both"),
        default="both",
        help="sim bench: the engine(s) to run (both: and the ratio of their speeds)",
    )
    bench.add_argument("--seconds", type=float, default=5.0, help="service bench: per run")
    bench.add_argument("--json", help="also write the figures to this JSON file")
    bench.set_defaults(func=cmd_bench)

    val = sub.add_parser(
        "validate",
        help="measure the stylized facts (Bass, heavy tails, cascades...) against their sources",
        description="Run the validation battery and write validation.html; exit 1 when a fact "
        "fails.",
    )
    val.add_argument(
        "--quick", action="store_true", help="smaller crowds and fewer seeds (about 2 minutes)"
    )
    val.add_argument("--out", help="output folder (default results/validation)")
    val.add_argument("--json", help="also write the facts to this JSON file")
    val.add_argument(
        "--fact", action="append", metavar="NAME", help="run only this fact (repeatable)"
    )
    val.add_argument(
        "--engine",
        choices=("sessions", "batch"),
        default="sessions",
        help="run every scenario on this engine (default: one by one)",
    )
    val.add_argument(
        "--seeds",
        type=_positive,
        metavar="N",
        help="seeds 1..N for every fact compared over seeds (default 5, seeding 20; 3 with "
        "--quick): more seeds narrow their intervals; the targets stay the same",
    )
    val.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a scenario key in every run, to see which facts an assumption moves "
        "(repeatable; a key a fact compares arms on stays the fact's)",
    )
    val.add_argument("--quiet", action="store_true", help="no progress lines")
    val.set_defaults(func=cmd_validate)

    scen = sub.add_parser("scenarios", help="list the named scenarios")
    scen.add_argument("--schema", action="store_true", help="print every scenario key instead")
    scen.set_defaults(func=cmd_scenarios)

    comp = sub.add_parser("compare", help="run two scenarios over seeds, with 95%% CIs")
    comp.add_argument("a", help="scenario A (name or TOML file)")
    comp.add_argument("b", help="scenario B")
    comp.add_argument("--seeds", type=_positive, default=5, help="seeds per scenario (default 5)")
    comp.add_argument("--days", type=int, help="override both scenarios' run length")
    comp.add_argument("--users", type=int, help="override both population sizes")
    comp.add_argument("--out", help="output folder (default results/compare-A-vs-B)")
    comp.add_argument("--jobs", type=_positive, help="parallel processes (default: all cores)")
    comp.add_argument("--backend", choices=("local", "ray"), default="local")
    comp.add_argument("--quiet", action="store_true", help="no progress bar")
    comp.add_argument("--fork-day", type=_positive, help="B forks from A's run at this day")
    comp.set_defaults(func=cmd_compare)

    sw = sub.add_parser("sweep", help="run a parameter grid over seeds (local or Ray)")
    sw.add_argument("scenario", help="scenario name or TOML file")
    sw.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="a dotted scenario key and the values to try (repeatable)",
    )
    sw.add_argument("--seeds", type=_positive, default=3, help="seeds per grid point")
    sw.add_argument("--days", type=int, help="override the scenario's run length in every run")
    sw.add_argument("--users", type=int, help="override the population size in every run")
    sw.add_argument("--out", help="output folder (default results/sweep-SCENARIO)")
    sw.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local processes, or Ray (a local instance or --address)",
    )
    sw.add_argument("--address", help="Ray cluster address, e.g. ray://head:10001")
    sw.add_argument("--jobs", type=_positive, help="parallel processes / Ray CPUs")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=cmd_sweep)

    viz = sub.add_parser("viz", help="start the browser visualiser")
    viz.add_argument("scenario", nargs="?", default="classroom_tipping", help="scenario to open")
    viz.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    viz.add_argument("--port", type=port, default=8765, help="port 1-65535 (default 8765)")
    viz.set_defaults(func=cmd_viz)
    add_checkpoint_commands(sub, _positive)
    add_service_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from redloop.scenarios import schema
    from redloop.sim.extras import MissingExtra

    try:
        return args.func(args)
    except schema.OverrideError as exc:
        print(f"redloop: error: {_flag_of(args, exc.key)}: {exc.problem}", file=sys.stderr)
        return EXIT_USAGE
    except (schema.ScenarioError, UsageError, MissingExtra) as exc:
        print(f"redloop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    except KeyboardInterrupt:
        print(
            "redloop: interrupted; partial results are not marked complete (no summary.json)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
