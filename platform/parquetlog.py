"""The event log as Parquet: a folder of part files that pandas, DuckDB and Arrow read as one
table, for runs too large for SQLite's row-at-a-time inserts.

``events.parquet/`` (``events.parquet.partial/`` until the run finishes) holds:

- ``_meta.json``: the meta rows, ``{"meta": [[key, JSON text], ...]}``, exactly as the SQLite
  log's meta table stores them; closing adds the chain head (``chain_head``).
- ``part-NNNNNN.parquet``: consecutive rows, one file per flush, each written to a temporary
  name and renamed, so every part present is whole. Columns: ``seq`` int64, ``kind``
  (dictionary of labels), ``time`` float64, ``actor``/``object`` int32, ``value`` int64,
  ``ints`` list<int32> (null when the row has none), ``text`` (null when none) — the
  columns of the SQLite log, with ``ints`` as a real list.

The hash chain is kept per part instead of per row (one SHA-256 over a part's columns costs
far less than one per row): a part's key-value metadata ``redloop.hash`` is
``sha256(previous part's hash || its canonical bytes)``, starting from the meta rows' genesis
hash. Any edit, deletion, reordering or truncation is caught at the first part it touches
(:class:`~.errors.CorruptLog` names the part and its rows); sequence numbers and types are
checked row by row, so a missing or renumbered row is named exactly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import chain
from .errors import CorruptLog, InvalidInput
from .eventlog import (
    KIND_BY_LABEL,
    Columns,
    Event,
    EventKind,
    as_written,
    partial_of,
    reopen_partial,
)
from .logread import check_end, meta_values

if TYPE_CHECKING:
    from .eventlog import EventLog

__all__ = ["ParquetSink", "read_parquet", "stored_columns", "stored_meta"]

_TAG = b"redloop parquet part v1\n"
_META = "_meta.json"  # "_": not a part to readers of the folder (pyarrow, pandas, DuckDB)
#: The ``kind`` column's dictionary: every kind's label; ``_POSITION[code]`` is its index.
_LABELS = pa.array([kind.label for kind in EventKind])
_POSITION = np.zeros(max(EventKind) + 1, dtype=np.int8)
_POSITION[list(EventKind)] = np.arange(len(EventKind))
SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.dictionary(pa.int8(), pa.string())),
        ("time", pa.float64()),
        ("actor", pa.int32()),
        ("object", pa.int32()),
        ("value", pa.int64()),
        ("ints", pa.list_(pa.int32())),
        ("text", pa.string()),
    ]
)


def part_hash(previous: bytes, cols: Columns) -> bytes:
    """A part's chain hash: every column in a fixed byte layout, texts with their seqs."""
    h = hashlib.sha256(_TAG + previous)
    h.update(len(cols).to_bytes(8, "little") + cols.first.to_bytes(8, "little"))
    for values, dtype in (
        (cols.kind, "<u1"),
        (cols.time, "<f8"),
        (cols.actor, "<i4"),
        (cols.object, "<i4"),
        (cols.value, "<i8"),
        (cols.has_ints, "<u1"),
        (cols.offsets, "<i8"),
        (cols.ints, "<i4"),
    ):
        h.update(np.ascontiguousarray(values, dtype=dtype).tobytes())
    for seq in sorted(cols.texts):
        h.update(seq.to_bytes(8, "little") + chain.text_bytes(cols.texts[seq]))
    return h.digest()


