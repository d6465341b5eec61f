"""The event codec table: one entry per kind, packing round-trips, the facade agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

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
    SETTINGS,
    TEXT,
    Codec,
    Field,
    codec_of,
    describe,
)

from .test_eventlog import every_kind

PLATFORM = Path(__file__).resolve().parents[2] / "platform"


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
    if t is SETTINGS:  # the recommender alone (stored by name), or any mix of settings
        number = st.integers(0, 2**31 - 1) | st.floats(allow_nan=False, allow_infinity=False)
        value = number | st.lists(number, min_size=1, max_size=5).map(tuple) | st.text()
        name = st.sampled_from(["recommender", "ad_slot", "pool_quotas", "boost_cpm"])
        return st.dictionaries(name, value, min_size=1).filter(
            lambda d: (
                d.keys() != {"recommender"}
                or (isinstance(d["recommender"], str) and not d["recommender"].startswith("{"))
            )
        )
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


def test_the_table_is_the_only_place_that_spells_a_layout() -> None:
    """No other platform module shifts, masks or offsets an event's ``value``, or picks ids
    out of its ``ints`` (passing the columns through whole is fine)."""
    spelled = re.compile(r"\.value\s*(>>|&|<<|[-+]\s*1\b)|\.ints\s*(or\s*\(|\[)")
    offenders = [
        f"{path.name}:{i}"
        for path in sorted(PLATFORM.glob("*.py"))
        if path.name != "codec.py"
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelled.search(line)
    ]
    assert not offenders, offenders


def test_each_kind_applies_through_one_method() -> None:
    """Adding a kind is one entry in the table plus one ``_apply_<label>`` method."""
    missing = [k.label for k in EventKind if not callable(getattr(Platform, f"_apply_{k.label}"))]
    assert not missing
