"""Recommenders: the one hook that ranks a discovery page for a user.

A recommender returns up to ``k`` note ids for a user at time ``now``; it never changes
platform state itself. The feed service records what was served and then calls
``on_served`` so recommenders with bookkeeping (the CES traffic pools) can update it; that is
also what replay calls, so the bookkeeping is rebuilt exactly from the log.

Register a new one with :func:`register`; ``PlatformConfig.recommender`` names the active one.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from itertools import accumulate
from typing import ClassVar, NamedTuple

import numpy as np

from . import batch_kernels, kernels
from .kernels import SEEN_HASH
from .model import N_TOPICS, TOPICS_OF_MASK, PlatformConfig
from .notes import Notes
from .social import Accounts

ALL_TOPICS_MASK = (1 << N_TOPICS) - 1
_NO_STAGES = array("b")  # the top-up of recommenders without traffic pools retires nothing
_NOTHING = np.empty(0, dtype=np.int64)


class SeenFilter:
    """Remembers roughly the last ``window`` cards served to each user, in ~2 bits per card.

    Two generations of a Bloom-style bit table per user; a false positive only means a card is
    skipped once, never that a seen card is shown again within the window. Users get a row of
    ``tables`` when first served (``row_of[user]``, -1 before: an array by account id, so a
    batch of users finds its rows at once); ``state[row]`` is (current generation, cards in
    it).
    """

    def __init__(self, window: int) -> None:
        self.window = window
        half = max(1, window // 2)
        self.bits = 1 << max(6, (half * 16 - 1).bit_length())
        self._per_gen = half
        self.row_of = np.zeros(0, dtype=np.int64)  # user -> row, -1: none yet
        self.n_rows = 0
        self.tables = np.zeros((0, 2, self.bits >> 3), dtype=np.uint8)
        self.state = np.zeros((0, 2), dtype=np.int64)

    def row(self, user: int) -> int:
        """The user's row, or -1 if nothing was served to them yet."""
        return self.row_of.item(user) if user < self.row_of.size else -1

    def rows_of(self, users: np.ndarray) -> np.ndarray:
        """:meth:`row` of each of ``users``."""
        rows = np.full(users.size, -1, dtype=np.int64)
        inside = users < self.row_of.size
        rows[inside] = self.row_of[users[inside]]
        return rows

    def assigned(self) -> tuple[np.ndarray, np.ndarray]:
        """The users who have a row, ascending, and their rows."""
        users = np.flatnonzero(self.row_of >= 0)
        return users, self.row_of[users]

    def mask(self, user: int) -> int:
        """Both generations as one int: bit ``(note * SEEN_HASH) % bits`` is set for seen notes."""
        row = self.row(user)
        if row < 0:
            return 0
        return int.from_bytes((self.tables[row, 0] | self.tables[row, 1]).tobytes(), "little")

    def has_seen(self, user: int, note: int) -> bool:
        """Whether ``note`` was served to ``user`` within about the window (as the kernels test)."""
        row = self.row(user)
        if row < 0:
            return False
        h = (note * kernels.SEEN_HASH) % self.bits
        return bool((self.tables[row, 0, h >> 3] | self.tables[row, 1, h >> 3]) >> (h & 7) & 1)

    def add(self, user: int, notes: Sequence[int]) -> None:
        if not self.window:
            return
        row = self.row(user)
        if row < 0:
            row = self.n_rows
            self._give(np.array([user]), np.array([row]))
            self._reserve(row + 1)
        kernels.mark_seen(self.tables, self.state, row, array("q", notes), self._per_gen)

    def _reserve(self, rows: int) -> None:
        """Room for ``rows`` users, the capacity doubling as rows are added one by one."""
        capacity = have = len(self.tables)
        while capacity < rows:
            capacity += max(64, capacity)
        if capacity > have:
            grow = capacity - have
            new_rows = np.zeros((grow, 2, self.bits >> 3), dtype=np.uint8)
            self.tables = np.concatenate([self.tables, new_rows])
            self.state = np.concatenate([self.state, np.zeros((grow, 2), dtype=np.int64)])

    def batch(self, users: np.ndarray) -> SeenBatch:
        """The rows of ``users`` for serving them pages in compiled calls, with room made for a
        row each for those who have none yet; :meth:`adopt` takes in the rows those assign."""
        distinct, slot_of = np.unique(users, return_inverse=True)
        rows = self.rows_of(distinct)
        first, new = self.n_rows, int(np.count_nonzero(rows < 0))
        if self.window:
            self._reserve(first + new)
        per_gen = self._per_gen if self.window else 0
        cursor = np.array([first, first], dtype=np.int64)
        return SeenBatch(
            slot_of.astype(np.int64), distinct, rows, cursor, np.empty(new, np.int64), per_gen
        )

    def adopt(self, batch: SeenBatch) -> None:
        """Register the rows compiled calls assigned since the last adopt, in their order."""
        new = np.arange(self.n_rows, batch.cursor[0])
        self._give(batch.users[batch.assigned[new - batch.cursor[1]]], new)

    def _give(self, users: np.ndarray, rows: np.ndarray) -> None:
        """``users`` get ``rows`` (the next ones, in order)."""
        if users.size:
            top = int(users.max()) + 1
            if top > self.row_of.size:
                grown = np.full(max(top, 2 * self.row_of.size), -1, dtype=np.int64)
                grown[: self.row_of.size] = self.row_of
                self.row_of = grown
            self.row_of[users] = rows
            self.n_rows += users.size

    def resync(self, batch: SeenBatch, slot: int) -> None:
        """After ``batch.users[slot]`` was served by :meth:`add` (adopt first): their row."""
        batch.rows[slot] = self.row(int(batch.users[slot]))
        batch.cursor[0] = self.n_rows


