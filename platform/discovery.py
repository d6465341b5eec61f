"""Feeds and search: the following feed, the discovery page with its paid cards, editors'
picks, switching the recommender (or any setting), and search with its ad."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .codec import EventKind, pack_served
from .errors import InvalidInput
from .model import AccountKind, AdPlacement, BoostGoal, Channel, DiscoveryPage, SearchResult
from .notes import Notes
from .shop import Shop
from .state import PlatformState

__all__ = ["FeedCommands", "insert_paid"]

E = EventKind
_DISCOVERY, _FOLLOWING = int(Channel.DISCOVERY), int(Channel.FOLLOWING)
_FOLLOWING_SERVED = pack_served(_FOLLOWING, 0)


def insert_paid(
    cards: list[int], k: int, ad: tuple[int, int], boost: tuple[int, int]
) -> tuple[list[int], int, int]:
    """A page of at most ``k`` cards with the paid cards put in: (cards, ad slot, boost slot).

    ``ad`` and ``boost`` are ``(planned slot, note)`` (note -1: none). Each goes where planned,
    or last on a short page, in slot order (the ad first on a tie), always inside the ``k``
    cards kept; the organic cards drop a paid note they also hold. ``cards`` is not changed.
    """
    paid = sorted(
        (slot, is_boost, note) for is_boost, (slot, note) in enumerate((ad, boost)) if note >= 0
    )
    paid_notes = {note for _, _, note in paid}
    page = [n for n in cards if n not in paid_notes][: k - len(paid)]
    slots = [-1, -1]  # ad, boost
    slot = -1
    for planned, is_boost, note in paid:
        slot = max(min(planned, len(page)), slot + 1)
        page.insert(slot, note)
        slots[is_boost] = slot
    return page, slots[0], slots[1]


class FeedCommands(PlatformState):
    """Serve pages (a write: impressions, traffic pools, ad charges) and search."""

    # ================================================================ feeds

    def following_feed(
        self, user: int, *, now: float, before: int | None = None, limit: int = 20
    ) -> list[int]:
        """Newest notes of the accounts ``user`` follows, newest first.

        Paginate by passing the last note id of a page as ``before``. Serving counts
        impressions (one event per non-empty page).
        """
        self._accounts.check(user)
        now = self._check_following(now, before, limit)
        page = self._following_page(user, before, limit)
        if page:
            now = self._tick(now)
            self.log.append(E.FEED_SERVED, now, user, -1, _FOLLOWING_SERVED, page)
            self._apply_feed_served(user, -1, now, _FOLLOWING, 0, -1, -1, -1, -1, page)
        return page

    def _check_following(self, now: float, before: int | None, limit: int) -> float:
        if before is not None:
            self._notes.check(before, "before")
        Shop.check_quantity(limit, "limit", 1, 100)
        return self._check_now(now)

    def _following_page(self, user: int, before: int | None, limit: int) -> list[int]:
        cursor = len(self._notes) if before is None else before
        return self._notes.newest_by(self._accounts.following.get(user, ()), cursor, limit)

    def discovery_feed(self, user: int, *, now: float, k: int | None = None) -> DiscoveryPage:
        """One two-column discovery page from the active recommender, maybe with a feed ad.

        Serving records impressions; opening a card is a separate :meth:`read`.
        """
        self._accounts.check(user)
        k = self._page_size(k)
        now = self._check_now(now)
        self.review_pools(now=now)
        cards, ad_slot, campaign, boost_slot, boost = self._draw_discovery(user, now, k)
        if not cards:
            return DiscoveryPage(())
        now = self._tick(now)
        code = self._active.code
        value = pack_served(_DISCOVERY, code, ad_slot, campaign, boost_slot, boost)
        self.log.append(E.FEED_SERVED, now, user, -1, value, cards)
        self._apply_feed_served(
            user, -1, now, _DISCOVERY, code, ad_slot, campaign, boost_slot, boost, cards
        )
        likes = self._notes.likes
        return DiscoveryPage(
            tuple(cards),
            (ad_slot,) if ad_slot >= 0 else (),
            (boost_slot,) if boost_slot >= 0 else (),
            tuple(map(likes.__getitem__, cards)),
        )

    def review_pools(self, *, now: float) -> None:
        """Review the traffic pools whose quota ran out ``pool_review_delay_hours`` ago or
        more: promote or retire their notes (:class:`~.recommenders.CESPools`). Runs before
        every discovery page; logged as ``pools_reviewed`` when any review was due, so a
        replay reviews them at the same point of the history."""
        now = self._check_now(now)
        if self._pools.reviews_due(now):
            self._emit(E.POOLS_REVIEWED, self._tick(now), -1, -1)

    def _page_size(self, k: int | None) -> int:
        return self.config.page_size if k is None else Shop.check_quantity(k, "k", 1, 100)

    def _draw_discovery(
        self, user: int, now: float, k: int
    ) -> tuple[list[int], int, int, int, int]:
        """The page ``user`` gets now, not yet served: (cards, ad slot, campaign, boost slot,
        boost), -1 for no ad or boost. Drawing moves only the recommender's own state."""
        cards = self._active.page(user, now, k, self._seen)
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
        if campaign >= 0 or boost >= 0:
            boost_note = self._boosts.note[boost] if boost >= 0 else -1
            cfg = self.config
            cards, ad_slot, boost_slot = insert_paid(
                cards, k, (cfg.ad_slot, ad_note), (cfg.boost_slot, boost_note)
            )
        return cards, ad_slot, campaign, boost_slot, boost

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

    def set_recommender(self, name: str, *, now: float) -> None:
        """Switch the discovery recommender (e.g. the 2016 move from editors to machines)."""
        self.set_config({"recommender": name}, now=now)

    def set_config(self, settings: Mapping[str, Any], *, now: float) -> None:
        """Change settings from ``now`` on (a counterfactual: larger pools, another ad slot),
        logged as one CONFIG_SET. InvalidInput, nothing changed, for none, an unknown key, a
        setting fixed while running (``FIXED_MID_RUN``) or a value a new config refuses."""
        if not settings:
            raise InvalidInput("no settings to change", field="settings")
        name = settings.get("recommender", self.config.recommender)
        if name not in self._recommenders:
            raise InvalidInput(
                f"unknown recommender {name!r}; allowed: {', '.join(self._recommenders)}",
                field="recommender",
                value=name,
            )
        config = self.config.changed(dict(settings))
        now = self._tick(now)
        self._emit(E.CONFIG_SET, now, -1, -1, {key: getattr(config, key) for key in settings})

    def pick_note(self, editor: int, note: int, *, now: float) -> None:
        """An editor (staff account) adds a note to the editors' picks."""
        self._accounts.check_kind(editor, (AccountKind.STAFF,), "editor")
        self._notes.check(note)
        now = self._tick(now)
        self.log.append(E.NOTE_PICKED, now, editor, note)
        self._apply_note_picked(editor, note, now)

    # ================================================================ search

    def search(self, user: int, query: str, *, now: float, limit: int = 20) -> SearchResult:
        """Search notes and products by topic, product name or brand. Logged as intent."""
        self._accounts.check(user)
        Notes.check_text(query, "query", 200, allow_empty=False)
        Shop.check_quantity(limit, "limit", 1, 100)
        now = self._tick(now)
        match = self._search.match(query)
        found = self._search.rank(*match, now, limit)
        ads = self._ads.any_running(AdPlacement.SEARCH, now)  # else no auction can be won
        return self._log_search(user, query, match, found, now, ads=ads)