def _table(cols: Columns) -> pa.Table:
    n = len(cols)
    text = [None] * n
    for seq, value in cols.texts.items():
        text[seq - cols.first] = value
    ints = pa.ListArray.from_arrays(
        pa.array(cols.offsets.astype(np.int32)),
        pa.array(cols.ints, pa.int32()),
        mask=pa.array(~cols.has_ints),
    )
    arrays = [
        pa.array(np.arange(cols.first, cols.first + n, dtype=np.int64)),
        pa.DictionaryArray.from_arrays(pa.array(_POSITION[cols.kind]), _LABELS),
        pa.array(cols.time),
        pa.array(cols.actor),
        pa.array(cols.object),
        pa.array(cols.value),
        ints,
        pa.array(text, pa.string()),
    ]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _columns(table: pa.Table, where: str) -> Columns:
    """A part's rows back as :class:`Columns`; CorruptLog for a wrong schema, a null where
    none belongs, an unknown kind or a seq out of order."""
    if not table.schema.remove_metadata().equals(SCHEMA):
        raise CorruptLog(f"its columns are {table.schema.remove_metadata()}", path=where)
    names = ("seq", "kind", "time", "actor", "object", "value")
    for name in names:
        if table.column(name).null_count:
            raise CorruptLog(f"column {name} has empty cells", path=where)
    seq = table.column("seq").to_numpy()
    first = int(seq[0]) if len(seq) else 0
    wrong = np.flatnonzero(seq != np.arange(first, first + len(seq)))
    if len(wrong):
        at = first + int(wrong[0])
        raise CorruptLog(
            f"sequence number {int(seq[wrong[0]])} where {at} was expected (rows missing or "
            "renumbered)",
            seq=at,
            path=where,
        )
    kind = table.column("kind").combine_chunks()
    codes = np.empty(len(kind.dictionary), dtype=np.int64)
    for i, label in enumerate(kind.dictionary.to_pylist()):
        if label not in KIND_BY_LABEL:
            raise CorruptLog(f"unknown event kind {label!r}", path=where)
        codes[i] = KIND_BY_LABEL[label]
    ints = table.column("ints").combine_chunks()
    text = table.column("text").combine_chunks()
    return Columns(
        first,
        codes[kind.indices.to_numpy()].astype(np.uint8),
        table.column("time").to_numpy(),
        table.column("actor").to_numpy(),
        table.column("object").to_numpy(),
        table.column("value").to_numpy(),
        ~np.asarray(ints.is_null()),
        np.asarray(ints.offsets, dtype=np.int64) - ints.offsets[0].as_py(),
        np.asarray(ints.flatten(), dtype=np.int32),
        {first + i: t for i, t in enumerate(text.to_pylist()) if t is not None},
    )


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet"))


def _read_meta(folder: Path, where: str) -> list[tuple[Any, Any]]:
    try:
        stored = json.loads((folder / _META).read_text("utf-8"))["meta"]
        return [(key, value) for key, value in stored]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptLog(f"{_META} is missing or not a meta table ({exc})", path=where) from exc


def stored_meta(path: Path) -> dict[str, Any] | None:
    """The meta values of the Parquet log ``path`` (or its ``.partial``), unverified, or
    None if there is none to read (to match a results folder to a checkpoint)."""
    try:
        return {key: json.loads(value) for key, value in _read_meta(as_written(path), str(path))}
    except (CorruptLog, ValueError, TypeError):
        return None


def _write_meta(folder: Path, stored: list[tuple[str, str]]) -> None:
    tmp = folder / f".{_META}.tmp"
    tmp.write_text(json.dumps({"meta": stored}), "utf-8")
    os.replace(tmp, folder / _META)


def _recorded(part: Path, where: str) -> tuple[int, int, bytes]:
    """A part's recorded first seq, rows and chain hash (from its footer only)."""
    try:
        info = pq.read_schema(part).metadata or {}
        return (
            int(info[b"redloop.first"]),
            int(info[b"redloop.rows"]),
            bytes.fromhex(info[b"redloop.hash"].decode()),
        )
    except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
        raise CorruptLog(f"part {part.name} is damaged ({exc})", path=where) from exc


