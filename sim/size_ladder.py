"""Where a per-person outcome's change between community sizes comes from, and whether it is
more than the seeds' noise.

``python -m redloop.sim.size_ladder --sizes 2000,10000,20000 --seeds 20`` runs ``baseline``
(as the ``size_invariance`` fact does: :func:`redloop.sim.battery.simulate`, 30 days) at each
size for seeds 1..N and prints, per size, the mean over seeds of each
:func:`~redloop.sim.dynamics.per_user_outcomes` and of orders per person split by channel,
by brand, first vs repeat purchase, free samples and the lowest stock left, then each step's
relative change with its 95% CI (:func:`~redloop.sim.stats.change_ci`), and how often the
fact's rule (:func:`~redloop.sim.facts_platform.converges`) would hold with k of those seeds.
A simulated community is a sample of the platform's audience: a single run's per-person
outcome varies between seeds in proportion to 1/sqrt(users), so a few-percent step needs
many seeds before it says anything.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from multiprocessing import get_context

import numpy as np

from redloop.platform.api import Channel

from .battery import FULL, RunData, Runs
from .dynamics import people, per_user_outcomes
from .experiments import mean_ci
from .facts_platform import converges
from .stats import change_ci

Samples = dict[int, dict[str, list[float]]]
#: :func:`breakdown` lists the fact's outcomes (:func:`per_user_outcomes`) first.
OUTCOMES = 5


def breakdown(run: RunData, brands: Sequence[str]) -> dict[str, float]:
    """One run's per-person outcomes (first), and its orders per person by where they came from.
    ``brands``: the scenario's brand names, in the order of ``run.brand_products``."""
    outcomes = per_user_outcomes(run.trace)
    orders, products = run.tables["orders"], run.tables["products"]
    n_people = int(people(run.trace).sum())  # as per_user_outcomes counts them
    sold = orders["is_sample"] == 0
    row = dict(outcomes)
    for channel in Channel:
        row[f"orders_{channel.name.lower()}"] = (sold & (orders["channel"] == channel)).sum()
    for name, owned in zip(brands, run.brand_products, strict=True):
        row[f"orders_{name}"] = (sold & np.isin(orders["product"], owned)).sum()
    pairs = (
        orders["buyer"][sold].astype(np.int64) * len(products["brand"]) + orders["product"][sold]
    )
    firsts = np.unique(pairs).size  # a buyer's first order of a product; the rest are repeats
    row["orders_first"], row["orders_repeat"] = firsts, sold.sum() - firsts
    row["buyers"] = np.unique(orders["buyer"][sold]).size
    row["samples"] = (~sold).sum()
    per_person = {k: float(v) / n_people for k, v in row.items() if k not in outcomes}
    return outcomes | per_person | {"lowest_stock": float(products["stock"].min())}


def ladder(sizes: Sequence[int], seeds: Sequence[int], scenario: str, workers: int) -> Samples:
    """:func:`breakdown` of ``scenario`` at each size for each seed, run as the battery runs
    it (its days): ``samples[users][measure]``."""
    requests = [(scenario, seed, {"population.users": n}) for n in sizes for seed in seeds]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        runs = Runs(FULL, pool)
        brands = [b.name for b in runs.scenario(scenario, seeds[0]).brands]
        done = runs.many(requests)
    samples: Samples = {}
    for (_, _, over), run in zip(requests, done, strict=True):
        per_size = samples.setdefault(over["population.users"], {})
        for k, v in breakdown(run, brands).items():
            per_size.setdefault(k, []).append(v)
    return samples


def pass_rates(
    samples: Samples, measures: Sequence[str], k: int, draws: int, rng: np.random.Generator
) -> dict[str, float]:
    """How often the fact's rule holds for each measure, and for all at once (``"all"``),
    when ``k`` of the seeds run (the same ones at each size, as the battery's) are drawn
    ``draws`` times without replacement. Draws of the same seeds overlap, so for k near the
    number run this leans towards the all-seeds verdict."""
    n = len(next(iter(samples.values()))[measures[0]])
    held = {m: 0 for m in [*measures, "all"]}
    for _ in range(draws):
        pick = rng.choice(n, size=k, replace=False)
        sub = {size: {m: np.asarray(v[m])[pick] for m in measures} for size, v in samples.items()}
        rule = converges(sub)
        for m in measures:
            held[m] += rule[m][0]
        held["all"] += all(rule[m][0] for m in measures)
    return {m: h / draws for m, h in held.items()}


def table(samples: Samples) -> str:
    """Mean ± 95% CI per size, then each step's change ± 95% CI, one line per measure."""
    sizes = sorted(samples)
    head = f"{'measure':22}" + "".join(f"{n:>20,}" for n in sizes)
    head += "".join(f"{f'{a:,} → {b:,}':>22}" for a, b in pairwise(sizes))
    lines = [head]
    for m in samples[sizes[0]]:
        cells = [f"{m:22}"]
        for n in sizes:
            mean, half = mean_ci(np.asarray(samples[n][m], dtype=np.float64))
            cells.append(f"{_num(mean):>11} ± {_num(half):<6}")
        for a, b in pairwise(sizes):
            change, half = change_ci(samples[a][m], samples[b][m])
            cells.append(f"{change:>+13.1%} ± {half:<6.1%}" if math.isfinite(change) else " " * 22)
        lines.append("".join(cells))
    return "\n".join(lines)


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m redloop.sim.size_ladder")
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--sizes", default=",".join(map(str, FULL.size_ladder)))
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=2000, help="draws per k for pass rates")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    if len(sizes) != 3 or args.seeds < 2:
        parser.error("--sizes takes three sizes and --seeds at least 2")
    samples = ladder(sizes, range(1, args.seeds + 1), args.scenario, args.workers)
    print(table(samples))
    outcomes = list(samples[sizes[0]])[:OUTCOMES]
    rng = np.random.default_rng(0)
    for k in sorted({2, 3, 4, 6, 10, args.seeds} & set(range(2, args.seeds + 1))):
        rates = pass_rates(samples, outcomes, k, args.draws, rng)
        print(
            f"the fact's rule with {k:>2} seeds holds: "
            + ", ".join(f"{m} {r:.0%}" for m, r in rates.items())
        )


if __name__ == "__main__":
    main()
