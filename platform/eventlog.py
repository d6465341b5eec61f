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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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
from .errors import CorruptLog, InvalidInput

__all__ = [
    "KIND_BY_LABEL",
    "Columns",
    "Event",
    "EventKind",
    "EventLog",
    "SQLiteSink",
    "Sink",
    "stored_row",
    "unpack_boost",
    "unpack_note",
    "unpack_served",
]


#: Each kind by its stored label; ``recommender_set``: a CONFIG_SET in logs written before
#: settings other than the recommender could change.
KIND_BY_LABEL = {k.label: k for k in EventKind} | {"recommender_set": EventKind.CONFIG_SET}
#: numpy's dtype for each ``array`` typecode the columns use (sizes as this platform's C types).
_DTYPE = {
    code: np.dtype(f"{kind}{array(code).itemsize}")
    for code, kind in (("B", "u"), ("i", "i"), ("q", "i"), ("d", "f"))
}


@dataclass(frozen=True, slots=True)
class Columns:
    """Consecutive rows of a log as numpy arrays, starting at ``first`` (a bulk writer's view:
    no per-row objects). Row ``r``'s ids are ``ints[offsets[r]:offsets[r + 1]]`` when
    ``has_ints[r]``; ``texts`` maps the seq of each row that has one to its text."""

    first: int
    kind: np.ndarray  # uint8 codes
    time: np.ndarray  # float64
    actor: np.ndarray  # int32
    object: np.ndarray  # int32
    value: np.ndarray  # int64
    has_ints: np.ndarray  # bool
    offsets: np.ndarray  # int64, one more than rows
    ints: np.ndarray  # int32
    texts: dict[int, str]

    def __len__(self) -> int:
        return len(self.kind)

    def events(self) -> Iterator[Event]:
        """The rows as :class:`Event` objects, in order."""
        kinds = {k.value: k for k in EventKind}
        off, ints, texts = self.offsets.tolist(), self.ints.tolist(), self.texts
        rows = zip(
            self.kind.tolist(),
            self.time.tolist(),
            self.actor.tolist(),
            self.object.tolist(),
            self.value.tolist(),
            self.has_ints.tolist(),
            strict=True,
        )
        for r, (kind, time, actor, obj, value, has) in enumerate(rows):
            seq = self.first + r
            ids = tuple(ints[off[r] : off[r + 1]]) if has else None
            yield Event(seq, kinds[kind], time, actor, obj, value, ids, texts.get(seq))


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
        self._sink: Sink | None = None
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
        ints: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """One row of ``kind`` per (actor, object) pair, all at ``time``, with ``value`` (one
        for all or one per row), ``texts`` (one per row) if given, and ids if given as
        ``ints = (matrix, counts)``: row ``i`` gets ``matrix[i, :counts[i]]``. What as many
        :meth:`append` calls would store, in one bulk copy."""
        n = len(actors)
        first = self._base + len(self._kind)
        refs = np.full(n, -1) if ints is None else self._extend_ints(*ints)
        for column, values in (
            (self._kind, np.full(n, kind)),
            (self._time, np.full(n, time)),
            (self._actor, actors),
            (self._obj, objs),
            (self._value, np.broadcast_to(value, n)),
            (self._int_ref, refs),
        ):
            column.frombytes(np.asarray(values, dtype=_DTYPE[column.typecode]).tobytes())
        if texts is not None:
            self._texts.update(zip(range(first, first + n), texts, strict=True))
        sink = self._sink
        if sink is not None and self._base + len(self._kind) - sink.written >= sink.batch:
            self.flush()

    def _extend_ints(self, matrix: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Append the id runs ``[counts[i], *matrix[i, :counts[i]]]``; returns their offsets."""
        counts = np.asarray(counts, dtype=np.int64)
        runs = np.column_stack([counts, matrix])
        keep = np.arange(runs.shape[1]) <= counts[:, None]
        refs = len(self._ints) + np.cumsum(counts + 1) - (counts + 1)
        self._ints.frombytes(runs[keep].astype(_DTYPE["i"]).tobytes())
        return refs

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

    def columns(self, start: int = 0, stop: int | None = None) -> Columns:
        """The in-memory rows ``start`` to ``stop`` (default: the last) as numpy copies (see
        :class:`Columns`)."""

        def col(buffer: array) -> np.ndarray:
            return np.frombuffer(buffer, dtype=_DTYPE[buffer.typecode])

        rows = slice(start, len(self._kind) if stop is None else stop)
        refs = col(self._int_ref)[rows]
        has = refs >= 0
        runs = col(self._ints)
        lengths = np.zeros(len(refs), dtype=np.int64)
        lengths[has] = runs[refs[has]]
        offsets = np.zeros(len(refs) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # ids of row r sit at runs[refs[r] + 1 :] (after the run's length); gather them all
        gather = np.repeat(refs[has] + 1 - offsets[:-1][has], lengths[has])
        gather += np.arange(len(gather), dtype=np.int64)
        first = self._base + start
        return Columns(
            first,
            col(self._kind)[rows].copy(),
            col(self._time)[rows].copy(),
            col(self._actor)[rows].copy(),
            col(self._obj)[rows].copy(),
            col(self._value)[rows].copy(),
            has,
            offsets,
            runs[gather].astype(np.int32),
            {seq: text for seq, text in self._texts.items() if first <= seq < first + len(refs)},
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
    ) -> Sink:
        """Write every event (past and future) to a file, atomically on :meth:`close`: a
        SQLite file, or a Parquet folder if ``path`` ends in ``.parquet``
        (:mod:`.parquetlog`)."""
        if self._sink is not None:
            raise InvalidInput("this event log already streams to a file", field="path")
        if self._base:
            raise InvalidInput(
                "cannot stream a log whose early rows were already dropped", field="path"
            )
        self._sink = sink_class(path)(Path(path), meta or {}, batch)
        self.flush()
        return self._sink

    def flush(self) -> None:
        sink = self._sink
        if sink is None:
            return
        sink.write_log(self, sink.written - self._base)
        if not self.retain:
            self._base += len(self._kind)
            self._reset_buffers()

    def commit(self) -> str | None:
        """Flush and commit the streamed file, so that a crash from now on loses nothing
        before this row; returns the last row's chain hash (hex; ``None`` if not streaming).
        A checkpoint records it to find this point again (:meth:`resume_stream`)."""
        if self._sink is None:
            return None
        self.flush()
        return self._sink.commit()

    def resume_stream(self, path: str | os.PathLike[str], head: str) -> None:
        """Stream on into the unfinished file at ``path`` (or its ``.partial``) after a restore:
        check that its row ``len(self) - 1`` carries hash ``head``, drop any rows after it."""
        if self._sink is not None:
            raise InvalidInput("this event log already streams to a file", field="path")
        self._sink = sink_class(path).reopen(Path(path), len(self), bytes.fromhex(head))

    def fork_stream(
        self,
        path: str | os.PathLike[str],
        earlier: str | os.PathLike[str],
        head: str,
        meta: dict[str, Any],
    ) -> None:
        """Stream to a new file with ``meta`` that starts with the first ``len(self)`` rows of
        the stored log ``earlier``, whose last carries chain hash ``head`` (re-chained under
        the new meta): a fork's history. CorruptLog if ``earlier`` does not hold them."""
        if self._sink is not None:
            raise InvalidInput("this event log already streams to a file", field="path")
        cls = sink_class(path)
        if sink_class(earlier) is not cls:
            raise InvalidInput(f"{earlier} and {path} are not the same format", field="path")
        sink = cls(Path(path), meta, 50_000)
        try:
            sink.copy_history(Path(earlier), len(self), bytes.fromhex(head))
        except BaseException:
            sink.discard()
            raise
        self._sink = sink

    def __getstate__(self) -> dict[str, Any]:
        """A pickled log leaves its file behind (reattach with :meth:`resume_stream`)."""
        return {name: getattr(self, name) for name in self.__slots__ if name != "_sink"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._sink = None

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


def partial_of(path: Path) -> Path:
    """Where a log at ``path`` is written until it is finished: ``<path>.partial``."""
    return path.with_name(path.name + ".partial")


def as_written(path: Path) -> Path:
    """The log at ``path`` as it stands: its ``.partial`` while unfinished, else ``path``."""
    partial = partial_of(path)
    return partial if partial.exists() else path


def reopen_partial(path: Path) -> Path:
    """The ``.partial`` of the log at ``path``, to write on (a finished log is moved back
    to it); CorruptLog if there is neither."""
    partial = partial_of(path)
    if not partial.exists() and path.exists():
        os.replace(path, partial)
    if not partial.exists():
        raise CorruptLog("is missing", path=str(path))
    return partial


def stored_rows(path: Path, n: int, head: bytes) -> Iterator[chain.Row]:
    """The first ``n`` rows (without hashes) of the stored log ``path`` (or its
    ``.partial``), verified as they are read, the last of which must carry chain hash
    ``head``: CorruptLog at the first row edited, missing or out of place, so a fork never
    re-chains a tampered history as its own."""
    from .logread import verified_rows  # the verifying reader imports this module

    source = as_written(path)
    if not source.exists():
        raise CorruptLog("is missing", path=str(path))
    db = sqlite3.connect(source)  # not read-only: a killed run's hot journal is rolled back
    try:
        found = db.execute("SELECT hash FROM events WHERE seq = ?", (n - 1,)).fetchone()
        if n and (found is None or found[0] != head):
            raise CorruptLog(f"does not hold the {n:,} rows of this history", path=str(path))
        meta = db.execute("SELECT key, value FROM meta").fetchall()
        if not all(type(k) is str and type(v) is str for k, v in meta):
            raise CorruptLog("its meta rows are not text", path=str(path))
        for row, _ in verified_rows(db, chain.genesis(meta), str(path), below=n):
            yield tuple(row)  # type: ignore[misc]
    finally:
        db.close()


class SQLiteSink:
    """Writes events to ``<path>.partial`` and renames to ``path`` when closed, so a file at
    ``path`` is always a complete log. Rows are hash-chained (:mod:`.chain`); closing writes
    the chain's head into the meta table. Writes go through SQLite's rollback journal: rows
    since the last :meth:`commit` are rolled back if the process dies, never half-kept."""

    SCHEMA = """
    CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, time REAL NOT NULL,
                         actor INTEGER NOT NULL, object INTEGER NOT NULL, value INTEGER NOT NULL,
                         ints TEXT, text TEXT, hash BLOB NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """

    def __init__(self, path: Path, meta: dict[str, Any], batch: int) -> None:
        self.path = path
        self.partial = partial_of(path)
        self.batch = batch
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(missing_ok=True)
        self._db = self._connect(self.partial)
        self._db.executescript(self.SCHEMA)
        rows = [(k, json.dumps(v)) for k, v in meta.items() if k != chain.HEAD_KEY]
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", rows)
        self._last = chain.genesis(rows)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=DELETE")  # a killed run rolls back to its last commit
        db.execute("PRAGMA synchronous=OFF")  # the process may die, not the machine
        return db

    @classmethod
    def reopen(cls, path: Path, rows: int, head: bytes) -> SQLiteSink:
        """The sink of an unfinished log at ``path`` whose first ``rows`` rows end in hash
        ``head`` (a finished one is reopened too); later rows are dropped. CorruptLog if the
        file does not hold that history."""
        sink = cls.__new__(cls)
        sink.path, sink.partial, sink.batch = path, reopen_partial(path), 50_000
        db = cls._connect(sink.partial)
        try:
            found = db.execute("SELECT hash FROM events WHERE seq = ?", (rows - 1,)).fetchone()
            if rows == 0:
                meta = db.execute("SELECT key, value FROM meta").fetchall()
                found = (chain.genesis(meta),)
        except sqlite3.Error as exc:
            db.close()
            raise CorruptLog(f"cannot be read ({exc})", path=str(path)) from exc
        if found is None or found[0] != head:
            db.close()
            raise CorruptLog(f"does not hold the {rows:,} rows this run had", path=str(path))
        db.execute("DELETE FROM events WHERE seq >= ?", (rows,))
        db.execute("DELETE FROM meta WHERE key = ?", (chain.HEAD_KEY,))
        db.execute("DROP INDEX IF EXISTS events_kind")
        db.commit()
        sink._db, sink.written, sink._last = db, rows, head
        return sink

    def write_log(self, log: EventLog, start: int) -> None:
        """Write ``log``'s in-memory rows from index ``start`` on."""
        self.write_rows(stored_row(log._row(i)) for i in range(start, len(log._kind)))

    def copy_history(self, earlier: Path, rows: int, head: bytes) -> None:
        """Write the first ``rows`` rows of the stored log ``earlier`` (re-chained)."""
        self.write_rows(stored_rows(earlier, rows, head))

    def write_rows(self, rows: Iterable[chain.Row]) -> None:
        batch = []
        last = self._last
        for row in rows:
            last = chain.link(last, row)
            batch.append((*row, last))
        self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        self._last = last
        self.written += len(batch)

    def discard(self) -> None:
        """Give up the file being written (nothing is left behind)."""
        self._db.close()
        self.partial.unlink(missing_ok=True)

    def commit(self) -> str:
        """Make every row written so far durable; returns the last row's hash (hex)."""
        self._db.commit()
        return self._last.hex()

    def close(self) -> Path:
        """Record the chain head, index the kinds, and rename the file into place."""
        head = json.dumps(chain.head_value(self.written, self._last))
        self._db.execute("INSERT INTO meta VALUES (?, ?)", (chain.HEAD_KEY, head))
        self._db.execute("CREATE INDEX events_kind ON events(kind)")
        self._db.commit()
        self._db.close()
        os.replace(self.partial, self.path)
        return self.path


class Sink(Protocol):
    """Where a streamed log goes: :class:`SQLiteSink` or :class:`~.parquetlog.ParquetSink`."""

    batch: int
    written: int

    def write_log(self, log: EventLog, start: int) -> None: ...
    def copy_history(self, earlier: Path, rows: int, head: bytes) -> None: ...
    def discard(self) -> None: ...
    def commit(self) -> str: ...
    def close(self) -> Path: ...


def sink_class(path: str | os.PathLike[str]) -> Any:
    """The sink for a log file's name: a Parquet folder for ``*.parquet``, else SQLite."""
    if Path(path).suffix == ".parquet":
        from .parquetlog import ParquetSink  # pyarrow is imported only when it is used

        return ParquetSink
    return SQLiteSink
