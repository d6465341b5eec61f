"""The size ladder's decomposition: its parts add up to the fact's outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from redloop.sim import battery, size_ladder


@pytest.fixture(scope="module")
def run():
    from redloop.scenarios.schema import load

    scenario = load("baseline", seed=2, **{"population.users": 600, "days": 12})
    return scenario, battery.simulate(scenario)


def test_orders_split_by_channel_brand_and_first_purchase_add_up(run) -> None:
    scenario, data = run
    row = size_ladder.breakdown(data, [b.name for b in scenario.brands])
    orders = row["orders_per_user"]
    assert orders > 0
    channels = ("discovery", "following", "search", "ad", "direct", "shared")
    assert sum(row[f"orders_{c}"] for c in channels) == pytest.approx(orders)
    assert sum(row[f"orders_{b.name}"] for b in scenario.brands) == pytest.approx(orders)
    assert row["orders_first"] + row["orders_repeat"] == pytest.approx(orders)
    assert 0 < row["buyers"] <= row["orders_first"]
    assert 0 <= row["lowest_stock"] < 100_000


def test_pass_rates_are_the_rule_over_draws_of_seeds() -> None:
    """A step that holds on every seed holds on every draw; noise decides the others."""
    rng = np.random.default_rng(0)
    samples = {
        n: {"flat": list(rng.normal(1.0, 0.05, 6)), "grows": [1.0 + g] * 6}
        for n, g in ((2_000, 0.0), (10_000, 0.2), (20_000, 0.21))
    }
    rates = size_ladder.pass_rates(samples, ["flat", "grows"], 2, 200, rng)
    assert rates["grows"] == 1.0
    assert 0.0 < rates["flat"] < 1.0
    assert rates["all"] == rates["flat"]


def test_the_table_has_a_line_per_measure_and_a_change_per_step() -> None:
    samples = {n: {"orders_per_user": [0.5, 0.6, 0.55]} for n in (2_000, 10_000, 20_000)}
    lines = size_ladder.table(samples).splitlines()
    assert "2,000 → 10,000" in lines[0] and "10,000 → 20,000" in lines[0]
    assert lines[1].startswith("orders_per_user")
    assert lines[1].count("0.55 ± 0.1242") == 3  # mean ± t(2) · sd / √3 per size
    assert lines[1].count("+0.0% ± 20.6%") == 2
