"""The event log: one compact row per state change, optionally streamed to SQLite.

Rows are stored column-wise in ``array`` buffers (about 33 bytes per event plus any id list),
so a log of tens of millions of events fits in memory. Each row is
``(kind, time, actor, object, value, ints, text)``: ``value`` carries one integer field
(quantity, rating, packed flags...), ``ints`` an optional list of ids (the cards of a served
page, the products a note tags) and ``text`` an optional string (a comment, a search query).
What the fields mean per kind is declared in one place, the codec table (:mod:`.codec`).

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
from pathlib import Path
from typing import Any

import numpy as np

from . import chain
from .codec import (
    EventKind,
    describe,
    people_fields,
    unpack_boost,
    unpack_note,
    unpack_served,
)
from .errors import InvalidInput

__all__ = [
    "KIND_BY_LABEL",
    "Event",
    "EventKind",
    "EventLog",
    "SQLiteSink",
    "stored_row",
    "unpack_boost",
    "unpack_note",
    "unpack_served",
]


KIND_BY_LABEL = {k.label: k for k in EventKind}
#: numpy's dtype for each ``array`` typecode the columns use (sizes as this platform's C types).
_DTYPE = {
    code: np.dtype(f"{kind}{array(code).itemsize}")
    for code, kind in (("B", "u"), ("i", "i"), ("q", "i"), ("d", "f"))
}


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
        """The payload fields as people read them (see :mod:`.codec`)."""
        return people_fields(self)

    def describe(self) -> str:
        """One line for people: ``user 3 liked note 12``."""
        return describe(self)


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

    def extend(
        self,
        kind: int,
        time: float,
        actors: np.ndarray,
        objs: np.ndarray,
        value: int | np.ndarray = 0,
        texts: list[str] | None = None,
    ) -> None:
        """One row of ``kind`` per (actor, object) pair, all at ``time``, with ``value`` (one
        for all or one per row), no ids, and ``texts`` (one per row) if given: what as many
        :meth:`append` calls would store, in one bulk copy."""
        n = len(actors)
        first = self._base + len(self._kind)
        for column, values in (
            (self._kind, np.full(n, kind)),
            (self._time, np.full(n, time)),
            (self._actor, actors),
            (self._obj, objs),
            (self._value, np.broadcast_to(value, n)),
            (self._int_ref, np.full(n, -1)),
        ):
            column.frombytes(np.asarray(values, dtype=_DTYPE[column.typecode]).tobytes())
        if texts is not None:
            self._texts.update(zip(range(first, first + n), texts, strict=True))
        sink = self._sink
        if sink is not None and self._base + len(self._kind) - sink.written >= sink.batch:
            self.flush()

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


def stored_row(e: Event) -> chain.Row:
    """An event as a stored row (kind by label, ids as JSON), without its hash."""
    ints = None if e.ints is None else json.dumps(e.ints)
    return (e.seq, e.kind.label, e.time, e.actor, e.object, e.value, ints, e.text)


class SQLiteSink:
    """Writes events to ``<path>.partial`` and renames to ``path`` when closed, so a file at
    ``path`` is always a complete log. Rows are hash-chained (:mod:`.chain`); closing writes
    the chain's head into the meta table."""

    SCHEMA = """
    CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, time REAL NOT NULL,
                         actor INTEGER NOT NULL, object INTEGER NOT NULL, value INTEGER NOT NULL,
                         ints TEXT, text TEXT, hash BLOB NOT NULL);
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
        rows = [(k, json.dumps(v)) for k, v in meta.items() if k != chain.HEAD_KEY]
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", rows)
        self._last = chain.genesis(rows)

    def write(self, rows: Iterator[Event]) -> None:
        batch = []
        last = self._last
        for e in rows:
            row = stored_row(e)
            last = chain.link(last, row)
            batch.append((*row, last))
        self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        self._last = last
        self.written += len(batch)

    def close(self) -> Path:
        head = json.dumps(chain.head_value(self.written, self._last))
        self._db.execute("INSERT INTO meta VALUES (?, ?)", (chain.HEAD_KEY, head))
        self._db.execute("CREATE INDEX events_kind ON events(kind)")
        self._db.commit()
        self._db.close()
        os.replace(self.partial, self.path)
        return self.path
