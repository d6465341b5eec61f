"""The event codec: for every kind of event, its fields and how they sit in the log's columns.

A row of the log is ``(kind, time, actor, object, value, ints, text)``. Each kind's entry in
:data:`CODECS` (a list indexed by the kind's code) names what its ``actor`` and ``object``
are and declares its payload fields (name and type); ``pack`` turns the fields into the
``(value, ints, text)`` columns, ``unpack`` turns the columns back into a named tuple of the
fields, and :func:`describe` and :func:`people_fields` render a row for people. The log,
replay, exports and the visualiser all decode through this table, so adding an event kind is
one :class:`EventKind` member, one entry here and one apply method (``_apply_<label>``).

The facade packs the kinds whose value needs packing through this module's functions; the
hot kinds whose payload is empty or one plain integer it appends directly (no call per event),
and a test checks every logged row equals what its entry packs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple, Protocol

from .collabs import CollabStatus
from .model import (
    TOPICS,
    AccountKind,
    AdPlacement,
    BoostGoal,
    Channel,
    NoteFormat,
    Origin,
    _Named,
    topic_names,
)

__all__ = [
    "CODECS",
    "Codec",
    "EventKind",
    "Field",
    "FieldType",
    "codec_of",
    "describe",
    "pack_note",
    "pack_served",
    "pack_settings",
    "people_fields",
    "unpack_boost",
    "unpack_note",
    "unpack_served",
    "unpack_settings",
]


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
    CONFIG_SET = 15
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
    POOLS_REVIEWED = 43

    @property
    def label(self) -> str:
        return self.name.lower()


E = EventKind
Ints = tuple[int, ...] | None
Columns = tuple[int, Ints, str | None]


class _Row(Protocol):
    kind: EventKind
    actor: int
    object: int
    value: int
    ints: Ints
    text: str | None


# ---------------------------------------------------------------- packed values


# NOTE_PUBLISHED / COLLAB_PUBLISHED value: topic bitmask (16 bits), format (4 bits), sponsor + 1.
# FEED_SERVED value: channel (4 bits), recommender code (4 bits), ad slot + 1 (8 bits), ad
# campaign + 1 (20 bits), boost slot + 1 (7 bits), boost + 1 (rest, 20 bits).
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


# ---------------------------------------------------------------- field types


@dataclass(frozen=True, slots=True)
class FieldType:
    """What a field holds (``py``), how people see it (``show``) and, for codes, which exist."""

    name: str
    py: type
    show: Callable[[Any], Any]
    choices: tuple[int, ...] = ()


INT = FieldType("int", int, lambda v: v)
#: An id or -1 for none (shown as None).
OPT_ID = FieldType("optional id", int, lambda v: v if v >= 0 else None)
IDS = FieldType("ids", tuple, list)
TEXT = FieldType("text", str, lambda v: v)
TOPIC_SET = FieldType("topic bitmask", int, topic_names, tuple(range(1 << len(TOPICS))))
TOPIC = FieldType("topic id", int, lambda v: TOPICS[v], tuple(range(len(TOPICS))))
#: A duration carried in whole seconds, shown in hours.
SECONDS = FieldType("seconds", int, lambda v: v / 3600)
#: As SECONDS, 0 meaning unlimited (shown as None).
OPT_SECONDS = FieldType("seconds or 0", int, lambda v: v / 3600 if v else None)


#: Platform settings by name (:meth:`~.model.PlatformConfig.changed`).
SETTINGS = FieldType("settings", dict, dict)


def pack_settings(settings: dict[str, Any]) -> str:
    """A CONFIG_SET's text: a switch of recommender alone as its bare name (how logs stored
    it before other settings could change, so those logs and the named scenarios' digests
    stay as they were), anything else as a JSON object."""
    if settings.keys() == {"recommender"}:
        return str(settings["recommender"])
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def unpack_settings(text: str) -> dict[str, Any]:
    if not text.startswith("{"):
        return {"recommender": text}
    settings = json.loads(text)  # a JSON object, whose first character is "{"
    return {k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()}


def enum_type(cls: type[_Named]) -> FieldType:
    """A field holding one member's code of ``cls``, shown by its label."""
    return FieldType(cls.__name__, int, lambda v: cls(v).label, tuple(int(m) for m in cls))


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    #: Width of the field where it is packed into ``value`` with others (ids: of id + 1).
    bits: int = 31


