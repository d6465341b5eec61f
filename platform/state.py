"""The platform's state and the one way it changes: an ``_apply_<kind>`` method per event kind.

Every command of the facade validates, appends one event and calls its kind's apply method;
replay (:mod:`.replay`) unpacks a logged event through the codec table and calls the same
method, so a replayed platform is identical. Apply methods take ``(actor, object, now,
*fields)`` in the order the codec declares the kind's fields, and never validate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import kernels
from .ads import Ads
from .boosts import Boosts
from .checks import NUMBER
from .codec import CODECS, EventKind
from .collabs import Collabs
from .errors import InvalidInput
from .eventlog import EventLog
from .model import (
    TOPICS,
    AccountKind,
    AdPlacement,
    Channel,
    OrderStatus,
    PlatformConfig,
    SearchResult,
)
from .notes import Notes
from .recommenders import REGISTRY, CESPools, Recommender, SeenFilter
from .search import Search
from .shares import Shares
from .shop import Shop
from .social import Accounts
from .trending import Trending

__all__ = ["APPLY", "Match", "PlatformState", "search_result"]

#: How much each action teaches the interest profile about the note's topics.
LEARN_READ, LEARN_ENGAGE = 0.1, 0.5
_DISCOVERY = int(Channel.DISCOVERY)
#: What a query names: its topics and products (by id).
Match = tuple[tuple[int, ...], tuple[int, ...]]


def search_result(
    query: str, match: Match, found: tuple[int, ...], ad_note: int | None = None
) -> SearchResult:
    """What a search answers: the query's topics (by name) and products, the notes found
    and the search ad's note (None: no ad won)."""
    topics, products = match
    return SearchResult(query, tuple(TOPICS[t] for t in topics), products, found, ad_note)


def _status(target: OrderStatus) -> Callable[[PlatformState, int, int, float], None]:
    """The apply method of an order transition event: the order moves to ``target``."""

    def apply(self: PlatformState, actor: int, order: int, now: float) -> None:
        self._shop.set_status(order, target)

    return apply


