"""Scenario files: validation names the file, the key path and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from redloop.scenarios import schema
from redloop.scenarios.schema import OverrideError, ScenarioError, load


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path, **overrides) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(path, **overrides)
    return info.value


def test_every_named_scenario_loads() -> None:
    assert "baseline" in schema.named()
    for name in schema.named():
        assert load(name).name == name


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "[behaviour]\nopen_rat = 0.1\n"))
    assert err.key == "behaviour.open_rat" and "did you mean 'open_rate'" in str(err)
    assert str(tmp_path / "s.toml") in str(err)


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("days = 'ten'\n", "days", "expected integer"),
        ("days = 0\n", "days", "out of range; allowed 1 to 3650"),
        ("[population]\ngraph = 'powerlaw'\n", "population.graph", "did you mean"),
        (
            "[behaviour]\npost_purchase_sharing = 1\n",
            "behaviour.post_purchase_sharing",
            "expected true/false",
        ),
        (
            "[population.interest_mix]\nbeuty = 1.0\n",
            "population.interest_mix.beuty",
            "did you mean 'beauty'",
        ),
        (
            "[[brands]]\nname = 'A'\n[[brands.products]]\nprice = -1\n",
            "brands[0].products[0].price",
            "out of range",
        ),
        (
            "[[timeline]]\nkind = 'price'\nbrand = 'Nobody'\n",
            "timeline[0].brand",
            "not a brand of this scenario",
        ),
        ("[platform]\nrecommender = 'magic'\n", "platform.recommender", "ces_pools"),
        ("[platform]\npool_quotz = [1]\n", "platform.pool_quotz", "unknown platform config key"),
    ],
)
def test_invalid_values_name_key_and_allowed(
    tmp_path: Path, text: str, key: str, says: str
) -> None:
    err = error_of(write(tmp_path, text))
    assert err.key == key, str(err)
    assert says in str(err)


def test_extends_inherits_and_overrides(tmp_path: Path) -> None:
    child = write(tmp_path, 'extends = "baseline"\ndays = 5\n[population]\nusers = 123\n')
    sc = load(child)
    base = load("baseline")
    assert (sc.days, sc.population.users) == (5, 123)
    assert sc.brands == base.brands and sc.platform == base.platform
    assert sc.population.sessions_per_day == base.population.sessions_per_day


def test_circular_extends_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    assert "circular" in str(error_of(tmp_path / "a.toml"))


def test_dotted_overrides_are_validated_like_the_file() -> None:
    with pytest.raises(ScenarioError, match=r"population\.users"):
        load("baseline", **{"population.users": 1})
    assert load("baseline", **{"population.users": 50}).population.users == 50


def test_an_override_enters_a_list_of_named_tables_by_name() -> None:
    sc = load("baseline", **{"brands.LumiSkin.budget": 24_000.0})
    before = {b.name: b for b in load("baseline").brands}
    assert {b.name: b.budget for b in sc.brands} == {
        name: 24_000.0 if name == "LumiSkin" else b.budget for name, b in before.items()
    }
    with pytest.raises(OverrideError) as bad:  # the flag is blamed, by the name it gave
        load("baseline", **{"brands.LumiSkin.budget": -5.0})
    assert bad.value.key == "brands.LumiSkin.budget" and "out of range" in bad.value.problem
    with pytest.raises(ScenarioError, match=r"no entry named 'Nope' \(has 'LumiSkin'"):
        load("baseline", **{"brands.Nope.budget": 1.0})
    with pytest.raises(ScenarioError, match="not the table"):
        load("baseline", **{"brands.LumiSkin": 1.0})


def test_schema_docs_cover_every_key() -> None:
    keys = {row[0] for row in schema.field_docs()}
    assert {
        "population.users",
        "behaviour.open_rate",
        "brands[].products[].quality",
        "timeline[].kind",
        "adoption.q",
    } <= keys
    assert all(row[3] for row in schema.field_docs()), "every key is documented"


def test_readme_documents_every_scenario_key() -> None:
    """Each key's whole row as field_docs() gives it: its type, default and allowed values
    too (a key's choices grew once while the README kept the old list)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text().splitlines()
    rows = [
        f"| `{key}` | {kind} | `{default}` | {doc} |"
        for key, kind, default, doc in schema.field_docs()
    ]
    stale = [row for row in rows if row not in readme]
    assert not stale, f"README scenario table differs from schema.field_docs() in {stale}"


def test_reference_users_scales_the_audience_sized_constants() -> None:
    """At its reference size a scenario is unchanged; at 4x its everyone-stage quotas, picks
    and restock threshold are 4x, while the targeted (test-audience) quotas stay."""
    base = load("baseline", **{"population.users": 3000})
    assert base.reference_users == 3000 and base.size_factor == 1.0
    quotas = base.platform_config().pool_quotas
    big = load("baseline", **{"population.users": 12000})
    targeted = big.platform_config().pool_targeted_stages
    assert big.platform_config().pool_quotas == tuple(
        q if s < targeted else 4 * q for s, q in enumerate(quotas)
    )
    assert big.sized(big.editor_picks_per_day) == 4 * base.editor_picks_per_day
    assert big.sized(big.shop_restock_threshold) == 4 * base.shop_restock_threshold
    absolute = load("baseline", reference_users=0, **{"population.users": 12000})
    assert absolute.platform_config().pool_quotas == quotas
    assert absolute.sized(7) == 7 and absolute.sized(0) == 0
    with pytest.raises(ScenarioError, match="reference_users"):
        load("baseline", reference_users=-1)
