"""Vocabulary of the platform: topics, enumerations, configuration and read-only views.

State itself lives in columnar stores (``social``, ``notes``, ``shop``...). The frozen
dataclasses here are *views* built on request for callers (HTTP, visualiser, tests); the hot
paths never allocate them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from typing import NamedTuple

from .errors import InvalidInput

TOPICS: tuple[str, ...] = (
    "beauty",
    "skincare",
    "fashion",
    "food",
    "travel",
    "home",
    "fitness",
    "outdoor",
    "hotels",
    "restaurants",
    "parenting",
    "tech",
)
N_TOPICS = len(TOPICS)
TOPIC_ID: dict[str, int] = {name: i for i, name in enumerate(TOPICS)}

#: ``TOPICS_OF_MASK[mask]`` lists the topic ids set in a bitmask, precomputed for speed.
TOPICS_OF_MASK: tuple[tuple[int, ...], ...] = tuple(
    tuple(t for t in range(N_TOPICS) if mask >> t & 1) for mask in range(1 << N_TOPICS)
)


def topic_mask(
    topics: object, *, field_name: str = "topics", min_n: int = 1, max_n: int = 3
) -> int:
    """Validate a collection of topic names and return its bitmask."""
    if isinstance(topics, str) or not hasattr(topics, "__iter__"):
        raise InvalidInput(
            f"{field_name} must be a list of topic names, got {topics!r}",
            field=field_name,
            value=topics,
        )
    mask = 0
    for name in topics:  # type: ignore[attr-defined]
        t = TOPIC_ID.get(name) if isinstance(name, str) else None
        if t is None:
            raise InvalidInput(
                f"unknown topic {name!r} in {field_name}; allowed: {', '.join(TOPICS)}",
                field=field_name,
                value=name,
            )
        mask |= 1 << t
    count = mask.bit_count()
    if not min_n <= count <= max_n:
        raise InvalidInput(
            f"{field_name} must name {min_n} to {max_n} distinct topics, got {count}",
            field=field_name,
            value=list(topics),  # type: ignore[call-overload]
        )
    return mask


def topic_names(mask: int) -> tuple[str, ...]:
    return tuple(TOPICS[t] for t in TOPICS_OF_MASK[mask])


class _Named(IntEnum):
    """An IntEnum that parses its lowercase name with a clear error."""

    @classmethod
    def parse(cls, value: object, field_name: str) -> _Named:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                pass
        allowed = ", ".join(m.name.lower() for m in cls)
        raise InvalidInput(
            f"{field_name} must be one of {allowed}; got {value!r}", field=field_name, value=value
        )

    @property
    def label(self) -> str:
        return self.name.lower()


class AccountKind(_Named):
    CONSUMER = 0
    CREATOR = 1
    BRAND = 2
    STAFF = 3  # editors and the platform's own shop


class NoteFormat(_Named):
    IMAGE = 0
    VIDEO = 1


class Origin(_Named):
    DOMESTIC = 0
    OVERSEAS = 1


class Channel(_Named):
    """Where a read (and so an order) came from."""

    DISCOVERY = 0
    FOLLOWING = 1
    SEARCH = 2
    AD = 3
    DIRECT = 4
    #: A note someone shared: in the app (read from the inbox) or via a messaging app's link.
    SHARED = 5


class OrderStatus(_Named):
    PLACED = 0
    PAID = 1
    SHIPPED = 2
    DELIVERED = 3
    REVIEWED = 4
    CANCELLED = 5
    REFUNDED = 6


class AdPlacement(_Named):
    FEED = 0
    SEARCH = 1


def _check_range(
    name: str, value: float, lo: float, hi: float = math.inf, *, integer: bool = False
) -> None:
    kind = int if integer else int | float
    if isinstance(value, bool) or not (isinstance(value, kind) and lo <= value <= hi):
        what = "a whole number" if integer else "a number"
        upper = "" if hi == math.inf else f" and <= {hi}"
        raise InvalidInput(
            f"config {name} must be {what} >= {lo}{upper}; got {value!r}", field=name
        )


def _len(value: object) -> int:
    return len(value) if isinstance(value, tuple | list) else -1


def _check_seq(name: str, value: object) -> None:
    if not isinstance(value, tuple | list):
        raise InvalidInput(f"config {name} must be a list of numbers; got {value!r}", field=name)


#: The allowed range of each scalar :class:`PlatformConfig` setting: (lowest, highest, whole
#: number?). ``PlatformConfig`` enforces it; tools read it to show the ranges (the
#: visualiser's all-parameters panel). ``ad_slot`` must also fall inside the page and
#: ``pool_targeted_stages`` within the stages.
LIMITS: dict[str, tuple[float, float, bool]] = {
    "page_size": (1, 100, True),
    "pool_targeted_stages": (0, 99, True),
    "pool_max_age_hours": (1e-9, math.inf, False),
    "pool_review_delay_hours": (0.0, 24 * 7, False),
    "decay_half_life_hours": (1e-9, math.inf, False),
    "attribution_window_hours": (1e-9, math.inf, False),
    "popular_refresh_hours": (1e-9, math.inf, False),
    "popular_lookback_hours": (1e-9, math.inf, False),
    "interest_half_life_hours": (1e-9, math.inf, False),
    "interest_coengagement_weight": (0.0, 1.0, False),
    "interest_coengagement_refresh_hours": (0.01, 24 * 365, False),
    "ad_reserve_cpm": (0.01, 1e5, False),
    "boost_cpm": (0.01, 1e5, False),
    "seen_window": (0, 100_000, True),
    "trending_window_hours": (1, 24 * 365, True),
    "popular_pool_size": (1, 1_000_000, True),
    "interest_recent_per_topic": (1, 10_000_000, True),
    "ad_slot": (0, 99, True),
    "boost_slot": (0, 99, True),
    "max_order_quantity": (1, math.inf, True),
    "max_comment_chars": (1, math.inf, True),
    "max_name_chars": (1, math.inf, True),
    "max_products_per_note": (0, 1000, True),
    "collab_min_followers": (0, 2**31 - 1, True),
    "collab_weekly_capacity": (1, 1000, True),
    "collab_offer_hours": (1, 24 * 30, True),
    "max_share_recipients": (1, 1000, True),
    "collab_commission": (0.0, 1.0, False),
    "collab_min_fee": (0.01, 1e7, False),
}


#: The settings a running platform keeps, and why: each shaped state already built from it.
#: Every other setting may change mid-run (:meth:`PlatformConfig.changed`, logged as
#: ``CONFIG_SET``); ``pool_quotas`` may change its quotas but not their number.
FIXED_MID_RUN: dict[str, str] = {
    "ces_weights": "every note's CES so far is a sum weighted by the old weights",
    "pool_targeted_stages": "the topic pools of the targeted stages are already built",
    "seen_window": "it sizes every user's seen-notes table",
    "trending_window_hours": "the counts of hours outside the old window are dropped",
}


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """Every tunable of the platform's logic, validated on construction.

    Defaults follow docs/calibration.md: CES 1/1/4/4/8; pool quotas scaled like the
    folklore stages (hundreds, thousands, ... views); a 7-day attribution window.
    """

    recommender: str = "ces_pools"
    #: Cards on one discovery page (the two-column feed loads this many at a time).
    page_size: int = 10
    #: CES weights for likes, collects, comments, shares and follows earned by a note.
    ces_weights: tuple[float, float, float, float, float] = (1.0, 1.0, 4.0, 4.0, 8.0)
    #: Impression quota of each traffic pool stage (stage 0 = a new note's first audience).
    pool_quotas: tuple[int, ...] = (300, 4_000, 15_000, 150_000, 1_000_000)
    #: Minimum decayed CES per impression to leave stage s for stage s+1 (one per stage but last).
    pool_thresholds: tuple[float, ...] = (0.006, 0.008, 0.01, 0.0125)
    #: Share of a discovery page's slots drawn from each stage, before empty pools are skipped.
    pool_slot_weights: tuple[float, ...] = (0.35, 0.25, 0.2, 0.12, 0.08)
    #: Stages below this index are shown only to users interested in the note's topics.
    pool_targeted_stages: int = 2
    #: A note older than this leaves the pools regardless of stage.
    pool_max_age_hours: float = 24.0 * 30
    #: A stage whose quota is spent is reviewed this many hours later, once the readers of
    #: its last impressions have reacted (the note is out of the pools meanwhile).
    pool_review_delay_hours: float = 1.0
    #: Half-life of the age decay applied to engagement scores.
    decay_half_life_hours: float = 72.0
    #: Orders within this many hours of a read of a note tagging the product are attributed to it.
    attribution_window_hours: float = 24.0 * 7
    #: A user is not shown the same note again for roughly this many served cards.
    seen_window: int = 200
    #: Trending ranks the engagement of this many recent hours.
    trending_window_hours: int = 24
    #: The popular recommender re-ranks at most this often (simulated hours) ...
    popular_refresh_hours: float = 1.0
    #: ... over notes younger than this ...
    popular_lookback_hours: float = 24.0 * 14
    #: ... and serves from this many top notes.
    popular_pool_size: int = 500
    #: The interest recommender samples among each topic's newest notes.
    interest_recent_per_topic: int = 2_000
    #: Half-life of the learnt interest profile (hours; ``inf``: it never forgets): what a
    #: user read or engaged with a week ago counts half as much as today's, and so do the
    #: interests declared at sign-up. A modelling assumption: feeds follow a new interest
    #: within days.
    interest_half_life_hours: float = 24.0 * 7
    #: Share of the interest feed's topic draw that comes from co-engagement ("users into
    #: your topics are also into"): item-to-item collaborative filtering over topics
    #: (Linden, Smith & York 2003), trained on everyone's learnt profiles; the rest is the
    #: user's own profile. 0 turns it off (the own-profile ranking exactly). 0.5, an even
    #: blend of the two candidate sources, is an assumption set before measuring
    #: (docs/calibration.md).
    interest_coengagement_weight: float = 0.5
    #: The co-engagement table is retrained from everyone's profiles once per this many
    #: hours (a daily batch, as recommenders are retrained offline).
    interest_coengagement_refresh_hours: float = 24.0
    #: Slot (0-based) where a feed ad is inserted in a discovery page, when one is due.
    ad_slot: int = 3
    #: Lowest price per 1,000 ad impressions (yuan): a lone bidder in an auction pays this.
    ad_reserve_cpm: float = 10.0
    #: Price of 1,000 boosted impressions (yuan): practitioners quote "¥10 ≈ 1,000 exposures".
    boost_cpm: float = 10.0
    #: Slot (0-based) where a boosted note is inserted in a discovery page (last on a shorter page).
    boost_slot: int = 6
    #: Most units of one product in one order.
    max_order_quantity: int = 99
    #: Longest comment (characters).
    max_comment_chars: int = 1_000
    #: Longest account or product name (characters).
    max_name_chars: int = 40
    #: Most products one note may tag.
    max_products_per_note: int = 10
    #: Creator marketplace: creators are admitted from this many followers. The real one
    #: admits from 5,000 (creator accounts, not ordinary users); a simulated community of a
    #: few thousand accounts has creators with tens to hundreds of followers and consumers
    #: with a median of 2, so 15 keeps that line (59 of 60 creators qualify at 2,000 users).
    #: Raise it with the community's scale.
    collab_min_followers: int = 15
    #: The platform's cut, charged to the brand on top of the fee (10% in practice).
    collab_commission: float = 0.10
    #: The platform's minimum fee for a collaboration (yuan).
    collab_min_fee: float = 50.0
    #: Collaborations a creator may accept in any 7 days.
    collab_weekly_capacity: int = 3
    #: An offer not answered within this many hours expires.
    collab_offer_hours: int = 72
    #: An in-app share goes to at most this many of the sharer's followers.
    max_share_recipients: int = 20
    extra: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_range("page_size", self.page_size, *LIMITS["page_size"][:2], integer=True)
        for name in ("ces_weights", "pool_quotas", "pool_thresholds", "pool_slot_weights"):
            _check_seq(name, getattr(self, name))
        if len(self.ces_weights) != 5:
            raise InvalidInput(
                "config ces_weights needs 5 weights: like, collect, comment, share, follow",
                field="ces_weights",
            )
        for w in self.ces_weights:
            _check_range("ces_weights", w, 0.0)
        self._check_pools()
        for name, (lo, hi, integer) in LIMITS.items():
            if name == "ad_slot":
                hi = self.page_size - 1
            _check_range(name, getattr(self, name), lo, hi, integer=integer)

    def _check_pools(self) -> None:
        """The traffic-pool stages: one quota and slot weight per stage, a threshold between
        stages."""
        n = len(self.pool_quotas)
        if n < 1:
            raise InvalidInput("config pool_quotas needs at least one stage", field="pool_quotas")
        for q in self.pool_quotas:
            _check_range("pool_quotas", q, 1, 2**31 - 1, integer=True)
        if len(self.pool_thresholds) != n - 1:
            raise InvalidInput(
                f"config pool_thresholds needs {n - 1} values (one per stage but the last)",
                field="pool_thresholds",
            )
        for w in self.pool_thresholds:
            _check_range("pool_thresholds", w, 0.0)
        for w in self.pool_slot_weights:
            _check_range("pool_slot_weights", w, 0.0)
        if len(self.pool_slot_weights) != n or sum(self.pool_slot_weights) <= 0:
            raise InvalidInput(
                f"config pool_slot_weights needs {n} non-negative weights with a positive sum",
                field="pool_slot_weights",
            )
        _check_range("pool_targeted_stages", self.pool_targeted_stages, 0, n, integer=True)

    def changed(self, settings: dict[str, object]) -> PlatformConfig:
        """This config with ``settings`` (names to values) changed mid-run, validated as a new
        config is; InvalidInput naming the first key that is unknown, fixed while running
        (:data:`FIXED_MID_RUN`) or given a bad value."""
        known = {f.name for f in fields(self)} - {"extra"}
        for key, value in settings.items():
            if key not in known:
                allowed = ", ".join(sorted(known - FIXED_MID_RUN.keys()))
                raise InvalidInput(
                    f"unknown platform config key {key!r}; allowed: {allowed}", field=key
                )
            why = FIXED_MID_RUN.get(key)
            if key == "pool_quotas" and _len(value) != len(self.pool_quotas):
                why = "the number of stages sizes the traffic pools already built"
            if why:
                raise InvalidInput(f"config {key} cannot change mid-run ({why})", field=key)
        converted = {k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()}
        return replace(self, **converted)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PlatformConfig:
        known = {f.name for f in fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(
                f"unknown platform config key {unknown[0]!r}; allowed: {', '.join(sorted(known))}",
                field=unknown[0],
            )
        converted = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**converted)  # type: ignore[arg-type]


# ---------------------------------------------------------------- read-only views


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    kind: str
    interests: tuple[str, ...]
    created_at: float
    followers: int
    following: int
    notes: int


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    author: int
    created_at: float
    format: str
    topics: tuple[str, ...]
    products: tuple[int, ...]
    sponsor: int | None
    title: str
    impressions: int
    reads: int
    likes: int
    collects: int
    comments: int
    shares: int
    follows: int
    ces: float
    pool_stage: int | None  # None once retired from the traffic pools

    @property
    def sponsored(self) -> bool:
        return self.sponsor is not None

    @property
    def interaction_rate(self) -> float:
        """(likes + collects + comments + shares) / reads, the practitioners' ~5%-is-good ratio."""
        return interaction_rate(self.reads, self.likes, self.collects, self.comments, self.shares)


