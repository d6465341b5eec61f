"""A small world for agents, with no simulation behind it: a real in-process platform and
plain lists for everything else. If agents reached for anything outside
:class:`redloop.agents.world.World`, driving them here would fail."""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from redloop.agents.people import People
from redloop.agents.settings import CreatorSettings
from redloop.agents.steps import run_inline
from redloop.agents.world import World
from redloop.platform.api import TOPICS, Order, OutOfStock, Platform


class FakeStream(random.Random):
    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.rng = np.random.default_rng(seed)


@dataclass
class FakeStreams:
    decisions: FakeStream = field(default_factory=lambda: FakeStream(1))
    brands: FakeStream = field(default_factory=lambda: FakeStream(2))
    staff: FakeStream = field(default_factory=lambda: FakeStream(3))


@dataclass
class FakeBehaviour:
    """Every rate 1 unless a test says otherwise: what can happen, happens."""

    open_rate: float = 1.0
    scroll_on: float = 1.0
    social_proof: float = 0.0
    off_interest: float = 1.0
    share_open_rate: float = 1.0
    like_rate: float = 1.0
    collect_rate: float = 1.0
    comment_rate: float = 0.0
    share_rate: float = 0.0
    reshare_rate: float = 0.0
    share_outside_share: float = 0.0
    share_recipients: int = 3
    follow_rate: float = 0.0
    intent_gain: float = 5.0
    buy_beta: float = 50.0
    review_post_rate: float = 1.0


class FakeNotes:
    """Columns as the world keeps them (arrays: the decisions read them compiled)."""

    ORGANIC, SPONSORED, REVIEW = 0, 1, 2
    COLUMNS = (("appeal", "d"), ("valence", "d"), ("product", "q"), ("kind", "q"))
    COLUMNS += (("topics", "q"), ("author", "q"), ("author_pull", "d"), ("cover_appeal", "d"))

    def __init__(self) -> None:
        for name, code in self.COLUMNS:
            setattr(self, name, array(code))

    def cover(self, note: int) -> None:
        while len(self.kind) <= note:
            defaults = (1.0, 0.0, -1, 0, 0, -1, 1.0, 1.0)
            for (name, _), default in zip(self.COLUMNS, defaults, strict=True):
                getattr(self, name).append(default)

    def appeal_of(self, ids: np.ndarray) -> np.ndarray:
        return np.array([self.appeal[int(i)] for i in ids], dtype=np.float64)


@dataclass
class FakeCatalogue:
    name: list[str] = field(default_factory=list)
    topic: list[int] = field(default_factory=list)
    price: list[float] = field(default_factory=list)
    base_price: list[float] = field(default_factory=list)
    quality: list[float] = field(default_factory=list)
    stock_hint: list[int] = field(default_factory=list)

    def add(self, name: str, topic: str, price: float, quality: float, stock: int) -> None:
        self.name.append(name)
        self.topic.append(TOPICS.index(topic))
        self.price.append(price)
        self.base_price.append(price)
        self.quality.append(quality)
        self.stock_hint.append(int(stock > 0))

    def pick_in_topics(self, mask: int, rand: Any) -> int:
        options = [p for p, t in enumerate(self.topic) if mask >> t & 1]
        return options[int(rand.random() * len(options))] if options else -1

    def unavailable(self) -> list[int]:
        return [p for p, s in enumerate(self.stock_hint) if not s]


@dataclass
class FakeTally:
    sessions: int = 0
    reads: int = 0
    discovery_pages: int = 0
    short_pages: int = 0


class FakeGrowth:
    def recipients(self, followers: Any, topics: int, k: int) -> list[int]:
        return list(followers)[:k]

    def outside_visits(self, share: int, sharer: int, now: float) -> None:
        return None