class SeenBatch(NamedTuple):
    """A batch's view of the seen filter (:meth:`SeenFilter.batch`): user ``i`` of the batch
    is ``users[slot_of[i]]`` with row ``rows[slot_of[i]]`` (-1: none yet); ``cursor`` holds
    (the next new row, the first new row) and ``assigned[r - cursor[1]]`` the slot that got
    new row ``r``; ``per_gen`` 0 means the filter is off."""

    slot_of: np.ndarray
    users: np.ndarray
    rows: np.ndarray
    cursor: np.ndarray
    assigned: np.ndarray
    per_gen: int


class ServeBatch(NamedTuple):
    """What :meth:`Recommender.serve_many` serves into: ``cards`` (one row per user, -1
    padded) and ``counts``, the impressions column, the seen filter with the batch's view of
    it (``seen``), ``skip``, the users it must leave to the caller, and for a recommender
    that ``serves_ads`` the feed campaigns (see :func:`.batch_kernels.serve_pool_pages`)."""

    now: float
    k: int
    skip: np.ndarray
    seen_filter: SeenFilter
    seen: SeenBatch
    impressions: array
    cards: np.ndarray
    counts: np.ndarray
    feed_ads: tuple


class Recommender:
    """Base class: subclasses implement :meth:`page`."""

    name: ClassVar[str]
    code: ClassVar[int]
    #: Whether :meth:`serve_many` serves pages in compiled code (else bulk serving goes user
    #: by user through :meth:`page`): for recommenders with a :meth:`ranking` or their own.
    compiled_batch: ClassVar[bool] = False
    #: Whether :meth:`serve_many` also auctions and serves the feed ads itself (else a user
    #: a campaign may win is left to the caller, flagged in ``skip``).
    serves_ads: ClassVar[bool] = False

    def __init__(
        self, accounts: Accounts, notes: Notes, config: PlatformConfig, rand: random.Random
    ) -> None:
        self.accounts = accounts
        self.notes = notes
        self.config = config
        self.rand = rand
        self._out = np.empty(100, dtype=np.int64)  # page buffer for the kernels; k <= 100

    def page(self, user: int, now: float, k: int, seen: SeenFilter) -> list[int]:
        """Up to ``k`` note ids for ``user``, skipping what ``seen`` remembers for them."""
        raise NotImplementedError

    def on_published(self, note: int, now: float) -> None:
        """Called once per new note (also during replay)."""

    def on_served(self, notes: Sequence[int], now: float) -> None:
        """Called after this recommender's page was served (also during replay)."""

    def on_reseed(self) -> None:
        """Called after the platform's random stream was restarted (see ``reseed``)."""

    def reconfigure(self, config: PlatformConfig) -> None:
        """Called when settings change mid-run (also during replay): what is derived from
        them is derived again."""
        self.config = config

    def ranking(self, now: float, k: int) -> np.ndarray | None:
        """The one list every user's page is read from at ``now``, best first (int64 ids),
        for recommenders whose page is :meth:`ranked_page` of it; else None."""
        return None

    def serve_many(self, users: np.ndarray, start: int, serve: ServeBatch) -> int:
        """Draw and serve pages for ``users[start:]`` in order in compiled code — what
        :meth:`page`, one impression per card, ``seen.add`` and :meth:`on_served` do per user
        — up to the first user flagged in ``serve.skip`` (who may get a paid card: the caller
        serves them one by one). Returns where it stopped (``len(users)``: all served). Only
        for a recommender with ``compiled_batch``: this one reads pages from :meth:`ranking`."""
        ranked = self.ranking(serve.now, serve.k)
        assert ranked is not None, f"{self.name} has no ranking to serve in bulk"
        b, notes = serve.seen, self.notes
        return batch_kernels.serve_ranked_pages(
            ranked, users, serve.skip, b.slot_of, b.rows, b.cursor, b.assigned,
            self.accounts.interests, ALL_TOPICS_MASK, notes.recent, notes.recent_len,
            notes.created_at, _NO_STAGES, serve.impressions, serve.seen_filter.tables,
            serve.seen_filter.state, b.per_gen, serve.now, float(self.config.pool_max_age_hours),
            serve.k, start, serve.cards, serve.counts,
        )  # fmt: skip

    # ------------------------------------------------------------ shared helpers

    def fill_newest(
        self, picked: list[int], user: int, k: int, seen: SeenFilter, now: float
    ) -> list[int]:
        """``picked`` topped up to ``k`` unseen cards when the recommender's own source runs
        dry (cold start, a short ranking): the newest notes of the user's topics, then any
        note, newest first (:func:`kernels.top_up`)."""
        if len(picked) >= k:
            return picked
        out = self._out
        out[: len(picked)] = picked
        notes = self.notes
        count = kernels.top_up(
            notes.recent,
            notes.recent_len,
            self.accounts.interests[user] or ALL_TOPICS_MASK,
            notes.created_at,
            _NO_STAGES,
            False,
            seen.tables,
            seen.row(user),
            now,
            float(self.config.pool_max_age_hours),
            k,
            out,
            len(picked),
        )
        return out[:count].tolist()

    def ranked_page(
        self, ranked: np.ndarray, user: int, now: float, k: int, seen: SeenFilter
    ) -> list[int]:
        """The first ``k`` unseen notes of ``ranked`` (int64 ids, best first), topped up by
        :meth:`fill_newest` when the ranking runs out."""
        count = kernels.take_unseen(ranked, seen.tables, seen.row(user), k, self._out)
        return self.fill_newest(self._out[:count].tolist(), user, k, seen, now)

    def decay(self, age: float) -> float:
        return 0.5 ** (age / self.config.decay_half_life_hours)