#: A note's changing fields, in :class:`Note`'s order: impressions, reads, likes, collects,
#: comments, shares, follows, ces, pool_stage.
NoteCounts = tuple[int, int, int, int, int, int, int, float, int | None]


def interaction_rate(reads: int, likes: int, collects: int, comments: int, shares: int) -> float:
    """:attr:`Note.interaction_rate` from the counts."""
    return (likes + collects + comments + shares) / reads if reads else 0.0


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    brand: int
    name: str
    topic: str
    price: float
    stock: int
    origin: str
    units_sold: int
    notes: int
    reviews: int
    rating: float | None


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    buyer: int
    product: int
    quantity: int
    unit_price: float
    placed_at: float
    status: str
    note: int | None  # the note the order is attributed to, if any
    channel: str
    rating: int | None
    review_note: int | None
    sample: bool = False  # a brand's free sample: zero price, not a sale

    @property
    def amount(self) -> float:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class Comment:
    user: int
    time: float
    text: str


@dataclass(frozen=True, slots=True)
class ProductPage:
    """A product with the community's word of mouth about it."""

    product: Product
    top_notes: tuple[int, ...]
    likes_on_notes: int
    collects_on_notes: int


class DiscoveryPage(NamedTuple):
    """One two-column discovery page: card note ids in display order and which slots are ads."""

    notes: tuple[int, ...]
    ad_slots: tuple[int, ...] = ()
    #: Slots holding a paid boost: discovery cards, labelled as promoted.
    boost_slots: tuple[int, ...] = ()
    #: The like count each card shows, in card order: social proof a reader sees before
    #: choosing what to open.
    likes: tuple[int, ...] = ()

    def channel_of(self, slot: int) -> Channel:
        return Channel.AD if slot in self.ad_slots else Channel.DISCOVERY


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    topics: tuple[str, ...]
    products: tuple[int, ...]
    notes: tuple[int, ...]
    ad_note: int | None = None


@dataclass(frozen=True, slots=True)
class AdCampaign:
    id: int
    brand: int
    note: int
    placement: str
    topics: tuple[str, ...]
    budget: float
    spent: float
    cpm: float
    impressions: int
    active: bool
    start: float = 0.0
    #: When a paced campaign stops being served (None: runs until spent or stopped).
    end: float | None = None


class BoostGoal(_Named):
    """What a paid boost optimises for: who its extra impressions go to."""

    READS = 0  # users interested in the note's topics
    ENGAGEMENT = 1  # ... who have neither liked nor collected it
    FOLLOWS = 2  # ... who do not follow its author yet


@dataclass(frozen=True, slots=True)
class Boost:
    """A paid boost of one note: impressions bought, delivered so far, and their price."""

    id: int
    buyer: int
    note: int
    goal: str
    fee: float
    bought: int
    delivered: int
    start: float
    end: float
    active: bool
    #: What the delivered impressions cost; the rest of the fee is refunded.
    spent: float
