"""Seeds needed to detect a difference: the power of a two-sample t-test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from redloop.sim.stats import change_ci, power, seeds_to_detect


def test_a_one_sd_difference_needs_17_seeds_per_scenario() -> None:
    """Cohen's d = 1 at α = 0.05 (two-sided), power 0.8: the textbook 17 per group."""
    assert seeds_to_detect(1.0, 1.0) == 17
    assert seeds_to_detect(-0.5, 1.0) == 64  # d = 0.5: 64 per group; the sign does not matter


@pytest.mark.parametrize(("effect", "sd"), [(3.0, 5.0), (2.67, 10.1), (0.1, 1.0)])
def test_seeds_are_the_first_n_whose_power_reaches_the_target(effect: float, sd: float) -> None:
    """Also where the noncentral t's tails turn to NaN (hundreds of seeds and more)."""
    n = int(seeds_to_detect(effect, sd))
    assert power(effect, sd, n) >= 0.8 > power(effect, sd, n - 1)
    assert n == pytest.approx(2 * (1.959964 + 0.841621) ** 2 * (sd / effect) ** 2, rel=0.05)


def test_power_matches_a_simulated_t_test() -> None:
    from scipy import stats

    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, (4000, 10))
    b = rng.normal(1.0, 1.0, (4000, 10))
    rejected = stats.ttest_ind(a, b, axis=1).pvalue < 0.05
    assert rejected.mean() == pytest.approx(power(1.0, 1.0, 10), abs=0.02)


@pytest.mark.parametrize(("effect", "sd"), [(0.0, 1.0), (1.0, 0.0), (math.nan, 1.0)])
def test_nothing_to_detect_is_nan(effect: float, sd: float) -> None:
    assert math.isnan(seeds_to_detect(effect, sd))


def test_a_negligible_difference_needs_more_seeds_than_anyone_runs() -> None:
    assert seeds_to_detect(1e-4, 1.0) == math.inf


def test_a_change_between_sizes_has_an_interval_that_covers_it_95_times_in_100() -> None:
    """Five runs per size, outcomes 10% apart with a 10% spread: the delta method's interval
    of mean(b) / mean(a) − 1 holds the true +10% about as often as it claims."""
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(2000):
        change, half = change_ci(rng.normal(0.5, 0.05, 5), rng.normal(0.55, 0.055, 5))
        covered += abs(change - 0.1) <= half
    assert covered / 2000 == pytest.approx(0.95, abs=0.02)


def test_a_change_needs_two_values_a_side_and_is_exact_without_spread() -> None:
    assert change_ci([0.5, 0.5], [0.6, 0.6]) == (pytest.approx(0.2), 0.0)
    assert all(math.isnan(x) for x in change_ci([0.5], [0.6, 0.7]))
    assert all(math.isnan(x) for x in change_ci([0.0, 0.0], [0.6, 0.7]))
    _, two = change_ci([0.539, 0.621], [0.600, 0.623])  # the battery's orders per person
    assert two > 0.5  # two seeds a size cannot resolve a 5% step
