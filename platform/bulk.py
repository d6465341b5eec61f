"""Bulk commands: many accounts, follows, reads, likes, collects, searches or product pages
in one call.

For engineers who drive the platform with large synthetic crowds (building a million-user
community, replaying a day of traffic). Each bulk command has the semantics of its single
command applied to the items in order — the same validation and typed errors (prefixed with
the failing item's index), the same events, the same state — so a replay of the log, which
applies the events one by one, rebuilds an identical platform. The batch is validated whole
before anything is logged: an invalid item raises and leaves the platform untouched.

The speed comes from validating columns with numpy and from one bulk log append; the state
changes of follows are applied in bulk, those of reads and engagement item by item through
the single commands' ``_apply_<kind>`` (they touch many structures, and share the learning
and attribution rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .checks import channel_code
from .codec import EventKind
from .errors import InvalidInput, PlatformError, check_id
from .model import TOPICS, AccountKind, AdPlacement, Channel, SearchResult, topic_mask
from .notes import Notes
from .shop import Shop
from .social import EdgeKeys
from .state import LEARN_READ, Match, PlatformState, search_result

__all__ = ["BulkCommands"]

E = EventKind


def _at(index: int, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one item's check; its error names the item."""
    try:
        return check(*args, **kwargs)
    except PlatformError as err:
        raise type(err)(f"item {index}: {err.message}", field=err.field, value=err.value) from None


def id_column(values: Iterable[int], count: int, field: str) -> np.ndarray:
    """``values`` as an int64 column of ids below ``count``; the first bad one raises the
    error :func:`check_id` gives for it."""
    raw = values if isinstance(values, np.ndarray) else list(values)
    column = np.asarray(raw)
    if column.ndim != 1:
        raise InvalidInput(f"{field} must be a flat list of ids", field=field)
    if column.size and column.dtype.kind not in "iu":  # floats, bools, strings, objects
        for i, value in enumerate(raw.tolist() if isinstance(raw, np.ndarray) else raw):
            _at(i, check_id, value, count, field)
    column = column.astype(np.int64, copy=False)
    bad = np.flatnonzero((column < 0) | (column >= count))
    if bad.size:
        i = int(bad[0])
        _at(i, check_id, int(column[i]), count, field)
    return column


def _parsed(values: list[Any], parse: Callable[[Any], int]) -> np.ndarray:
    """``parse(value)`` for each value as an int64 column, each distinct value parsed once;
    the first bad one raises naming its item."""
    found: dict[Any, int] = {}
    for value in dict.fromkeys(values):  # distinct, in order of first appearance
        try:
            found[value] = int(parse(value))
        except PlatformError:
            _at(values.index(value), parse, value)
    return np.fromiter(map(found.__getitem__, values), dtype=np.int64, count=len(values))


