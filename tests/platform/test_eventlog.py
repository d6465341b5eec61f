"""The event log: decoding, replay, SQLite streaming (atomic file, read back), retain=False."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from redloop.platform import eventlog as eventlog_module
from redloop.platform.api import (
    Event,
    EventKind,
    EventLog,
    InvalidInput,
    Platform,
    PlatformConfig,
    read_sqlite,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO, MUG, SERUM


def every_kind(p: Platform) -> dict[str, int]:
    """Drive ``p`` (the shared fixture) through every kind of event; returns some ids."""
    p.publish(GLOWCO, ["travel"], now=1, products=[MUG], sponsor=GLOWCO, title="mug")
    collab = p.offer_collaboration(GLOWCO, CY, SERUM, 200.0, now=1)
    p.accept_collaboration(CY, collab, now=1)
    note = p.publish(CY, ["skincare"], now=1, products=[SERUM], collaboration=collab, title="t")
    p.decline_collaboration(CY, p.offer_collaboration(GLOWCO, CY, SERUM, 60.0, now=1), now=1)
    p.follow(ANN, CY, now=1, via_note=note)
    p.unfollow(ANN, CY, now=1)
    p.read(ANN, note, now=1, channel="following")
    p.like(ANN, note, now=1)
    p.unlike(ANN, note, now=1)
    p.collect(BO, note, now=1)
    p.uncollect(BO, note, now=1)
    p.comment(BO, note, "nice", now=1)
    p.share(BO, note, now=1)
    feed = p.create_campaign(GLOWCO, note, 10.0, now=2, cpm=40.0)
    search_ad = p.create_campaign(GLOWCO, note, 10.0, now=2, placement="search")
    for reader in (ANN, BO, CY):  # the pools' quota of 3 is spent: a review is due
        p.discovery_feed(reader, now=2)
    p.search(ANN, "serum", now=2)
    p.pick_note(EDITOR, note, now=2)
    p.set_recommender("manual", now=2)
    p.restock(GLOWCO, MUG, 3, now=3)
    p.set_price(EDITOR, MUG, 39.5, now=3)
    p.view_product(BO, MUG, now=3, channel="search")
    order = p.place_order(ANN, SERUM, 2, now=3)
    p.pay(ANN, order, now=3)
    p.ship(GLOWCO, order, now=3)
    p.deliver(GLOWCO, order, now=3)
    p.review(ANN, order, 4, now=3)
    p.refund(ANN, order, now=3)
    cancelled = p.place_order(BO, MUG, 1, now=4)
    p.cancel(BO, cancelled, now=4)
    p.send_sample(GLOWCO, SERUM, CY, now=4)
    p.follow(ANN, BO, now=4)
    delivered = p.deliver_share(BO, note, [ANN], now=4)
    link = p.share_outside(ANN, note, now=4, parent=delivered)
    p.share_visited(link, 2, now=4)
    p.sign_up_via_share(link, "dee", ["food"], now=4)
    p.stop_campaign(GLOWCO, feed, now=4)
    p.review_pools(now=4)
    boost = p.create_boost(CY, note, 75.0, now=4, hours=6, goal="follows")
    return {"note": note, "feed": feed, "search_ad": search_ad, "order": order, "boost": boost}


def test_every_kind_decodes_sensibly(platform: Platform) -> None:
    """Each event kind's fields give the values the operation was called with."""
    ids = every_kind(platform)
    events = list(platform.log)
    by_kind: dict[EventKind, list[Event]] = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    assert set(by_kind) == set(EventKind), "the scenario should produce every kind"
    assert [e.seq for e in events] == list(range(len(platform.log)))

    def fields(kind: EventKind, i: int = 0) -> dict:
        return by_kind[kind][i].fields

    note = ids["note"]
    assert fields(EventKind.USER_CREATED) == {
        "kind": "consumer",
        "interests": ("beauty", "skincare"),
        "name": "ann",
    }
    assert fields(EventKind.FOLLOWED) == {"via_note": note}
    assert fields(EventKind.NOTE_PUBLISHED) == {
        "topics": ("travel",),
        "format": "image",
        "sponsor": GLOWCO,
        "products": [MUG],
        "title": "mug",
    }
    assert fields(EventKind.COLLAB_PUBLISHED) == {
        "collaboration": 0,
        "topics": ("skincare",),
        "format": "image",
        "sponsor": GLOWCO,
        "products": [SERUM],
        "title": "t",
    }
    assert fields(EventKind.COLLAB_OFFERED, 1) == {
        "creator": CY,
        "product": SERUM,
        "fee_cents": 6000,
        "commission_cents": 600,
        "hours": 72,
    }
    assert fields(EventKind.COLLAB_CLOSED) == {"status": "declined", "reason": ""}
    assert fields(EventKind.NOTE_READ) == {"channel": "following"}
    assert fields(EventKind.COMMENTED) == {"text": "nice"}
    served = fields(EventKind.FEED_SERVED)
    assert served["channel"] == "discovery" and note in served["notes"]
    assert served["ad_slot"] == served["notes"].index(note)
    assert served["ad_campaign"] == ids["feed"]
    assert served["recommender"] == 2  # ces_pools
    assert fields(EventKind.SEARCHED) == {
        "query": "serum",
        "results": [note],
        "ad_campaign": ids["search_ad"],
    }
    assert fields(EventKind.CONFIG_SET) == {"settings": {"recommender": "manual"}}
    assert fields(EventKind.SAMPLE_SENT) == {"product": SERUM, "recipient": CY}
    assert fields(EventKind.PRODUCT_CREATED, 1) == {
        "topic": "travel",
        "origin": "overseas",
        "price_cents": 5900,
        "stock": 0,
        "name": "Travel Mug",
    }
    assert fields(EventKind.PRODUCT_RESTOCKED) == {"quantity": 3}
    assert fields(EventKind.PRICE_SET) == {"price_cents": 3950}
    assert fields(EventKind.PRODUCT_VIEWED) == {"channel": "search"}
    assert fields(EventKind.ORDER_PLACED) == {
        "product": SERUM,
        "quantity": 2,
        "note": note,
        "channel": "following",
        "unit_cents": 19900,
    }
    assert fields(EventKind.ORDER_PLACED, 1) == {
        "product": MUG,
        "quantity": 1,
        "note": None,
        "channel": "search",
        "unit_cents": 3950,
    }
    assert fields(EventKind.ORDER_REVIEWED) == {"rating": 4, "review_note": None}
    assert fields(EventKind.CAMPAIGN_CREATED) == {
        "placement": "feed",
        "topics": ("skincare",),
        "note": note,
        "budget_cents": 1000,
        "cpm_cents": 4000,
        "hours": None,
    }
    assert fields(EventKind.BOOST_CREATED) == {
        "note": note,
        "goal": "follows",
        "fee_cents": 7500,
        "cpm_cents": round(platform.config.boost_cpm * 100),
        "hours": 6.0,
    }
    assert fields(EventKind.CAMPAIGN_CREATED, 1)["placement"] == "search"
    assert fields(EventKind.SHARE_DELIVERED) == {"parent": None, "recipients": [ANN]}
    assert fields(EventKind.SHARED_OUTSIDE) == {"parent": 1, "recipients": []}
    assert fields(EventKind.SHARE_VISITED) == {"visitors": 2}
    assert fields(EventKind.SHARE_SIGNUP) == {"interests": ("food",), "name": "dee"}
    for kind in (
        EventKind.LIKED,
        EventKind.UNLIKED,
        EventKind.COLLECTED,
        EventKind.SHARED,
        EventKind.ORDER_PAID,
        EventKind.CAMPAIGN_STOPPED,
    ):
        assert fields(kind) == {}  # actor and object say it all
    assert by_kind[EventKind.ORDER_PAID][0].object == ids["order"]


