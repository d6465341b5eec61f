"""Seeding by choice in the simulation: the free_samples strategy, its keys, the experiment."""

from __future__ import annotations

import subprocess
import sys

import pytest

from redloop.scenarios.schema import ScenarioError, load
from redloop.sim.model import RedloopModel
from redloop.sim.seeding_experiment import seed_notes, seeding_experiment, summary


def small(**overrides):
    defaults = {"population.users": 400, "days": 10}
    return load("seeding_by_choice", **{**defaults, **overrides})


def run(scenario, days: int = 10) -> RedloopModel:
    model = RedloopModel(scenario)
    model.run_days(days)
    return model


def sample_orders(model: RedloopModel):
    return [o for o in map(model.platform.order, range(model.platform.n_orders)) if o.sample]


@pytest.mark.parametrize("rule", ["top_degree", "random", "greedy"])
def test_free_samples_go_to_seeds_accounts_and_are_no_sales(rule: str) -> None:
    sc = small()
    sc.brands[0].seeding_rule, sc.brands[0].seeds = rule, 8
    model = run(sc)
    brand = model.brands[0]
    samples = sample_orders(model)
    assert sorted(o.buyer for o in samples) == sorted(brand.seeded)
    assert len(set(brand.seeded)) == 8
    assert all(o.amount == 0 and o.status in ("delivered", "reviewed") for o in samples)
    metrics = model.metrics()
    paid = model.platform.n_orders - len(samples)
    assert metrics["orders"].sum() == paid  # samples are not orders in the metrics
    assert brand.tactic_spend()["free_samples"] == 8 * 49.0
    product = model.platform.product(brand.products[0])
    assert product.units_sold == paid


def test_top_degree_seeds_the_most_followed_and_random_reaches_consumers() -> None:
    sc = small()
    sc.brands[0].seeds = 5
    model = RedloopModel(sc)
    p = model.platform
    at_start = {u.uid: p.user(u.uid).followers for u in model.people}
    model.run_days(1)
    assert (
        sorted((at_start[u] for u in model.brands[0].seeded), reverse=True)
        == (sorted(at_start.values(), reverse=True)[:5])
    )
    sc = small()
    sc.brands[0].seeding_rule, sc.brands[0].seeds = "random", 20
    model = run(sc, days=1)
    kinds = {model.platform.user(u).kind for u in model.brands[0].seeded}
    assert "consumer" in kinds  # free samples are not only for creators


def test_named_accounts_are_seeded_in_order() -> None:
    built = RedloopModel(small())  # who is a creator depends on the follower graph
    consumers = [p for p in built.people if p not in built.creators]
    people = [consumers[7], built.creators[0], consumers[300]]
    names = [built.platform.user(p.uid).name for p in people]
    assert [n[:4] for n in names] == ["user", "crea", "user"]
    sc = small()
    brand = sc.brands[0]
    brand.seeding_rule, brand.seeding_accounts = "accounts", names
    model = run(sc, days=1)
    assert [model.platform.user(u).name for u in model.brands[0].seeded] == names


def test_a_name_outside_the_population_is_a_clear_error() -> None:
    sc = small()
    built = RedloopModel(small())
    consumer = next(p for p in built.people if p not in built.creators)
    known = built.platform.user(consumer.uid).name
    sc.brands[0].seeding_rule, sc.brands[0].seeding_accounts = "accounts", [known, "user999"]
    with pytest.raises(ScenarioError) as caught:
        RedloopModel(sc)
    assert caught.value.key == "brands[0].seeding_accounts[1]"
    assert "'user999' is not a consumer or creator" in str(caught.value)
    sc.brands[0].seeding_accounts = ["SampleCo"]  # the brand itself cannot receive
    with pytest.raises(ScenarioError, match="'SampleCo'"):
        RedloopModel(sc)