def _pairs(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    if a.size != b.size:
        raise InvalidInput(
            f"{names[0]} and {names[1]} must have the same length; got {a.size} and {b.size}",
            field=names[1],
        )


class BulkCommands(PlatformState):
    """Many commands of one kind in one call (see the module's docstring)."""

    def create_users(
        self,
        names: Sequence[str],
        kind: str | AccountKind | Sequence[str | AccountKind] = "consumer",
        interests: Sequence[Iterable[str]] | None = None,
        *,
        now: float,
    ) -> range:
        """Open one account per name (``kind`` one for all or one per name; ``interests``
        one list of topic names per name). Returns the new accounts' ids."""
        n = len(names)
        kinds = [kind] * n if isinstance(kind, str | AccountKind) else list(kind)
        topics = [()] * n if interests is None else list(interests)
        for field, column in (("kind", kinds), ("interests", topics)):
            if len(column) != n:
                raise InvalidInput(
                    f"{field} must give one value per name; got {len(column)} for {n} names",
                    field=field,
                )
        codes = _parsed(kinds, lambda k: AccountKind.parse(k, "kind"))
        keys = [chosen if isinstance(chosen, str) else tuple(chosen) for chosen in topics]
        masks = _parsed(
            keys,
            lambda key: topic_mask(list(key), field_name="interests", min_n=0, max_n=len(TOPICS)),
        )
        names = list(names)
        acc = self._accounts
        self._check_new_names(names)
        first = len(acc)
        ids = np.arange(first, first + n)
        if not n:
            self._check_now(now)
            return range(first, first)
        now = self._tick(now)
        self.log.extend(E.USER_CREATED, now, ids, ids, codes | masks << 4, names)
        acc.add_many(codes, masks, names, now)
        for uid in ids[codes == AccountKind.BRAND].tolist():
            self._search.index_account(uid)
        return range(first, first + n)

    def follow_many(
        self,
        users: Iterable[int],
        targets: Iterable[int],
        *,
        now: float,
        via_notes: Iterable[int] | None = None,
    ) -> np.ndarray:
        """``users[i]`` follows ``targets[i]``, in order (``via_notes[i]``, a note by the
        target, credited as in :meth:`follow`). Returns, per pair, whether it made a new
        edge (False: already following, or the same pair earlier in the batch)."""
        acc = self._accounts
        us = id_column(users, len(acc), "user")
        ts = id_column(targets, len(acc), "target")
        _pairs(us, ts, ("users", "targets"))
        same = np.flatnonzero(us == ts)
        if same.size:
            i = int(same[0])
            _at(i, acc.check_follow, int(us[i]), int(ts[i]))
        via = None if via_notes is None else self._via_notes(via_notes, ts)
        now = self._check_now(now)
        new = self._first_time(us << 32 | ts, acc.edges)
        if new.any():
            now = self._tick(now)
            fu, ft = us[new], ts[new]
            credited = -1 if via is None else via[new]
            self.log.extend(E.FOLLOWED, now, fu, ft, credited)
            acc.follow_many(fu, ft)
            for note in () if via is None else credited.tolist():
                self._credit_follow(note, now)
        return new

    def _via_notes(self, via_notes: Iterable[int], targets: np.ndarray) -> np.ndarray:
        """The notes follows are made from: each one by its target."""
        via = id_column(via_notes, len(self._notes), "via_note")
        _pairs(targets, via, ("targets", "via_notes"))
        authors = np.frombuffer(self._notes.author, dtype=np.int32)[via]
        wrong = np.flatnonzero(authors != targets)
        if wrong.size:
            i = int(wrong[0])
            raise InvalidInput(
                f"item {i}: via_note {int(via[i])} is by user {int(authors[i])}, not "
                f"{int(targets[i])}",
                field="via_note",
                value=int(via[i]),
            )
        return via

    def read_many(
        self,
        users: Iterable[int],
        notes: Iterable[int],
        *,
        now: float,
        channel: str | int = Channel.DISCOVERY,
    ) -> None:
        """``users[i]`` opens ``notes[i]``'s card, in order, all from ``channel``."""
        us = id_column(users, len(self._accounts), "user")
        ns = id_column(notes, len(self._notes), "note")
        _pairs(us, ns, ("users", "notes"))
        ch = channel_code(channel)
        if not us.size:
            self._check_now(now)
            return
        now = self._tick(now)
        self.log.extend(E.NOTE_READ, now, us, ns, ch)
        self._apply_reads(us, ns, now, ch)

    def _apply_reads(self, users: np.ndarray, notes: np.ndarray, now: float, channel: int) -> None:
        """``_apply_note_read`` for each pair in order: the read counts at once, the readers'
        topic profiles in one compiled call, the touches of tagged products in one dict update."""
        store, cfg = self._notes, self.config
        reads = np.frombuffer(store.reads, dtype=np.int32)
        np.add.at(reads, notes, 1)
        topics = np.frombuffer(store.topics, dtype=np.uint16)[notes].astype(np.int64)
        del reads  # release the view: the column must stay free to grow
        weight = cfg.interest_coengagement_weight
        refresh = cfg.interest_coengagement_refresh_hours if weight else 0.0
        self._accounts.learn_many(
            users, topics, LEARN_READ, now, cfg.interest_half_life_hours, refresh
        )
        products = store.products
        if products:
            tagged = zip(users.tolist(), notes.tolist(), strict=True)
            touches = ((u, products[n], n) for u, n in tagged if n in products)
            self._shop.touched_many(touches, channel, now)

    def like_many(self, users: Iterable[int], notes: Iterable[int], *, now: float) -> np.ndarray:
        """Like, in order; per pair whether it was a new like."""
        return self._engage_many(users, notes, now, E.LIKED, self._notes.liked, self._apply_liked)

    def collect_many(self, users: Iterable[int], notes: Iterable[int], *, now: float) -> np.ndarray:
        """Collect, in order; per pair whether it was a new collect."""
        return self._engage_many(
            users, notes, now, E.COLLECTED, self._notes.collected, self._apply_collected
        )

    def view_product_many(
        self,
        users: Iterable[int],
        products: Iterable[int],
        *,
        now: float,
        channel: str | int = Channel.DIRECT,
    ) -> None:
        """``users[i]`` opens ``products[i]``'s page, in order, all from ``channel``: what
        :meth:`view_product` logs and touches for attribution, without building the pages
        (read one with :meth:`product`)."""
        us = id_column(users, len(self._accounts), "user")
        ps = id_column(products, len(self._shop.brand), "product")
        _pairs(us, ps, ("users", "products"))
        ch = channel_code(channel)
        if not us.size or ch == Channel.DIRECT:  # a direct visit is no touch: nothing logged
            self._check_now(now)
            return
        now = self._tick(now)
        self.log.extend(E.PRODUCT_VIEWED, now, us, ps, ch)
        pairs = zip(us.tolist(), ps.tolist(), strict=True)
        self._shop.touched_many(((u, (p,), -1) for u, p in pairs), ch, now)

    def search_many(
        self, users: Iterable[int], queries: Sequence[str], *, now: float, limit: int = 20
    ) -> list[SearchResult]:
        """``users[i]`` searches ``queries[i]``, in order: :meth:`search`'s results and
        events. A query asked twice in the batch is ranked once (logging a search changes
        no note's score), so an hour's crowd wanting the same few products searches cheaply."""
        us = id_column(users, len(self._accounts), "user")
        queries = list(queries)
        if len(queries) != us.size:
            raise InvalidInput(
                f"users and queries must have the same length; got {us.size} and {len(queries)}",
                field="queries",
            )
        for query in dict.fromkeys(queries):  # distinct, in order of first appearance
            _at(queries.index(query), Notes.check_text, query, "query", 200, allow_empty=False)
        Shop.check_quantity(limit, "limit", 1, 100)
        if not us.size:
            self._check_now(now)
            return []
        now = self._tick(now)
        ranked: dict[str, tuple[Match, tuple[int, ...]]] = {}
        for query in dict.fromkeys(queries):
            match = self._search.match(query)
            ranked[query] = (match, self._search.rank(*match, now, limit))
        # whether a search campaign may run depends only on ``now``: the same for the batch
        if self._ads.any_running(AdPlacement.SEARCH, now):  # auctions: one search at a time
            pairs = zip(us.tolist(), queries, strict=True)
            return [self._log_search(user, q, *ranked[q], now, ads=True) for user, q in pairs]
        return self._log_searches(us, queries, ranked, now)

    def _log_searches(
        self,
        users: np.ndarray,
        queries: list[str],
        ranked: dict[str, tuple[Match, tuple[int, ...]]],
        now: float,
    ) -> list[SearchResult]:
        """What :meth:`_log_search` logs and applies for each search, with no ad to win: one
        bulk append, and each note found counted as an impression once per search."""
        found = [notes for _, notes in ranked.values()]
        counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        table = np.full((len(found), int(counts.max())), -1, dtype=np.int64)
        for i, notes in enumerate(found):
            table[i, : len(notes)] = notes
        index = {query: i for i, query in enumerate(ranked)}
        which = np.fromiter(map(index.__getitem__, queries), dtype=np.int64, count=len(queries))
        shown, objs = table[which], np.full(users.size, -1)
        self.log.extend(E.SEARCHED, now, users, objs, 0, queries, (shown, counts[which]))
        impressions = np.frombuffer(self._notes.impressions, dtype=np.int32)
        np.add.at(impressions, shown[shown >= 0], 1)
        del impressions  # release the view: the column must stay free to grow
        results = {query: search_result(query, *done) for query, done in ranked.items()}
        return [results[query] for query in queries]

    # ------------------------------------------------------------ shared

    def _check_new_names(self, names: list[str]) -> None:
        """Every name a valid new one, none twice: checked over the whole column, and item
        by item only to name the first bad one."""
        acc, limit = self._accounts, self.config.max_name_chars
        if not names or (
            set(map(type, names)) == {str}
            and max(map(len, names)) <= limit
            and all(map(str.strip, names))
            and len(set(names)) == len(names)
            and acc.id_by_name.keys().isdisjoint(names)
        ):
            return
        batch: dict[str, int] = {}
        for i, name in enumerate(names):
            _at(i, acc.check_new_name, name, limit)
            if name in batch:
                raise InvalidInput(
                    f"item {i}: name {name!r} is also item {batch[name]}", field="name", value=name
                )
            batch[name] = i

    def _engage_many(
        self,
        users: Iterable[int],
        notes: Iterable[int],
        now: float,
        kind: EventKind,
        done: set[int],
        apply: Callable[[int, int, float], None],
    ) -> np.ndarray:
        us = id_column(users, len(self._accounts), "user")
        ns = id_column(notes, len(self._notes), "note")
        _pairs(us, ns, ("users", "notes"))
        now = self._check_now(now)
        new = self._first_time(us << 32 | ns, done)
        if new.any():
            now = self._tick(now)
            eu, en = us[new], ns[new]
            self.log.extend(kind, now, eu, en, 0)
            for user, note in zip(eu.tolist(), en.tolist(), strict=True):
                apply(user, note, now)
        return new

    @staticmethod
    def _first_time(keys: np.ndarray, existing: set[int] | EdgeKeys) -> np.ndarray:
        """Which keys are neither in ``existing`` nor repeated earlier in the batch."""
        new = np.zeros(keys.size, dtype=bool)
        if keys.size:
            _, first = np.unique(keys, return_index=True)
            new[first] = True
            if isinstance(existing, EdgeKeys):
                new &= ~existing.isin(keys)
            elif existing:
                new &= np.fromiter(
                    (k not in existing for k in keys.tolist()), dtype=bool, count=keys.size
                )
        return new
