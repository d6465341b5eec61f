"""Seeding by choice, measured: the same k free samples given by each rule, nothing else.

For each rule and seed, the ``seeding_by_choice`` scenario (one unknown brand, one product,
no other marketing) is run with ``brands[0].seeding_rule`` set and ``seeds = k``; the outcome
is the product's adopters after ``days``: distinct accounts that bought it (sample
recipients never buy what they were given). ``none`` is the control: no samples at all.

``python -m redloop.sim.seeding_experiment [--users N] [--k K] [--days N] [--seeds 1 2 3]
[--rules greedy random]`` prints the table: per rule the mean adopters, the per-seed values,
and how many of the seeds' review notes were posted, promoted past the first traffic pool
and bought through.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import pandas as pd

from redloop.scenarios.schema import Scenario, ScenarioError, build, load, set_key

from .model import RedloopModel

RULES = ("greedy", "top_degree", "random", "none")


def adopters_of(tables: dict[str, dict[str, np.ndarray]], product: int) -> int:
    """Distinct accounts with a bought (not sampled, not cancelled) order of ``product``, from
    a platform's ``tables()``."""
    orders = tables["orders"]
    bought = (orders["product"] == product) & (orders["is_sample"] == 0)
    cancelled = orders["status"] == 5  # OrderStatus.CANCELLED
    return int(np.unique(orders["buyer"][bought & ~cancelled]).size)


def seed_notes(tables: dict[str, dict[str, np.ndarray]], product: int) -> dict[str, int]:
    """What the seeds' own reviews did, from ``tables()``: how many samples were reviewed in
    a note, how many of those notes are in a traffic pool past the first (promoted; a note
    retired after a later stage, 4,000 impressions on, would be missed), and the bought
    orders attributed to them — where a seeding arm's adopters come from."""
    orders, notes = tables["orders"], tables["notes"]
    mine = orders["product"] == product
    reviews = orders["review_note"][mine & (orders["is_sample"] == 1)]
    reviews = reviews[reviews >= 0]
    bought = mine & (orders["is_sample"] == 0) & (orders["status"] != 5)
    return {
        "seed_posts": int(reviews.size),
        "seed_notes_promoted": int((notes["pool_stage"][reviews] >= 1).sum()),
        "seed_note_orders": int(np.isin(orders["note"][bought], reviews).sum()),
    }


def seeded_scenario(base: Scenario, rule: str, k: int, seed: int, days: int) -> Scenario:
    """``base`` with its first brand seeding ``k`` accounts by ``rule`` (``none``: no samples),
    validated as a scenario file would be (ScenarioError names the key)."""
    data = base.to_dict()
    data["seed"], data["days"] = seed, days
    brand = data["brands"][0]
    if rule == "none":
        brand["strategy"] = "none"
    else:
        brand |= {"seeding_rule": rule, "seeds": k, "strategy": "free_samples"}
        brand["budget"] = max(brand["budget"], k * brand["products"][0]["price"])
    return build(Scenario, data, f"seeding experiment ({rule}, k={k}, seed {seed})")


def seeded_run(base: Scenario, rule: str, k: int, seed: int, days: int) -> dict[str, object]:
    """One run of ``base`` with its first brand seeding ``k`` accounts by ``rule``."""
    model = RedloopModel(seeded_scenario(base, rule, k, seed, days))
    try:
        model.run_days(days)
        seeded = model.brands[0].seeded
        reach = sum(model.platform.user(uid).followers for uid in seeded)
        product = model.brands[0].products[0]
        tables = model.platform.tables()
        return {
            "rule": rule,
            "seed": seed,
            "samples": len(seeded),
            "seed_followers": reach,
            "adopters": adopters_of(tables, product),
        } | seed_notes(tables, product)
    finally:
        model.close()


def seeding_experiment(
    scenario: str | Scenario = "seeding_by_choice",
    *,
    rules: Sequence[str] = RULES,
    k: int = 20,
    days: int = 30,
    seeds: Sequence[int] = (1, 2, 3),
    users: int | None = None,
) -> pd.DataFrame:
    """One row per (rule, seed): samples sent, the seeds' followers, adopters after
    ``days``. Same seeds for every rule (common random numbers up to the seeding itself).
    ``users`` is validated as the scenario key ``population.users`` (ScenarioError)."""
    base = load(scenario) if isinstance(scenario, str) else scenario
    if users is not None:
        data = base.to_dict()
        set_key(data, "population.users", users)
        base = build(Scenario, data, "users")
    rows = [seeded_run(base, rule, k, seed, days) for rule in rules for seed in seeds]
    return pd.DataFrame(rows)


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean adopters per rule with the per-seed values, best rule first."""
    grouped = runs.groupby("rule", sort=False)
    out = grouped.agg(
        adopters_mean=("adopters", "mean"),
        adopters_min=("adopters", "min"),
        adopters_max=("adopters", "max"),
        seed_followers=("seed_followers", "mean"),
        seed_posts=("seed_posts", "mean"),
        seed_notes_promoted=("seed_notes_promoted", "mean"),
        seed_note_orders=("seed_note_orders", "mean"),
    )
    out["per_seed"] = grouped["adopters"].apply(list)
    return out.sort_values("adopters_mean", ascending=False)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="seeding_by_choice")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rules", nargs="+", choices=RULES, default=list(RULES))
    args = parser.parse_args(argv)
    try:
        runs = seeding_experiment(
            args.scenario,
            rules=args.rules,
            k=args.k,
            days=args.days,
            seeds=args.seeds,
            users=args.users,
        )
    except ScenarioError as exc:
        parser.error(str(exc))
    with pd.option_context("display.width", 120):
        print(summary(runs).to_string())


if __name__ == "__main__":
    main()