def test_counts_and_indexing(platform: Platform) -> None:
    every_kind(platform)
    counts = platform.log.counts()
    assert counts["user_created"] == 5 and counts["product_created"] == 2
    assert sum(counts.values()) == len(platform.log)
    last = len(platform.log) - 1
    assert platform.log[last].kind is EventKind.BOOST_CREATED
    with pytest.raises(IndexError):
        platform.log[last + 1]


def test_replay_reproduces_the_platform(platform: Platform) -> None:
    every_kind(platform)
    replayed = Platform.replay(platform.log, platform.config)
    assert replayed.fingerprint() == platform.fingerprint()
    assert len(replayed.log) == len(platform.log)
    assert replayed.order(0) == platform.order(0)
    assert replayed.campaign(0) == platform.campaign(0)
    assert replayed.recommender == "manual"


@pytest.mark.parametrize("last", ["direct_view", "empty_feed", "empty_following", "idempotent"])
def test_calls_that_log_nothing_do_not_break_replay(platform: Platform, last) -> None:
    """Read-only or no-op calls at a later time leave the platform equal to its replay."""
    platform.publish(CY, ["skincare"], now=1)
    platform.like(ANN, 0, now=1)
    platform.discovery_feed(BO, now=2)  # bo has now seen the only note
    n = len(platform.log)
    if last == "direct_view":
        platform.view_product(ANN, SERUM, now=5)
    elif last == "empty_feed":
        assert platform.discovery_feed(BO, now=5).notes == ()  # nothing unseen is left
    elif last == "empty_following":
        platform.following_feed(BO, now=5)
    else:
        platform.like(ANN, 0, now=5)
    assert len(platform.log) == n
    assert Platform.replay(platform.log, platform.config).fingerprint() == platform.fingerprint()


