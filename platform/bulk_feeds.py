"""Bulk serving: discovery and following pages for many users in one call.

The bulk commands' contract (:mod:`.bulk`) for feeds: each is its single command applied to
the users in order — the same pages, impressions, seen marks, traffic-pool quotas and
reviews, ad auctions and charges, boost deliveries and ``feed_served`` events — so the log
and state after a bulk call equal those after the single calls in that order, and a replay
rebuilds an identical platform. The users are validated whole first; a bad one raises the
single command's error prefixed ``item i:`` and nothing changes. A user may appear more
than once (two sessions at one time, which the single command allows): their later page
skips what the earlier one served.

Speed: one bulk log append; and under a recommender with a compiled batch
(:meth:`Recommender.serve_many`: the traffic pools, and the ranked lists of ``popular``,
``manual`` and ``recent``) every page that cannot hold a paid card is drawn and served in
compiled calls. Who may get one is decided once, at the batch's start: everyone while a
boost runs, else the users some feed campaign can win the auction for — serving only
spends budgets and stops campaigns, so a campaign that cannot win a user's slot at the start
cannot later in the batch. Those users, and every ``interest`` page, go through the single
command's own code, user by user, in their place in the order.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from . import batch_kernels
from .bulk import id_column
from .codec import EventKind, pack_served
from .discovery import FeedCommands
from .model import AdPlacement, Channel, DiscoveryPage
from .recommenders import ServeBatch

__all__ = ["BulkFeedCommands", "PageBatch"]

E = EventKind
_DISCOVERY, _FOLLOWING = int(Channel.DISCOVERY), int(Channel.FOLLOWING)
_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_ADS: tuple = ()


@dataclass(frozen=True, slots=True, eq=False)
class PageBatch:
    """Pages served to many users, as columns for batched readers: row ``i`` is the page of
    the ``i``-th user asked for. ``cards`` and ``likes`` (what each card shows) are padded
    with -1 after ``counts[i]`` cards; ``ad_slot`` and ``boost_slot`` are -1 for none."""

    cards: np.ndarray  # (n, k) int64
    counts: np.ndarray  # (n,) int64
    ad_slot: np.ndarray  # (n,) int64
    boost_slot: np.ndarray  # (n,) int64
    likes: np.ndarray  # (n, k) int64

    def __len__(self) -> int:
        return len(self.counts)

    def page(self, i: int) -> DiscoveryPage:
        """Row ``i`` as the single command's :class:`DiscoveryPage`."""
        count, ad, boost = int(self.counts[i]), int(self.ad_slot[i]), int(self.boost_slot[i])
        return DiscoveryPage(
            tuple(self.cards[i, :count].tolist()),
            (ad,) if ad >= 0 else (),
            (boost,) if boost >= 0 else (),
            tuple(self.likes[i, :count].tolist()),
        )

    def pages(self) -> list[DiscoveryPage]:
        return [self.page(i) for i in range(len(self))]

    def card_lists(self) -> list[list[int]]:
        """Each page's cards (what ``following_feed`` returns per user)."""
        return [row[:count].tolist() for row, count in zip(self.cards, self.counts, strict=True)]