class EditorsPicks(Recommender):
    """``manual``: everyone sees the editors' picks, newest first; the pre-2016 way."""

    name = "manual"
    code = 0
    compiled_batch = True

    def page(self, user: int, now: float, k: int, seen: SeenFilter) -> list[int]:
        return self.ranked_page(self.ranking(now, k), user, now, k, seen)

    def ranking(self, now: float, k: int) -> np.ndarray:
        picks = self.notes.editors_picks
        return np.array(picks[max(0, len(picks) - 50 * k) :][::-1], dtype=np.int64)


class Popular(Recommender):
    """``popular``: one ranking by decayed CES, served from the top to everyone; each user
    skips only what they have seen, so attention piles onto what is already popular."""

    name = "popular"
    code = 1
    compiled_batch = True

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self._ranked = np.empty(0, dtype=np.int64)
        self._ranked_at = -math.inf
        self._ranked_n = -1

    def _rerank(self, now: float) -> None:
        cfg, notes = self.config, self.notes
        n = len(notes)
        created = np.frombuffer(notes.created_at, dtype=np.float64)
        start = int(np.searchsorted(created, now - cfg.popular_lookback_hours, side="left"))
        age = now - created[start:]
        del created
        ces = np.frombuffer(notes.ces_score, dtype=np.float64)[start:]
        score = ces * np.exp2(-age / cfg.decay_half_life_hours)
        del ces  # release the view: the column must stay free to grow
        top = min(cfg.popular_pool_size, len(score))
        if top:
            idx = np.argpartition(-score, top - 1)[:top]
            idx = idx[np.lexsort((idx, -score[idx]))]
            self._ranked = (idx + start).astype(np.int64)
        else:
            self._ranked = np.empty(0, dtype=np.int64)
        self._ranked_at, self._ranked_n = now, n

    def page(self, user: int, now: float, k: int, seen: SeenFilter) -> list[int]:
        return self.ranked_page(self.ranking(now, k), user, now, k, seen)

    def ranking(self, now: float, k: int) -> np.ndarray:
        """The ranking, re-ranked when stale (so it stays the same for a batch at one time)."""
        if now - self._ranked_at >= self.config.popular_refresh_hours or (
            not len(self._ranked) and self._ranked_n != len(self.notes)
        ):
            self._rerank(now)
        return self._ranked


