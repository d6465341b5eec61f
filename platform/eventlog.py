"""The event log: one compact row per state change, optionally streamed to SQLite.

Rows are stored column-wise in ``array`` buffers (about 33 bytes per event plus any id list),
so a log of tens of millions of events fits in memory. Each row is
``(kind, time, actor, object, value, ints, text)``: ``value`` carries one integer field
(quantity, rating, packed flags...), ``ints`` an optional list of ids (the cards of a served
page, the products a note tags) and ``text`` an optional string (a comment, a search query).
What the fields mean per kind is decoded in one place, :func:`decode_fields`.

Replaying the rows in order through :meth:`redloop.platform.core.Platform.replay` rebuilds an
identical platform.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from .errors import InvalidInput


class EventKind(IntEnum):
    USER_CREATED = 1
    FOLLOWED = 2
    UNFOLLOWED = 3
    NOTE_PUBLISHED = 4
    NOTE_READ = 5
    LIKED = 6
    UNLIKED = 7
    COLLECTED = 8
    UNCOLLECTED = 9
    COMMENTED = 10
    SHARED = 11
    FEED_SERVED = 12
    SEARCHED = 13
    NOTE_PICKED = 14
    RECOMMENDER_SET = 15
    PRODUCT_CREATED = 16
    PRODUCT_RESTOCKED = 17
    PRICE_SET = 18
    PRODUCT_VIEWED = 19
    ORDER_PLACED = 20
    ORDER_PAID = 21
    ORDER_SHIPPED = 22
    ORDER_DELIVERED = 23
    ORDER_REVIEWED = 24
    ORDER_CANCELLED = 25
    ORDER_REFUNDED = 26
    CAMPAIGN_CREATED = 27
    CAMPAIGN_STOPPED = 28
    SHARE_DELIVERED = 29
    SHARED_OUTSIDE = 30
    SHARE_VISITED = 31
    SHARE_SIGNUP = 32
    BOOST_CREATED = 33
    COLLAB_OFFERED = 37
    COLLAB_ACCEPTED = 38
    COLLAB_CLOSED = 39
    COLLAB_PUBLISHED = 40
    SAMPLE_SENT = 41

    @property
    def label(self) -> str:
        return self.name.lower()


KIND_BY_LABEL = {k.label: k for k in EventKind}


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded row of the log."""

    seq: int
    kind: EventKind
    time: float
    actor: int
    object: int
    value: int
    ints: tuple[int, ...] | None
    text: str | None

    @property
    def fields(self) -> dict[str, Any]:
        return decode_fields(self)


# Packing of NOTE_PUBLISHED.value: topic bitmask (16 bits), format (4 bits), sponsor + 1 (rest).
# Packing of FEED_SERVED.value: channel (4 bits), recommender code (4 bits), ad slot + 1
# (8 bits), ad campaign + 1 (20 bits), boost slot + 1 (7 bits), boost + 1 (rest, 20 bits).
def pack_served(
    channel: int,
    recommender: int,
    ad_slot: int = -1,
    campaign: int = -1,
    boost_slot: int = -1,
    boost: int = -1,
) -> int:
    return (
        channel
        | recommender << 4
        | (ad_slot + 1) << 8
        | (campaign + 1) << 16
        | (boost_slot + 1) << 36
        | (boost + 1) << 43
    )


def unpack_served(value: int) -> tuple[int, int, int, int]:
    """(channel, recommender code, ad slot or -1, ad campaign or -1)."""
    return value & 0xF, value >> 4 & 0xF, (value >> 8 & 0xFF) - 1, (value >> 16 & 0xFFFFF) - 1


def unpack_boost(value: int) -> tuple[int, int]:
    """(slot of the boosted card or -1, boost or -1) of a FEED_SERVED value."""
    return (value >> 36 & 0x7F) - 1, (value >> 43) - 1


def pack_note(topics: int, fmt: int, sponsor: int) -> int:
    return topics | fmt << 16 | (sponsor + 1) << 20


