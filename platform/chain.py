"""The hash chain that makes a stored event log tamper-evident.

Each stored row carries ``sha256(previous row's hash || the row's own content)``; the chain
starts from a hash of the meta rows, and the meta row ``chain_head`` records how many rows the
log holds and the last hash. Deleting, reordering or editing any row or meta row, or cutting
the log short, breaks the chain at the first row touched. There is no secret key: this catches
damage and edits, not a forger who recomputes every hash (see the README, "Reliability").
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

__all__ = ["HEAD_KEY", "Row", "genesis", "head_value", "link", "row_content", "text_bytes"]

#: The meta key holding ``{"rows": n, "hash": hex}``; not part of the genesis hash.
HEAD_KEY = "chain_head"
_TAG = b"redloop event chain v1\n"
_NONE = b"\xff\xff\xff\xff"
_NUMBERS = struct.Struct("<qdqqq")

#: A stored row without its hash: (seq, kind label, time, actor, object, value, ints, text).
type Row = tuple[int, str, float, int, int, int, str | None, str | None]


def genesis(meta: Iterable[tuple[str, str]]) -> bytes:
    """The chain's start: a hash of the stored (key, JSON value) meta rows but the head."""
    h = hashlib.sha256(_TAG)
    for key, value in sorted(meta):
        if key != HEAD_KEY:
            h.update(text_bytes(key) + text_bytes(value))
    return h.digest()


def row_content(row: Row) -> bytes:
    """The bytes a row's hash covers: every column, unambiguously (None is not "")."""
    seq, kind, time, actor, obj, value, ints, text = row
    return (
        _NUMBERS.pack(seq, time, actor, obj, value)
        + text_bytes(kind)
        + text_bytes(ints)
        + text_bytes(text)
    )


def link(previous: bytes, row: Row) -> bytes:
    """This row's hash, given the previous row's (or the genesis hash)."""
    return hashlib.sha256(previous + row_content(row)).digest()


def head_value(rows: int, last: bytes) -> dict[str, int | str]:
    """The ``chain_head`` meta value for a log of ``rows`` rows ending in hash ``last``."""
    return {"rows": rows, "hash": last.hex()}


def text_bytes(value: str | None) -> bytes:
    """A text field's bytes in a hash: length-prefixed UTF-8, or a marker for None."""
    if value is None:
        return _NONE
    data = value.encode("utf-8", "surrogatepass")
    return len(data).to_bytes(4, "little") + data