def test_fingerprint_tells_platforms_apart(platform: Platform) -> None:
    before = platform.fingerprint()
    assert platform.fingerprint() == before  # stable
    platform.share(ANN, platform.publish(CY, ["skincare"], now=1), now=1)
    assert platform.fingerprint() != before


def test_digest_tells_histories_apart(platform: Platform) -> None:
    """Equal histories digest alike (a replay's log too); any difference in an event's
    time, actor, value, ids or text changes the digest."""
    every_kind(platform)
    digest = platform.log.digest()
    assert Platform.replay(platform.log, platform.config).log.digest() == digest
    for change in (
        lambda p: p.share(ANN, 0, now=p.now),
        lambda p: p.share(BO, 0, now=p.now),
        lambda p: p.share(ANN, 0, now=p.now + 1),
        lambda p: p.comment(ANN, 0, "a", now=p.now),
        lambda p: p.comment(ANN, 0, "b", now=p.now),
    ):
        other = Platform.replay(platform.log, platform.config)
        change(other)
        assert other.log.digest() not in (digest, platform.log.digest()), change
    twins = [Platform.replay(platform.log, platform.config) for _ in range(2)]
    for p in twins:
        p.comment(ANN, 0, "same", now=p.now)
    assert twins[0].log.digest() == twins[1].log.digest() != digest


def test_apply_refuses_events_from_the_past(platform: Platform) -> None:
    platform.publish(CY, ["skincare"], now=5)
    old = Event(0, EventKind.SHARED, 1.0, ANN, 0, 0, None, None)
    with pytest.raises(InvalidInput) as info:
        platform.apply(old)
    assert info.value.field == "time"


# ------------------------------------------------------------------ SQLite


def test_stream_log_is_atomic_and_replays(platform: Platform, tmp_path: Path) -> None:
    """While streaming only ``<path>.partial`` exists; closing renames it into place."""
    path = tmp_path / "run" / "events.sqlite"
    partial = path.with_name(path.name + ".partial")
    platform.publish(CY, ["skincare"], now=1)  # before streaming: still written
    platform.stream_log(path, scenario="unit", seed=3)
    assert partial.exists() and not path.exists()
    every_kind(platform)
    assert partial.exists() and not path.exists()
    platform.close_log()
    assert path.exists() and not partial.exists()
    meta, rows = read_sqlite(path)
    assert meta["scenario"] == "unit" and meta["seed"] == 3
    started = PlatformConfig.from_dict(meta["platform_config"])  # the config it starts from
    assert started.changed({"recommender": platform.recommender}) == platform.config
    assert list(rows) == list(platform.log)
    assert Platform.from_sqlite(path).fingerprint() == platform.fingerprint()