def unpack_note(value: int) -> tuple[int, int, int]:
    return value & 0xFFFF, value >> 16 & 0xF, (value >> 20) - 1


def decode_fields(e: Event) -> dict[str, Any]:
    """The per-kind meaning of ``value``, ``ints`` and ``text``, for people and exports."""
    from .model import (
        TOPICS,
        AccountKind,
        AdPlacement,
        BoostGoal,
        Channel,
        NoteFormat,
        Origin,
        topic_names,
    )

    k = e.kind
    if k is EventKind.USER_CREATED:
        return {
            "kind": AccountKind(e.value & 0xF).label,
            "interests": topic_names(e.value >> 4),
            "name": e.text,
        }
    if k is EventKind.FOLLOWED:
        return {"via_note": e.value if e.value >= 0 else None}
    if k is EventKind.NOTE_PUBLISHED:
        topics, fmt, sponsor = unpack_note(e.value)
        return {
            "topics": topic_names(topics),
            "format": NoteFormat(fmt).label,
            "sponsor": sponsor if sponsor >= 0 else None,
            "products": list(e.ints or ()),
            "title": e.text or "",
        }
    if k in (EventKind.NOTE_READ, EventKind.PRODUCT_VIEWED):
        return {"channel": Channel(e.value).label}
    if k is EventKind.COMMENTED:
        return {"text": e.text}
    if k is EventKind.FEED_SERVED:
        channel, recommender, ad_slot, campaign = unpack_served(e.value)
        boost_slot, boost = unpack_boost(e.value)
        return {
            "channel": Channel(channel).label,
            "recommender": recommender,
            "notes": list(e.ints or ()),
            "ad_slot": ad_slot if ad_slot >= 0 else None,
            "ad_campaign": campaign if campaign >= 0 else None,
            "boost_slot": boost_slot if boost_slot >= 0 else None,
            "boost": boost if boost >= 0 else None,
        }
    if k is EventKind.SEARCHED:
        return {
            "query": e.text,
            "results": list(e.ints or ()),
            "ad_campaign": e.value - 1 if e.value > 0 else None,
        }
    if k is EventKind.RECOMMENDER_SET:
        return {"recommender": e.text}
    if k is EventKind.PRODUCT_CREATED:
        return {
            "topic": TOPICS[e.value & 0xFF],
            "origin": Origin(e.value >> 8 & 1).label,
            "price_cents": (e.ints or (0, 0))[0],
            "stock": (e.ints or (0, 0))[1],
            "name": e.text,
        }
    if k is EventKind.PRODUCT_RESTOCKED:
        return {"quantity": e.value}
    if k is EventKind.PRICE_SET:
        return {"price_cents": e.value}
    if k is EventKind.ORDER_PLACED:
        quantity, note, channel, unit_cents = e.ints or (0, -1, int(Channel.DIRECT), 0)
        return {
            "product": e.value,
            "quantity": quantity,
            "note": note if note >= 0 else None,
            "channel": Channel(channel).label,
            "unit_cents": unit_cents,
        }
    if k is EventKind.ORDER_REVIEWED:
        return {"rating": e.value, "review_note": e.ints[0] if e.ints else None}
    if k is EventKind.SAMPLE_SENT:
        return {"product": e.value, "recipient": (e.ints or (-1,))[0]}
    if k is EventKind.CAMPAIGN_CREATED:
        note, budget_cents, cpm_cents, seconds = (*(e.ints or (-1, 0, 0)), 0)[:4]
        return {
            "placement": AdPlacement(e.value & 0xF).label,
            "topics": topic_names(e.value >> 4),
            "note": note,
            "budget_cents": budget_cents,
            "cpm_cents": cpm_cents,
            "hours": seconds / 3600 if seconds else None,
        }
    if k is EventKind.BOOST_CREATED:
        note, fee_cents, cpm_cents, seconds = e.ints or (-1, 0, 0, 0)
        return {
            "note": note,
            "goal": BoostGoal(e.value).label,
            "fee_cents": fee_cents,
            "cpm_cents": cpm_cents,
            "hours": seconds / 3600,
        }
    if k is EventKind.COLLAB_OFFERED:
        creator, product, commission_cents, hours = e.ints or (-1, -1, 0, 0)
        return {
            "creator": creator,
            "product": product,
            "fee_cents": e.value,
            "commission_cents": commission_cents,
            "hours": hours,
        }
    if k is EventKind.COLLAB_CLOSED:
        from .collabs import CollabStatus

        return {"status": CollabStatus(e.value).label, "reason": e.text or ""}
    if k is EventKind.COLLAB_PUBLISHED:
        topics, fmt, sponsor = unpack_note(e.value)
        return {
            "collaboration": (e.ints or (-1,))[0],
            "topics": topic_names(topics),
            "format": NoteFormat(fmt).label,
            "sponsor": sponsor,
            "products": list((e.ints or ())[1:]),
            "title": e.text or "",
        }
    if k in (EventKind.SHARE_DELIVERED, EventKind.SHARED_OUTSIDE):
        return {"parent": e.value - 1 if e.value > 0 else None, "recipients": list(e.ints or ())}
    if k is EventKind.SHARE_VISITED:
        return {"visitors": e.value}
    if k is EventKind.SHARE_SIGNUP:
        return {"interests": topic_names(e.value >> 4), "name": e.text}
    return {}