class InterestMatch(Recommender):
    """``interest``: topics drawn from the user's learnt affinity blended with what users of
    those topics engage with (``interest_coengagement_weight``), the better of two recent
    notes per slot (by decayed CES per impression)."""

    name = "interest"
    code = 3

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self._table: np.ndarray | None = None  # the co-engagement table last read ...
        self._blend = np.zeros((N_TOPICS, N_TOPICS))  # ... as the blend's cumulative rows

    def reconfigure(self, config: PlatformConfig) -> None:
        super().reconfigure(config)
        self._table = None  # the blend mixes in the co-engagement weight

    def topic_weights(self, user: int) -> list[float]:
        """The user's cumulative topic weights for the draw: their own profile, or with a
        co-engagement weight w, (1 − w) × the profile + w × what item-to-item collaborative
        filtering makes of it (Linden, Smith & York 2003): each topic a of the profile
        passes its weight on as the interests of the users into a split over topics. The
        platform retrains that table on the reading its own feed produced: Chaney, Stewart
        & Engelhardt's (2018) feedback loop, which pulls users towards shared topics."""
        base = user * N_TOPICS
        w = self.config.interest_coengagement_weight
        if not w:
            return list(accumulate(self.accounts.affinity[base : base + N_TOPICS]))
        table = self.accounts.coengaged
        if table is not self._table:  # retrained: one matrix does the blend and the sums
            rows = table.sum(axis=1, keepdims=True)
            also = np.divide(table, rows, out=np.zeros_like(table), where=rows > 0)
            self._blend = np.cumsum((1.0 - w) * np.eye(N_TOPICS) + w * also, axis=1)
            self._table = table
        own = np.frombuffer(self.accounts.affinity, np.float32, N_TOPICS, 4 * base)
        return (own @ self._blend).tolist()

    def page(self, user: int, now: float, k: int, seen_filter: SeenFilter) -> list[int]:
        seen, seen_bits = seen_filter.mask(user), seen_filter.bits
        cum = self.topic_weights(user)
        total = cum[-1]
        if total <= 0:
            cum, total = list(range(1, N_TOPICS + 1)), float(N_TOPICS)
        notes, rand = self.notes, self.rand.random
        by_topic, created = notes.by_topic, notes.created_at
        window, max_age = self.config.interest_recent_per_topic, self.config.pool_max_age_hours
        picked: list[int] = []
        for _ in range(4 * k):
            lst = by_topic[min(bisect_right(cum, rand() * total), N_TOPICS - 1)]
            size = len(lst)
            if not size:
                continue
            w = min(size, window)
            a = lst[size - 1 - int(w * rand())]
            b = lst[size - 1 - int(w * rand())]
            if a != b and self._quality(b, now) > self._quality(a, now):
                a = b
            if (
                a not in picked
                and now - created[a] <= max_age
                and not seen >> (a * SEEN_HASH) % seen_bits & 1
            ):
                picked.append(a)
                if len(picked) == k:
                    return picked
        return self.fill_newest(picked, user, k, seen_filter, now)

    def _quality(self, note: int, now: float) -> float:
        notes = self.notes
        return (
            notes.ces(note)
            / (notes.impressions[note] + 10)
            * self.decay(now - notes.created_at[note])
        )


