"""Accounts, follows, notes and engagement: the community's commands."""

from __future__ import annotations

from collections.abc import Iterable

from .checks import channel_code
from .codec import EventKind, codec_of
from .collabs import Collabs
from .errors import InvalidInput
from .model import TOPICS, AccountKind, Channel, NoteFormat, topic_mask
from .notes import Notes
from .state import PlatformState

__all__ = ["CommunityCommands"]

E = EventKind
_PACK_NOTE = codec_of(E.NOTE_PUBLISHED).pack


class CommunityCommands(PlatformState):
    """Open accounts, follow, publish, read, like, collect and comment."""

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
        self._emit(E.USER_CREATED, now, uid, uid, int(k), mask, name)
        return uid

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
        self._apply_followed(user, target, now, via)
        return True

    def unfollow(self, user: int, target: int, *, now: float) -> bool:
        acc = self._accounts
        acc.check_follow(user, target)
        now = self._check_now(now)
        if not acc.is_following(user, target):
            return False
        now = self._tick(now)
        self.log.append(E.UNFOLLOWED, now, user, target)
        self._apply_unfollowed(user, target, now)
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
            self._emit(
                E.COLLAB_PUBLISHED, now, author, nid, collaboration, mask, fmt, sp, tagged, title
            )
        else:
            self.log.append(
                E.NOTE_PUBLISHED, now, author, nid, *_PACK_NOTE(mask, fmt, sp, tagged, title)
            )
            self._add_note(author, now, mask, fmt, sp, tagged, title)
        return nid

    def read(
        self, user: int, note: int, *, now: float, channel: str | int = Channel.DISCOVERY
    ) -> None:
        """Open a note's card. ``channel`` says where the card was: it drives attribution."""
        self._accounts.check(user)
        self._notes.check(note)
        ch = channel_code(channel)
        now = self._tick(now)
        self.log.append(E.NOTE_READ, now, user, note, ch)
        self._apply_note_read(user, note, now, ch)

    def like(self, user: int, note: int, *, now: float) -> bool:
        """Like a note; False (and no event) if already liked."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) in self._notes.liked:
            return False
        now = self._tick(now)
        self.log.append(E.LIKED, now, user, note)
        self._apply_liked(user, note, now)
        return True

    def unlike(self, user: int, note: int, *, now: float) -> bool:
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) not in self._notes.liked:
            return False
        now = self._tick(now)
        self.log.append(E.UNLIKED, now, user, note)
        self._apply_unliked(user, note, now)
        return True

    def collect(self, user: int, note: int, *, now: float) -> bool:
        """Save a note to the user's collection; False if already collected."""
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) in self._notes.collected:
            return False
        now = self._tick(now)
        self.log.append(E.COLLECTED, now, user, note)
        self._apply_collected(user, note, now)
        return True

    def uncollect(self, user: int, note: int, *, now: float) -> bool:
        self._accounts.check(user)
        self._notes.check(note)
        now = self._check_now(now)
        if (user << 32 | note) not in self._notes.collected:
            return False
        now = self._tick(now)
        self.log.append(E.UNCOLLECTED, now, user, note)
        self._apply_uncollected(user, note, now)
        return True

    def comment(self, user: int, note: int, text: str, *, now: float) -> None:
        self._accounts.check(user)
        self._notes.check(note)
        Notes.check_text(text, "text", self.config.max_comment_chars, allow_empty=False)
        now = self._tick(now)
        self.log.append(E.COMMENTED, now, user, note, 0, None, text)
        self._apply_commented(user, note, now, text)