class EventLog:
    """Append-only, columnar. ``retain=False`` keeps only rows not yet flushed to a sink."""

    __slots__ = (
        "_actor",
        "_base",
        "_int_ref",
        "_ints",
        "_kind",
        "_obj",
        "_sink",
        "_texts",
        "_time",
        "_value",
        "retain",
    )

    def __init__(self, *, retain: bool = True) -> None:
        self.retain = retain
        self._base = 0  # seq of the first row still in memory
        self._sink: SQLiteSink | None = None
        self._reset_buffers()

    def _reset_buffers(self) -> None:
        self._kind = array("B")
        self._time = array("d")
        self._actor = array("i")
        self._obj = array("i")
        self._value = array("q")
        self._int_ref = array("q")  # start offset in _ints, or -1
        self._ints = array("i")  # [n, id1..idn] runs
        self._texts: dict[int, str] = {}

    def __len__(self) -> int:
        return self._base + len(self._kind)

    def append(
        self,
        kind: int,
        time: float,
        actor: int,
        obj: int,
        value: int = 0,
        ints: tuple[int, ...] | list[int] | None = None,
        text: str | None = None,
    ) -> int:
        seq = self._base + len(self._kind)
        self._kind.append(kind)
        self._time.append(time)
        self._actor.append(actor)
        self._obj.append(obj)
        self._value.append(value)
        if ints is None:
            self._int_ref.append(-1)
        else:
            self._int_ref.append(len(self._ints))
            self._ints.append(len(ints))
            self._ints.extend(ints)
        if text is not None:
            self._texts[seq] = text
        sink = self._sink
        if sink is not None and self._base + len(self._kind) - sink.written >= sink.batch:
            self.flush()
        return seq

    # ----------------------------------------------------------------- reading

    def _row(self, i: int) -> Event:
        ref = self._int_ref[i]
        ints = None
        if ref >= 0:
            n = self._ints[ref]
            ints = tuple(self._ints[ref + 1 : ref + 1 + n])
        seq = self._base + i
        return Event(
            seq,
            EventKind(self._kind[i]),
            self._time[i],
            self._actor[i],
            self._obj[i],
            self._value[i],
            ints,
            self._texts.get(seq),
        )

    def __iter__(self) -> Iterator[Event]:
        """Events still in memory, oldest first."""
        for i in range(len(self._kind)):
            yield self._row(i)

    def __getitem__(self, seq: int) -> Event:
        i = seq - self._base
        if not 0 <= i < len(self._kind):
            raise IndexError(
                f"event {seq} is not in memory (retained rows: {self._base}..{len(self) - 1})"
            )
        return self._row(i)

    def digest(self) -> str:
        """A digest of the events still in memory: equal digests mean identical histories (on
        one kind of machine: columns are hashed in native byte order). A pure speed-up of the
        platform or the agents must leave a fixed run's digest unchanged."""
        h = hashlib.blake2b(digest_size=16)
        h.update(self._base.to_bytes(8, "little"))
        for column in (
            self._kind,
            self._time,
            self._actor,
            self._obj,
            self._value,
            self._int_ref,
            self._ints,
        ):
            h.update(column.tobytes())
            h.update(b"|")
        h.update(repr(sorted(self._texts.items())).encode())
        return h.hexdigest()

    def counts(self) -> dict[str, int]:
        """Number of in-memory events per kind label."""
        tally: dict[int, int] = {}
        for k in self._kind:
            tally[k] = tally.get(k, 0) + 1
        return {EventKind(k).label: n for k, n in sorted(tally.items())}

    # ----------------------------------------------------------------- streaming

    def stream_to(
        self,
        path: str | os.PathLike[str],
        *,
        meta: dict[str, Any] | None = None,
        batch: int = 50_000,
    ) -> SQLiteSink:
        """Write every event (past and future) to a SQLite file, atomically on :meth:`close`."""
        if self._sink is not None:
            raise InvalidInput("this event log already streams to a file", field="path")
        if self._base:
            raise InvalidInput(
                "cannot stream a log whose early rows were already dropped", field="path"
            )
        self._sink = SQLiteSink(Path(path), meta or {}, batch)
        self.flush()
        return self._sink

    def flush(self) -> None:
        sink = self._sink
        if sink is None:
            return
        start = sink.written - self._base
        rows = (self._row(i) for i in range(start, len(self._kind)))
        sink.write(rows)
        if not self.retain:
            self._base += len(self._kind)
            self._reset_buffers()

    def close(self) -> Path | None:
        """Flush, finish the SQLite file (rename into place) and stop streaming."""
        if self._sink is None:
            return None
        self.flush()
        path = self._sink.close()
        self._sink = None
        return path