class CESPools(Recommender):
    """``ces_pools``: Xiaohongshu-style staged traffic pools.

    A new note enters stage 0 with a small impression quota aimed at users interested in its
    topics. When a stage's quota is spent, the note leaves the pools for review; once its last
    readers have reacted (``pool_review_delay_hours`` later, at the next ``pools_reviewed``
    event) its CES per impression, decayed with age, decides: at or above the stage's
    threshold it moves to the next, larger pool; below it retires. (Judged the moment the
    quota ran out, a note would be scored on impressions whose likes and collects had not
    come yet: the more readers in an hour, the lower its score.) The first
    ``pool_targeted_stages`` stages are per topic; later stages reach everyone.

    ``stage[n]`` is the note's stage, -1 once retired, and ``-2 - s`` while stage ``s`` is
    under review (:meth:`stages` reads it as ``s``).
    """

    name = "ces_pools"
    code = 2
    compiled_batch = True
    serves_ads = True

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        cfg = self.config
        self.stage = array("b")  # current stage per note; -1 once retired
        self.quota = array("i")  # impressions left in the current stage
        self.n_stages = len(cfg.pool_quotas)
        self.targeted = cfg.pool_targeted_stages
        # Pool s * N_TOPICS + t: stage s notes of topic t (targeted stages); then one pool per
        # later stage. Row p holds pool p's note ids in its first pool_len[p] columns.
        n_pools = self.targeted * N_TOPICS + self.n_stages - self.targeted
        self.pool_notes = np.zeros((n_pools, 64), dtype=np.int32)
        self.pool_len = np.zeros(n_pools, dtype=np.int64)
        self._weights = np.array(cfg.pool_slot_weights, dtype=np.float64)
        self._stream = kernels.new_stream(self.rand.getrandbits(64))
        self._spent = np.empty(100, dtype=np.int64)  # notes whose quota a page spent
        self.reviews: deque[tuple[float, int]] = deque()  # (due time, note), due in order

    def stages(self) -> np.ndarray:
        """Each note's stage (a note under review counts in the stage it is reviewed for;
        -1: retired)."""
        stage = np.array(self.stage, dtype=np.int8)
        return np.where(stage <= -2, -2 - stage, stage).astype(np.int8)

    def stage_of(self, note: int) -> int:
        """One note's stage as :meth:`stages` reads it."""
        stage = self.stage[note]
        return -2 - stage if stage <= -2 else stage

    def reviews_due(self, now: float) -> bool:
        """Whether any spent stage is due for review at ``now``."""
        return bool(self.reviews) and self.reviews[0][0] <= now

    def review(self, now: float) -> None:
        """Judge every note whose review is due at ``now``, in the order their quotas ran
        out (also during replay, at the ``pools_reviewed`` event)."""
        reviews = self.reviews
        while reviews and reviews[0][0] <= now:
            self._judge(reviews.popleft()[1], now)

    def on_reseed(self) -> None:
        self._stream[:] = kernels.new_stream(self.rand.getrandbits(64))

    def reconfigure(self, config: PlatformConfig) -> None:
        super().reconfigure(config)
        self._weights = np.array(config.pool_slot_weights, dtype=np.float64)

    def _enter(self, note: int, stage: int) -> None:
        self.stage[note] = stage
        self.quota[note] = self.config.pool_quotas[stage]
        if stage < self.targeted:
            pools = [stage * N_TOPICS + t for t in TOPICS_OF_MASK[self.notes.topics[note]]]
        else:
            pools = [self.targeted * N_TOPICS + stage - self.targeted]
        for p in pools:
            size = int(self.pool_len[p])
            if size == self.pool_notes.shape[1]:
                grown = np.zeros((len(self.pool_len), 2 * size), dtype=np.int32)
                grown[:, :size] = self.pool_notes
                self.pool_notes = grown
            self.pool_notes[p, size] = note
            self.pool_len[p] = size + 1

    def on_published(self, note: int, now: float) -> None:
        self.stage.append(0)
        self.quota.append(0)
        self._enter(note, 0)

    def on_served(self, notes: Sequence[int], now: float) -> None:
        spent = kernels.spend_quota(self.stage, self.quota, array("q", notes), self._spent)
        self._hold(spent, now)

    def _hold(self, spent: int, now: float) -> None:
        """The first ``spent`` notes of ``_spent`` leave the pools until their review."""
        due = now + self.config.pool_review_delay_hours
        for n in self._spent[:spent].tolist():
            self.stage[n] = -2 - self.stage[n]
            self.reviews.append((due, n))

    def serve_many(self, users: np.ndarray, start: int, serve: ServeBatch) -> int:
        """See :meth:`Recommender.serve_many`: the compiled call also stops after each page
        that spends a note's quota, so the note leaves the pools before the next page is
        drawn."""
        b, notes = serve.seen, self.notes
        max_age = float(self.config.pool_max_age_hours)
        while True:
            start, spent = batch_kernels.serve_pool_pages(
                users, serve.skip, b.slot_of, b.rows, b.cursor, b.assigned,
                self.accounts.interests, ALL_TOPICS_MASK, self.pool_notes, self.pool_len,
                self._weights, self.targeted, N_TOPICS, self.stage, self.quota,
                notes.created_at, notes.recent, notes.recent_len, serve.impressions,
                serve.seen_filter.tables, serve.seen_filter.state, b.per_gen, serve.now, max_age,
                serve.k, self._stream, start, serve.cards, serve.counts, self._spent,
                serve.feed_ads,
            )  # fmt: skip
            if not spent:
                return start
            self._hold(spent, serve.now)

    def _judge(self, note: int, now: float) -> None:
        s = -2 - self.stage[note]
        notes = self.notes
        if s + 1 < self.n_stages:
            rate = notes.ces(note) / max(1, notes.impressions[note])
            score = rate * self.decay(now - notes.created_at[note])
            if score >= self.config.pool_thresholds[s]:
                self._enter(note, s + 1)
                return
        self.stage[note] = -1  # retired: failed to promote, or finished the last pool

    def page(self, user: int, now: float, k: int, seen: SeenFilter) -> list[int]:
        count = kernels.draw_pool_page(
            self.pool_notes,
            self.pool_len,
            self._weights,
            self.targeted,
            N_TOPICS,
            self.accounts.interests[user] or ALL_TOPICS_MASK,
            self.stage,
            self.notes.created_at,
            self.notes.recent,
            self.notes.recent_len,
            seen.tables,
            seen.row(user),
            now,
            float(self.config.pool_max_age_hours),
            k,
            self._stream,
            self._out,
        )
        return self._out[:count].tolist()

    def pool_sizes(self, now: float) -> list[int]:
        """Notes in each stage at ``now`` (under review included): not retired, and not past
        ``pool_max_age_hours``."""
        stage = self.stages()
        created = np.frombuffer(self.notes.created_at, dtype=np.float64)
        live = stage[now - created <= self.config.pool_max_age_hours]
        return np.bincount(live + 1, minlength=self.n_stages + 1)[1:].tolist()


