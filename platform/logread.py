"""The verifying reader of stored event logs: meta rows, sequence numbers and hash chain.

Every problem a damaged or edited file can have comes out as one :class:`CorruptLog` naming
the first bad row and what is wrong; nothing of sqlite3, JSON or the row decoding leaks out,
and a log that reads without error is the log that was written (see :mod:`.chain`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import chain
from .errors import CorruptLog, InvalidInput
from .eventlog import KIND_BY_LABEL, Event

__all__ = [
    "check_end",
    "meta_values",
    "read_meta",
    "read_sqlite",
    "verified_events",
    "verified_rows",
]

_COLUMNS = "seq, kind, time, actor, object, value, ints, text, hash"
_INTS = ("seq", "actor", "object", "value")


def read_sqlite(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Iterator[Event]]:
    """Open a log written by :class:`~.eventlog.SQLiteSink` (or a durable store): its meta
    and its events, verified as they are read (CorruptLog at the first bad row)."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"event log {p} does not exist", field="path", value=str(p))
    try:
        db = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:  # pragma: no cover - the file exists: open errors are rare
        raise CorruptLog(f"cannot be opened ({exc})", path=str(p)) from exc
    try:
        meta, head, start = read_meta(db, str(p))
    except BaseException:
        db.close()
        raise

    def rows() -> Iterator[Event]:
        try:
            yield from verified_events(db, start, head, str(p))
        finally:
            db.close()

    return meta, rows()


def read_meta(db: sqlite3.Connection, where: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """The meta values (without the head), the chain head and the genesis hash."""
    try:
        stored = db.execute("SELECT key, value FROM meta").fetchall()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise CorruptLog(f"not a redloop event log ({exc})", path=where) from exc
    return meta_values(stored, where)


def meta_values(
    stored: list[tuple[Any, Any]], where: str
) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Stored (key, JSON text) meta rows checked and decoded: the values (without the
    head), the chain head, and the genesis hash."""
    meta: dict[str, Any] = {}
    for key, value in stored:
        if type(key) is not str or type(value) is not str:
            raise CorruptLog(f"meta row {key!r} is not text", path=where)
        try:
            meta[key] = json.loads(value)
        except ValueError as exc:
            raise CorruptLog(f"meta row {key!r} is not JSON ({exc})", path=where) from exc
    head = meta.pop(chain.HEAD_KEY, None)
    if not (
        isinstance(head, dict)
        and type(head.get("rows")) is int
        and head["rows"] >= 0
        and isinstance(head.get("hash"), str)
        and re.fullmatch("[0-9a-f]{64}", head["hash"])
    ):
        raise CorruptLog(
            f"the meta row {chain.HEAD_KEY!r} is missing or malformed (the log was not closed, "
            "or its meta rows were edited)",
            path=where,
        )
    return meta, head, chain.genesis(stored)


def verified_events(
    db: sqlite3.Connection, last: bytes, head: dict[str, Any], where: str
) -> Iterator[Event]:
    """The events in seq order, each checked against the chain; then the head is checked."""
    seq, end = 0, last
    for row, end in verified_rows(db, last, where):  # noqa: B007 - the chain's end is checked below
        yield _event(row, where)
        seq += 1
    check_end(seq, end, head, where)


def verified_rows(
    db: sqlite3.Connection, last: bytes, where: str, below: int | None = None
) -> Iterator[tuple[list[Any], bytes]]:
    """The stored rows in seq order (all, or those with seq < ``below``), each checked for
    its column types, its sequence number and its link in the chain that starts at
    ``last``, with the chain hash after it."""
    seq = 0
    query = f"SELECT {_COLUMNS} FROM events ORDER BY seq"
    if below is not None:
        query = f"SELECT {_COLUMNS} FROM events WHERE seq < {int(below)} ORDER BY seq"
    try:
        for stored in db.execute(query):
            *row, digest = stored
            _check_types(row, seq, where)
            if row[0] != seq:
                raise CorruptLog(
                    f"sequence number {row[0]} where {seq} was expected (rows missing or "
                    "renumbered)",
                    seq=seq,
                    path=where,
                )
            last = chain.link(last, tuple(row))  # type: ignore[arg-type]
            if digest != last:
                raise CorruptLog(
                    "its hash does not match its content and the rows before it (the row, an "
                    "earlier row or the meta rows were edited or damaged)",
                    seq=seq,
                    path=where,
                )
            yield row, last
            seq += 1
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise CorruptLog(f"the file is damaged ({exc})", seq=seq, path=where) from exc


def check_end(seq: int, last: bytes, head: dict[str, Any], where: str) -> None:
    """The log read ``seq`` rows ending in hash ``last``: what its head records?"""
    if seq != head["rows"] or last.hex() != head["hash"]:
        raise CorruptLog(
            f"the log ends after {seq} rows but its head records {head['rows']} (rows were "
            "deleted from the end, or the head was edited)",
            seq=seq,
            path=where,
        )


def _check_types(row: list[Any], seq: int, where: str) -> None:
    for name, value in zip(_INTS, (row[0], *row[3:6]), strict=True):
        if type(value) is not int:
            raise CorruptLog(f"{name} is {value!r}, not an integer", seq=seq, path=where)
    if type(row[2]) is not float:
        raise CorruptLog(f"time is {row[2]!r}, not a number", seq=seq, path=where)
    for name, value in (("kind", row[1]), ("ints", row[6]), ("text", row[7])):
        if not (type(value) is str or (value is None and name != "kind")):
            raise CorruptLog(f"{name} is {value!r}, not text", seq=seq, path=where)


def _event(row: list[Any], where: str) -> Event:
    seq, kind, time, actor, obj, value, ints, text = row
    if kind not in KIND_BY_LABEL:
        raise CorruptLog(f"unknown event kind {kind!r}", seq=seq, path=where)
    ids: tuple[int, ...] | None = None
    if ints is not None:
        try:
            decoded = json.loads(ints)
        except ValueError as exc:
            raise CorruptLog(f"ints is not JSON ({exc})", seq=seq, path=where) from exc
        if not (isinstance(decoded, list) and all(type(i) is int for i in decoded)):
            raise CorruptLog(f"ints is {ints!r}, not a list of ids", seq=seq, path=where)
        ids = tuple(decoded)
    return Event(seq, KIND_BY_LABEL[kind], time, actor, obj, value, ids, text)