class PlatformState:
    """The stores, the clock and the apply methods; the facade adds the commands."""

    def __init__(
        self,
        config: PlatformConfig | None = None,
        *,
        rng: np.random.Generator | int | None = None,
        log: EventLog | None = None,
    ) -> None:
        self.config = config = config or PlatformConfig()
        if config.recommender not in REGISTRY:
            raise InvalidInput(
                f"unknown recommender {config.recommender!r}; allowed: {', '.join(REGISTRY)}",
                field="recommender",
                value=config.recommender,
            )
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        # Recommenders draw many scalars per page: a stdlib Random seeded from the one
        # numpy Generator is ~10x faster per draw and stays deterministic.
        self._rand = random.Random(int(rng.integers(2**63)))
        self.log = log if log is not None else EventLog()
        self._now = -math.inf
        self._accounts = Accounts()
        self._notes = Notes(config.ces_weights)
        self._shop = Shop(config.attribution_window_hours)
        self._ads = Ads()
        self._boosts = Boosts()
        self._reserve_mc = round(config.ad_reserve_cpm * 100)
        self._collabs = Collabs()
        self._shares = Shares()
        self._trending = Trending(config.trending_window_hours)
        self._search = Search(self._accounts, self._notes, self._shop, config.decay_half_life_hours)
        self._seen = SeenFilter(config.seen_window)
        self._recommenders = {
            name: cls(self._accounts, self._notes, config, self._rand)
            for name, cls in REGISTRY.items()
        }
        self._by_code = {r.code: r for r in self._recommenders.values()}
        self._active: Recommender = self._recommenders[config.recommender]
        self._pools: CESPools = self._recommenders["ces_pools"]  # type: ignore[assignment]
        kernels.warm_up()

    def reseed(self, seed: int) -> None:
        """Restart the feeds' random stream from ``seed``. Not an event (feeds are not
        replayed, their reads are): a simulation re-keys it every simulated hour so that two
        runs that differ in one setting sample their feeds alike (common random numbers)."""
        self._rand.seed(seed)
        for recommender in self._recommenders.values():
            recommender.on_reseed()

    # ================================================================ the clock

    @property
    def now(self) -> float:
        """Time of the latest operation (``-inf`` before the first)."""
        return self._now

    def _check_now(self, now: float) -> float:
        """Validate ``now`` without advancing the clock (for calls that may log nothing).
        Inline rather than a call to :mod:`.checks`: every command passes here."""
        if not (isinstance(now, NUMBER) and now >= self._now and now == now):
            raise InvalidInput(
                f"now must be a number >= the platform's current time {self._now}; got {now!r}",
                field="now",
                value=now,
            )
        return float(now)

    def _tick(self, now: float) -> float:
        """Validate ``now`` and advance the clock: only just before logging an event, so the
        clock is always the log's and a replay reproduces it."""
        self._now = now = self._check_now(now)
        return now

    def _emit(self, kind: EventKind, now: float, actor: int, obj: int, *fields: Any) -> Any:
        """Log one event with its fields packed by the codec table, then apply it: what
        replay does. (The hot kinds append and apply directly, saving the calls.)"""
        self.log.append(kind, now, actor, obj, *CODECS[kind].pack(*fields))  # type: ignore[union-attr]
        return APPLY[kind](self, actor, obj, now, *fields)  # type: ignore[misc]

    # ================================================================ shared effects

    def _engaged(self, user: int, note: int, weight: float, now: float) -> None:
        notes = self._notes
        mask = notes.topics[note]
        cfg = self.config
        self._accounts.learn(
            user,
            mask,
            LEARN_ENGAGE,
            now,
            cfg.interest_half_life_hours,
            cfg.interest_coengagement_refresh_hours if cfg.interest_coengagement_weight else 0.0,
        )
        self._trending.record(now, mask, notes.products.get(note, ()), weight)

    def _add_share(
        self,
        user: int,
        note: int,
        now: float,
        parent: int = -1,
        outside: bool = False,
        recipients: tuple[int, ...] = (),
    ) -> int:
        self._notes.engage(self._notes.shares, self._notes.w_share, note)
        self._engaged(user, note, self._notes.w_share, now)
        return self._shares.add(user, note, parent, now, outside, recipients)

    def _add_note(
        self,
        author: int,
        now: float,
        mask: int,
        fmt: int,
        sponsor: int,
        products: tuple[int, ...],
        title: str,
    ) -> int:
        nid = self._notes.add(author, now, mask, fmt, sponsor, products, title)
        self._accounts.n_notes[author] += 1
        if products:
            self._shop.tag(nid, products)
        for rec in self._recommenders.values():
            rec.on_published(nid, now)
        return nid

    def _feed_targeting(self, user: int) -> int:
        """Topics a feed ad for ``user`` may target: their interests (any, if they have none)."""
        return self._accounts.interests[user] or 0xFFFF

    def _search_targeting(self, topics: Sequence[int], products: Sequence[int]) -> int:
        """Topics a search ad may target: the query's, else those of the products it names."""
        return sum(1 << t for t in topics) or sum(
            1 << t for t in {self._shop.topic[p] for p in products}
        )

    def _log_search(
        self,
        user: int,
        query: str,
        match: Match,
        found: tuple[int, ...],
        now: float,
        *,
        ads: bool,
    ) -> SearchResult:
        """Log one validated, ranked search (``match``: the query's topics and products),
        with the search ad it wins when ``ads`` (a search campaign may be running)."""
        topics, products = match
        mask = self._search_targeting(topics, products) if ads else 0
        campaign = -1
        if mask:
            campaign = self._ads.auction(AdPlacement.SEARCH, mask, now, self._reserve_mc)[0]
        self._emit(EventKind.SEARCHED, now, user, -1, query, found, campaign)
        ad_note = self._ads.note[campaign] if campaign >= 0 else None
        return search_result(query, match, found, ad_note)

    def _charge(self, placement: int, topics: int, campaign: int, now: float) -> None:
        """Charge the auction's winner its second price (re-run on the same state, so a
        replay charges exactly what the live platform did)."""
        price = self._ads.auction(placement, topics, now, self._reserve_mc)[1]
        self._ads.charge(campaign, price, self._reserve_mc)

    # ================================================================ accounts & notes

    def _apply_user_created(
        self, uid: int, _: int, now: float, kind: int, mask: int, name: str
    ) -> None:
        self._accounts.add(kind, mask, name, now)
        self._search.index_account(uid)

    def _apply_followed(self, user: int, target: int, now: float, via: int) -> None:
        self._accounts.follow(user, target)
        if via >= 0:
            self._credit_follow(via, now)

    def _credit_follow(self, note: int, now: float) -> None:
        """A follow made from ``note`` counts in its CES and its topics' trend."""
        self._notes.engage(self._notes.follows, self._notes.w_follow, note)
        self._trending.record(now, self._notes.topics[note], (), self._notes.w_follow)

    def _apply_unfollowed(self, user: int, target: int, now: float) -> None:
        self._accounts.unfollow(user, target)

    def _apply_note_published(
        self,
        author: int,
        _: int,
        now: float,
        mask: int,
        fmt: int,
        sponsor: int,
        products: tuple[int, ...],
        title: str,
    ) -> None:
        self._add_note(author, now, mask, fmt, sponsor, products, title)

    def _apply_collab_published(
        self,
        author: int,
        _: int,
        now: float,
        collaboration: int,
        mask: int,
        fmt: int,
        sponsor: int,
        products: tuple[int, ...],
        title: str,
    ) -> None:
        nid = self._add_note(author, now, mask, fmt, sponsor, products, title)
        self._collabs.published(collaboration, nid)

    def _apply_note_read(self, user: int, note: int, now: float, channel: int) -> None:
        notes = self._notes
        notes.reads[note] += 1
        cfg = self.config
        self._accounts.learn(
            user,
            notes.topics[note],
            LEARN_READ,
            now,
            cfg.interest_half_life_hours,
            cfg.interest_coengagement_refresh_hours if cfg.interest_coengagement_weight else 0.0,
        )
        products = notes.products.get(note)
        if products:
            self._shop.touched(user, products, note, channel, now)

    def _apply_liked(self, user: int, note: int, now: float) -> None:
        notes = self._notes
        notes.liked.add(user << 32 | note)
        notes.engage(notes.likes, notes.w_like, note)
        self._engaged(user, note, notes.w_like, now)

    def _apply_unliked(self, user: int, note: int, now: float) -> None:
        self._notes.liked.discard(user << 32 | note)
        self._notes.engage(self._notes.likes, self._notes.w_like, note, -1)

    def _apply_collected(self, user: int, note: int, now: float) -> None:
        notes = self._notes
        notes.collected.add(user << 32 | note)
        notes.engage(notes.collects, notes.w_collect, note)
        self._engaged(user, note, notes.w_collect, now)

    def _apply_uncollected(self, user: int, note: int, now: float) -> None:
        self._notes.collected.discard(user << 32 | note)
        self._notes.engage(self._notes.collects, self._notes.w_collect, note, -1)

    def _apply_commented(self, user: int, note: int, now: float, text: str) -> None:
        self._notes.add_comment(user, note, now, text)
        self._engaged(user, note, self._notes.w_comment, now)

    def _apply_note_picked(self, editor: int, note: int, now: float) -> None:
        self._notes.editors_picks.append(note)

    def _apply_config_set(self, _: int, __: int, now: float, settings: dict[str, Any]) -> None:
        """The config with ``settings`` changed, passed to every part that keeps a setting
        of its own (from a stored log, the checks of :meth:`PlatformConfig.changed` refuse
        what a live platform would have refused)."""
        self.config = config = self.config.changed(settings)
        self._active = self._recommenders[config.recommender]
        for recommender in self._recommenders.values():
            recommender.reconfigure(config)
        self._shop.window = config.attribution_window_hours
        self._search.half_life = config.decay_half_life_hours
        self._reserve_mc = round(config.ad_reserve_cpm * 100)

    def _apply_pools_reviewed(self, _: int, __: int, now: float) -> None:
        self._pools.review(now)

    # ================================================================ feeds & search

    def _apply_feed_served(
        self,
        user: int,
        _: int,
        now: float,
        channel: int,
        recommender: int,
        ad_slot: int,
        campaign: int,
        boost_slot: int,
        boost: int,
        cards: Sequence[int],
    ) -> None:
        impressions = self._notes.impressions
        for n in cards:
            impressions[n] += 1
        self._seen.add(user, cards)
        if channel != _DISCOVERY:
            return
        if ad_slot >= 0:
            self._charge(AdPlacement.FEED, self._feed_targeting(user), campaign, now)
        if boost_slot >= 0:
            self._boosts.deliver(boost)
        if ad_slot >= 0 or boost_slot >= 0:  # paid cards do not count toward traffic pools
            cards = [n for i, n in enumerate(cards) if i != ad_slot and i != boost_slot]
        self._by_code[recommender].on_served(cards, now)

    def _apply_searched(
        self, user: int, _: int, now: float, query: str, found: Sequence[int], campaign: int
    ) -> None:
        impressions = self._notes.impressions
        for n in found:
            impressions[n] += 1
        if campaign >= 0:
            impressions[self._ads.note[campaign]] += 1
            mask = self._search_targeting(*self._search.match(query))
            self._charge(AdPlacement.SEARCH, mask, campaign, now)

    # ================================================================ shares

    def _apply_shared(self, user: int, note: int, now: float) -> None:
        self._add_share(user, note, now)

    def _apply_share_delivered(
        self, user: int, note: int, now: float, parent: int, recipients: tuple[int, ...]
    ) -> int:
        return self._add_share(user, note, now, parent, False, recipients)

    def _apply_shared_outside(
        self, user: int, note: int, now: float, parent: int, recipients: tuple[int, ...] = ()
    ) -> int:
        return self._add_share(user, note, now, parent, True)

    def _apply_share_visited(self, _: int, share: int, now: float, visitors: int) -> None:
        self._shares.visitors[share] += visitors

    def _apply_share_signup(self, uid: int, share: int, now: float, mask: int, name: str) -> None:
        self._apply_user_created(uid, uid, now, int(AccountKind.CONSUMER), mask, name)
        shares = self._shares
        shares.signups[share] += 1
        shares.via_share[uid] = share
        note = shares.note[share]
        products = self._notes.products.get(note)
        if products:
            self._shop.touched(uid, products, note, int(Channel.SHARED), now)

    # ================================================================ shop

    def _apply_product_created(
        self,
        brand: int,
        _: int,
        now: float,
        topic: int,
        origin: int,
        cents: int,
        stock: int,
        name: str,
    ) -> None:
        self._shop.add_product(brand, name, topic, cents, stock, origin)

    def _apply_product_restocked(self, _: int, product: int, now: float, quantity: int) -> None:
        self._shop.stock[product] += quantity

    def _apply_price_set(self, _: int, product: int, now: float, cents: int) -> None:
        self._shop.price_cents[product] = cents

    def _apply_product_viewed(self, user: int, product: int, now: float, channel: int) -> None:
        self._shop.touched(user, (product,), -1, channel, now)

    def _apply_order_placed(
        self,
        user: int,
        _: int,
        now: float,
        product: int,
        quantity: int,
        note: int,
        channel: int,
        cents: int,
    ) -> None:
        self._shop.add_order(user, product, quantity, now)
        self._trending.record_order(now, product, quantity)

    _apply_order_paid = _status(OrderStatus.PAID)
    _apply_order_shipped = _status(OrderStatus.SHIPPED)
    _apply_order_delivered = _status(OrderStatus.DELIVERED)
    _apply_order_cancelled = _status(OrderStatus.CANCELLED)
    _apply_order_refunded = _status(OrderStatus.REFUNDED)

    def _apply_order_reviewed(
        self, _: int, order: int, now: float, rating: int, review_note: int
    ) -> None:
        self._shop.add_review(order, rating, review_note)

    def _apply_sample_sent(self, _: int, __: int, now: float, product: int, user: int) -> None:
        self._shop.add_sample(user, product, now)

    # ================================================================ ads, boosts, collaborations

    def _apply_campaign_created(
        self,
        brand: int,
        _: int,
        now: float,
        placement: int,
        mask: int,
        note: int,
        budget_cents: int,
        cpm_cents: int,
        seconds: int,
    ) -> None:
        hours = seconds / 3600 or math.inf
        self._ads.add(brand, note, placement, mask, budget_cents, cpm_cents, now, hours)

    def _apply_campaign_stopped(self, _: int, campaign: int, now: float) -> None:
        self._ads.stop(campaign)

    def _apply_boost_created(
        self,
        user: int,
        _: int,
        now: float,
        goal: int,
        note: int,
        fee_cents: int,
        cpm_cents: int,
        seconds: int,
    ) -> None:
        self._boosts.add(user, note, goal, fee_cents, cpm_cents, now, seconds / 3600)

    def _apply_collab_offered(
        self,
        brand: int,
        _: int,
        now: float,
        fee_cents: int,
        creator: int,
        product: int,
        commission_cents: int,
        hours: int,
    ) -> None:
        self._collabs.add(brand, creator, product, fee_cents, commission_cents, now, hours)

    def _apply_collab_accepted(self, _: int, collaboration: int, now: float) -> None:
        self._collabs.accept(collaboration, now)

    def _apply_collab_closed(
        self, _: int, collaboration: int, now: float, status: int, reason: str
    ) -> None:
        self._collabs.close(collaboration, status, reason)


#: ``APPLY[code]`` is the apply method of the event kind with that code (None where unused).
APPLY: list[Callable[..., object] | None] = [None] * (max(EventKind) + 1)
for _kind in EventKind:
    APPLY[_kind] = getattr(PlatformState, f"_apply_{_kind.label}")