class Recent(Recommender):
    """``recent``: the newest unseen notes of the user's declared topics, then of any topic.
    Blind to popularity and to the user's own engagement: what anyone did never changes the
    order, which makes it the control arm for the Matthew effect and for homogenisation."""

    name = "recent"
    code = 4
    compiled_batch = True

    def page(self, user: int, now: float, k: int, seen: SeenFilter) -> list[int]:
        return self.fill_newest([], user, k, seen, now)

    def ranking(self, now: float, k: int) -> np.ndarray:
        """Nothing ranked: every page is the fallback tiers' (:meth:`fill_newest`)."""
        return _NOTHING


REGISTRY: dict[str, type[Recommender]] = {
    cls.name: cls for cls in (EditorsPicks, Popular, CESPools, InterestMatch, Recent)
}


def register(cls: type[Recommender]) -> type[Recommender]:
    """Class decorator adding a recommender; its ``code`` must be unique and < 16."""
    if cls.name in REGISTRY or any(c.code == cls.code for c in REGISTRY.values()):
        raise ValueError(f"recommender name {cls.name!r} or code {cls.code} is already taken")
    if not 0 <= cls.code < 16:
        raise ValueError(f"recommender code must be 0..15, got {cls.code}")
    REGISTRY[cls.name] = cls
    return cls