@dataclass(frozen=True, slots=True)
class Codec:
    """One event kind's layout: what actor and object are, its payload fields and their packing."""

    kind: EventKind
    actor: str
    object: str
    #: The past-tense verb of :func:`describe` ("liked").
    verb: str
    fields: tuple[Field, ...]
    #: The fields' named tuple; ``unpack`` returns one.
    record: type[tuple[Any, ...]]
    pack: Callable[..., Columns]
    unpack: Callable[[int, Ints, str | None], tuple[Any, ...]]


def _entry(
    kind: EventKind,
    actor: str,
    obj: str,
    verb: str,
    fields: Sequence[tuple[str, FieldType] | tuple[str, FieldType, int]] = (),
    pack: Callable[..., Columns] | None = None,
    unpack: Callable[[int, Ints, str | None], tuple[Any, ...]] | None = None,
) -> Codec:
    """A codec entry; with no pack/unpack the payload is empty or one integer in ``value``."""
    spec = tuple(Field(*f) for f in fields)
    record = NamedTuple(  # type: ignore[misc]
        "".join(w.title() for w in kind.label.split("_")), [(f.name, f.type.py) for f in spec]
    )
    if pack is None:
        if not spec:
            pack, unpack = (lambda: (0, None, None)), (lambda v, i, t: ())
        else:
            pack, unpack = (lambda v: (v, None, None)), (lambda v, i, t: (v,))
    assert unpack is not None
    build = record._make  # type: ignore[attr-defined]
    decode = unpack
    return Codec(kind, actor, obj, verb, spec, record, pack, lambda v, i, t: build(decode(v, i, t)))


def _served(ch: int, rec: int, ad: int, camp: int, bslot: int, boost: int, notes: Ints) -> Columns:
    return pack_served(ch, rec, ad, camp, bslot, boost), notes, None


def _served_fields(v: int, i: Ints, t: str | None) -> tuple[Any, ...]:
    return (*unpack_served(v), *unpack_boost(v), i or ())


def _note_fields(v: int, i: Ints, t: str | None) -> tuple[Any, ...]:
    return (*unpack_note(v), i or (), t or "")


def _collab_note_fields(v: int, i: Ints, t: str | None) -> tuple[Any, ...]:
    cid, *products = i or (-1,)
    return (cid, *unpack_note(v), tuple(products), t or "")


def _share(parent: int, recipients: tuple[int, ...]) -> Columns:
    return parent + 1, recipients or None, None


def _share_fields(v: int, i: Ints, t: str | None) -> tuple[Any, ...]:
    return v - 1, i or ()


_ACCOUNT, _CHANNEL, _SHARE_FIELDS = (
    enum_type(AccountKind),
    enum_type(Channel),
    (("parent", OPT_ID), ("recipients", IDS)),
)
_NOTE_FIELDS = (
    ("topics", TOPIC_SET),
    ("format", enum_type(NoteFormat)),
    ("sponsor", OPT_ID),
    ("products", IDS),
    ("title", TEXT),
)

