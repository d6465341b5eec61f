"""The event codec table: one entry per kind, packing round-trips, the facade agrees with it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from redloop.platform.api import EventKind, Platform
from redloop.platform.codec import (
    CODECS,
    IDS,
    INT,
    OPT_ID,
    OPT_SECONDS,
    SECONDS,
    TEXT,
    Codec,
    Field,
    codec_of,
    describe,
)

from .test_eventlog import every_kind


def test_every_kind_has_one_entry_at_its_code() -> None:
    entries = [c for c in CODECS if c is not None]
    assert sorted(c.kind for c in entries) == sorted(EventKind)
    for code, entry in enumerate(CODECS):
        assert entry is None or entry.kind == code
    for entry in entries:
        assert entry.record._fields == tuple(f.name for f in entry.fields), entry.kind


def _values(field: Field) -> st.SearchStrategy[object]:
    t = field.type
    if t.choices:
        return st.sampled_from(t.choices)
    top = (1 << field.bits) - 1
    if t is OPT_ID:
        return st.integers(-1, top - 1)
    if t in (INT, SECONDS, OPT_SECONDS):
        return st.integers(0, top)
    if t is IDS:
        return st.lists(st.integers(0, 2**31 - 1), max_size=12).map(tuple)
    assert t is TEXT, t
    return st.text(max_size=40)


def _codec_and_fields() -> st.SearchStrategy[tuple[Codec, tuple[object, ...]]]:
    entries = [c for c in CODECS if c is not None]
    return st.sampled_from(entries).flatmap(
        lambda c: st.tuples(st.just(c), st.tuples(*(_values(f) for f in c.fields)))
    )


@given(_codec_and_fields())
def test_pack_then_unpack_gives_the_fields_back(case: tuple[Codec, tuple[object, ...]]) -> None:
    codec, fields = case
    value, ints, text = codec.pack(*fields)
    assert isinstance(value, int) and -(2**63) <= value < 2**63
    assert ints is None or all(-(2**31) <= i < 2**31 for i in ints)
    assert codec.unpack(value, ints, text) == fields


def test_every_logged_row_is_what_its_entry_packs(platform: Platform) -> None:
    """The facade writes each kind exactly as the table packs it (some kinds without a call)."""
    every_kind(platform)
    seen = set()
    for e in platform.log:
        codec = codec_of(e.kind)
        assert codec.pack(*codec.unpack(e.value, e.ints, e.text)) == (e.value, e.ints, e.text)
        assert describe(e).split()[0] in (codec.actor, "the"), describe(e)
        seen.add(e.kind)
    assert seen == set(EventKind)