class ParquetSink:
    """Writes a log as a Parquet folder ``<path>.partial`` and renames it to ``path`` when
    closed, so a folder at ``path`` is always a complete log (see the module docstring)."""

    def __init__(self, path: Path, meta: dict[str, Any], batch: int) -> None:
        self.path = path
        self.partial = partial_of(path)
        self.batch = batch
        self.written = 0
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True)
        self._stored = [(k, json.dumps(v)) for k, v in meta.items() if k != chain.HEAD_KEY]
        _write_meta(self.partial, self._stored)
        self._last = chain.genesis(self._stored)
        self._parts = 0

    @classmethod
    def reopen(cls, path: Path, rows: int, head: bytes) -> ParquetSink:
        """The sink of an unfinished (or finished) log at ``path`` whose parts up to row
        ``rows`` end in hash ``head``; later parts are dropped. CorruptLog if it does not
        hold that history."""
        sink = cls.__new__(cls)
        sink.path, sink.partial, sink.batch = path, reopen_partial(path), 50_000
        stored = _read_meta(sink.partial, str(path))
        parts, last, end = _parts(sink.partial), chain.genesis(stored), 0
        kept = 0
        while end < rows and kept < len(parts):
            first, n, last = _recorded(parts[kept], str(path))
            end, kept = first + n, kept + 1
        if end != rows or last != head:
            raise CorruptLog(f"does not hold the {rows:,} rows this run had", path=str(path))
        for part in parts[kept:]:
            part.unlink()
        sink._stored = [(k, v) for k, v in stored if k != chain.HEAD_KEY]
        _write_meta(sink.partial, sink._stored)
        sink.written, sink._last, sink._parts = rows, head, kept
        return sink

    def write_log(self, log: EventLog, start: int) -> None:
        """Write ``log``'s in-memory rows from index ``start`` on as one part."""
        self.write_columns(log.columns(start))

    def write_columns(self, cols: Columns) -> None:
        if not len(cols):
            return
        if cols.first != self.written:
            raise InvalidInput(f"rows from {cols.first} follow row {self.written - 1}")
        last = part_hash(self._last, cols)
        recorded = {"first": cols.first, "rows": len(cols), "hash": last.hex()}
        table = _table(cols).replace_schema_metadata(
            {f"redloop.{key}": str(value) for key, value in recorded.items()}
        )
        name = self.partial / f"part-{self._parts:06d}.parquet"
        tmp = name.with_name(f".{name.name}.tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, name)
        self._last, self.written, self._parts = last, self.written + len(cols), self._parts + 1

    def copy_history(self, earlier: Path, rows: int, head: bytes) -> None:
        """Write the first ``rows`` rows of the stored Parquet log ``earlier`` (re-chained)."""
        for cols in stored_columns(earlier, rows, head):
            self.write_columns(cols)

    def discard(self) -> None:
        """Give up the folder being written (nothing is left behind)."""
        shutil.rmtree(self.partial, ignore_errors=True)

    def commit(self) -> str:
        """Every part is renamed into place whole once written: nothing more to do but
        return the last part's hash (hex)."""
        return self._last.hex()

    def close(self) -> Path:
        """Record the chain head and rename the folder into place (replacing an old one)."""
        head = json.dumps(chain.head_value(self.written, self._last))
        _write_meta(self.partial, [*self._stored, (chain.HEAD_KEY, head)])
        old = self.path.with_name(self.path.name + ".old")
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(self.partial, self.path)
        shutil.rmtree(old, ignore_errors=True)
        return self.path


def _verified(folder: Path, last: bytes, where: str) -> Iterator[tuple[Columns, bytes]]:
    """Each part's columns, checked against the chain, with the hash after it."""
    expected = 0
    for part in _parts(folder):
        place = f"{where}/{part.name}"
        first, rows, recorded = _recorded(part, where)
        try:
            table = pq.read_table(part)
        except (OSError, pa.ArrowException) as exc:
            raise CorruptLog(f"part {part.name} is damaged ({exc})", path=where) from exc
        cols = _columns(table, place)
        if len(cols) and cols.first != expected:
            raise CorruptLog(
                f"sequence number {cols.first} where {expected} was expected (a part is missing "
                "or renumbered)",
                seq=expected,
                path=place,
            )
        last = part_hash(last, cols)
        if (first, rows) != (cols.first, len(cols)) or last != recorded:
            span = f"rows {cols.first:,}–{cols.first + len(cols) - 1:,}"
            raise CorruptLog(
                f"{span}: the part's hash does not match its content and the parts before it "
                "(a row, an earlier part or the meta rows were edited or damaged)",
                seq=cols.first,
                path=place,
            )
        expected += len(cols)
        yield cols, last


def read_parquet(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Iterator[Event]]:
    """Open a Parquet log (a finished ``events.parquet`` folder): its meta and its events,
    verified part by part as they are read (CorruptLog at the first bad part or row)."""
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidInput(f"event log {folder} does not exist", field="path", value=str(folder))
    where = str(folder)
    meta, head, genesis = meta_values(_read_meta(folder, where), where)

    def rows() -> Iterator[Event]:
        seq, last = 0, genesis
        for cols, after in _verified(folder, genesis, where):
            seq, last = cols.first + len(cols), after
            yield from cols.events()
        check_end(seq, last, head, where)

    return meta, rows()


def stored_columns(path: Path, rows: int, head: bytes) -> Iterator[Columns]:
    """The parts holding the first ``rows`` rows of the Parquet log ``path`` (or its
    ``.partial``), verified, the last of which must end in hash ``head``."""
    folder = as_written(path)
    if not folder.is_dir():
        raise CorruptLog("is missing", path=str(path))
    genesis = chain.genesis(_read_meta(folder, str(path)))
    end, last = 0, genesis
    with contextlib.suppress(StopIteration):
        parts = _verified(folder, genesis, str(path))
        while end < rows:
            cols, last = next(parts)
            end = cols.first + len(cols)
            yield cols
    if end != rows or (rows and last != head):
        raise CorruptLog(f"does not hold the {rows:,} rows of this history", path=str(path))