def test_seeding_keys_are_validated(tmp_path) -> None:
    def scenario(brand: str) -> str:
        path = tmp_path / "s.toml"
        path.write_text(f'extends = "seeding_by_choice"\n[[brands]]\nname = "SampleCo"\n{brand}')
        return str(path)

    with pytest.raises(ScenarioError, match="choose one of top_degree, random, greedy"):
        load(scenario('seeding_rule = "loudest"'))
    with pytest.raises(ScenarioError, match=r"brands\[0\]\.seeds: 0 is out of range"):
        load(scenario("seeds = 0"))
    with pytest.raises(ScenarioError, match="seeding_accounts"):
        load(scenario('seeding_rule = "accounts"'))
    with pytest.raises(ScenarioError, match="seeding_accounts"):
        load(scenario('seeding_accounts = ["user1"]'))
    with pytest.raises(ScenarioError, match="seeding_mc_samples"):
        load(scenario("seeding_mc_samples = 5000"))
    assert load(scenario('strategy = "free_samples"')).brands[0].strategy == "free_samples"


def test_one_seed_gives_one_event_log() -> None:
    def log(seed: int) -> str:
        sc = small(seed=seed)
        sc.brands[0].seeding_rule = "greedy"
        return run(sc, days=6).platform.fingerprint()

    assert log(4) == log(4) != log(5)


def test_experiment_returns_adopters_per_rule_and_seed() -> None:
    runs = seeding_experiment(
        k=5, days=6, seeds=(1, 2), users=300, rules=("top_degree", "random", "none")
    )
    assert list(runs.columns) == [
        "rule", "seed", "samples", "seed_followers", "adopters",
        "seed_posts", "seed_notes_promoted", "seed_note_orders",
    ]  # fmt: skip
    assert runs["samples"].tolist() == [5, 5, 5, 5, 0, 0]
    assert (runs["adopters"] >= 0).all()
    again = seeding_experiment(k=5, days=6, seeds=(1, 2), users=300, rules=("top_degree",))
    assert again["adopters"].tolist() == runs["adopters"].tolist()[:2]
    table = summary(runs)
    assert set(table.index) == {"top_degree", "random", "none"}
    assert table.loc["none", "seed_followers"] == 0


def test_seed_notes_count_the_seeds_reviews_their_promotions_and_orders() -> None:
    """Where an arm's adopters come from, counted one order and note at a time through the
    platform's views: the samples' review notes, those in a pool past the first, and the
    bought orders attributed to them."""
    sc = small(**{"population.users": 600, "days": 16})
    sc.brands[0].seeds = 20
    model = run(sc, days=16)
    product = model.brands[0].products[0]
    orders = [model.platform.order(i) for i in range(model.platform.n_orders)]
    mine = [o for o in orders if o.product == product]
    reviews = {o.review_note for o in mine if o.sample and o.review_note is not None}
    bought = [o for o in mine if not o.sample and o.status != "cancelled"]
    promoted = [n for n in reviews if (model.platform.note(n).pool_stage or 0) >= 1]
    counted = seed_notes(model.platform.tables(), product)
    assert counted == {
        "seed_posts": len(reviews),
        "seed_notes_promoted": len(promoted),
        "seed_note_orders": sum(o.note in reviews for o in bought),
    }
    assert counted["seed_posts"] > 0 and counted["seed_note_orders"] > 0


def test_the_experiments_settings_are_validated_as_scenario_keys() -> None:
    """``users``, ``k`` and ``days`` go through the schema's range checks (before any run);
    on the command line: one line, exit 2."""
    with pytest.raises(ScenarioError, match=r"population\.users: 5 is out of range"):
        seeding_experiment(users=5, seeds=(1,), rules=("random",))
    with pytest.raises(ScenarioError, match=r"brands\[0\]\.seeds: 0 is out of range"):
        seeding_experiment(k=0, users=100, seeds=(1,), rules=("random",))
    with pytest.raises(ScenarioError, match=r"days: 0 is out of range"):
        seeding_experiment(days=0, users=100, seeds=(1,), rules=("none",))
    run = subprocess.run(
        [sys.executable, "-m", "redloop.sim.seeding_experiment", "--users", "5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and not run.stdout
    assert "population.users: 5 is out of range" in run.stderr
    assert "Traceback" not in run.stderr
