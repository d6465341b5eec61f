"""Shares that reach people: in the app, out of it, their visitors and sign-ups, and the trees."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .bulk import id_column
from .codec import EventKind
from .errors import Conflict
from .model import TOPICS, topic_mask
from .shares import Cascade, Share, SharedItem
from .shop import Shop
from .state import PlatformState

__all__ = ["SharingCommands"]

E = EventKind


class SharingCommands(PlatformState):
    """Share notes and read the shares back: inboxes, share trees, sign-ups through a link."""

    def share(self, user: int, note: int, *, now: float) -> None:
        """Share a note out of the app. Every share counts."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._tick(now)
        self.log.append(E.SHARED, now, user, note)
        self._apply_shared(user, note, now)

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
        return self._emit(E.SHARE_DELIVERED, now, user, note, par, recipients)

    def share_outside(self, user: int, note: int, *, now: float, parent: int | None = None) -> int:
        """Share a note's link to a messaging app (out of the app); returns the share id.
        Outside visitors come by :meth:`share_visited` and may :meth:`sign_up_via_share`."""
        self._accounts.check(user)
        self._notes.check(note)
        par = self._shares.check_parent(parent, note)
        now = self._tick(now)
        return self._emit(E.SHARED_OUTSIDE, now, user, note, par, ())

    def share_visited(self, share: int, visitors: int, *, now: float) -> None:
        """``visitors`` people without an account opened an out-of-app share's link."""
        self._shares.check_outside(share)
        Shop.check_quantity(visitors, "visitors", 1, 1_000_000)
        now = self._tick(now)
        self._emit(E.SHARE_VISITED, now, -1, share, visitors)

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
        self._emit(E.SHARE_SIGNUP, now, uid, share, mask, name)
        return uid

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

    def latest_shared_many(self, users: Iterable[int]) -> np.ndarray:
        """Per user, the id of the last share delivered to them (-1: none yet): whose
        inboxes hold news since the share id they last read, for many users in one call.
        A pure read."""
        return self._shares.latest_of(id_column(users, len(self._accounts), "user"))

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
