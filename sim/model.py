"""The redloop model: a Mesa model on a clock of pending steps held as data (1 tick = 1 hour).

Build it from a :class:`~redloop.scenarios.schema.Scenario`, step it hour by hour (or
``run_days``), read metrics as DataFrames. Everything random is drawn from per-purpose
streams re-keyed every hour from the scenario's seed (:mod:`redloop.sim.streams`): same
scenario + seed ⇒ identical event log and metrics, and two scenarios that differ in one
setting share their random numbers wherever their histories agree.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Generator
from typing import Any

import mesa
import numpy as np
import pandas as pd

from redloop.agents.brand import TACTICS, Brand, describe
from redloop.agents.consumer import Consumer, Creator
from redloop.agents.people import People
from redloop.agents.staff import Editor, ShopOperator
from redloop.agents.steps import run_inline
from redloop.platform.api import TOPICS, EventLog, Order, OutOfStock, Platform
from redloop.scenarios.schema import Behaviour, Scenario, TimelineEvent

from . import population
from .clock import Clock
from .growth import ShareGrowth
from .metrics import NOTE_KINDS, REPORTERS, DayStats, Tally, close_day, totals
from .offline import Offline
from .routines import BassAdoption, Days, Online, Posting
from .streams import Streams
from .world import NOTE_LOG_MEAN, NOTE_LOG_SD, Catalogue, NoteTraits, cover_draw

#: Where a brand's revenue came from: the tactic of the note an order is attributed to.
REVENUE_SOURCES = ("organic", "direct", *TACTICS)
#: The brand report, one row per brand per day (cumulative figures).
BRAND_COLUMNS = (
    "day",
    "brand",
    "units",
    "revenue",
    "budget",
    "spend",
    "utilisation",
    "unspent",
    "why_unspent",
    "roi",
    "weekly_budget",
    *(f"revenue_{source}" for source in REVENUE_SOURCES),
)
#: An established brand's offline reputation, counted as this many reviews at its quality.
PRIOR_REVIEWS = 10
#: Reviews at which a product page's doubt has fallen to 1/e (``1 − exp(−reviews / this)``).
REVIEWS_TO_TRUST = 5.0


def review_proof(reviews: int, rating: float, prior_quality: float | None, size: float) -> float:
    """How much a product page's word of mouth backs a purchase, 0.25..1.

    Shoppers read reviews before buying (the shop's edge, docs/calibration.md): with no
    reviews they hesitate; many good reviews remove the doubt. An established brand
    (``prior_quality`` not None) carries a reputation worth ``PRIOR_REVIEWS`` reviews at its
    true quality. Both counts are set for the scenario's ``reference_users``: a community
    ``size`` (``size_factor``) times larger writes that many times more reviews of a
    product its members buy at the same rate, so the page's ``reviews`` are read as
    ``reviews / size`` reference-size reviews. (A simulated community is a sample of the
    platform; counted raw, a product would turn credible sooner, and sell more per person,
    the larger the sample.)
    """
    written = reviews / size
    prior = PRIOR_REVIEWS if prior_quality is not None else 0
    total = written + prior
    if not total:
        return 0.25
    stars = (rating * written + (1 + 4 * (prior_quality or 0.0)) * prior) / total
    return 0.25 + 0.75 * (1 - math.exp(-total / REVIEWS_TO_TRUST)) * (stars - 1) / 4


class RedloopModel(mesa.Model):
    """The share → interact → consume → share loop on a real platform."""

    def __init__(
        self, scenario: Scenario | None = None, *, log_path: str | None = None, **meta: Any
    ) -> None:
        scenario = scenario or Scenario()
        world = scenario.world_seed

        def fresh_platform(seed: int) -> Platform:
            return Platform(
                scenario.platform_config(), rng=seed, log=EventLog(retain=log_path is None)
            )

        self._init_world(scenario, fresh_platform)
        if log_path is not None:
            self.platform.stream_log(log_path, scenario=scenario.to_dict(), **meta)
        self.offline = Offline(self)
        population.build_people(self, scenario, self.platform)
        self.growth = ShareGrowth(self)
        population.build_staff(self, scenario, self.platform)
        population.build_brands(self, scenario, self.platform)
        population.seed_content(self)
        if world >= 0:
            self._enter_world(world)
        self.totals = totals(self.platform.tables())
        self.datacollector = mesa.DataCollector(
            model_reporters=REPORTERS,
            tables={"brands": list(BRAND_COLUMNS)},
        )
        self.clock.start(Days(self))
        if scenario.adoption.mode == "bass":
            self.clock.start(BassAdoption(self))
        else:
            self.clock.start(Online(self))
            self.clock.start(Posting(self))
        for event in scenario.timeline:
            self.offline.later(event.day * 24, self.timeline_event, event)

    def _init_world(self, scenario: Scenario, platform_of: Callable[[int], Any]) -> None:
        """The world's state before anyone exists, on the platform ``platform_of(seed)`` gives
        (shared with the load generator's crowd)."""
        self.scenario_config = scenario
        super().__init__(rng=np.random.default_rng(scenario.seed))  # Mesa's own generators
        self.streams = Streams(scenario.seed)
        self.take_behaviour(scenario.behaviour)
        self.sharing_enabled = scenario.behaviour.post_purchase_sharing
        self.activity_multiplier = 1.0
        self.page_size = scenario.platform_config().page_size

        self.clock = Clock()
        self.hour = 0
        self.columns = People()  # the crowd's traits and state; ``people`` are views onto it
        self.platform = platform_of(self.streams.platform_seed)
        self.notes = NoteTraits()
        self.catalogue = Catalogue()
        self.offline: Offline | None = None
        self.note_tactic: dict[int, str] = {}
        self.campaign_tactic: dict[int, str] = {}
        self.order_time = array("d")
        self.order_children = array("i")
        self.sample_orders = array("i")  # platform ids of free samples (no purchase)
        self.brand_sales: dict[int, dict[str, float]] = {}
        self._proof: dict[int, tuple[int, float]] = {}
        self.adopters = 0
        self.tally = Tally()
        self.totals = {"impressions": 0, "engagements": 0, "follows": 0}
        self.today = DayStats()
        self.editors: list[Editor] = []
        self.shop: ShopOperator | None = None

    def take_behaviour(self, b: Behaviour) -> None:
        """Behave by ``b`` from now on (at the start, or in a fork)."""
        self.behaviour = b
        total = b.channel_discovery + b.channel_following + b.channel_search or 1.0
        self.channel_weights = (
            b.channel_discovery / total,
            b.channel_following / total,
            b.channel_search / total,
        )
        self.intent_half_life_hours = b.intent_half_life_days * 24

    # ================================================================ building

    def register_agent(self, agent: Any) -> None:
        """Mesa holds the few rich actors (brands, editors, the shop); the crowd of consumers
        and creators is held by the model itself (``people`` and its trait columns), so a
        million of them do not pay for Mesa's registry and its signals."""
        if not isinstance(agent, Consumer):
            super().register_agent(agent)

    def add_person(self, agent: Consumer, activity: float) -> None:
        """A consumer who joins during the run (a sign-up through a share; their row of
        ``columns`` exists already)."""
        self.people.append(agent)
        self.columns.activity[agent.row] = activity

    @property
    def activity(self) -> np.ndarray:
        """Everyone's sessions per day (a view of the column)."""
        return self.columns.live("activity")

    def _enter_world(self, world_seed: int) -> None:
        """From here on draw from the world's own streams: the community built from the
        scenario seed is the same in every world, what happens in it is not (the
        independent worlds of Salganik, Dodds & Watts 2006)."""
        self.streams.enter_world(world_seed)

    # ================================================================ world services

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
        """Publish through the platform and record the note's hidden traits (behaviour
        generator: see :func:`redloop.agents.steps.run_inline`)."""
        draw = self.streams.notes
        fmt = "video" if draw.random() < 0.3 else "image"
        title = f"{self.catalogue.name[product]} — my take" if product >= 0 else ""
        nid = yield self.platform.publish(
            author.uid,
            topics,
            now=now,
            format=fmt,
            products=(product,) if product >= 0 else (),
            sponsor=sponsor,
            title=title,
            collaboration=collaboration,
        )
        skill = getattr(author, "skill", 1.0)
        boost = 1.15 if fmt == "video" else 1.0
        content = float(draw.rng.lognormal(NOTE_LOG_MEAN, NOTE_LOG_SD))
        cover = cover_draw(content, self.behaviour.cover_correlation, draw.rng)
        mask = sum(1 << TOPICS.index(t) for t in topics)
        self.notes.set(
            nid,
            appeal=min(skill * content * boost, 8.0),
            cover_appeal=min(skill * cover * boost, 8.0),
            valence=valence,
            product=product,
            kind=kind,
            topics=mask,
            author=author.uid,
            author_pull=min(skill, 4.0),
            source_order=source_order,
        )
        if kind == NoteTraits.ORGANIC:
            self.tally.notes_organic += 1
        elif kind == NoteTraits.SPONSORED:
            self.tally.notes_sponsored += 1
        else:
            self.tally.notes_review += 1
        return nid

    def publish_note(self, author: Any, topics: list[str], **kwargs: Any) -> int:
        """:meth:`publish` against the in-process platform."""
        return run_inline(self.publish(author, topics, **kwargs))

    def publish_about(self, author: Any, product: int, **kwargs: Any) -> int:
        """A note about ``product``, in its topic and tagging it (in-process)."""
        topic = TOPICS[self.catalogue.topic[product]]
        return self.publish_note(author, [topic], product=product, **kwargs)

    def set_price(self, brand: Brand, product: int, price: float, now: float) -> None:
        self.platform.set_price(brand.uid, product, round(price, 2), now=now)
        self.catalogue.price[product] = round(price, 2)

    def send_sample(self, brand: Brand, product: int, person: Consumer, now: float) -> int | None:
        """A brand's free unit to ``person``: shipped, used and maybe reviewed like a purchase
        by the offline world, but no sale (not in orders, GMV or adopters). None if out of
        stock."""
        try:
            order = self.platform.send_sample(brand.uid, product, person.uid, now=now)
        except OutOfStock:
            self.catalogue.stock_hint[product] = 0
            return None
        self.order_time.append(now)  # order arrays are indexed by platform order id
        self.order_children.append(0)
        self.sample_orders.append(order)
        person.got(product)  # has it now: word of mouth won't make them buy it
        if self.offline is not None:
            self.offline.start_order(order, person, product)
        return order

    def social_proof(self, product: int, now: float) -> Generator[Any, Any, float]:
        """How much a product page's word of mouth backs a purchase (:func:`review_proof`).
        Pages are re-read at most once per simulated hour (behaviour generator)."""
        hour = int(now)
        cached = self._proof.get(product)
        if cached is not None and cached[0] == hour:
            return cached[1]
        info = yield self.platform.product(product)
        proof = review_proof(
            info.reviews,
            info.rating or 0.0,
            self.catalogue.quality[product] if self.catalogue.established[product] else None,
            self.scenario_config.size_factor,
        )
        self._proof[product] = (hour, proof)
        return proof

    def seller_of(self, product: int) -> int:
        shop = self.shop
        return shop.uid if shop and product in shop.stocked else self.catalogue.brand[product]

    def creators_for(self, topic: int, *, head: bool) -> list[Creator]:
        """Creators to approach for a product in ``topic``: head KOLs by reach, or KOCs
        (everyone else) in random order, topic fans first."""
        if head:
            return [c for c in self._creators_by_followers if c.uid in self.head_kols]
        kocs = [c for c in self.creators if c.uid not in self.head_kols]
        self.streams.brands.shuffle(kocs)
        kocs.sort(key=lambda c: not c.interests >> topic & 1)
        return kocs

    def record_order(self, view: Order) -> None:
        """Book-keeping for metrics: attribution as the platform recorded it."""
        t = self.tally
        t.orders += 1
        t.units += view.quantity
        t.gmv += view.amount
        t.by_channel[view.channel] += 1  # type: ignore[index]
        kind = "none" if view.note is None else NOTE_KINDS[self.notes.kind[view.note]]
        t.by_note_kind[kind] += 1  # type: ignore[index]
        self.order_time.append(view.placed_at)
        self.order_children.append(0)
        if view.note is not None:
            parent = self.notes.source_order[view.note]
            if parent >= 0:
                self.order_children[parent] += 1
        brand = self.catalogue.brand[view.product]
        sales = self.brand_sales.setdefault(brand, {"units": 0, "revenue": 0.0})
        sales["units"] += view.quantity
        sales["revenue"] += view.amount
        tactic = self.note_tactic.get(view.note, "organic") if view.note is not None else "direct"
        key = f"revenue_{tactic}"
        sales[key] = sales.get(key, 0.0) + view.amount

    def brand_revenue(self, brand: Brand) -> float:
        return self.brand_sales.get(brand.uid, {}).get("revenue", 0.0)

    def brand_revenue_by_tactic(self, brand: Brand) -> dict[str, float]:
        sales = self.brand_sales.get(brand.uid, {})
        return {k.removeprefix("revenue_"): v for k, v in sales.items() if k.startswith("revenue_")}

    # ================================================================ processes

    def close_day(self, day: int) -> None:
        """The day's metrics row and brand rows; the day's tallies start again."""
        self.today = close_day(self, day)
        self.datacollector.collect(self)
        for brand in self.brands:
            sales = self.brand_sales.get(brand.uid, {"units": 0, "revenue": 0.0})
            spend = brand.total_spend()
            budget = brand.budgeted
            self.datacollector.add_table_row(
                "brands",
                {
                    "day": day,
                    "brand": brand.name,
                    "units": sales["units"],
                    "revenue": round(sales["revenue"], 2),
                    "budget": round(budget, 2),
                    "spend": round(spend, 2),
                    "utilisation": spend / budget if budget > 0 else math.nan,
                    "unspent": round(max(0.0, budget - spend), 2),
                    "why_unspent": describe(brand.why_unspent),
                    "roi": sales["revenue"] / spend if spend > 0 else math.nan,
                    "weekly_budget": brand.weekly_budget,
                    **{
                        f"revenue_{source}": round(sales.get(f"revenue_{source}", 0.0), 2)
                        for source in REVENUE_SOURCES
                    },
                },
            )
        self.tally = Tally()
        self.columns.live("active_today")[:] = False

    def timeline_event(self, event: TimelineEvent, now: float) -> None:
        p = self.platform
        if event.kind == "recommender":
            p.set_recommender(event.recommender, now=now)
        elif event.kind == "sharing":
            self.sharing_enabled = event.enabled
        elif event.kind == "festival":
            self.activity_multiplier *= event.activity
            for brand in self.brands:
                brand.discount(event.discount, now)
            self.offline.later(now + event.days * 24, self._festival_ends, event)
        else:
            brand = next(b for b in self.brands if b.name == event.brand)
            if event.kind == "campaign":
                # set, like brands' weekly budgets, for the reference community
                budget = event.budget * self.scenario_config.size_factor
                brand.spend_budget(budget, event.strategy, now)
            else:  # price
                brand.discount(event.discount, now)
                self.offline.later(now + event.days * 24, brand.discount, 0.0)

    def _festival_ends(self, event: TimelineEvent, now: float) -> None:
        self.activity_multiplier /= event.activity
        for brand in self.brands:
            brand.discount(0.0, now)

    # ================================================================ stepping & reading

    def step(self) -> None:
        """Advance one simulated hour (every random stream re-keyed for it first)."""
        self.platform.reseed(self.streams.at_hour(self.hour))
        self.hour += 1
        self.clock.run(until=self.hour)

    def run_days(self, days: int, progress: Any = None) -> None:
        for _ in range(days * 24):
            self.step()
            if progress is not None and self.hour % 24 == 0:
                progress(self.hour // 24)

    @property
    def day(self) -> int:
        return self.hour // 24

    def metrics(self) -> pd.DataFrame:
        """One row per simulated day."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def brand_metrics(self) -> pd.DataFrame:
        """The brand report: per brand per day, cumulative (columns ``BRAND_COLUMNS``)."""
        return self.datacollector.get_table_dataframe("brands")

    def brand_weeks(self) -> pd.DataFrame:
        """Per brand per week a seeding tactic ran: budget, committed, unspent and why."""
        columns = ("week", "brand", "tactic", "budget", "committed", "unspent", "why_unspent")
        rows = [row for brand in self.brands for row in brand.ledger]
        frame = pd.DataFrame(rows, columns=list(columns))
        return frame.sort_values(["week", "brand"], kind="stable").reset_index(drop=True)

    def close(self) -> None:
        """Finish the streamed event log file, if any."""
        self.platform.close_log()