class SQLiteSink:
    """Writes events to ``<path>.partial`` and renames to ``path`` when closed, so a file at
    ``path`` is always a complete log."""

    SCHEMA = """
    CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, time REAL NOT NULL,
                         actor INTEGER NOT NULL, object INTEGER NOT NULL, value INTEGER NOT NULL,
                         ints TEXT, text TEXT);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """

    def __init__(self, path: Path, meta: dict[str, Any], batch: int) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.batch = batch
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(missing_ok=True)
        self._db = sqlite3.connect(self.partial)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(self.SCHEMA)
        self._db.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )

    def write(self, rows: Iterator[Event]) -> None:
        batch = [
            (
                e.seq,
                e.kind.label,
                e.time,
                e.actor,
                e.object,
                e.value,
                None if e.ints is None else json.dumps(e.ints),
                e.text,
            )
            for e in rows
        ]
        self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        self.written += len(batch)

    def close(self) -> Path:
        self._db.execute("CREATE INDEX events_kind ON events(kind)")
        self._db.commit()
        self._db.close()
        os.replace(self.partial, self.path)
        return self.path


def read_sqlite(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Iterator[Event]]:
    """Open a log written by :class:`SQLiteSink`: its metadata and an iterator of events."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"event log {p} does not exist", field="path", value=str(p))
    db = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    try:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
    except sqlite3.DatabaseError as exc:
        db.close()
        raise InvalidInput(f"{p} is not a redloop event log ({exc})", field="path") from exc

    def rows() -> Iterator[Event]:
        try:
            cur = db.execute(
                "SELECT seq, kind, time, actor, object, value, ints, text FROM events ORDER BY seq"
            )
            for seq, kind, time, actor, obj, value, ints, text in cur:
                yield Event(
                    seq,
                    KIND_BY_LABEL[kind],
                    time,
                    actor,
                    obj,
                    value,
                    None if ints is None else tuple(json.loads(ints)),
                    text,
                )
        finally:
            db.close()

    return meta, rows()
