"""Settings changed mid-run: ``set_config`` logs one CONFIG_SET, the platform acts on it from
then on, a replay (in memory, SQLite, Parquet) applies it at the same point, a bad or fixed
setting changes nothing, the chain covers it, and no HTTP client can send one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from redloop.platform.api import (
    CONFIG_FIXED_MID_RUN,
    CorruptLog,
    EventKind,
    InvalidInput,
    Platform,
)
from redloop.platform.codec import codec_of
from redloop.platform.http import create_app, router

from ..people import ANN, CY, GLOWCO, SERUM, small_platform
from .http_support import state


def with_ad(p: Platform) -> int:
    """20 organic notes in ann's topics and a feed campaign of the brand: pages carry an ad."""
    for i in range(20):
        p.publish(CY, [("skincare", "beauty")[i % 2]], now=1)
    note = p.publish(GLOWCO, ["skincare"], now=1, products=[SERUM], title="Glow!")
    p.create_campaign(GLOWCO, note, 100.0, now=2, cpm=50.0)
    return note


def test_a_setting_changes_from_then_on_and_is_logged_once() -> None:
    p = small_platform()
    ad = with_ad(p)
    assert p.discovery_feed(ANN, now=3).ad_slots == (3,)
    n = len(p.log)
    p.set_config({"ad_slot": 7, "pool_quotas": [6, 20, 80], "boost_cpm": 5.0}, now=4)
    assert len(p.log) == n + 1
    event = p.log[n]
    assert event.kind is EventKind.CONFIG_SET and event.time == 4
    assert event.fields == {
        "settings": {"ad_slot": 7, "pool_quotas": (6, 20, 80), "boost_cpm": 5.0}
    }
    codec = codec_of(event.kind)
    assert codec.pack(*codec.unpack(event.value, event.ints, event.text)) == (
        event.value,
        event.ints,
        event.text,
    )
    assert p.config.ad_slot == 7 and p.config.pool_quotas == (6, 20, 80)
    page = p.discovery_feed(ANN, now=5)
    assert page.ad_slots == (7,) and page.notes[7] == ad
    fresh = p.publish(CY, ["skincare"], now=6)
    assert p.note(fresh).pool_stage == 0
    pools = p._recommenders["ces_pools"]
    assert pools.quota[fresh] == 6  # a new note's first pool has the new quota


def test_a_replay_applies_the_change_at_the_same_point(tmp_path: Path) -> None:
    p = small_platform()
    p.stream_log(tmp_path / "events.sqlite")
    with_ad(p)
    p.discovery_feed(ANN, now=3)
    p.set_config(
        {"ad_slot": 5, "attribution_window_hours": 2.0, "interest_coengagement_weight": 0.0}, now=4
    )
    p.discovery_feed(ANN, now=5)
    p.set_recommender("popular", now=6)
    p.discovery_feed(ANN, now=7)
    p.close_log()
    assert p.config.recommender == "popular" and p.config.ad_slot == 5
    assert Platform.replay(p.log, small_platform().config).fingerprint() == p.fingerprint()
    assert Platform.from_sqlite(tmp_path / "events.sqlite").fingerprint() == p.fingerprint()
    unchanged = small_platform()
    with_ad(unchanged)
    assert unchanged.fingerprint() != p.fingerprint()  # the settings are part of the state


def test_a_parquet_log_replays_the_change(tmp_path: Path) -> None:
    p = small_platform()
    p.stream_log(tmp_path / "events.parquet")
    with_ad(p)
    p.set_config({"page_size": 6, "ad_slot": 1}, now=3)
    assert len(p.discovery_feed(ANN, now=4).notes) == 6
    p.close_log()
    assert Platform.from_parquet(tmp_path / "events.parquet").fingerprint() == p.fingerprint()


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        ({"ad_slot": 10}, "ad_slot", "ad_slot must be a whole number >= 0 and <= 9"),
        ({"pool_quotas": (3, -1, 50)}, "pool_quotas", "pool_quotas must be"),
        ({"pool_quotas": (3, 10)}, "pool_quotas", "the number of stages sizes the traffic"),
        ({"seen_window": 50}, "seen_window", "seen_window cannot change mid-run"),
        ({"ces_weights": (1, 1, 1, 1, 1)}, "ces_weights", "cannot change mid-run"),
        ({"bogus": 1}, "bogus", "unknown platform config key 'bogus'"),
        ({"recommender": "nope"}, "recommender", "unknown recommender 'nope'"),
        ({"boost_cpm": "cheap"}, "boost_cpm", "boost_cpm must be a number"),
        ({}, "settings", "no settings to change"),
    ],
)
def test_a_bad_or_fixed_setting_changes_nothing(
    settings: dict[str, Any], field: str, message: str
) -> None:
    p = small_platform()
    before, config = state(p), p.config
    with pytest.raises(InvalidInput) as info:
        p.set_config({**settings}, now=3)
    assert info.value.field == field and message in str(info.value)
    assert state(p) == before and p.config is config


def test_every_fixed_setting_is_refused_with_its_reason() -> None:
    p = small_platform()
    for key, why in CONFIG_FIXED_MID_RUN.items():
        with pytest.raises(InvalidInput, match=why):
            p.set_config({key: p.config.to_dict()[key]}, now=3)


def test_the_chain_covers_a_config_change_and_replay_refuses_a_forged_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.sqlite"
    p = small_platform()
    p.stream_log(path)
    p.set_config({"ad_slot": 5}, now=3)
    p.close_log()
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET text = '{\"ad_slot\":6}' WHERE kind = 'config_set'")
    db.commit()
    db.close()
    with pytest.raises(CorruptLog, match="hash does not match"):
        Platform.from_sqlite(path)

    forged = small_platform()  # a well-chained log whose change a live platform refuses
    forged.log.append(EventKind.CONFIG_SET, 3.0, -1, -1, 0, None, '{"seen_window":5}')
    forged.stream_log(tmp_path / "forged.sqlite")
    forged.close_log()
    with pytest.raises(CorruptLog, match="seen_window cannot change mid-run"):
        Platform.from_sqlite(tmp_path / "forged.sqlite")


def test_no_http_route_changes_settings() -> None:
    paths = {route.path for route in router.routes}  # type: ignore[attr-defined]
    assert not [p for p in paths if "config" in p or "setting" in p or "recommender" in p]
    p = small_platform()
    before = state(p)
    client = TestClient(create_app(p), raise_server_exceptions=False)
    for path in ("/config", "/settings", "/platform/config"):
        for method in ("POST", "PUT", "PATCH"):
            assert client.request(method, path, json={"ad_slot": 5}).status_code in (404, 405)
    assert state(p) == before