def test_close_log_without_streaming_is_harmless(platform: Platform) -> None:
    assert platform.close_log() is None


def test_streaming_twice_is_refused(platform: Platform, tmp_path: Path) -> None:
    platform.stream_log(tmp_path / "a.sqlite")
    with pytest.raises(InvalidInput) as info:
        platform.stream_log(tmp_path / "b.sqlite")
    assert info.value.field == "path"
    platform.close_log()


def test_read_sqlite_missing_file(tmp_path: Path) -> None:
    for path in (tmp_path / "nope.sqlite", tmp_path):
        with pytest.raises(InvalidInput) as info:
            read_sqlite(path)
        assert info.value.field == "path"


@pytest.mark.parametrize("content", ["text", "empty", "other_db"])
def test_read_sqlite_rejects_files_that_are_not_logs(tmp_path: Path, content) -> None:
    path = tmp_path / "x.sqlite"
    if content == "text":
        path.write_text("hello, I am not a database\n" * 100)
    elif content == "empty":
        path.write_bytes(b"")
    else:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE t (x INTEGER)")
        db.commit()
        db.close()
    with pytest.raises(InvalidInput) as info:
        read_sqlite(path)
    assert info.value.field == "path"
    with pytest.raises(InvalidInput):
        Platform.from_sqlite(path)


def test_from_sqlite_with_small_batches(platform: Platform, tmp_path: Path) -> None:
    """Batches flush as the log grows; the file holds every row once, in order."""
    path = tmp_path / "events.sqlite"
    platform.log.stream_to(path, meta={"platform_config": platform.config.to_dict()}, batch=4)
    every_kind(platform)
    platform.close_log()
    _, rows = read_sqlite(path)
    assert [e.seq for e in rows] == list(range(len(platform.log)))
    assert Platform.from_sqlite(path).fingerprint() == platform.fingerprint()


def test_streaming_writes_in_batches(platform: Platform, tmp_path: Path, monkeypatch) -> None:
    """With retain=True, rows are still written batch by batch, not one write per event."""
    writes: list[int] = []
    original = eventlog_module.SQLiteSink.write_log

    def counting_write(self, log, start):
        before = self.written
        original(self, log, start)
        writes.append(self.written - before)

    monkeypatch.setattr(eventlog_module.SQLiteSink, "write_log", counting_write)
    platform.log.stream_to(tmp_path / "e.sqlite", batch=10)
    for t in range(95):
        platform.share(ANN, 0 if t else platform.publish(CY, ["food"], now=1), now=1)
    platform.close_log()
    assert sum(writes) == len(platform.log)
    assert len([w for w in writes if w]) <= len(platform.log) // 10 + 2


def test_retain_false_drops_flushed_rows(tmp_path: Path) -> None:
    """Only rows not yet flushed stay in memory; len() still counts every event."""
    log = EventLog(retain=False)
    p = Platform(rng=0, log=log)
    log.stream_to(tmp_path / "e.sqlite", meta={"platform_config": p.config.to_dict()}, batch=8)
    users = [p.create_user(f"u{i}", now=0) for i in range(30)]
    assert len(log) == 30
    in_memory = list(log)
    assert len(in_memory) < 8
    assert in_memory[0].seq == 30 - len(in_memory)
    with pytest.raises(IndexError):
        log[0]
    p.close_log()
    assert list(log) == []
    replayed = Platform.from_sqlite(tmp_path / "e.sqlite")
    assert replayed.fingerprint() == p.fingerprint()
    assert replayed.n_users == len(users)
    with pytest.raises(InvalidInput) as info:  # the dropped head cannot be streamed again
        log.stream_to(tmp_path / "again.sqlite")
    assert info.value.field == "path"


def test_retain_false_without_a_sink_keeps_everything() -> None:
    log = EventLog(retain=False)
    p = Platform(rng=0, log=log)
    p.create_user("a", now=0)
    assert [e.kind for e in log] == [EventKind.USER_CREATED]
