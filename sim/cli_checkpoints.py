"""The command line of long runs: ``run``'s log and checkpoint flags, ``resume``, ``fork``
and ``compare --fork-day``.

Kept apart from :mod:`redloop.sim.cli` (which wires these in); like it, nothing heavy is
imported until a command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_run_options(run: Any, positive: Callable[[str], int]) -> None:
    """``run``'s flags for long runs: the event log's format and checkpoints."""
    run.add_argument(
        "--log-format",
        choices=("sqlite", "parquet"),
        default="sqlite",
        help="the event log as events.sqlite (default) or an events.parquet folder",
    )
    run.add_argument("--checkpoint-every", type=positive, metavar="DAYS", help="for resume/fork")
    run.add_argument(
        "--keep-checkpoints",
        type=positive,
        metavar="N",
        help="delete all but the latest N (default: keep all; resume needs 1)",
    )


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`~redloop.sim.runner.run_scenario` from ``run``'s
    flags (a usage error for flags that do not go together)."""
    from .checkpoints import Schedule
    from .usage import UsageError

    if args.keep_checkpoints and not args.checkpoint_every:
        raise UsageError("--keep-checkpoints: give --checkpoint-every DAYS too")
    schedule = Schedule(args.checkpoint_every or 0, args.keep_checkpoints or 0)
    return {"schedule": schedule, "log_format": args.log_format}


def add_commands(sub: Any, positive: Callable[[str], int]) -> None:
    """Add ``resume`` and ``fork`` to the ``redloop`` subcommands."""
    res = sub.add_parser("resume", help="continue an interrupted run from its latest checkpoint")
    res.add_argument("folder", help="the run's results folder")
    res.add_argument("--quiet", action="store_true", help="no progress bar")
    res.set_defaults(func=cmd_resume)

    fork = sub.add_parser(
        "fork", help="branch a counterfactual from a checkpoint of a run (common random numbers)"
    )
    fork.add_argument("folder", help="the results folder of a run with checkpoints")
    fork.add_argument("--day", type=positive, required=True, help="the checkpoint's day")
    fork.add_argument(
        "scenario", nargs="?", help="the fork's scenario (default: the run's own, with --set)"
    )
    fork.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="change a key"
    )
    fork.add_argument("--out", help="results folder (default results/<run>-fork-dayD)")
    fork.add_argument("--quiet", action="store_true", help="no progress bar")
    fork.set_defaults(func=cmd_fork)


def _existing(folder: str) -> Path:
    from .usage import UsageError

    path = Path(folder)
    if not path.is_dir():
        raise UsageError(f"{folder}: no such results folder")
    return path


def _usage(run: Callable[[], Any]) -> Any:
    """``run()``, with a checkpoint's problem turned into a usage error (one line, exit 2)."""
    from .checkpoints import CheckpointError
    from .usage import UsageError

    try:
        return run()
    except CheckpointError as exc:
        raise UsageError(str(exc)) from None


def _report(result: Any) -> int:
    from . import formatting as fmt

    totals = result.summary["totals"]
    print(
        f"{result.summary['scenario']}: {fmt.count(totals['orders'])} orders, "
        f"GMV {fmt.money(totals['gmv'])}, "
        f"R_loop {fmt.r_loop(totals['r_loop_final'], totals['r_loop_interval'])}"
    )
    print(f"results: {result.out}/  report: {result.report}")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from .runner import resume_run

    folder = _existing(args.folder)
    return _report(_usage(lambda: resume_run(folder, progress=not args.quiet)))


def cmd_fork(args: argparse.Namespace) -> int:
    from .cli import _fresh, _results_folder
    from .experiments import parse_set
    from .forks import fork_run

    source = _existing(args.folder)
    overrides = []
    for option in args.set:
        key, values = parse_set(option)
        overrides.append((key, values[0] if len(values) == 1 else values))
    out = _results_folder(args.out, f"{source.name}-fork-day{args.day}")
    _fresh(out, force=False)
    result = _usage(
        lambda: fork_run(
            source,
            args.day,
            out,
            scenario=args.scenario,
            overrides=overrides,
            progress=not args.quiet,
        )
    )
    return _report(result)


def cmd_compare_forks(args: argparse.Namespace, size: dict[str, int]) -> int:
    from . import formatting as fmt
    from .cli import _pandas_display, _results_folder
    from .forks import compare_forks

    name = f"{Path(args.a).stem}-vs-{Path(args.b).stem}-fork-day{args.fork_day}"
    out = _results_folder(args.out, "compare", name)
    table = _usage(
        lambda: compare_forks(
            args.a,
            args.b,
            day=args.fork_day,
            seeds=args.seeds,
            out=out,
            size=size,
            jobs=args.jobs,
            backend=args.backend,
            progress=not args.quiet,
        )
    )
    with _pandas_display():
        print(fmt.frame_text(table, by_row="outcome"))
    print(f"arms forked from one history per seed at day {args.fork_day}; difference CI paired")
    print(f"report: {out / 'comparison.html'}  table: {out / 'comparison.csv'}")
    return 0
