"""`redloop validate`: the measuring functions on inputs whose answer is known, and the quick
battery end to end through the command line (report, JSON, exit code)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from redloop.sim import battery, facts_diffusion, facts_platform, validate
from redloop.sim.model import RedloopModel


def test_bass_fit_recovers_the_textbook_curve() -> None:
    days = np.arange(1, 41, dtype=float)
    p_hat, q_hat = facts_diffusion.fit_bass(days, facts_diffusion.bass_curve(days, 0.02, 0.45))
    assert p_hat == pytest.approx(0.02, rel=1e-4)
    assert q_hat == pytest.approx(0.45, rel=1e-4)


def test_bass_curve_peaks_at_t_star() -> None:
    p, q = 0.03, 0.38
    t = np.linspace(0, 30, 30_001)
    rate = np.gradient(facts_diffusion.bass_curve(t, p, q), t)
    assert t[rate.argmax()] == pytest.approx(math.log(q / p) / (p + q), abs=0.01)


def test_continuous_bass_hazard_reaches_the_input_rates_in_a_network() -> None:
    """Network mixing runs (sparse followee averages) and adopts; full mixing is checked
    against the textbook curve in tests/sim/test_model.py."""
    sc = facts_diffusion.bass_scenario(0.02, 0.4, users=1500, days=20, seed=3)
    sc.adoption.mixing = "network"
    sc.population.graph = "powerlaw_cluster"
    model = RedloopModel(sc)
    model.run_days(20)
    adopters = model.metrics()["adopters"].to_numpy()
    assert (np.diff(adopters) >= 0).all()
    assert adopters[-1] > 0.5 * 1500


def test_tail_test_tells_heavy_from_thin_tails() -> None:
    rng = np.random.default_rng(7)
    heavy = np.floor(rng.pareto(1.5, 5000) * 3 + 1)
    thin = np.floor(rng.exponential(5.0, 5000) + 1)
    assert facts_diffusion._heavy(facts_diffusion.tail_test(heavy))
    assert not facts_diffusion._heavy(facts_diffusion.tail_test(thin))


def test_paired_difference_removes_the_spread_between_seeds() -> None:
    a = np.array([100.0, 1000.0, 10_000.0])
    diff, half = battery.paired_diff_ci(a, a - 50.0)
    assert diff == pytest.approx(-50.0)
    assert half == pytest.approx(0.0)


def test_size_rule_asks_a_smaller_second_step_within_10_percent() -> None:
    rule = facts_platform.converges(
        {
            20_000: {"a": [1.05, 1.07], "b": [1.0], "c": [1.3]},
            2_000: {"a": [0.80, 0.90], "b": [1.0], "c": [1.0]},
            10_000: {"a": [1.00, 1.00], "b": [1.0], "c": [1.1]},
        }
    )
    assert rule["a"] == (True, pytest.approx(1 / 0.85 - 1), pytest.approx(0.06))
    assert rule["b"][0] is False  # no change, then no change: not smaller
    assert rule["c"][0] is False  # +10%, then +18%


def test_a_battery_needs_the_switch_day() -> None:
    with pytest.raises(ValueError, match="22 days"):
        battery.Settings(quick=True, users=100, days=10, seeds=(1,), bass_users=100)


def test_seeding_fact_pairs_its_own_seeds() -> None:
    """The seeding fact measures over ``seeding_seeds`` when given (one battery seed alone
    would leave no interval)."""
    s = battery.Settings(quick=True, users=200, days=22, seeds=(1,), seeding_seeds=(1, 2))
    finding = facts_diffusion.seeding(battery.Runs(s), s)
    assert finding.value["seeds"] == 2
    assert math.isfinite(finding.value["top_degree_minus_random_ci95"])
    assert "2 paired seeds" in finding.summary


@pytest.fixture(scope="module")
def quick_battery(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    proc = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "validate", "--quick", "--quiet",
         "--out", str(out), "--json", str(out / "facts.json")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return proc, out


def test_quick_battery_reports_every_fact(quick_battery) -> None:
    proc, out = quick_battery
    facts = json.loads((out / "facts.json").read_text())["facts"]
    assert [f["name"] for f in facts] == list(validate.FACTS)
    for fact in facts:
        assert set(fact) >= {"name", "passed", "value", "target", "source"}
        assert fact["source"] and fact["target"] and fact["value"]
    failed = [f["name"] for f in facts if not f["passed"]]
    assert proc.returncode == (1 if failed else 0), proc.stderr
    assert f"{len(facts) - len(failed)} of {len(facts)} facts hold" in proc.stdout
    report = (out / "validation.html").read_text()
    assert '<img src="data:image/png;base64,' in report and "http" not in report.lower()
    for fact in facts:
        assert f"id='{fact['name']}'" in report


def test_quick_battery_holds_the_mechanism_facts(quick_battery) -> None:
    """Facts that follow from the mechanisms with a wide margin at the quick size: Bass
    recovery is exact in expectation; shares are rare (about 96% of notes never shared) yet
    reshare trees form. The other facts are measured and reported (README, validation)."""
    _, out = quick_battery
    facts = {f["name"]: f for f in json.loads((out / "facts.json").read_text())["facts"]}
    for name in ("bass_recovery", "cascades"):
        assert facts[name]["passed"], facts[name]["value"]


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--fact", "bass"], ["unknown fact 'bass'", "bass_recovery"]),
        (["--seeds", "1"], ["--seeds", "at least 2"]),
        (["--set", "behaviour.cover_correlation=2"], ["--set behaviour.cover_correlation", "-1"]),
        (["--set", "behaviour.nope=1"], ["--set behaviour.nope", "unknown key"]),
        (["--set", "behaviour.open_rate=0.1,0.2"], ["one value a key"]),
    ],
)
def test_bad_flags_are_usage_errors(tmp_path, flags: list[str], said: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "validate", *flags, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert all(text in proc.stderr for text in said), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["--out", "--json"])
def test_unusable_output_is_refused_before_running(tmp_path, flag) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    target = blocker / "below" if flag == "--json" else blocker
    proc = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "validate", flag, str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert flag in proc.stderr and "Traceback" not in proc.stderr
    assert blocker.read_text() == "keep me"


def test_seeds_runs_the_facts_over_seeds_one_to_n(tmp_path) -> None:
    target = tmp_path / "facts.json"
    proc = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "validate", "--quick", "--quiet", "--fact",
         "like_concentration", "--seeds", "2", "--out", str(tmp_path / "v"), "--json",
         str(target)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    (fact,) = json.loads(target.read_text())["facts"]
    assert "(seeds 1, 2)" in fact["summary"]
    assert "seeds 1, 2;" in (tmp_path / "v" / "validation.html").read_text()


def test_salganiks_unpredictability_is_the_mean_pairwise_difference_of_shares() -> None:
    shares = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]])  # worlds × items
    assert facts_platform.unpredictability(shares) == pytest.approx([2 / 3, 2 / 3])
    assert np.isnan(facts_platform.unpredictability(shares[:1])).all()  # one world: no pairs


def test_author_shares_follow_the_same_members_in_every_world() -> None:
    """One community, independent worlds: the members are matched by account (sign-ups, which
    differ between worlds, are left out); the same world twice is perfectly predictable."""
    from redloop.platform.model import AccountKind
    from redloop.scenarios.schema import load

    runs = [
        battery.simulate(load("baseline", world_seed=w, days=14, **{"population.users": 400}))
        for w in (1, 1, 2)
    ]
    users = runs[0].tables["users"]
    members = (users["created_at"] == 0) & (users["kind"] == AccountKind.CONSUMER)
    shares = facts_platform.author_shares(runs, AccountKind.CONSUMER)
    assert shares.shape == (3, np.count_nonzero(members))
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert not facts_platform.unpredictability(shares[:2]).any()
    assert facts_platform.unpredictability(shares[1:]).mean() > 0
    everyone = facts_platform.author_shares(runs)
    assert everyone.shape[1] == np.count_nonzero(users["created_at"] == 0) > shares.shape[1]


def test_seeds_replace_every_facts_seeds_the_seeding_facts_own_included() -> None:
    from redloop.sim.cli import validation_settings

    full = validation_settings(False, "sessions", None)
    assert full.seeds == (1, 2, 3, 4, 5) and len(full.seeding_seeds) == 20
    more = validation_settings(False, "batch", 12)
    assert more.seeds == tuple(range(1, 13)) and not more.seeding_seeds
    assert more.engine == "batch" and more.users == full.users


def test_set_changes_every_run_of_the_battery_under_the_facts_own_arms(tmp_path) -> None:
    """``validate --set`` reaches named scenarios and scenarios a fact built, a key the
    fact sets for an arm stays the arm's, and the report says the runs were changed."""
    from redloop.scenarios.schema import load
    from redloop.sim.cli import validation_settings

    sets = ["behaviour.cover_correlation=0.5", "platform.recommender=interest"]
    settings = validation_settings(True, "sessions", None, sets)
    assert settings.overrides == (
        ("behaviour.cover_correlation", 0.5),
        ("platform.recommender", "interest"),
    )
    runs = battery.Runs(settings)
    named = runs.scenario("baseline", 2)
    assert named.behaviour.cover_correlation == 0.5 and named.seed == 2
    assert named.population.users == settings.users
    assert named.platform["recommender"] == "interest"
    arm = runs.scenario("baseline", 1, **{"platform.recommender": "recent"})
    assert arm.platform["recommender"] == "recent" and arm.behaviour.cover_correlation == 0.5
    built = runs.scenario(load("baseline", **{"population.users": 77}), 1)
    assert built.behaviour.cover_correlation == 0.5 and built.population.users == 77
    plain = battery.Runs(validation_settings(True, "sessions", None))
    assert plain.scenario("baseline", 1).behaviour.cover_correlation == 1.0
    report = validate.render([], settings)
    assert "behaviour.cover_correlation = 0.5" in report and "sensitivity" in report
