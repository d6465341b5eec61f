"""What an agent may use of the world it lives in: the :class:`World` protocol.

Agents act on the platform (the same operations its HTTP client offers) and perceive what a
person would: a note's appeal and verdict once opened, a product's price and stock. Beyond
that they use a few world services — publishing a note with its hidden traits, reading a
product page's word of mouth, handing an order to the offline world — and bump a few
counters. This module lists exactly those; the simulation's model implements them, and a
small fake world (tests/agents/test_world.py) is enough to drive every agent.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable, MutableSequence, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from redloop.platform.api import Order, PlatformConfig, SearchResult
from redloop.platform.client.protocol import PlatformOps

from .settings import CreatorSettings

if TYPE_CHECKING:
    from .brand import Brand
    from .consumer import Consumer, Creator
    from .people import People

__all__ = [
    "AgentPlatform",
    "Behaviour",
    "Catalogue",
    "Growth",
    "Notes",
    "Scheduler",
    "Stream",
    "Streams",
    "Tally",
    "World",
]


class AgentPlatform(PlatformOps, Protocol):
    """The platform as agents call it: its shared operations plus the in-process extras
    that staff and brands use."""

    config: PlatformConfig

    def collab_accepted_this_week(self, creator: int, *, now: float) -> int: ...
    def pick_note(self, editor: int, note: int, *, now: float) -> None: ...

    # the bulk operations the batched engine uses (:mod:`.batch`)
    def latest_shared_many(self, users: Iterable[int]) -> np.ndarray: ...
    def following_feed_many(self, users: Iterable[int], *, now: float, limit: int) -> Any: ...
    def discovery_feed_many(self, users: Iterable[int], *, now: float) -> Any: ...
    def read_many(
        self, users: Iterable[int], notes: Iterable[int], *, now: float, channel: int
    ) -> None: ...
    def like_many(self, users: Iterable[int], notes: Iterable[int], *, now: float) -> Any: ...
    def collect_many(self, users: Iterable[int], notes: Iterable[int], *, now: float) -> Any: ...
    def follow_many(
        self, users: Iterable[int], targets: Iterable[int], *, now: float, via_notes: Any
    ) -> Any: ...
    def view_product_many(
        self, users: Iterable[int], products: Iterable[int], *, now: float, channel: int
    ) -> None: ...
    def search_many(
        self, users: Iterable[int], queries: Sequence[str], *, now: float, limit: int
    ) -> list[SearchResult]: ...


class Stream(Protocol):
    """One purpose's random numbers: scalar draws and a numpy generator for arrays."""

    rng: np.random.Generator

    def random(self) -> float: ...
    def getrandbits(self, k: int) -> int: ...
    def shuffle(self, x: MutableSequence[Any]) -> None: ...
    def getstate(self) -> Any:
        """Where the scalar draws are (to come back to with ``setstate``)."""
        ...

    def setstate(self, state: Any) -> None: ...


class Streams(Protocol):
    """The streams agents draw from, one per purpose (so a change in one purpose's draws
    leaves the others' numbers alone)."""

    decisions: Stream
    brands: Stream
    staff: Stream


class Behaviour(Protocol):
    """The scenario's behaviour rates that agents act on (per opportunity, 0..1 unless
    said otherwise)."""

    open_rate: float
    scroll_on: float  # probability to look at the next row of cards
    social_proof: float  # elasticity of opening a card in the like count it shows
    cover_correlation: float  # of a note's cover (the click) with its content (log scale)
    off_interest: float  # appeal multiplier of a note outside the reader's interests
    share_open_rate: float
    like_rate: float
    collect_rate: float
    comment_rate: float
    share_rate: float
    reshare_rate: float
    share_outside_share: float
    share_recipients: int
    follow_rate: float
    intent_gain: float
    buy_beta: float
    review_post_rate: float