_ENTRIES = (
    _entry(
        E.USER_CREATED,
        "user",
        "user",
        "joined as",
        (("kind", _ACCOUNT), ("interests", TOPIC_SET), ("name", TEXT)),
        lambda kind, mask, name: (kind | mask << 4, None, name),
        lambda v, i, t: (v & 0xF, v >> 4, t or ""),
    ),
    _entry(E.FOLLOWED, "user", "user", "followed", (("via_note", OPT_ID),)),
    _entry(E.UNFOLLOWED, "user", "user", "unfollowed"),
    _entry(
        E.NOTE_PUBLISHED,
        "user",
        "note",
        "published",
        _NOTE_FIELDS,
        lambda mask, fmt, sp, products, title: (
            pack_note(mask, fmt, sp),
            products or None,
            title or None,
        ),
        _note_fields,
    ),
    _entry(E.NOTE_READ, "user", "note", "read", (("channel", _CHANNEL),)),
    _entry(E.LIKED, "user", "note", "liked"),
    _entry(E.UNLIKED, "user", "note", "unliked"),
    _entry(E.COLLECTED, "user", "note", "collected"),
    _entry(E.UNCOLLECTED, "user", "note", "uncollected"),
    _entry(
        E.COMMENTED,
        "user",
        "note",
        "commented",
        (("text", TEXT),),
        lambda text: (0, None, text),
        lambda v, i, t: (t or "",),
    ),
    _entry(E.SHARED, "user", "note", "shared"),
    _entry(
        E.FEED_SERVED,
        "user",
        "none",
        "was served",
        (
            ("channel", _CHANNEL),
            ("recommender", INT, 4),
            ("ad_slot", OPT_ID, 8),
            ("ad_campaign", OPT_ID, 20),
            ("boost_slot", OPT_ID, 7),
            ("boost", OPT_ID, 20),
            ("notes", IDS),
        ),
        _served,
        _served_fields,
    ),
    _entry(
        E.SEARCHED,
        "user",
        "none",
        "searched",
        (("query", TEXT), ("results", IDS), ("ad_campaign", OPT_ID)),
        lambda query, results, campaign: (campaign + 1, results, query),
        lambda v, i, t: (t or "", i or (), v - 1),
    ),
    _entry(E.NOTE_PICKED, "editor", "note", "picked"),
    _entry(
        E.CONFIG_SET,
        "none",
        "none",
        "changed its settings",
        (("settings", SETTINGS),),
        lambda settings: (0, None, pack_settings(settings)),
        lambda v, i, t: (unpack_settings(t or ""),),
    ),
    _entry(E.POOLS_REVIEWED, "none", "none", "reviewed the traffic pools whose quota was spent"),
    _entry(
        E.PRODUCT_CREATED,
        "brand",
        "product",
        "listed",
        (
            ("topic", TOPIC),
            ("origin", enum_type(Origin)),
            ("price_cents", INT),
            ("stock", INT),
            ("name", TEXT),
        ),
        lambda topic, origin, cents, stock, name: (topic | origin << 8, (cents, stock), name),
        lambda v, i, t: (v & 0xFF, v >> 8 & 1, *(i or (0, 0)), t or ""),
    ),
    _entry(E.PRODUCT_RESTOCKED, "actor", "product", "restocked", (("quantity", INT),)),
    _entry(E.PRICE_SET, "actor", "product", "priced", (("price_cents", INT),)),
    _entry(E.PRODUCT_VIEWED, "user", "product", "viewed", (("channel", _CHANNEL),)),
    _entry(
        E.ORDER_PLACED,
        "user",
        "order",
        "placed",
        (
            ("product", INT),
            ("quantity", INT),
            ("note", OPT_ID),
            ("channel", _CHANNEL),
            ("unit_cents", INT),
        ),
        lambda product, quantity, note, channel, cents: (
            product,
            (quantity, note, channel, cents),
            None,
        ),
        lambda v, i, t: (v, *(i or (0, -1, int(Channel.DIRECT), 0))),
    ),
    _entry(E.ORDER_PAID, "user", "order", "paid"),
    _entry(E.ORDER_SHIPPED, "actor", "order", "shipped"),
    _entry(E.ORDER_DELIVERED, "actor", "order", "delivered"),
    _entry(
        E.ORDER_REVIEWED,
        "user",
        "order",
        "reviewed",
        (("rating", INT), ("review_note", OPT_ID)),
        lambda rating, note: (rating, (note,) if note >= 0 else None, None),
        lambda v, i, t: (v, i[0] if i else -1),
    ),
    _entry(E.ORDER_CANCELLED, "actor", "order", "cancelled"),
    _entry(E.ORDER_REFUNDED, "user", "order", "refunded"),
    _entry(
        E.CAMPAIGN_CREATED,
        "brand",
        "campaign",
        "started",
        (
            ("placement", enum_type(AdPlacement)),
            ("topics", TOPIC_SET),
            ("note", INT),
            ("budget_cents", INT),
            ("cpm_cents", INT),
            ("hours", OPT_SECONDS),
        ),
        lambda plc, mask, note, budget, cpm, seconds: (
            plc | mask << 4,
            (note, budget, cpm, seconds),
            None,
        ),
        # logs written before pacing carry no duration: the campaign runs unpaced
        lambda v, i, t: (v & 0xF, v >> 4, *(*(i or (-1, 0, 0)), 0)[:4]),
    ),
    _entry(E.CAMPAIGN_STOPPED, "brand", "campaign", "stopped"),
    _entry(
        E.SHARE_DELIVERED, "user", "note", "shared in the app", _SHARE_FIELDS, _share, _share_fields
    ),
    _entry(
        E.SHARED_OUTSIDE, "user", "note", "shared a link to", _SHARE_FIELDS, _share, _share_fields
    ),
    _entry(E.SHARE_VISITED, "none", "share", "recorded visitors of", (("visitors", INT),)),
    _entry(
        E.SHARE_SIGNUP,
        "user",
        "share",
        "signed up through",
        (("interests", TOPIC_SET), ("name", TEXT)),
        lambda mask, name: (int(AccountKind.CONSUMER) | mask << 4, None, name),
        lambda v, i, t: (v >> 4, t or ""),
    ),
    _entry(
        E.BOOST_CREATED,
        "user",
        "boost",
        "bought",
        (
            ("goal", enum_type(BoostGoal)),
            ("note", INT),
            ("fee_cents", INT),
            ("cpm_cents", INT),
            ("hours", SECONDS),
        ),
        lambda goal, note, fee, cpm, seconds: (goal, (note, fee, cpm, seconds), None),
        lambda v, i, t: (v, *(i or (-1, 0, 0, 0))),
    ),
    _entry(
        E.COLLAB_OFFERED,
        "brand",
        "collaboration",
        "offered",
        (
            ("fee_cents", INT),
            ("creator", INT),
            ("product", INT),
            ("commission_cents", INT),
            ("hours", INT),
        ),
        lambda fee, creator, product, commission, hours: (
            fee,
            (creator, product, commission, hours),
            None,
        ),
        lambda v, i, t: (v, *(i or (-1, -1, 0, 0))),
    ),
    _entry(E.COLLAB_ACCEPTED, "creator", "collaboration", "accepted"),
    _entry(
        E.COLLAB_CLOSED,
        "actor",
        "collaboration",
        "closed",
        (("status", enum_type(CollabStatus)), ("reason", TEXT)),
        lambda status, reason: (status, None, reason or None),
        lambda v, i, t: (v, t or ""),
    ),
    _entry(
        E.COLLAB_PUBLISHED,
        "user",
        "note",
        "published",
        (("collaboration", INT), *_NOTE_FIELDS[:2], ("sponsor", INT), *_NOTE_FIELDS[3:]),
        lambda cid, mask, fmt, sp, products, title: (
            pack_note(mask, fmt, sp),
            (cid, *products),
            title or None,
        ),
        _collab_note_fields,
    ),
    _entry(
        E.SAMPLE_SENT,
        "brand",
        "order",
        "sent a sample as",
        (("product", INT), ("recipient", INT)),
        lambda product, user: (product, (user,), None),
        lambda v, i, t: (v, (i or (-1,))[0]),
    ),
)

#: ``CODECS[code]`` is the entry of the kind with that code (None for unused codes).
CODECS: list[Codec | None] = [None] * (max(EventKind) + 1)
for _codec in _ENTRIES:
    CODECS[_codec.kind] = _codec


def codec_of(kind: int) -> Codec:
    entry = CODECS[kind]
    assert entry is not None, kind
    return entry


def people_fields(event: _Row) -> dict[str, Any]:
    """The payload fields as people read them: labels for codes, None for "none"."""
    codec = codec_of(event.kind)
    values = codec.unpack(event.value, event.ints, event.text)
    return {f.name: f.type.show(v) for f, v in zip(codec.fields, values, strict=True)}


def describe(event: _Row) -> str:
    """One line for people: ``user 3 liked note 12``, then the payload fields."""
    codec = codec_of(event.kind)
    who = f"{codec.actor} {event.actor}" if event.actor >= 0 else "the platform"
    what = f" {codec.object} {event.object}" if event.object >= 0 else ""
    shown = ", ".join(f"{k}={v}" for k, v in people_fields(event).items())
    return f"{who} {codec.verb}{what}" + (f" ({shown})" if shown else "")
