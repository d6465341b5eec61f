"""The event-log digest of every named scenario: the check that a refactor changed nothing.

A change that is not meant to alter behaviour must leave each digest identical; a change that
is meant to alter behaviour rewrites ``tests/scenario_digests.json`` and says which scenarios
moved. Print or rewrite the table with ``python -m redloop.sim.digests [--write FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from redloop.scenarios.schema import load, named

__all__ = ["SEED", "SPANS", "USERS", "scenario_digest", "scenario_digests"]

SEED, USERS = 1, 1_000
#: The reference runs, (days, engine): the first 10 days, and the scenario's own length, so
#: that what a scenario changes later (a sale, a launch, a switch of recommender) is held too;
#: and the first 10 days on the batched engine.
SPANS: dict[str, tuple[int | None, str]] = {
    "10 days": (10, "sessions"),
    "full length": (None, "sessions"),
    "10 days, batched engine": (10, "batch"),
}


def scenario_digest(
    name: str, span: tuple[int | None, str], seed: int = SEED, users: int = USERS
) -> str:
    """The event-log digest of a named scenario run at ``seed`` with ``users`` for the
    span's days (``None``: the scenario's own length) on its engine."""
    from .model import RedloopModel

    days, engine = span
    overrides = {"seed": seed, "population.users": users, "engine": engine}
    overrides |= {} if days is None else {"days": days}
    scenario = load(name, **overrides)
    model = RedloopModel(scenario)
    model.run_days(scenario.days)
    return model.platform.log.digest()


def scenario_digests(workers: int | None = None) -> dict[str, dict[str, str]]:
    """Every named scenario's digest for each reference span, computed in worker processes."""
    names = sorted(named())
    jobs = [(span, name) for span in SPANS for name in names]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) as pool:
        found = list(pool.map(scenario_digest, [n for _, n in jobs], [SPANS[s] for s, _ in jobs]))
    table: dict[str, dict[str, str]] = {span: {} for span in SPANS}
    for (span, name), digest in zip(jobs, found, strict=True):
        table[span][name] = digest
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m redloop.sim.digests", description=__doc__)
    parser.add_argument("--write", type=Path, metavar="FILE", help="write the table to FILE")
    args = parser.parse_args(argv)
    text = json.dumps(scenario_digests(), indent=2, sort_keys=True) + "\n"
    if args.write is None:
        sys.stdout.write(text)
        return 0
    tmp = args.write.with_name(args.write.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
