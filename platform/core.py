"""The platform facade: every operation agents, the HTTP service and the visualiser may call.

Each mutating operation follows one pattern: validate (raising a typed error and touching
nothing), append one event to the log, then apply it through an ``_apply_*`` method. Replay
feeds logged events to the same ``_apply_*`` methods, so a replayed platform is identical.

Time is always passed in (``now``, simulated hours as a float) and must never go backwards.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import kernels
from .ads import MAX_PAID_IDS, Ads
from .boosts import MAX_FEE, MAX_HOURS, MIN_FEE, MIN_HOURS, Boosts
from .collabs import Collaboration, Collabs, CollabStatus
from .errors import Conflict, Forbidden, InvalidInput, NotFound, OutOfStock
from .codec import EventKind, pack_note, pack_served, unpack_boost, unpack_note, unpack_served
from .eventlog import Event, EventLog, read_sqlite
from .model import (
    TOPIC_ID,
    TOPICS,
    AccountKind,
    AdCampaign,
    AdPlacement,
    Boost,
    BoostGoal,
    Channel,
    Comment,
    DiscoveryPage,
    Note,
    NoteFormat,
    Order,
    OrderStatus,
    Origin,
    PlatformConfig,
    Product,
    ProductPage,
    SearchResult,
    User,
    topic_mask,
    topic_names,
)
from .notes import Notes
from .recommenders import REGISTRY, CESPools, Recommender, SeenFilter
from .search import Search
from .shares import Cascade, Share, SharedItem, Shares
from .shop import Shop
from .social import Accounts
from .trending import Trending

E = EventKind
#: How much each action teaches the interest profile about the note's topics.
LEARN_READ, LEARN_ENGAGE = 0.1, 0.5
_DISCOVERY, _FOLLOWING, _SEARCH, _DIRECT = (
    int(Channel.DISCOVERY),
    int(Channel.FOLLOWING),
    int(Channel.SEARCH),
    int(Channel.DIRECT),
)
_N_CHANNELS = len(Channel)
_FOLLOWING_SERVED = pack_served(_FOLLOWING, 0)
_NUMBER = (int, float)


def _channel(value: object) -> int:
    """A channel given as its code (the simulation's fast path), its enum or its name."""
    if type(value) is int and 0 <= value < _N_CHANNELS:
        return value
    return int(Channel.parse(value, "channel"))


class Platform:
    """A lifestyle community with a shop. The rules are in the README, "The platform"."""

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
        self._appliers: dict[EventKind, Callable[[Event], None]] = self._replay_table()
        kernels.warm_up()

    # ================================================================ time & helpers

    @property
    def now(self) -> float:
        """Time of the latest operation (``-inf`` before the first)."""
        return self._now

    def _check_now(self, now: float) -> float:
        """Validate ``now`` without advancing the clock (for calls that may log nothing)."""
        if not (isinstance(now, _NUMBER) and now >= self._now and now == now):
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

    @property
    def recommender(self) -> str:
        return self._active.name

    # ================================================================ accounts & follows

    def create_user(
        self,
        name: str,
        kind: str | AccountKind = "consumer",
        interests: Iterable[str] = (),
        *,
        now: float,
    ) -> int:
        """Open an account; ``interests`` are topic names (any number, may be empty)."""
        k = AccountKind.parse(kind, "kind")
        mask = topic_mask(list(interests), field_name="interests", min_n=0, max_n=len(TOPICS))
        self._accounts.check_new_name(name, self.config.max_name_chars)
        now = self._tick(now)
        uid = len(self._accounts)
        self.log.append(E.USER_CREATED, now, uid, uid, int(k) | mask << 4, None, name)
        self._apply_user(int(k), mask, name, now)
        return uid

    def _apply_user(self, kind: int, mask: int, name: str, now: float) -> None:
        uid = self._accounts.add(kind, mask, name, now)
        self._search.index_account(uid)

    def follow(self, user: int, target: int, *, now: float, via_note: int | None = None) -> bool:
        """Follow ``target``; False if already following. ``via_note`` credits a note of theirs."""
        acc = self._accounts
        acc.check_follow(user, target)
        via = -1
        if via_note is not None:
            self._notes.check(via_note, "via_note")
            if self._notes.author[via_note] != target:
                raise InvalidInput(
                    f"via_note {via_note} is by user {self._notes.author[via_note]}, not {target}",
                    field="via_note",
                    value=via_note,
                )
            via = via_note
        now = self._check_now(now)  # a bad time is an error even when nothing would change
        if acc.is_following(user, target):
            return False
        now = self._tick(now)
        self.log.append(E.FOLLOWED, now, user, target, via)
        self._apply_follow(user, target, via, now)
        return True

    def _apply_follow(self, user: int, target: int, via: int, now: float) -> None:
        self._accounts.follow(user, target)
        if via >= 0:
            self._notes.engage(self._notes.follows, self._notes.w_follow, via)
            self._trending.record(now, self._notes.topics[via], (), self._notes.w_follow)

    def unfollow(self, user: int, target: int, *, now: float) -> bool:
        acc = self._accounts
        acc.check_follow(user, target)
        now = self._check_now(now)
        if not acc.is_following(user, target):
            return False
        now = self._tick(now)
        self.log.append(E.UNFOLLOWED, now, user, target)
        acc.unfollow(user, target)
        return True

    # ================================================================ notes

    def publish(
        self,
        author: int,
        topics: Iterable[str],
        *,
        now: float,
        format: str | NoteFormat = "image",
        products: Iterable[int] = (),
        sponsor: int | None = None,
        title: str = "",
        collaboration: int | None = None,
    ) -> int:
        """Publish a note with 1–3 topics, optional product tags and sponsor (a brand).

        A sponsored note is either the brand's own (author == sponsor) or published against
        a ``collaboration`` the author accepted, which names the sponsor and pays the fee."""
        cfg, acc = self.config, self._accounts
        acc.check(author, "author")
        mask = topic_mask(list(topics) if not isinstance(topics, str) else topics)
        fmt = Notes.check_format(format)
        tagged = tuple(dict.fromkeys(products))
        if len(tagged) > cfg.max_products_per_note:
            raise InvalidInput(
                f"a note may tag at most {cfg.max_products_per_note} products; got {len(tagged)}",
                field="products",
            )
        for p in tagged:
            self._shop.check(p, "products")
        sp = -1
        if collaboration is not None:
            sp = self._collabs.check_publishable(collaboration, author, sponsor, tagged)
        elif sponsor is not None:
            acc.check_kind(sponsor, (AccountKind.BRAND,), "sponsor")
            if sponsor != author:
                raise Collabs.unsponsored(author, sponsor)
            sp = sponsor
        Notes.check_text(title, "title", 200, allow_empty=True)
        now = self._tick(now)
        nid = len(self._notes)
        if collaboration is not None:
            self.log.append(
                E.COLLAB_PUBLISHED,
                now,
                author,
                nid,
                pack_note(mask, fmt, sp),
                (collaboration, *tagged),
                title or None,
            )
            self._apply_publish(author, mask, fmt, sp, tagged, title, now)
            self._collabs.published(collaboration, nid)
            return nid
        self.log.append(
            E.NOTE_PUBLISHED,
            now,
            author,
            nid,
            pack_note(mask, fmt, sp),
            tagged or None,
            title or None,
        )
        self._apply_publish(author, mask, fmt, sp, tagged, title, now)
        return nid

    def _apply_publish(
        self,
        author: int,
        mask: int,
        fmt: int,
        sponsor: int,
        products: tuple[int, ...],
        title: str,
        now: float,
    ) -> None:
        nid = self._notes.add(author, now, mask, fmt, sponsor, products, title)
        self._accounts.n_notes[author] += 1
        if products:
            self._shop.tag(nid, products)
        for rec in self._recommenders.values():
            rec.on_published(nid, now)

    def read(
        self, user: int, note: int, *, now: float, channel: str | int = Channel.DISCOVERY
    ) -> None:
        """Open a note's card. ``channel`` says where the card was: it drives attribution."""
        self._accounts.check(user)
        self._notes.check(note)
        ch = _channel(channel)
        now = self._tick(now)
        self.log.append(E.NOTE_READ, now, user, note, ch)
        self._apply_read(user, note, ch, now)

    def _apply_read(self, user: int, note: int, channel: int, now: float) -> None:
        notes = self._notes
        notes.reads[note] += 1
        self._accounts.learn(user, notes.topics[note], LEARN_READ)
        products = notes.products.get(note)
        if products:
            self._shop.touched(user, products, note, channel, now)

    def _engaged(self, user: int, note: int, weight: float, now: float) -> None:
        notes = self._notes
        mask = notes.topics[note]
        self._accounts.learn(user, mask, LEARN_ENGAGE)
        self._trending.record(now, mask, notes.products.get(note, ()), weight)

    def like(self, user: int, note: int, *, now: float) -> bool:
        """Like a note; False (and no event) if already liked."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) in self._notes.liked:
            return False
        now = self._tick(now)
        self.log.append(E.LIKED, now, user, note)
        self._apply_like(user, note, now)
        return True

    def _apply_like(self, user: int, note: int, now: float) -> None:
        notes = self._notes
        notes.liked.add(user << 32 | note)
        notes.engage(notes.likes, notes.w_like, note)
        self._engaged(user, note, notes.w_like, now)

    def unlike(self, user: int, note: int, *, now: float) -> bool:
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) not in self._notes.liked:
            return False
        now = self._tick(now)
        self.log.append(E.UNLIKED, now, user, note)
        self._apply_unlike(user, note)
        return True

    def _apply_unlike(self, user: int, note: int) -> None:
        self._notes.liked.discard(user << 32 | note)
        self._notes.engage(self._notes.likes, self._notes.w_like, note, -1)

    def collect(self, user: int, note: int, *, now: float) -> bool:
        """Save a note to the user's collection; False if already collected."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) in self._notes.collected:
            return False
        now = self._tick(now)
        self.log.append(E.COLLECTED, now, user, note)
        self._apply_collect(user, note, now)
        return True

    def _apply_collect(self, user: int, note: int, now: float) -> None:
        notes = self._notes
        notes.collected.add(user << 32 | note)
        notes.engage(notes.collects, notes.w_collect, note)
        self._engaged(user, note, notes.w_collect, now)

    def uncollect(self, user: int, note: int, *, now: float) -> bool:
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) not in self._notes.collected:
            return False
        now = self._tick(now)
        self.log.append(E.UNCOLLECTED, now, user, note)
        self._apply_uncollect(user, note)
        return True

    def _apply_uncollect(self, user: int, note: int) -> None:
        self._notes.collected.discard(user << 32 | note)
        self._notes.engage(self._notes.collects, self._notes.w_collect, note, -1)

    def comment(self, user: int, note: int, text: str, *, now: float) -> None:
        self._accounts.check(user)
        self._notes.check(note)
        Notes.check_text(text, "text", self.config.max_comment_chars, allow_empty=False)
        now = self._tick(now)
        self.log.append(E.COMMENTED, now, user, note, 0, None, text)
        self._apply_comment(user, note, text, now)

    def _apply_comment(self, user: int, note: int, text: str, now: float) -> None:
        self._notes.add_comment(user, note, now, text)
        self._engaged(user, note, self._notes.w_comment, now)

    def share(self, user: int, note: int, *, now: float) -> None:
        """Share a note out of the app. Every share counts."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._tick(now)
        self.log.append(E.SHARED, now, user, note)
        self._apply_share(user, note, now)

    def _apply_share(
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

    # ================================================================ shares that reach people

    def deliver_share(
        self, user: int, note: int, to: Iterable[int], *, now: float, parent: int | None = None
    ) -> int:
        """Share a note in the app with some of ``user``'s followers; returns the share id.

        Each recipient finds it in :meth:`shared_with`. ``parent`` makes it a reshare of that
        share (of the same note), so share trees can be rebuilt from the log.
        """
        self._accounts.check(user)
        self._notes.check(note)
        par = self._shares.check_parent(parent, note)
        cap = self.config.max_share_recipients
        recipients = self._shares.check_recipients(self._accounts, user, to, cap)
        now = self._tick(now)
        self.log.append(E.SHARE_DELIVERED, now, user, note, par + 1, recipients)
        return self._apply_share(user, note, now, par, False, recipients)

    def share_outside(self, user: int, note: int, *, now: float, parent: int | None = None) -> int:
        """Share a note's link to a messaging app (out of the app); returns the share id.
        Outside visitors come by :meth:`share_visited` and may :meth:`sign_up_via_share`."""
        self._accounts.check(user)
        self._notes.check(note)
        par = self._shares.check_parent(parent, note)
        now = self._tick(now)
        self.log.append(E.SHARED_OUTSIDE, now, user, note, par + 1)
        return self._apply_share(user, note, now, par, True)

    def share_visited(self, share: int, visitors: int, *, now: float) -> None:
        """``visitors`` people without an account opened an out-of-app share's link."""
        self._shares.check_outside(share)
        Shop.check_quantity(visitors, "visitors", 1, 1_000_000)
        now = self._tick(now)
        self.log.append(E.SHARE_VISITED, now, -1, share, visitors)
        self._shares.visitors[share] += visitors

    def sign_up_via_share(
        self, share: int, name: str, interests: Iterable[str] = (), *, now: float
    ) -> int:
        """One of a share's outside visitors opens a consumer account; returns its id.

        The visitor has read the note, so its products count as touched through the
        ``shared`` channel: an order within the attribution window is credited to the share.
        """
        shares = self._shares
        shares.check_outside(share)
        if shares.signups[share] >= shares.visitors[share]:
            raise Conflict(
                f"share {share} had {shares.visitors[share]} visitors and as many sign-ups",
                field="share",
                value=share,
            )
        mask = topic_mask(list(interests), field_name="interests", min_n=0, max_n=len(TOPICS))
        self._accounts.check_new_name(name, self.config.max_name_chars)
        now = self._tick(now)
        uid = len(self._accounts)
        self.log.append(
            E.SHARE_SIGNUP, now, uid, share, int(AccountKind.CONSUMER) | mask << 4, None, name
        )
        self._apply_signup(share, mask, name, now)
        return uid

    def _apply_signup(self, share: int, mask: int, name: str, now: float) -> None:
        uid = len(self._accounts)
        self._apply_user(int(AccountKind.CONSUMER), mask, name, now)
        shares = self._shares
        shares.signups[share] += 1
        shares.via_share[uid] = share
        note = shares.note[share]
        products = self._notes.products.get(note)
        if products:
            self._shop.touched(uid, products, note, int(Channel.SHARED), now)

    def shared_with(
        self, user: int, *, after: int | None = None, limit: int = 20
    ) -> tuple[SharedItem, ...]:
        """The user's "shared with you" inbox, oldest first: shares delivered to them with an
        id above ``after`` (pass the last share id seen). A pure read: nothing is logged."""
        self._accounts.check(user)
        if after is not None:
            self._shares.check(after, "after")
        Shop.check_quantity(limit, "limit", 1, 1000)
        return self._shares.inbox_of(user, -1 if after is None else after, limit)

    def share_info(self, share: int) -> Share:
        return self._shares.view(share)

    def shares_of(self, note: int) -> tuple[int, ...]:
        """Share ids of a note, oldest first."""
        self._notes.check(note)
        return tuple(self._shares.by_note.get(note, ()))

    def cascade(self, note: int) -> Cascade:
        """A note's share tree with its size, depth and structural virality."""
        self._notes.check(note)
        return self._shares.cascade(note)

    def joined_via_share(self, user: int) -> int | None:
        """The share an account signed up through, if any."""
        self._accounts.check(user)
        return self._shares.via_share.get(user)

    @property
    def n_shares(self) -> int:
        return len(self._shares)

    # ================================================================ feeds

    def following_feed(
        self, user: int, *, now: float, before: int | None = None, limit: int = 20
    ) -> list[int]:
        """Newest notes of the accounts ``user`` follows, newest first.

        Paginate by passing the last note id of a page as ``before``. Serving counts
        impressions (one event per non-empty page).
        """
        self._accounts.check(user)
        if before is not None:
            self._notes.check(before, "before")
        Shop.check_quantity(limit, "limit", 1, 100)
        now = self._check_now(now)
        cursor = len(self._notes) if before is None else before
        page = self._notes.newest_by(self._accounts.following.get(user, ()), cursor, limit)
        if page:
            now = self._tick(now)
            self.log.append(E.FEED_SERVED, now, user, -1, _FOLLOWING_SERVED, page)
            self._apply_served(user, page, _FOLLOWING, 0, -1, -1, now)
        return page

    def discovery_feed(self, user: int, *, now: float, k: int | None = None) -> DiscoveryPage:
        """One two-column discovery page from the active recommender, maybe with a feed ad.

        Serving records impressions; opening a card is a separate :meth:`read`.
        """
        acc = self._accounts
        acc.check(user)
        k = self.config.page_size if k is None else Shop.check_quantity(k, "k", 1, 100)
        now = self._check_now(now)
        rec = self._active
        cards = rec.page(user, now, k, self._seen)
        ad_slot = campaign = boost_slot = boost = -1
        if self._ads.placement:
            campaign = self._ads.auction(
                AdPlacement.FEED, self._feed_targeting(user), now, self._reserve_mc
            )[0]
        ad_note = self._ads.note[campaign] if campaign >= 0 else -1
        if self._boosts.buyer and k > (campaign >= 0):
            boost = self._boosts.due(
                now, lambda b: self._boosts.note[b] != ad_note and self._boost_reaches(b, user)
            )
        paid = []  # (planned slot, note, is a boost): placed in slot order, the ad first on a tie
        if campaign >= 0:
            paid.append((self.config.ad_slot, ad_note, False))
        if boost >= 0:
            paid.append((self.config.boost_slot, self._boosts.note[boost], True))
        if paid:
            paid.sort(key=lambda item: item[0])
            paid_notes = {note for _, note, _ in paid}
            cards = [n for n in cards if n not in paid_notes][: k - len(paid)]
            slot = -1
            for planned, note, is_boost in paid:
                # Where planned, or last on a short page; always inside the k cards kept.
                slot = max(min(planned, len(cards)), slot + 1)
                cards.insert(slot, note)
                if is_boost:
                    boost_slot = slot
                else:
                    ad_slot = slot
        if not cards:
            return DiscoveryPage(())
        now = self._tick(now)
        value = pack_served(_DISCOVERY, rec.code, ad_slot, campaign, boost_slot, boost)
        self.log.append(E.FEED_SERVED, now, user, -1, value, cards)
        self._apply_served(
            user, cards, _DISCOVERY, rec.code, ad_slot, campaign, now, boost_slot, boost
        )
        return DiscoveryPage(
            tuple(cards),
            (ad_slot,) if ad_slot >= 0 else (),
            (boost_slot,) if boost_slot >= 0 else (),
        )

    def _feed_targeting(self, user: int) -> int:
        """Topics a feed ad for ``user`` may target: their interests (any, if they have none)."""
        return self._accounts.interests[user] or 0xFFFF

    def _boost_reaches(self, boost: int, user: int) -> bool:
        """Whether ``boost``'s note may be shown to ``user`` on this page, per its goal."""
        notes, note = self._notes, self._boosts.note[boost]
        author = notes.author[note]
        if user == author or not notes.topics[note] & self._accounts.interests[user]:
            return False
        if self._seen.has_seen(user, note):  # extra reach, not repeats
            return False
        goal = self._boosts.goal[boost]
        if goal == BoostGoal.ENGAGEMENT:
            return (user << 32 | note) not in notes.liked and (
                user << 32 | note
            ) not in notes.collected
        if goal == BoostGoal.FOLLOWS:
            return not self._accounts.is_following(user, author)
        return True

    def _apply_served(
        self,
        user: int,
        cards: Sequence[int],
        channel: int,
        recommender: int,
        ad_slot: int,
        campaign: int,
        now: float,
        boost_slot: int = -1,
        boost: int = -1,
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

    def _charge(self, placement: int, topics: int, campaign: int, now: float) -> None:
        """Charge the auction's winner its second price (re-run on the same state, so a
        replay charges exactly what the live platform did)."""
        price = self._ads.auction(placement, topics, now, self._reserve_mc)[1]
        self._ads.charge(campaign, price, self._reserve_mc)

    def set_recommender(self, name: str, *, now: float) -> None:
        """Switch the discovery recommender (e.g. the 2016 move from editors to machines)."""
        if name not in self._recommenders:
            raise InvalidInput(
                f"unknown recommender {name!r}; allowed: {', '.join(self._recommenders)}",
                field="recommender",
                value=name,
            )
        now = self._tick(now)
        self.log.append(E.RECOMMENDER_SET, now, -1, -1, 0, None, name)
        self._active = self._recommenders[name]

    def pick_note(self, editor: int, note: int, *, now: float) -> None:
        """An editor (staff account) adds a note to the editors' picks."""
        self._accounts.check_kind(editor, (AccountKind.STAFF,), "editor")
        self._notes.check(note)
        now = self._tick(now)
        self.log.append(E.NOTE_PICKED, now, editor, note)
        self._notes.editors_picks.append(note)

    # ================================================================ search

    def search(self, user: int, query: str, *, now: float, limit: int = 20) -> SearchResult:
        """Search notes and products by topic, product name or brand. Logged as intent."""
        self._accounts.check(user)
        Notes.check_text(query, "query", 200, allow_empty=False)
        Shop.check_quantity(limit, "limit", 1, 100)
        now = self._tick(now)
        topics, products = self._search.match(query)
        found = self._search.rank(topics, products, now, limit)
        campaign = -1
        if self._ads.placement:
            mask = self._search_targeting(topics, products)
            campaign = (
                self._ads.auction(AdPlacement.SEARCH, mask, now, self._reserve_mc)[0]
                if mask
                else -1
            )
        self.log.append(E.SEARCHED, now, user, -1, campaign + 1, found, query)
        self._apply_searched(user, found, campaign, query, now)
        return SearchResult(
            query=query,
            topics=tuple(TOPICS[t] for t in topics),
            products=products,
            notes=found,
            ad_note=self._ads.note[campaign] if campaign >= 0 else None,
        )

    def _search_targeting(self, topics: Iterable[int], products: Iterable[int]) -> int:
        """Topics a search ad may target: the query's, else those of the products it names."""
        return sum(1 << t for t in topics) or sum(
            1 << t for t in {self._shop.topic[p] for p in products}
        )

    def _apply_searched(
        self, user: int, found: tuple[int, ...], campaign: int, query: str, now: float
    ) -> None:
        impressions = self._notes.impressions
        for n in found:
            impressions[n] += 1
        if campaign >= 0:
            impressions[self._ads.note[campaign]] += 1
            mask = self._search_targeting(*self._search.match(query))
            self._charge(AdPlacement.SEARCH, mask, campaign, now)

    # ================================================================ shop

    def _check_seller(self, actor: int, product: int) -> None:
        self._accounts.check(actor, "actor")
        if actor != self._shop.brand[product] and self._accounts.kind[actor] != AccountKind.STAFF:
            raise Forbidden(
                f"user {actor} is neither the brand of product {product} nor platform staff",
                field="actor",
                value=actor,
            )

    def create_product(
        self,
        brand: int,
        name: str,
        topic: str,
        price: float,
        stock: int = 0,
        *,
        now: float,
        origin: str | Origin = "domestic",
    ) -> int:
        """List a brand's product. Staff accounts may list on a brand's behalf via ``restock``."""
        self._accounts.check_kind(brand, (AccountKind.BRAND,), "brand")
        Notes.check_text(name, "name", 120, allow_empty=False)
        if topic not in TOPIC_ID:
            raise InvalidInput(
                f"unknown topic {topic!r}; allowed: {', '.join(TOPICS)}", field="topic", value=topic
            )
        cents = Shop.check_price(price)
        Shop.check_quantity(stock, "stock", 0, 10**9)
        org = int(Origin.parse(origin, "origin"))
        now = self._tick(now)
        pid = len(self._shop.brand)
        value = TOPIC_ID[topic] | org << 8
        self.log.append(E.PRODUCT_CREATED, now, brand, pid, value, (cents, stock), name)
        self._shop.add_product(brand, name, TOPIC_ID[topic], cents, stock, org)
        return pid

    def restock(self, actor: int, product: int, quantity: int, *, now: float) -> None:
        """Add stock: the brand, or the platform's own shop (staff) for cross-border goods."""
        self._shop.check(product)
        self._check_seller(actor, product)
        # stock is an int32 column: a restock may not push it past 2**31 - 1
        Shop.check_quantity(
            quantity, "quantity", 1, min(10**9, 2**31 - 1 - self._shop.stock[product])
        )
        now = self._tick(now)
        self.log.append(E.PRODUCT_RESTOCKED, now, actor, product, quantity)
        self._shop.stock[product] += quantity

    def set_price(self, actor: int, product: int, price: float, *, now: float) -> None:
        self._shop.check(product)
        self._check_seller(actor, product)
        cents = Shop.check_price(price)
        now = self._tick(now)
        self.log.append(E.PRICE_SET, now, actor, product, cents)
        self._shop.price_cents[product] = cents

    def view_product(
        self, user: int, product: int, *, now: float, channel: str | int = Channel.DIRECT
    ) -> Product:
        """Open a product page: the product with its word-of-mouth aggregates (notes, reviews,
        rating). A visit from search or an ad is a touch for attribution."""
        self._accounts.check(user)
        self._shop.check(product)
        ch = _channel(channel)
        now = self._check_now(now)
        if ch != _DIRECT:
            now = self._tick(now)
            self.log.append(E.PRODUCT_VIEWED, now, user, product, ch)
            self._shop.touched(user, (product,), -1, ch, now)
        return self._shop.view(product)

    def place_order(self, user: int, product: int, quantity: int = 1, *, now: float) -> int:
        """Order a product; stock is reserved at once. Attributed to the user's last touch."""
        shop = self._shop
        self._accounts.check(user)
        shop.check(product)
        Shop.check_quantity(quantity, "quantity", 1, self.config.max_order_quantity)
        if shop.stock[product] < quantity:
            raise OutOfStock(
                f"product {product} has {shop.stock[product]} in stock; ordered {quantity}",
                field="quantity",
                value=quantity,
            )
        now = self._tick(now)
        oid = len(shop.buyer)
        note, channel = shop.attribute(user, product, now)
        ints = (quantity, note, channel, shop.price_cents[product])
        self.log.append(E.ORDER_PLACED, now, user, oid, product, ints)
        self._apply_order(user, product, quantity, now)
        return oid

    def _apply_order(self, user: int, product: int, quantity: int, now: float) -> None:
        self._shop.add_order(user, product, quantity, now)
        self._trending.record_order(now, product, quantity)

    def _order_action(
        self, action: str, actor: int, order: int, now: float, who: str
    ) -> OrderStatus:
        shop = self._shop
        shop.check_order(order)
        self._accounts.check(actor, "actor")
        buyer = shop.buyer[order]
        if who == "buyer" and actor != buyer:
            raise Forbidden(
                f"only the buyer (user {buyer}) may {action} order {order}",
                field="actor",
                value=actor,
            )
        if who == "seller":
            self._check_seller(actor, shop.product[order])
        if who == "either" and actor != buyer:
            self._check_seller(actor, shop.product[order])
        return shop.check_transition(order, action)

    def _transition(
        self, kind: EventKind, action: str, who: str, actor: int, order: int, now: float
    ) -> None:
        target = self._order_action(action, actor, order, now, who)
        now = self._tick(now)
        self.log.append(kind, now, actor, order)
        self._shop.set_status(order, target)

    def pay(self, user: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_PAID, "pay", "buyer", user, order, now)

    def ship(self, actor: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_SHIPPED, "ship", "seller", actor, order, now)

    def deliver(self, actor: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_DELIVERED, "deliver", "seller", actor, order, now)

    def cancel(self, actor: int, order: int, *, now: float) -> None:
        """Buyer or seller cancels before shipping; the stock comes back."""
        self._transition(E.ORDER_CANCELLED, "cancel", "either", actor, order, now)

    def refund(self, user: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_REFUNDED, "refund", "buyer", user, order, now)

    def review(
        self, user: int, order: int, rating: int, *, now: float, note: int | None = None
    ) -> None:
        """Rate a delivered order 1–5, optionally pointing at the buyer's review note."""
        self._order_action("review", user, order, now, "buyer")
        Shop.check_quantity(rating, "rating", 1, 5)
        rn = -1
        if note is not None:
            self._notes.check(note)
            product = self._shop.product[order]
            if self._notes.author[note] != user or product not in self._notes.products.get(
                note, ()
            ):
                raise InvalidInput(
                    f"review note {note} must be by user {user} and tag product {product}",
                    field="note",
                    value=note,
                )
            rn = note
        now = self._tick(now)
        self.log.append(E.ORDER_REVIEWED, now, user, order, rating, (rn,) if rn >= 0 else None)
        self._shop.add_review(order, rating, rn)

    def send_sample(self, brand: int, product: int, user: int, *, now: float) -> int:
        """Give one unit of the brand's own product to a consumer or creator: a paid
        zero-price order marked ``sample`` that ships, is used and may be reviewed like a
        purchase. Only the product's brand may send; the unit comes out of stock."""
        shop = self._shop
        self._accounts.check(brand, "brand")
        shop.check(product)
        if brand != shop.brand[product]:
            raise Forbidden(
                f"user {brand} is not the brand of product {product}", field="brand", value=brand
            )
        self._accounts.check_kind(user, (AccountKind.CONSUMER, AccountKind.CREATOR), "user")
        if shop.stock[product] < 1:
            raise OutOfStock(
                f"product {product} has no stock to send", field="product", value=product
            )
        now = self._tick(now)
        oid = len(shop.buyer)
        self.log.append(E.SAMPLE_SENT, now, brand, oid, product, (user,))
        shop.add_sample(user, product, now)
        return oid

    # ================================================================ ads

    def create_campaign(
        self,
        brand: int,
        note: int,
        budget: float,
        *,
        now: float,
        placement: str | AdPlacement = "feed",
        topics: Iterable[str] | None = None,
        cpm: float = 50.0,
        hours: float | None = None,
    ) -> int:
        """Buy impressions for a note the brand wrote or sponsored, bidding ``cpm`` yuan per
        1000 in the slot auction. With ``hours`` the budget is paced evenly over that long and
        the campaign ends then; without, it runs until its budget is spent or it is stopped."""
        self._accounts.check_kind(brand, (AccountKind.BRAND,), "brand")
        self._notes.check(note)
        notes = self._notes
        if notes.author[note] != brand and notes.sponsor[note] != brand:
            raise Forbidden(
                f"note {note} is neither written nor sponsored by brand {brand}",
                field="note",
                value=note,
            )
        plc = int(AdPlacement.parse(placement, "placement"))
        mask = notes.topics[note] if topics is None else topic_mask(list(topics), max_n=len(TOPICS))
        budget_cents = Shop.check_price(budget, "budget")
        cpm_cents = Shop.check_price(cpm, "cpm")
        if cpm_cents > budget_cents * 1000:
            raise InvalidInput("budget must pay for at least one impression", field="budget")
        seconds = 0 if hours is None else self._check_hours(hours, 1.0, 24.0 * 365)
        if len(self._ads) >= MAX_PAID_IDS:
            raise InvalidInput("the platform runs no more campaigns", field="brand")
        now = self._tick(now)
        cid = len(self._ads)
        ints = (note, budget_cents, cpm_cents, seconds)
        self.log.append(E.CAMPAIGN_CREATED, now, brand, cid, plc | mask << 4, ints)
        self._ads.add(
            brand, note, plc, mask, budget_cents, cpm_cents, now, seconds / 3600 or math.inf
        )
        return cid

    @staticmethod
    def _check_hours(hours: object, lo: float, hi: float) -> int:
        """A duration in hours, validated; returned in whole seconds (how events carry it)."""
        if isinstance(hours, bool) or not isinstance(hours, _NUMBER) or not lo <= hours <= hi:
            raise InvalidInput(
                f"hours must be a number from {lo:g} to {hi:g}; got {hours!r}",
                field="hours",
                value=hours,
            )
        return round(hours * 3600)

    def create_boost(
        self,
        user: int,
        note: int,
        fee: float,
        *,
        now: float,
        hours: float = 24.0,
        goal: str | BoostGoal = "reads",
    ) -> int:
        """Pay ``fee`` yuan (75–7,500) to show a note one wrote or sponsored to interested
        users as extra discovery cards, ``fee / boost_cpm`` thousand of them, paced evenly
        over ``hours`` (6 h to 7 days), toward ``goal``: reads, engagement or follows. What
        is not delivered is refunded: ``boost(id).spent`` is what the delivered part cost."""
        self._accounts.check(user)
        self._notes.check(note)
        notes = self._notes
        if notes.author[note] != user and notes.sponsor[note] != user:
            raise Forbidden(
                f"note {note} is neither written nor sponsored by user {user}",
                field="note",
                value=note,
            )
        g = int(BoostGoal.parse(goal, "goal"))
        if isinstance(fee, bool) or not isinstance(fee, _NUMBER) or not MIN_FEE <= fee <= MAX_FEE:
            raise InvalidInput(
                f"fee must be a number from {MIN_FEE:g} to {MAX_FEE:g} yuan; got {fee!r}",
                field="fee",
                value=fee,
            )
        seconds = self._check_hours(hours, MIN_HOURS, MAX_HOURS)
        if len(self._boosts) >= MAX_PAID_IDS:
            raise InvalidInput("the platform runs no more boosts", field="note")
        now = self._tick(now)
        bid = len(self._boosts)
        ints = (note, round(fee * 100), round(self.config.boost_cpm * 100), seconds)
        self.log.append(E.BOOST_CREATED, now, user, bid, g, ints)
        self._apply_boost(user, g, ints, now)
        return bid

    def _apply_boost(self, user: int, goal: int, ints: tuple[int, ...], now: float) -> None:
        note, fee_cents, cpm_cents, seconds = ints
        self._boosts.add(user, note, goal, fee_cents, cpm_cents, now, seconds / 3600)

    def boost(self, boost: int) -> Boost:
        """A boost with its impressions bought and delivered so far."""
        return self._boosts.view(boost, self._now)

    def ad_revenue(self) -> float:
        """Yuan the platform has earned from ads and delivered boost impressions."""
        return (self._ads.revenue_mc() + self._boosts.revenue_mc()) / 100_000

    def stop_campaign(self, brand: int, campaign: int, *, now: float) -> bool:
        """Stop a campaign (its brand only); False (and no event) if it is no longer running:
        stopped already, its budget spent, or its end passed."""
        self._ads.check(campaign)
        self._accounts.check(brand, "brand")
        if self._ads.brand[campaign] != brand:
            raise Forbidden(
                f"campaign {campaign} belongs to brand {self._ads.brand[campaign]}",
                field="brand",
                value=brand,
            )
        now = self._check_now(now)
        if not self._ads.running(campaign, now):
            return False
        now = self._tick(now)
        self.log.append(E.CAMPAIGN_STOPPED, now, brand, campaign)
        self._ads.stop(campaign)
        return True

    # ================================================================ creator marketplace

    def offer_collaboration(
        self,
        brand: int,
        creator: int,
        product: int,
        fee: float,
        *,
        now: float,
        hours: int | None = None,
    ) -> int:
        """Offer ``creator`` ``fee`` yuan for a note about the brand's ``product``; the offer
        expires after ``hours`` (default ``collab_offer_hours``). The brand pays the fee plus
        the platform's commission when the creator accepts."""
        cfg, acc = self.config, self._accounts
        acc.check_kind(brand, (AccountKind.BRAND,), "brand")
        acc.check_kind(creator, (AccountKind.CREATOR,), "creator")
        self._shop.check(product, "product")
        if self._shop.brand[product] != brand:
            raise Forbidden(
                f"product {product} is not brand {brand}'s", field="product", value=product
            )
        if acc.n_followers[creator] < cfg.collab_min_followers:
            raise Forbidden(
                f"creator {creator} has {acc.n_followers[creator]} followers; the marketplace "
                f"admits creators from {cfg.collab_min_followers}",
                field="creator",
                value=creator,
            )
        fee_cents = Shop.check_price(fee, "fee")
        if fee_cents < round(cfg.collab_min_fee * 100):
            raise InvalidInput(
                f"fee must be at least the marketplace minimum of {cfg.collab_min_fee} yuan",
                field="fee",
                value=fee,
            )
        hours = Collabs.check_hours(cfg.collab_offer_hours if hours is None else hours)
        commission = round(fee_cents * cfg.collab_commission)
        now = self._tick(now)
        cid = len(self._collabs)
        self.log.append(
            E.COLLAB_OFFERED, now, brand, cid, fee_cents, (creator, product, commission, hours)
        )
        self._collabs.add(brand, creator, product, fee_cents, commission, now, hours)
        return cid

    def accept_collaboration(self, creator: int, collaboration: int, *, now: float) -> None:
        """The offered creator takes the job (within their weekly capacity)."""
        collabs = self._collabs
        collabs.check_party(collaboration, creator, "creator")
        now = self._check_now(now)
        collabs.check_open(collaboration, now)
        collabs.check_capacity(creator, now, self.config.collab_weekly_capacity)
        now = self._tick(now)
        self.log.append(E.COLLAB_ACCEPTED, now, creator, collaboration)
        collabs.accept(collaboration, now)

    def decline_collaboration(
        self, creator: int, collaboration: int, *, now: float, reason: str = ""
    ) -> None:
        """The offered creator turns it down, optionally saying why (the brand sees it)."""
        self._close_offer(creator, collaboration, "creator", CollabStatus.DECLINED, reason, now)

    def withdraw_collaboration(self, brand: int, collaboration: int, *, now: float) -> None:
        """The brand takes back an offer nobody has answered yet."""
        self._close_offer(brand, collaboration, "brand", CollabStatus.WITHDRAWN, "", now)

    def _close_offer(
        self, actor: int, collaboration: int, role: str, status: int, reason: str, now: float
    ) -> None:
        collabs = self._collabs
        collabs.check_party(collaboration, actor, role)
        reason = Collabs.check_reason(reason)
        now = self._check_now(now)
        collabs.check_open(collaboration, now)
        now = self._tick(now)
        self.log.append(E.COLLAB_CLOSED, now, actor, collaboration, status, None, reason or None)
        collabs.close(collaboration, status, reason)

    def expire_collaborations(self, *, now: float) -> tuple[int, ...]:
        """Close every offer whose deadline has passed (one event each); returns their ids."""
        now = self._check_now(now)
        due = self._collabs.expired(now)
        for cid in due:
            now = self._tick(now)
            self.log.append(E.COLLAB_CLOSED, now, -1, cid, int(CollabStatus.EXPIRED))
            self._collabs.close(cid, int(CollabStatus.EXPIRED), "")
        return tuple(due)

    def collaboration(self, collaboration: int, *, viewer: int | None = None) -> Collaboration:
        """A collaboration; with ``viewer``, only its brand, its creator or staff may see it."""
        view = self._collabs.view(collaboration)
        if viewer is not None:
            self._accounts.check(viewer, "viewer")
            if viewer not in (view.brand, view.creator) and (
                self._accounts.kind[viewer] != AccountKind.STAFF
            ):
                raise Forbidden(
                    f"collaboration {collaboration} is between brand {view.brand} and creator "
                    f"{view.creator}; user {viewer} is neither",
                    field="collaboration",
                    value=collaboration,
                )
        return view

    def collaborations_of(
        self, user: int, *, status: str | CollabStatus | None = None
    ) -> tuple[int, ...]:
        """Collaborations ``user`` offered (a brand) or was offered (a creator), oldest first."""
        self._accounts.check(user, "user")
        return self._collabs.of(user, status)

    def collab_accepted_this_week(self, creator: int, *, now: float) -> int:
        """How many collaborations ``creator`` accepted in the 7 days up to ``now``."""
        self._accounts.check(creator, "creator")
        return self._collabs.accepted_this_week(creator, now)

    def collab_money(self, user: int) -> dict[str, float]:
        """Marketplace money of a user in yuan: what a brand committed (fees + commission)
        and what a creator was paid; plus the platform's commission over everyone."""
        self._accounts.check(user, "user")
        c = self._collabs
        return {
            "committed": c.committed_cents.get(user, 0) / 100,
            "earned": c.earned_cents.get(user, 0) / 100,
            "platform_commission": c.commission_total_cents / 100,
        }

    # ================================================================ reading

    @property
    def n_users(self) -> int:
        return len(self._accounts)

    @property
    def n_notes(self) -> int:
        return len(self._notes)

    @property
    def n_products(self) -> int:
        return len(self._shop.brand)

    @property
    def n_orders(self) -> int:
        return len(self._shop.buyer)

    @property
    def n_boosts(self) -> int:
        return len(self._boosts)

    def user(self, user: int) -> User:
        return self._accounts.view(user)

    def user_id(self, name: str) -> int:
        try:
            return self._accounts.id_by_name[name]
        except KeyError:
            raise NotFound(f"no user named {name!r}", field="name", value=name) from None

    def following(self, user: int) -> tuple[int, ...]:
        self._accounts.check(user)
        return self._accounts.followees_of(user)

    def followers(self, user: int) -> tuple[int, ...]:
        self._accounts.check(user)
        return self._accounts.followers_of(user)

    def is_following(self, user: int, target: int) -> bool:
        return self._accounts.is_following(user, target)

    def interest_profile(self, user: int) -> dict[str, float]:
        """The user's learnt topic affinity (declared interests start at 1)."""
        self._accounts.check(user)
        base = user * len(TOPICS)
        return dict(zip(TOPICS, self._accounts.affinity[base : base + len(TOPICS)], strict=True))

    def note(self, note: int) -> Note:
        notes = self._notes
        notes.check(note)
        sp = notes.sponsor[note]
        pools = self._recommenders["ces_pools"]
        stage = pools.stage[note] if isinstance(pools, CESPools) else -1
        return Note(
            id=note,
            author=notes.author[note],
            created_at=notes.created_at[note],
            format=NoteFormat(notes.format[note]).label,
            topics=topic_names(notes.topics[note]),
            products=notes.products.get(note, ()),
            sponsor=sp if sp >= 0 else None,
            title=notes.titles.get(note, ""),
            impressions=notes.impressions[note],
            reads=notes.reads[note],
            likes=notes.likes[note],
            collects=notes.collects[note],
            comments=notes.comments[note],
            shares=notes.shares[note],
            follows=notes.follows[note],
            ces=notes.ces(note),
            pool_stage=stage if stage >= 0 else None,
        )

    def has_liked(self, user: int, note: int) -> bool:
        return (user << 32 | note) in self._notes.liked

    def has_collected(self, user: int, note: int) -> bool:
        return (user << 32 | note) in self._notes.collected

    def notes_by(self, author: int) -> tuple[int, ...]:
        self._accounts.check(author, "author")
        return tuple(self._notes.by_author.get(author, ()))

    def comments(self, note: int) -> tuple[Comment, ...]:
        self._notes.check(note)
        return tuple(self._notes.comment_threads.get(note, ()))

    def editors_picks(self) -> tuple[int, ...]:
        return tuple(self._notes.editors_picks)

    def product(self, product: int) -> Product:
        return self._shop.view(product)

    def products_of(self, brand: int) -> tuple[int, ...]:
        self._accounts.check(brand, "brand")
        return tuple(self._shop.by_brand.get(brand, ()))

    def product_page(self, product: int, *, top: int = 10) -> ProductPage:
        """A product with its word of mouth: notes tagging it, best first, and their totals."""
        view = self._shop.view(product)
        notes = self._notes
        tagged = list(self._shop.notes_of.get(product, ()))
        best = sorted(tagged, key=lambda n: (-notes.ces(n), -n))[:top]
        return ProductPage(
            product=view,
            top_notes=tuple(best),
            likes_on_notes=sum(notes.likes[n] for n in tagged),
            collects_on_notes=sum(notes.collects[n] for n in tagged),
        )

    def order(self, order: int) -> Order:
        return self._shop.order_view(order)

    def campaign(self, campaign: int) -> AdCampaign:
        return self._ads.view(campaign, self._now)

    def trending_topics(self, *, now: float, k: int = 5) -> list[tuple[str, float]]:
        return self._trending.topics(now, k)

    def trending_products(self, *, now: float, k: int = 5) -> list[tuple[int, float]]:
        return self._trending.products(now, k)

    def pool_sizes(self) -> list[int]:
        """Notes in each CES traffic-pool stage at the platform's time (neither retired nor
        too old to be served)."""
        pools = self._recommenders["ces_pools"]
        return pools.pool_sizes(self._now) if isinstance(pools, CESPools) else []

    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        """Copies of the state columns as numpy arrays, for vectorised metrics and exports."""

        def cols(obj: object, names: Iterable[str], dtype: dict[str, str]) -> dict[str, np.ndarray]:
            return {n: np.array(getattr(obj, n), dtype=dtype.get(n)) for n in names}

        acc, notes, shop = self._accounts, self._notes, self._shop
        pools = self._recommenders["ces_pools"]
        note_cols = cols(
            notes,
            (
                "author",
                "created_at",
                "topics",
                "format",
                "sponsor",
                "impressions",
                "reads",
                "likes",
                "collects",
                "comments",
                "shares",
                "follows",
            ),
            {},
        )
        tagged = np.zeros(len(notes), dtype=np.int32)  # only tagged notes are in the dict
        for note, products in notes.products.items():
            tagged[note] = len(products)
        note_cols["n_products"] = tagged
        if isinstance(pools, CESPools):
            note_cols["pool_stage"] = np.array(pools.stage, dtype=np.int8)
        shares = self._shares
        share_cols = cols(
            shares,
            (
                "sharer",
                "note",
                "parent",
                "time",
                "outside",
                "n_recipients",
                "visitors",
                "signups",
            ),
            {"outside": "bool"},
        )
        return {
            "shares": share_cols,
            "users": cols(
                acc,
                ("kind", "interests", "created_at", "n_followers", "n_following", "n_notes"),
                {},
            ),
            "notes": note_cols,
            "products": cols(
                shop,
                (
                    "brand",
                    "topic",
                    "price_cents",
                    "stock",
                    "origin",
                    "units_sold",
                    "rating_sum",
                    "rating_count",
                ),
                {},
            ),
            "campaigns": cols(
                self._ads,
                ("brand", "note", "placement", "budget_mc", "spent_mc", "cpm_cents", "impressions"),
                {},
            ),
            "boosts": cols(
                self._boosts, ("buyer", "note", "goal", "price_mc", "bought", "delivered"), {}
            ),
            "orders": cols(
                shop,
                (
                    "buyer",
                    "product",
                    "quantity",
                    "unit_cents",
                    "placed_at",
                    "status",
                    "note",
                    "channel",
                    "rating",
                    "review_note",
                    "is_sample",
                ),
                {},
            ),
            "collaborations": cols(
                self._collabs,
                (
                    "brand",
                    "creator",
                    "product",
                    "fee_cents",
                    "commission_cents",
                    "offered_at",
                    "expires_at",
                    "status",
                    "note",
                ),
                {},
            ),
        }

    def fingerprint(self) -> str:
        """A digest of the whole platform state: equal digests mean identical platforms."""
        h = hashlib.blake2b(digest_size=20)

        def put(x: object) -> None:
            if isinstance(x, array):
                h.update(x.typecode.encode())
                h.update(x.tobytes())
            elif isinstance(x, np.ndarray):
                h.update(f"{x.dtype}{x.shape}".encode())
                h.update(x.tobytes())
            elif isinstance(x, set):
                h.update(array("q", sorted(x)).tobytes())
            elif isinstance(x, dict):
                for key in sorted(x):
                    h.update(repr(key).encode())
                    put(x[key])
            else:
                h.update(repr(x).encode())
            h.update(b"|")

        for store in (
            self._accounts,
            self._notes,
            self._shop,
            self._ads,
            self._boosts,
            self._shares,
        ):
            for name in sorted(vars(store)):
                if not name.startswith("_") or name in ("_live",):
                    put(vars(store)[name])
        pools = self._recommenders["ces_pools"]
        if isinstance(pools, CESPools):
            put(pools.stage)
            put(pools.quota)
        seen = self._seen
        put(seen.rows)
        put(seen.tables[: len(seen.rows)])
        put(seen.state[: len(seen.rows)])
        put(self._trending.topics(self._now, 100) if self._now > -math.inf else [])
        put(self._trending.products(self._now, 1000) if self._now > -math.inf else [])
        collabs = self._collabs
        for name in sorted(vars(collabs)):
            put(vars(collabs)[name])
        put(self._active.name)
        put(self._now)
        return h.hexdigest()

    # ================================================================ replay

    def _replay_table(self) -> dict[EventKind, Callable[[Event], None]]:
        shop, ads, notes = self._shop, self._ads, self._notes

        def published(e: Event) -> None:
            mask, fmt, sponsor = unpack_note(e.value)
            self._apply_publish(e.actor, mask, fmt, sponsor, e.ints or (), e.text or "", e.time)

        def status(target: OrderStatus) -> Callable[[Event], None]:
            return lambda e: shop.set_status(e.object, target)

        def campaign_created(e: Event) -> None:
            note, budget, cpm, seconds = (*(e.ints or (0, 0, 0)), 0)[:4]
            hours = seconds / 3600 or math.inf
            ads.add(e.actor, note, e.value & 0xF, e.value >> 4, budget, cpm, e.time, hours)

        def recommender_set(e: Event) -> None:
            self._active = self._recommenders[e.text or ""]

        collabs = self._collabs

        def collab_offered(e: Event) -> None:
            creator, product, commission, hours = e.ints or (0, 0, 0, 0)
            collabs.add(e.actor, creator, product, e.value, commission, e.time, hours)

        def collab_published(e: Event) -> None:
            mask, fmt, sponsor = unpack_note(e.value)
            cid, *products = e.ints or (0,)
            self._apply_publish(e.actor, mask, fmt, sponsor, tuple(products), e.text or "", e.time)
            collabs.published(cid, e.object)

        return {
            E.USER_CREATED: lambda e: self._apply_user(
                e.value & 0xF, e.value >> 4, e.text or "", e.time
            ),
            E.FOLLOWED: lambda e: self._apply_follow(e.actor, e.object, e.value, e.time),
            E.UNFOLLOWED: lambda e: self._accounts.unfollow(e.actor, e.object),
            E.NOTE_PUBLISHED: published,
            E.NOTE_READ: lambda e: self._apply_read(e.actor, e.object, e.value, e.time),
            E.LIKED: lambda e: self._apply_like(e.actor, e.object, e.time),
            E.UNLIKED: lambda e: self._apply_unlike(e.actor, e.object),
            E.COLLECTED: lambda e: self._apply_collect(e.actor, e.object, e.time),
            E.UNCOLLECTED: lambda e: self._apply_uncollect(e.actor, e.object),
            E.COMMENTED: lambda e: self._apply_comment(e.actor, e.object, e.text or "", e.time),
            E.SHARED: lambda e: self._apply_share(e.actor, e.object, e.time),
            E.FEED_SERVED: lambda e: self._apply_served(
                e.actor, e.ints or (), *unpack_served(e.value), e.time, *unpack_boost(e.value)
            ),
            E.SEARCHED: lambda e: self._apply_searched(
                e.actor, e.ints or (), e.value - 1, e.text or "", e.time
            ),
            E.NOTE_PICKED: lambda e: notes.editors_picks.append(e.object),
            E.RECOMMENDER_SET: recommender_set,
            E.PRODUCT_CREATED: lambda e: shop.add_product(
                e.actor,
                e.text or "",
                e.value & 0xFF,
                (e.ints or (0, 0))[0],
                (e.ints or (0, 0))[1],
                e.value >> 8 & 1,
            ),
            E.PRODUCT_RESTOCKED: lambda e: shop.stock.__setitem__(
                e.object, shop.stock[e.object] + e.value
            ),
            E.PRICE_SET: lambda e: shop.price_cents.__setitem__(e.object, e.value),
            E.PRODUCT_VIEWED: lambda e: shop.touched(e.actor, (e.object,), -1, e.value, e.time),
            E.ORDER_PLACED: lambda e: self._apply_order(
                e.actor, e.value, (e.ints or (1,))[0], e.time
            ),
            E.ORDER_PAID: status(OrderStatus.PAID),
            E.ORDER_SHIPPED: status(OrderStatus.SHIPPED),
            E.ORDER_DELIVERED: status(OrderStatus.DELIVERED),
            E.ORDER_CANCELLED: status(OrderStatus.CANCELLED),
            E.ORDER_REFUNDED: status(OrderStatus.REFUNDED),
            E.ORDER_REVIEWED: lambda e: shop.add_review(
                e.object, e.value, e.ints[0] if e.ints else -1
            ),
            E.CAMPAIGN_CREATED: campaign_created,
            E.CAMPAIGN_STOPPED: lambda e: ads.stop(e.object),
            E.SAMPLE_SENT: lambda e: shop.add_sample((e.ints or (-1,))[0], e.value, e.time),
            E.BOOST_CREATED: lambda e: self._apply_boost(e.actor, e.value, e.ints or (), e.time),
            E.COLLAB_OFFERED: collab_offered,
            E.COLLAB_ACCEPTED: lambda e: collabs.accept(e.object, e.time),
            E.COLLAB_CLOSED: lambda e: collabs.close(e.object, e.value, e.text or ""),
            E.COLLAB_PUBLISHED: collab_published,
            E.SHARE_DELIVERED: lambda e: self._apply_share(
                e.actor, e.object, e.time, e.value - 1, False, e.ints or ()
            ),
            E.SHARED_OUTSIDE: lambda e: self._apply_share(
                e.actor, e.object, e.time, e.value - 1, True
            ),
            E.SHARE_VISITED: lambda e: self._shares.visitors.__setitem__(
                e.object, self._shares.visitors[e.object] + e.value
            ),
            E.SHARE_SIGNUP: lambda e: self._apply_signup(
                e.object, e.value >> 4, e.text or "", e.time
            ),
        }

    def apply(self, event: Event) -> None:
        """Apply one logged event (used by replay). The event is appended to this log too."""
        if event.time < self._now:
            raise InvalidInput(f"event {event.seq} goes back in time", field="time")
        self._now = event.time
        self.log.append(
            event.kind, event.time, event.actor, event.object, event.value, event.ints, event.text
        )
        self._appliers[event.kind](event)

    @classmethod
    def replay(
        cls,
        events: Iterable[Event],
        config: PlatformConfig | None = None,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> Platform:
        """Rebuild a platform from its events (an :class:`EventLog` or a SQLite file's rows)."""
        platform = cls(config, rng=rng)
        for event in events:
            platform.apply(event)
        return platform

    @classmethod
    def from_sqlite(
        cls, path: str | os.PathLike[str], *, rng: np.random.Generator | int | None = None
    ) -> Platform:
        """Replay a log written with ``log.stream_to(path, meta=...)`` (config read from meta)."""
        meta, rows = read_sqlite(path)
        config = (
            PlatformConfig.from_dict(meta["platform_config"]) if "platform_config" in meta else None
        )
        return cls.replay(rows, config, rng=rng)

    def stream_log(self, path: str | os.PathLike[str], **meta: Any) -> None:
        """Stream this platform's event log to a SQLite file (closed by :meth:`close_log`)."""
        self.log.stream_to(path, meta={"platform_config": self.config.to_dict(), **meta})

    def close_log(self) -> None:
        self.log.close()
