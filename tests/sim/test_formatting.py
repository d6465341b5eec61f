"""One set of number formats for reports and the terminal."""

from __future__ import annotations

import math

import pytest

from redloop.sim import formatting as fmt


@pytest.mark.parametrize(
    ("fn", "value", "text"),
    [
        (fmt.count, 110863, "110,863"),
        (fmt.count, 291292.4, "291,292"),
        (fmt.money, 110863.49, "¥110,863"),
        (fmt.money, -5, "-¥5"),
        (fmt.rate, 0.10149, "10.1%"),
        (fmt.ratio, 0.19074221867517957, "0.19"),
        (fmt.number, 0.012345, "0.0123"),
        (fmt.number, 12, "12"),
        (fmt.number, 1234.5, "1,234"),
        (fmt.seconds, 3.54, "3.5 s"),
        (fmt.seconds, 162, "2 min 42 s"),
    ],
)
def test_formats(fn, value, text: str) -> None:
    assert fn(value) == text


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_missing_values_are_a_dash_everywhere(missing) -> None:
    for fn in (fmt.count, fmt.money, fmt.rate, fmt.ratio, fmt.number, fmt.seconds):
        assert fn(missing) == fmt.MISSING


def test_r_loop_carries_its_interval_or_says_it_is_not_measured() -> None:
    assert fmt.r_loop(0.19074221867517957, [0.151, 0.2349]) == "0.19 (95% CI 0.15–0.23)"
    assert fmt.r_loop(1.2, None) == "1.20"
    assert fmt.r_loop(None) == "not measured yet"


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("gmv", 1234.5, "¥1,234"),
        ("revenue[LumiSkin]", 99.0, "¥99"),
        ("read_rate", 0.25, "25.0%"),
        ("share_search", 0.5, "50.0%"),
        ("r_loop", 0.5, "0.50"),
        ("roi[LumiSkin]", 3.14159, "3.14"),
        ("orders", 4321.0, "4,321"),
    ],
)
def test_outcomes_are_formatted_by_their_name(name: str, value: float, text: str) -> None:
    assert fmt.value(name, value) == text


def test_tables_print_each_number_as_its_quantity() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "outcome": ["gmv", "read_rate"],
            "a mean": [1234.5, 0.123],
            "significant": [True, False],
            "seeds to detect": [math.nan, math.inf],
        }
    )
    lines = fmt.frame_text(table, by_row="outcome").splitlines()
    assert lines[1].split() == ["gmv", "¥1,234", "True", "—"]
    assert lines[2].split() == ["read_rate", "12.3%", "False", ">", "10,000"]
    by_column = pd.DataFrame({"gmv": [2000.0], "r_loop": [math.nan]})
    assert fmt.frame_text(by_column).splitlines()[1].split() == ["0", "¥2,000", "—"]
