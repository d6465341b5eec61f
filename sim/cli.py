"""The ``redloop`` command line.

Usage errors (a bad scenario, an unknown option) print one clear message and exit with 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from redloop import __version__
from redloop.scenarios import schema

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the command line: printed without a traceback, exit code 2."""


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


def _scenario_from(args: argparse.Namespace) -> schema.Scenario:
    overrides = {}
    if args.days is not None:
        overrides["days"] = args.days
    if args.users is not None:
        overrides["population.users"] = args.users
    if args.seed is not None:
        overrides["seed"] = args.seed
    return schema.load(args.scenario, **overrides)


def cmd_run(args: argparse.Namespace) -> int:
    from redloop.sim.runner import run_scenario

    scenario = _scenario_from(args)
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-seed{scenario.seed}"
    result = run_scenario(scenario, out, progress=not args.quiet)
    totals = result.summary["totals"]
    print(
        f"{scenario.name}: {totals['sessions']:,} sessions, {totals['orders']:,} orders, "
        f"GMV ¥{totals['gmv']:,.0f}, R_loop {totals['r_loop_final']}"
    )
    print(f"results: {out}/ (metrics.csv, brands.csv, events.sqlite, summary.json)")
    print(f"report:  {result.report}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from redloop.sim import benchmark

    return benchmark.main(
        args.which,
        users=args.users,
        notes=args.notes,
        sim_users=args.sim_users,
        sim_days=args.sim_days,
        json_path=Path(args.json) if args.json else None,
    )


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
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="print throughput and memory figures")
    bench.add_argument("which", nargs="?", default="all", choices=("all", "platform", "sim"))
    bench.add_argument("--users", type=int, default=100_000, help="platform bench: users")
    bench.add_argument("--notes", type=int, default=1_000_000, help="platform bench: notes")
    bench.add_argument(
        "--sim-users",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="sim bench: population sizes",
    )
    bench.add_argument("--sim-days", type=int, default=30, help="sim bench: simulated days")
    bench.add_argument("--json", help="also write the figures to this JSON file")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except (schema.ScenarioError, UsageError) as exc:
        print(f"redloop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            "redloop: interrupted; partial results are not marked complete (no summary.json)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