class FakeScheduler:
    """Remembers what was scheduled; ``run_all`` calls it (in time order)."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[..., Any], tuple[Any, ...]]] = []
        self.orders: list[tuple[int, Any, int]] = []

    def later(self, when: float, fn: Callable[..., Any], *args: Any) -> None:
        self.pending.append((when, fn, args))

    def start_order(self, order: int, buyer: Any, product: int) -> None:
        self.orders.append((order, buyer, product))

    def run_all(self) -> None:
        for when, fn, args in sorted(self.pending, key=lambda item: item[0]):
            fn(*args, when)
        self.pending.clear()


class FakeWorld:
    """Just what :class:`World` lists, nothing more."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.streams = FakeStreams()
        self.behaviour = FakeBehaviour()
        self.notes = FakeNotes()
        self.catalogue = FakeCatalogue()
        self.tally = FakeTally()
        self.growth = FakeGrowth()
        self.offline: FakeScheduler | None = FakeScheduler()
        self.people: list[Any] = []
        self.columns = People()
        self.creator_settings = CreatorSettings(fee_floor=200.0, fee_elasticity=1.0)
        self.channel_weights = (1.0, 0.0, 0.0)  # discovery only
        self.page_size = platform.config.page_size
        self.intent_half_life_hours = 24.0 * 7
        self.sharing_enabled = True
        self.adopters = 0
        self.median_creator_followers = 1.0
        self.head_kols: set[int] = set()
        self.note_tactic: dict[int, str] = {}
        self.campaign_tactic: dict[int, str] = {}
        self.agents: list[Any] = []
        self.orders: list[Order] = []
        self.creators: list[Any] = []
        self.revenue: dict[int, float] = {}

    def register_agent(self, agent: Any) -> None:
        self.agents.append(agent)

    def publish(
        self,
        author: Any,
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
        nid = yield self.platform.publish(
            author.uid,
            topics,
            now=now,
            products=(product,) if product >= 0 else (),
            sponsor=sponsor,
            collaboration=collaboration,
        )
        self.notes.cover(nid)
        self.notes.valence[nid], self.notes.product[nid] = valence, product
        self.notes.kind[nid], self.notes.author[nid] = kind, author.uid
        self.notes.topics[nid] = sum(1 << TOPICS.index(t) for t in topics)
        return nid

    def publish_about(self, author: Any, product: int, **kwargs: Any) -> int:
        topic = TOPICS[self.catalogue.topic[product]]
        return run_inline(self.publish(author, [topic], product=product, **kwargs))

    def social_proof(self, product: int, now: float) -> Generator[Any, Any, float]:
        yield self.platform.product(product)
        return 1.0

    def record_order(self, view: Order) -> None:
        self.orders.append(view)
        self.revenue[self.platform.product(view.product).brand] = (
            self.revenue.get(self.platform.product(view.product).brand, 0.0) + view.amount
        )

    def creators_for(self, topic: int, *, head: bool) -> list[Any]:
        return [c for c in self.creators if (c.uid in self.head_kols) == head]

    def set_price(self, brand: Any, product: int, price: float, now: float) -> None:
        self.platform.set_price(brand.uid, product, round(price, 2), now=now)
        self.catalogue.price[product] = round(price, 2)

    def send_sample(self, brand: Any, product: int, person: Any, now: float) -> int | None:
        try:
            return self.platform.send_sample(brand.uid, product, person.uid, now=now)
        except OutOfStock:
            return None

    def brand_revenue(self, brand: Any) -> float:
        return self.revenue.get(brand.uid, 0.0)

    def brand_revenue_by_tactic(self, brand: Any) -> dict[str, float]:
        return {}


def as_world(world: FakeWorld) -> World:
    """The fake, typed as what agents expect (a type checker holds it to the protocol)."""
    return world


def world_members() -> set[str]:
    """The names :class:`World` lists: its attributes and its methods."""
    methods = {n for n, v in vars(World).items() if callable(v) and not n.startswith("_")}
    return set(World.__annotations__) | methods