class Notes(Protocol):
    """Hidden traits of notes, indexed by platform note id (what a reader perceives); the
    columns are arrays (buffers such as ``array.array``): decisions read them compiled."""

    ORGANIC: int
    SPONSORED: int
    REVIEW: int
    appeal: MutableSequence[float]  # how engaging a note is once opened
    cover_appeal: MutableSequence[float]  # how strongly its cover draws the click
    valence: MutableSequence[float]
    product: MutableSequence[int]
    kind: MutableSequence[int]
    topics: MutableSequence[int]
    author: MutableSequence[int]
    author_pull: MutableSequence[float]

    def cover(self, note: int) -> None: ...
    def appeal_of(self, ids: np.ndarray) -> np.ndarray: ...


class Catalogue(Protocol):
    """Products as shoppers see them, indexed by platform product id, plus hidden quality."""

    name: Sequence[str]
    topic: Sequence[int]
    price: MutableSequence[float]
    base_price: Sequence[float]
    quality: Sequence[float]
    stock_hint: MutableSequence[int]  # 1 if shoppers can see it in stock

    def pick_in_topics(self, mask: int, rand: random.Random | Stream) -> int: ...
    def unavailable(self) -> list[int]: ...


class Tally(Protocol):
    """The day's counters that agents bump."""

    sessions: int
    reads: int
    discovery_pages: int
    short_pages: int


class Growth(Protocol):
    """Who a share reaches, and who comes from outside through it."""

    def recipients(self, followers: Sequence[int], topics: int, k: int) -> list[int]: ...
    def outside_visits(self, share: int, sharer: int, now: float) -> None: ...


class Scheduler(Protocol):
    """The offline world: things that happen later (a note going live, a price reset) and
    orders on their way (shipping, days of use, then a review)."""

    def later(self, when: float, fn: Callable[..., Any], *args: Any) -> None: ...
    def start_order(self, order: int, buyer: Consumer, product: int) -> None: ...


class World(Protocol):
    """Everything agents use beyond their own state."""

    platform: AgentPlatform
    streams: Streams
    behaviour: Behaviour
    notes: Notes
    catalogue: Catalogue
    tally: Tally
    growth: Growth
    offline: Scheduler | None  # None when nothing ships (a crowd under load test)
    people: Sequence[Consumer]  # views onto the rows of ``columns``, in row order
    columns: People  # the crowd's traits and state
    creator_settings: CreatorSettings
    channel_weights: tuple[float, float, float]  # discovery, following, search
    page_size: int  # cards in a full discovery page
    intent_half_life_hours: float
    sharing_enabled: bool  # post-purchase sharing (a timeline event may switch it)
    adopters: int  # people who bought at least once
    median_creator_followers: float
    head_kols: set[int]  # uids of the creators with the most followers
    note_tactic: dict[int, str]  # brand-paid note -> the tactic that paid for it
    campaign_tactic: dict[int, str]  # ad campaign -> tactic

    def register_agent(self, agent: Any) -> None:
        """Called by ``mesa.Agent.__init__`` for every agent created."""
        ...

    def publish(
        self,
        author: Consumer | Brand,
        topics: list[str],
        *,
        now: float,
        kind: int,
        product: int = -1,
        valence: float = 0.0,
        sponsor: int | None = None,
        source_order: int = -1,
        collaboration: int | None = None,
    ) -> Generator[Any, Any, int]:
        """Publish through the platform and record the note's hidden traits (behaviour
        steps); returns the note id."""
        ...

    def publish_about(self, author: Consumer | Brand, product: int, **kwargs: Any) -> int:
        """A note about ``product``, in its topic and tagging it (in-process)."""
        ...

    def social_proof(self, product: int, now: float) -> Generator[Any, Any, float]:
        """How much the product page's reviews back a purchase, 0.25..1 (behaviour steps)."""
        ...

    def record_order(self, view: Order) -> None:
        """Book-keeping for metrics once an order is paid."""
        ...

    def creators_for(self, topic: int, *, head: bool) -> list[Creator]:
        """Creators a brand may approach for a product in ``topic``, in the order to ask."""
        ...

    def set_price(self, brand: Brand, product: int, price: float, now: float) -> None: ...
    def send_sample(self, brand: Brand, product: int, person: Consumer, now: float) -> int | None:
        """A free unit to ``person`` (order id), or None if out of stock."""
        ...

    def brand_revenue(self, brand: Brand) -> float: ...
    def brand_revenue_by_tactic(self, brand: Brand) -> dict[str, float]: ...