class BulkFeedCommands(FeedCommands):
    """``discovery_feed_many`` and ``following_feed_many`` (see the module's docstring)."""

    def discovery_feed_many(
        self, users: Iterable[int], *, now: float, k: int | None = None
    ) -> PageBatch:
        """:meth:`discovery_feed` for each of ``users`` in order, all at ``now``."""
        us = id_column(users, len(self._accounts), "user")
        k = self._page_size(k)
        now = self._check_now(now)
        if us.size:
            self.review_pools(now=now)
        n = us.size
        cards = np.full((n, k), -1, dtype=np.int64)
        counts = np.zeros(n, dtype=np.int64)
        ad_slot, boost_slot = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        values = np.full(n, pack_served(_DISCOVERY, self._active.code), dtype=np.int64)
        paged = PageBatch(cards, counts, ad_slot, boost_slot, cards)  # likes: filled last
        if n and self._active.compiled_batch:
            self._serve_compiled(us, now, k, paged, values)
        else:
            for i in range(n):
                self._serve_one(us, i, now, k, paged, values)
        self._log_served(now, us, values, cards, counts)
        return PageBatch(cards, counts, ad_slot, boost_slot, self._likes_of(cards))

    def following_feed_many(
        self,
        users: Iterable[int],
        *,
        now: float,
        before: int | None = None,
        limit: int = 20,
    ) -> PageBatch:
        """:meth:`following_feed` for each of ``users`` in order, all at ``now`` with the same
        ``before`` and ``limit`` (no paid cards: ``ad_slot`` and ``boost_slot`` are -1)."""
        us = id_column(users, len(self._accounts), "user")
        now = self._check_following(now, before, limit)
        n = us.size
        cards = np.full((n, limit), -1, dtype=np.int64)
        counts = np.zeros(n, dtype=np.int64)
        if before is None and n:
            self._following_compiled(us, cards, counts)
        else:
            pages = []
            for user in us.tolist():
                page = self._following_page(user, before, limit)
                pages.append(page)
                if page:
                    self._apply_feed_served(user, -1, now, _FOLLOWING, 0, -1, -1, -1, -1, page)
            self._fill(cards, counts, pages)
        values = np.full(n, pack_served(_FOLLOWING, 0), dtype=np.int64)
        self._log_served(now, us, values, cards, counts)
        none = np.full(n, -1, dtype=np.int64)
        return PageBatch(cards, counts, none, none.copy(), self._likes_of(cards))

    # ------------------------------------------------------------ shared

    def _serve_compiled(
        self, users: np.ndarray, now: float, k: int, paged: PageBatch, values: np.ndarray
    ) -> None:
        """The recommender's compiled batch serves every user whose page cannot hold a paid
        card; the others are served one by one in between, in order."""
        batch_kernels.warm_up()
        rec, seen, i, n = self._active, self._seen, 0, len(users)
        skip = self._paid_possible(users, now, rec.serves_ads)
        if skip.all():  # a boost runs: nothing for the compiled batch
            for i in range(n):
                self._serve_one(users, i, now, k, paged, values)
            return
        ads = self._feed_ads(now, paged) if rec.serves_ads else _NO_ADS
        serve = ServeBatch(
            now, k, skip, seen, seen.batch(users), self._notes.impressions, paged.cards,
            paged.counts, ads,
        )  # fmt: skip
        while True:
            i = rec.serve_many(users, i, serve)
            seen.adopt(serve.seen)
            if i == n:
                break
            self._serve_one(users, i, now, k, paged, values)
            seen.resync(serve.seen, int(serve.seen.slot_of[i]))
            i += 1
        if ads is not _NO_ADS:
            self._took_ads(ads, values)

    def _feed_ads(self, now: float, paged: PageBatch) -> tuple:
        """The feed campaigns for :func:`.batch_kernels.serve_pool_pages`: the running ones in
        creation order, their columns, and where to say which page got which ad."""
        ads = self._ads
        live = ads.live(AdPlacement.FEED)
        columns = (ads.topics, ads.start, ads.end, ads.cpm_cents, ads.budget_mc, ads.spent_mc,
                   ads.note)  # fmt: skip
        campaign = np.full(len(paged), -1, dtype=np.int64)
        n_live = np.array([live.size], dtype=np.int64)
        return (live, n_live, columns, ads.impressions, ads.active, self._reserve_mc,
                self.config.ad_slot, paged.ad_slot, campaign)  # fmt: skip

    def _took_ads(self, feed_ads: tuple, values: np.ndarray) -> None:
        """After the compiled batch: the feed campaigns that stopped leave the running list,
        and the pages with an ad log their slot and campaign."""
        live, n_live, *_, ad_slot, campaign = feed_ads
        self._ads.keep_live(AdPlacement.FEED, live[: n_live[0]])
        code = self._active.code
        for i in np.flatnonzero(campaign >= 0).tolist():
            values[i] = pack_served(_DISCOVERY, code, int(ad_slot[i]), int(campaign[i]), -1, -1)

    def _serve_one(
        self, users: np.ndarray, i: int, now: float, k: int, paged: PageBatch, values: np.ndarray
    ) -> None:
        """Row ``i``: what :meth:`discovery_feed` draws and applies (without the log row)."""
        user = int(users[i])
        page, ad, campaign, slot, boost = self._draw_discovery(user, now, k)
        if not page:
            return
        code = self._active.code
        self._apply_feed_served(user, -1, now, _DISCOVERY, code, ad, campaign, slot, boost, page)
        paged.cards[i, : len(page)] = page
        paged.counts[i] = len(page)
        if campaign >= 0 or boost >= 0:
            paged.ad_slot[i], paged.boost_slot[i] = ad, slot
            values[i] = pack_served(_DISCOVERY, code, ad, campaign, slot, boost)

    def _following_compiled(self, users: np.ndarray, cards: np.ndarray, counts: np.ndarray) -> None:
        """The newest pages, drawn and served in one compiled call: the follow rows are read
        where they are held (the compressed rows loaded in bulk, or a user's own row once it
        changed), the notes from each author's chain."""
        batch_kernels.warm_up()
        following, seen = self._accounts.following, self._seen
        held = following.rows
        own_of = np.full(users.size, -1, dtype=np.int64)
        own: list[array] = []
        if held:
            for i, user in enumerate(users.tolist()):
                row = held.get(user)
                if row is not None:
                    own_of[i] = len(own)
                    own.append(row)
        sizes = np.fromiter(map(len, own), dtype=np.int64, count=len(own))
        own_ptr = np.zeros(len(own) + 1, dtype=np.int64)
        np.cumsum(sizes, out=own_ptr[1:])
        own_idx = np.frombuffer(b"".join(own), dtype=np.int32) if own else _NO_IDS
        last_by, prev_by = self._notes.author_chains()
        batch = seen.batch(users)
        batch_kernels.serve_following_pages(
            users, batch.slot_of, batch.rows, batch.cursor, batch.assigned, following.indptr,
            following.indices, own_of, own_ptr, own_idx, last_by, prev_by,
            self._notes.impressions, seen.tables, seen.state, batch.per_gen, cards, counts,
        )  # fmt: skip
        seen.adopt(batch)

    def _paid_possible(self, users: np.ndarray, now: float, ads_served: bool) -> np.ndarray:
        """Which users' pages may hold a paid card the compiled batch cannot serve: while a
        boost runs, all; else, unless it serves the ads itself (``ads_served``), those for
        whom a feed campaign can win the auction now. Serving only spends budgets and stops
        campaigns, so one that cannot win a user's slot at the start cannot later in the
        batch."""
        if self._boosts.any_running(now):
            return np.ones(len(users), dtype=np.bool_)
        if ads_served or not self._ads.any_running(AdPlacement.FEED, now):
            return np.zeros(len(users), dtype=np.bool_)
        interests = np.frombuffer(self._accounts.interests, dtype=np.uint16)[users]
        _, first, inverse = np.unique(interests, return_index=True, return_inverse=True)
        ads, reserve = self._ads, self._reserve_mc
        wins = [
            ads.auction(AdPlacement.FEED, self._feed_targeting(user), now, reserve)[0] >= 0
            for user in users[first].tolist()
        ]
        return np.array(wins, dtype=np.bool_)[inverse]

    def _log_served(
        self,
        now: float,
        users: np.ndarray,
        values: np.ndarray,
        cards: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        """One ``feed_served`` row per non-empty page, in one append (applied already: the
        apply methods never read the log, so the order of the two does not matter)."""
        served = counts > 0
        if served.any():
            now = self._tick(now)
            rows = np.flatnonzero(served) if not served.all() else slice(None)
            self.log.extend(
                E.FEED_SERVED, now, users[rows], np.full(int(served.sum()), -1), values[rows],
                ints=(cards[rows], counts[rows]),
            )  # fmt: skip

    @staticmethod
    def _fill(cards: np.ndarray, counts: np.ndarray, pages: list[list[int]]) -> None:
        """Row ``i`` of ``cards`` starts with ``pages[i]``; ``counts[i]`` is its length."""
        counts[:] = np.fromiter(map(len, pages), dtype=np.int64, count=len(pages))
        flat = np.fromiter(chain.from_iterable(pages), dtype=np.int64, count=int(counts.sum()))
        cards[np.arange(cards.shape[1]) < counts[:, None]] = flat

    def _likes_of(self, cards: np.ndarray) -> np.ndarray:
        """The like count each card shows (-1 padding). The view of the column is dropped on
        return: an ``array`` exporting its buffer cannot grow."""
        if not len(self._notes):
            return np.full(cards.shape, -1, dtype=np.int64)
        likes = np.frombuffer(self._notes.likes, dtype=np.int32)
        return np.where(cards >= 0, likes[np.maximum(cards, 0)], -1).astype(np.int64)
