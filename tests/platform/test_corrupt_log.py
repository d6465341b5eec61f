"""A damaged or edited event log never loads silently into another state, and never leaks a
raw sqlite3 / index / key / type / JSON error: every kind of corruption the issue lists (and
more) raises one CorruptLog naming the first bad row; random byte damage raises CorruptLog or
leaves the replayed platform identical."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from redloop.platform.api import CorruptLog, EventKind, InvalidInput, Platform, read_sqlite

from .test_eventlog import ANN, BO, CY, every_kind

Corrupt = Callable[[Path], None]


@pytest.fixture
def log(platform: Platform, tmp_path: Path) -> tuple[Path, Platform]:
    """A closed log of every event kind, then 150 likes and unlikes and a second order."""
    path = tmp_path / "events.sqlite"
    platform.stream_log(path, scenario="unit", seed=7)
    note = every_kind(platform)["note"]
    for i in range(75):
        platform.like(ANN, note, now=5 + i)
        platform.unlike(ANN, note, now=5 + i)
    platform.place_order(BO, 0, 1, now=90)
    platform.close_log()
    return path, platform


def sql(*statements: str) -> Corrupt:
    def run(path: Path) -> None:
        db = sqlite3.connect(path)
        for statement in statements:
            db.execute(statement)
        db.commit()
        db.close()

    return run


def first(kind: EventKind, last: bool = False) -> str:
    order = "DESC" if last else "ASC"
    return f"(SELECT seq FROM events WHERE kind = '{kind.label}' ORDER BY seq {order} LIMIT 1)"


def overwrite(offset: int, data: bytes) -> Corrupt:
    def run(path: Path) -> None:
        with path.open("r+b") as f:
            f.seek(offset)
            f.write(data)

    return run


def truncate(fraction: float) -> Corrupt:
    def run(path: Path) -> None:
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.truncate(int(size * fraction))

    return run


def replace_with(data: bytes) -> Corrupt:
    return lambda path: path.write_bytes(data)


def other_database(path: Path) -> None:
    path.unlink()
    sql("CREATE TABLE t (x INTEGER)")(path)


LIKE, UNLIKE, ORDER, COMMENT, SERVED = (
    EventKind.LIKED,
    EventKind.UNLIKED,
    EventKind.ORDER_PLACED,
    EventKind.COMMENTED,
    EventKind.FEED_SERVED,
)

#: name -> (corruption, the first bad row it should be reported at: that row; "end" past the
#: last row left; "any" some row; None the file or its meta rows; "damaged" either).
CORRUPTIONS: dict[str, tuple[Corrupt, int | str | None]] = {
    "delete the last row": (
        sql("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)"),
        "end",
    ),
    "delete the first row": (sql("DELETE FROM events WHERE seq = 0"), 0),
    "delete a middle row": (sql("DELETE FROM events WHERE seq = 20"), 20),
    "delete every like": (sql(f"DELETE FROM events WHERE kind = '{LIKE.label}'"), "any"),
    "delete every row": (sql("DELETE FROM events"), 0),
    "swap two rows' seq": (
        sql(
            "UPDATE events SET seq = -1 WHERE seq = 10",
            "UPDATE events SET seq = 10 WHERE seq = 11",
            "UPDATE events SET seq = 11 WHERE seq = -1",
        ),
        10,
    ),
    "renumber every row": (sql("UPDATE events SET seq = seq + 1000000"), 0),
    "append a copy of the last row": (
        sql(
            "INSERT INTO events SELECT seq + 1, kind, time, actor, object, value, ints, text, hash"
            " FROM events WHERE seq = (SELECT MAX(seq) FROM events)"
        ),
        "any",
    ),
    "change a like's actor": (
        sql(f"UPDATE events SET actor = {CY} WHERE seq = {first(LIKE)}"),
        "any",
    ),
    "change an order's value": (
        sql(f"UPDATE events SET value = value + 1 WHERE seq = {first(ORDER)}"),
        "any",
    ),
    "change a row's time": (sql("UPDATE events SET time = time + 0.5 WHERE seq = 30"), 30),
    "change a row's object": (sql("UPDATE events SET object = object + 1 WHERE seq = 30"), 30),
    "turn a like into an unlike": (
        sql(f"UPDATE events SET kind = '{UNLIKE.label}' WHERE seq = {first(LIKE, last=True)}"),
        "any",
    ),
    "unknown kind": (sql("UPDATE events SET kind = 'teleport' WHERE seq = 3"), 3),
    "edit a comment's text": (
        sql(f"UPDATE events SET text = 'spam' WHERE seq = {first(COMMENT)}"),
        "any",
    ),
    "drop a comment's text": (
        sql(f"UPDATE events SET text = NULL WHERE seq = {first(COMMENT)}"),
        "any",
    ),
    "edit a served page's ids": (
        sql(f"UPDATE events SET ints = '[0]' WHERE seq = {first(SERVED)}"),
        "any",
    ),
    "ids not JSON": (sql(f"UPDATE events SET ints = '[0,' WHERE seq = {first(SERVED)}"), "any"),
    "ids not a list": (
        sql(f"UPDATE events SET ints = '{{\"a\": 1}}' WHERE seq = {first(SERVED)}"),
        "any",
    ),
    "actor is text": (sql("UPDATE events SET actor = 'ann' WHERE seq = 5"), 5),
    "time is text": (sql("UPDATE events SET time = 'soon' WHERE seq = 5"), 5),
    "value is a blob": (sql("UPDATE events SET value = x'00ff' WHERE seq = 5"), 5),
    "kind is a number": (sql("UPDATE events SET kind = 3 WHERE seq = 5"), 5),
    "hash zeroed": (sql("UPDATE events SET hash = zeroblob(32) WHERE seq = 40"), 40),
    "hash is text": (sql("UPDATE events SET hash = 'abc' WHERE seq = 40"), 40),
    "delete every meta row": (sql("DELETE FROM meta"), None),
    "delete the platform_config meta row": (
        sql("DELETE FROM meta WHERE key = 'platform_config'"),
        0,
    ),
    "delete the chain head": (sql("DELETE FROM meta WHERE key = 'chain_head'"), None),
    "edit a meta value": (sql("UPDATE meta SET value = '8' WHERE key = 'seed'"), 0),
    "meta value not JSON": (sql("UPDATE meta SET value = '{oops' WHERE key = 'seed'"), None),
    "meta key a number": (sql("UPDATE meta SET key = 12 WHERE key = 'seed'"), 0),
    "head not an object": (sql("UPDATE meta SET value = '[1, 2]' WHERE key = 'chain_head'"), None),
    "head counts fewer rows": (
        sql(
            "UPDATE meta SET value = json_set(value, '$.rows', json_extract(value, '$.rows') - 1)"
            " WHERE key = 'chain_head'"
        ),
        "end",
    ),
    "head hash edited": (
        sql("UPDATE meta SET value = json_set(value, '$.hash', 'ab') WHERE key = 'chain_head'"),
        None,
    ),
    "events table dropped": (sql("DROP TABLE events"), 0),
    "meta table dropped": (sql("DROP TABLE meta"), None),
    "hash column dropped": (sql("ALTER TABLE events DROP COLUMN hash"), 0),
    "truncated to half": (truncate(0.5), "damaged"),
    "truncated to 100 bytes": (truncate(100 / 1e9), None),
    "header zeroed": (overwrite(0, bytes(100)), None),
    "empty file": (replace_with(b""), None),
    "not a database": (replace_with(b"hello, I am not a database\n" * 100), None),
    "random bytes": (replace_with(random.Random(3).randbytes(8192)), None),
    "another database": (other_database, None),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_every_corruption_raises_corrupt_log_naming_the_row(log, name: str) -> None:
    path, live = log
    corrupt, at = CORRUPTIONS[name]
    corrupt(path)
    with pytest.raises(CorruptLog) as info:
        Platform.from_sqlite(path)
    err = info.value
    assert isinstance(err, InvalidInput) and err.field == "path"
    assert str(path) in str(err) and len(str(err)) > len(str(path)) + 20, str(err)
    if at == "end":
        assert err.seq is not None and err.seq >= len(live.log) - 1, str(err)
    elif at == "any":
        assert err.seq is not None, str(err)
    elif at == "damaged":
        pass
    elif at is None:
        assert err.seq is None, str(err)
    else:
        assert err.seq == at, str(err)
    with pytest.raises(CorruptLog):  # the plain reader verifies too
        list(read_sqlite(path)[1])


def test_an_intact_log_replays_to_the_same_platform(log) -> None:
    path, live = log
    replayed = Platform.from_sqlite(path)
    assert replayed.fingerprint() == live.fingerprint()
    assert replayed.log.digest() == live.log.digest()


def test_random_byte_damage_raises_corrupt_log_or_changes_nothing(log, tmp_path: Path) -> None:
    """120 seeded cases of 1-16 random bytes overwritten anywhere in the file."""
    path, live = log
    pristine = path.read_bytes()
    rng = random.Random(20261202)
    outcomes = {"corrupt": 0, "identical": 0}
    for case in range(120):
        damaged = bytearray(pristine)
        for _ in range(rng.randint(1, 16)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        target = tmp_path / f"damaged-{case}.sqlite"
        target.write_bytes(bytes(damaged))
        try:
            replayed = Platform.from_sqlite(target)
        except CorruptLog as err:
            assert str(target) in str(err), f"case {case}: {err}"
            outcomes["corrupt"] += 1
        else:
            assert replayed.fingerprint() == live.fingerprint(), f"case {case} loaded changed"
            assert replayed.log.digest() == live.log.digest(), f"case {case} loaded changed"
            outcomes["identical"] += 1
    assert outcomes["corrupt"] > 0, outcomes  # the damage did reach the data
