"""PlatformConfig: validation names the bad field; from_dict/to_dict round-trip."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest

from redloop.platform.api import InvalidInput, PlatformConfig

INT_FIELDS = (
    "page_size",
    "seen_window",
    "trending_window_hours",
    "popular_pool_size",
    "interest_recent_per_topic",
    "ad_slot",
    "max_order_quantity",
    "max_comment_chars",
    "max_name_chars",
    "max_products_per_note",
    "pool_targeted_stages",
)
HOUR_FIELDS = (
    "pool_max_age_hours",
    "decay_half_life_hours",
    "attribution_window_hours",
    "popular_refresh_hours",
    "popular_lookback_hours",
)


def test_defaults_are_valid_and_follow_the_calibration() -> None:
    cfg = PlatformConfig()
    assert cfg.recommender == "ces_pools"
    assert cfg.ces_weights == (1.0, 1.0, 4.0, 4.0, 8.0)
    assert len(cfg.pool_thresholds) == len(cfg.pool_quotas) - 1
    assert len(cfg.pool_slot_weights) == len(cfg.pool_quotas)
    assert cfg.attribution_window_hours == 24 * 7


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 5.5, "ad_slot": 1}, "page_size"),
        ({"page_size": True}, "page_size"),
        ({"page_size": "10"}, "page_size"),
        ({"ces_weights": (1.0, 1.0, 4.0, 4.0)}, "ces_weights"),
        ({"ces_weights": (1.0, 1.0, 4.0, 4.0, -8.0)}, "ces_weights"),
        ({"ces_weights": (1.0, 1.0, 4.0, 4.0, math.nan)}, "ces_weights"),
        ({"ces_weights": 1.0}, "ces_weights"),
        ({"pool_quotas": ()}, "pool_quotas"),
        (
            {"pool_quotas": (0, 10), "pool_thresholds": (0.1,), "pool_slot_weights": (1, 1)},
            "pool_quotas",
        ),
        (
            {"pool_quotas": (2.5, 10), "pool_thresholds": (0.1,), "pool_slot_weights": (1, 1)},
            "pool_quotas",
        ),
        ({"pool_quotas": 300}, "pool_quotas"),
        ({"pool_thresholds": (0.1,)}, "pool_thresholds"),
        ({"pool_thresholds": (0.1, -0.1, 0.1, 0.1)}, "pool_thresholds"),
        ({"pool_slot_weights": (1.0,)}, "pool_slot_weights"),
        ({"pool_slot_weights": (0.0, 0.0, 0.0, 0.0, 0.0)}, "pool_slot_weights"),
        ({"pool_slot_weights": (1.0, -1.0, 1.0, 1.0, 1.0)}, "pool_slot_weights"),
        ({"pool_targeted_stages": 6}, "pool_targeted_stages"),
        ({"pool_targeted_stages": -1}, "pool_targeted_stages"),
        ({"seen_window": -1}, "seen_window"),
        ({"seen_window": 100_001}, "seen_window"),
        ({"trending_window_hours": 0}, "trending_window_hours"),
        ({"popular_pool_size": 0}, "popular_pool_size"),
        ({"interest_recent_per_topic": 0}, "interest_recent_per_topic"),
        ({"ad_slot": 10}, "ad_slot"),
        ({"ad_slot": -1}, "ad_slot"),
        ({"max_order_quantity": 0}, "max_order_quantity"),
        ({"max_order_quantity": 1.5}, "max_order_quantity"),
        ({"max_comment_chars": 0}, "max_comment_chars"),
        ({"max_name_chars": 0}, "max_name_chars"),
        ({"max_products_per_note": 1001}, "max_products_per_note"),
    ]
    + [({name: 0}, name) for name in HOUR_FIELDS]
    + [({name: -1.0}, name) for name in HOUR_FIELDS]
    + [({name: math.nan}, name) for name in HOUR_FIELDS]
    + [({name: 2.5}, name) for name in INT_FIELDS if name not in ("page_size",)],
)
def test_bad_values_raise_invalid_input_naming_the_field(kwargs, field) -> None:
    with pytest.raises(InvalidInput) as info:
        PlatformConfig(**kwargs)
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 1, "ad_slot": 0},
        {"page_size": 100},
        {
            "pool_quotas": (5,),
            "pool_thresholds": (),
            "pool_slot_weights": (1.0,),
            "pool_targeted_stages": 1,
        },
        {"pool_targeted_stages": 0},
        {"seen_window": 0},
        {"ces_weights": (0, 0, 0, 0, 0)},
        {"attribution_window_hours": 0.5},
        {"max_products_per_note": 0},
    ],
)
def test_edge_values_are_accepted(kwargs) -> None:
    cfg = PlatformConfig(**kwargs)
    for name, value in kwargs.items():
        assert getattr(cfg, name) == value


def test_to_dict_from_dict_round_trip_through_json() -> None:
    """A config survives to_dict → JSON → from_dict (lists come back as tuples)."""
    cfg = PlatformConfig(
        recommender="interest",
        page_size=8,
        ad_slot=2,
        pool_quotas=(3, 9),
        pool_thresholds=(0.3,),
        pool_slot_weights=(2, 1),
        pool_targeted_stages=1,
        attribution_window_hours=12.5,
    )
    data = json.loads(json.dumps(cfg.to_dict()))
    assert PlatformConfig.from_dict(data) == cfg
    assert PlatformConfig.from_dict(cfg.to_dict()) == cfg
    assert set(data) == {f.name for f in fields(PlatformConfig)} - {"extra"}


def test_from_dict_of_nothing_is_the_default() -> None:
    assert PlatformConfig.from_dict({}) == PlatformConfig()


@pytest.mark.parametrize("key", ["page_sise", "extra", "Recommender"])
def test_from_dict_rejects_unknown_keys_naming_them(key) -> None:
    with pytest.raises(InvalidInput) as info:
        PlatformConfig.from_dict({"page_size": 5, key: 1})
    assert info.value.field == key
    assert repr(key) in str(info.value)
    assert "page_size" in str(info.value)  # and lists what is allowed


def test_from_dict_validates_values_too() -> None:
    with pytest.raises(InvalidInput) as info:
        PlatformConfig.from_dict({"pool_quotas": [10, 0, 5, 5, 5]})
    assert info.value.field == "pool_quotas"


def test_config_is_frozen() -> None:
    cfg = PlatformConfig()
    with pytest.raises(AttributeError):
        cfg.page_size = 3  # type: ignore[misc]
