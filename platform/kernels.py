"""Compiled inner loops of the recommenders (numba), for the pages a crowd requests.

A discovery page is drawn card by card with rejection (seen, duplicate, stale entries); in
the interpreter that loop was a fifth of a simulated session. Here it runs as machine code,
called once per page. The functions stay plain Python over arrays, readable and testable
like the rest of the platform; numba compiles them when :func:`warm_up` runs (every
``Platform`` calls it) and caches the result in ``__pycache__`` next to this file.

Random numbers come from a SplitMix64 stream whose state is a one-element ``uint64`` array
owned by the caller, so each platform has its own seeded, reproducible stream.
"""

from __future__ import annotations

import math
from array import array

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
#: Knuth's multiplicative hash: note ``n`` is bit ``n * SEEN_HASH % bits`` of a seen filter.
SEEN_HASH = 2654435761


def new_stream(seed: int) -> np.ndarray:
    """State of a random stream for :func:`uniform`, from a 64-bit seed."""
    return np.array([seed & (2**64 - 1)], dtype=np.uint64)


@njit(cache=True)
def uniform(state: np.ndarray) -> float:
    """Next float in [0, 1) of the SplitMix64 stream ``state`` (advanced in place)."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    return float(z >> np.uint64(11)) * _TO_UNIT


@njit(cache=True)
def _pool_sources(
    pool_len: np.ndarray,
    stage_weights: np.ndarray,
    targeted: int,
    n_topics: int,
    topic_mask: int,
    src: np.ndarray,
    src_stage: np.ndarray,
    cum: np.ndarray,
) -> int:
    """The user's non-empty pools into ``src`` (their stages into ``src_stage``) with the
    cumulative slot weights in ``cum``: each stage's weight split over its pools. Returns how
    many pools there are."""
    n_src = 0
    total = 0.0
    for s in range(len(stage_weights)):
        first = n_src
        if s < targeted:
            for t in range(n_topics):
                p = s * n_topics + t
                if topic_mask >> t & 1 and pool_len[p] > 0:
                    src[n_src] = p
                    n_src += 1
        else:
            p = targeted * n_topics + s - targeted
            if pool_len[p] > 0:
                src[n_src] = p
                n_src += 1
        if n_src > first:
            share = stage_weights[s] / (n_src - first)
            for j in range(first, n_src):
                total += share
                src_stage[j] = s
                cum[j] = total
    return n_src


@njit(cache=True)
def draw_pool_page(
    pool_notes: np.ndarray,
    pool_len: np.ndarray,
    stage_weights: np.ndarray,
    targeted: int,
    n_topics: int,
    topic_mask: int,
    stage: np.ndarray,
    created: np.ndarray,
    recent: np.ndarray,
    recent_len: np.ndarray,
    seen: np.ndarray,
    seen_row: int,
    now: float,
    max_age: float,
    k: int,
    state: np.ndarray,
    out: np.ndarray,
) -> int:
    """Draw up to ``k`` cards from the CES traffic pools into ``out``; returns how many.

    Pool ``s * n_topics + t`` holds stage ``s`` notes of topic ``t`` for the targeted stages;
    each later stage has one pool, after them. Each stage's slot weight is split over the
    user's non-empty pools. A draw picks a pool by weight, then a note uniformly; a note that
    has since left that stage (promoted, retired) or aged out is dropped from the pool; a note
    already on the page or in row ``seen_row`` of the ``seen`` tables (see :func:`mark_seen`;
    -1: nothing seen yet) is skipped. At most
    ``3 * k`` draws; a page of exhausted pools is then topped up by :func:`top_up`.
    """
    n_pools = len(pool_len)
    src = np.empty(n_pools, dtype=np.int64)
    src_stage = np.empty(n_pools, dtype=np.int64)
    cum = np.empty(n_pools, dtype=np.float64)
    n_src = _pool_sources(
        pool_len, stage_weights, targeted, n_topics, topic_mask, src, src_stage, cum
    )
    total = cum[n_src - 1] if n_src else 0.0
    count = 0
    for _ in range(3 * k if n_src and total > 0.0 else 0):
        r = uniform(state) * total
        j = 0
        while j < n_src - 1 and cum[j] <= r:
            j += 1
        p = src[j]
        size = pool_len[p]
        if size == 0:
            continue
        i = int(size * uniform(state))
        n = int(pool_notes[p, i])
        if stage[n] != src_stage[j] or now - created[n] > max_age:
            pool_notes[p, i] = pool_notes[p, size - 1]  # stale entry: drop it
            pool_len[p] = size - 1
            continue
        if _is_seen(seen, seen_row, n) or _is_picked(out, count, n):
            continue
        out[count] = n
        count += 1
        if count == k:
            return count
    return top_up(
        recent, recent_len, topic_mask, created, stage, True, seen, seen_row, now, max_age, k,
        out, count,
    )  # fmt: skip


@njit(cache=True)
def top_up(
    recent: np.ndarray,
    recent_len: np.ndarray,
    topic_mask: int,
    created: np.ndarray,
    stage: np.ndarray,
    live_only: bool,
    seen: np.ndarray,
    seen_row: int,
    now: float,
    max_age: float,
    k: int,
    out: np.ndarray,
    count: int,
) -> int:
    """Top up ``out[:count]`` to ``k`` unseen cards, tier by tier; returns the new count.

    The discovery feed is infinite: the page is short only if fewer than ``k`` notes are
    unseen. The tiers, each skipping what is seen or already on the page:

    1. the newest notes of the topics in ``topic_mask``: topic by topic in id order, at most
       ``4 * k`` of each, stopping at the first older than ``max_age``;
    2. with ``live_only`` (the traffic pools), the newest notes of any topic younger than
       ``max_age``, at most ``4 * k`` per topic in all;
    3. any note younger than ``max_age``, newest first, retired or not.

    In tiers 1 and 2, ``live_only`` passes over notes retired from the traffic pools
    (``stage`` -1): failing a pool's review ends a note's recommendation traffic, and it comes
    back only as a last-tier filler behind every live note. Nothing older than ``max_age`` is
    served: that is the recommendation horizon. ``recent[t]`` is the ring of topic
    ``t``'s newest ids kept by ``Notes`` (``recent_len[t]`` ids so far). Tier 3 examines at most
    the user's seen cards (and the seen filter's false positives) plus ``k`` more.
    """
    count = _top_up_topics(
        recent, recent_len, topic_mask, created, stage, live_only, seen, seen_row, now, max_age,
        k, out, count,
    )  # fmt: skip
    if count >= k:
        return count
    newest = len(created) - 1
    if live_only:
        oldest = max(-1, newest - 4 * k * recent.shape[0])
        count = _top_up_newest(
            newest, oldest, created, stage, True, seen, seen_row, now, max_age, k, out, count
        )
    return _top_up_newest(
        newest, -1, created, stage, False, seen, seen_row, now, max_age, k, out, count
    )


@njit(cache=True)
def _top_up_topics(
    recent: np.ndarray,
    recent_len: np.ndarray,
    topic_mask: int,
    created: np.ndarray,
    stage: np.ndarray,
    live_only: bool,
    seen: np.ndarray,
    seen_row: int,
    now: float,
    max_age: float,
    k: int,
    out: np.ndarray,
    count: int,
) -> int:
    """:func:`top_up`'s tier 1: the newest notes of each topic in ``topic_mask``."""
    ring = recent.shape[1]
    for t in range(recent.shape[0]):
        if not topic_mask >> t & 1:
            continue
        size = recent_len[t]
        for j in range(min(size, 4 * k)):
            n = int(recent[t, (size - 1 - j) % ring])
            if now - created[n] > max_age or count >= k:
                break
            if live_only and stage[n] < 0:
                continue
            if not _is_seen(seen, seen_row, n) and not _is_picked(out, count, n):
                out[count] = n
                count += 1
        if count >= k:
            return count
    return count


@njit(cache=True)
def _top_up_newest(
    newest: int,
    oldest: int,
    created: np.ndarray,
    stage: np.ndarray,
    live_only: bool,
    seen: np.ndarray,
    seen_row: int,
    now: float,
    max_age: float,
    k: int,
    out: np.ndarray,
    count: int,
) -> int:
    """:func:`top_up`'s tiers 2 and 3: notes from ``newest`` down to (not including)
    ``oldest``, newest first, younger than ``max_age`` (with ``live_only``, live ones only)."""
    for n in range(newest, oldest, -1):
        if now - created[n] > max_age or count >= k:
            break
        if live_only and stage[n] < 0:
            continue
        if not _is_seen(seen, seen_row, n) and not _is_picked(out, count, n):
            out[count] = n
            count += 1
    return count


@njit(cache=True)
def take_unseen(
    candidates: np.ndarray, seen: np.ndarray, seen_row: int, k: int, out: np.ndarray
) -> int:
    """The first ``k`` of ``candidates`` (in order) that are unseen and not repeated, into
    ``out``; returns how many. A ranked list read from the top: the same for everyone but
    what each has seen."""
    count = 0
    for c in candidates:
        if count >= k:
            break
        n = int(c)
        if not _is_seen(seen, seen_row, n) and not _is_picked(out, count, n):
            out[count] = n
            count += 1
    return count


@njit(cache=True, inline="always")
def _is_seen(seen: np.ndarray, row: int, note: int) -> bool:
    """Whether ``note``'s bit is set in either generation of ``row`` (-1: no row yet)."""
    if row < 0:
        return False
    h = (note * SEEN_HASH) % (seen.shape[2] * 8)
    return (seen[row, 0, h >> 3] | seen[row, 1, h >> 3]) >> (h & 7) & 1 == 1


@njit(cache=True, inline="always")
def _is_picked(out: np.ndarray, count: int, note: int) -> bool:
    for q in range(count):  # noqa: SIM110 (a plain loop: numba compiles no generators here)
        if out[q] == note:
            return True
    return False


@njit(cache=True)
def mark_seen(
    tables: np.ndarray, state: np.ndarray, row: int, notes: np.ndarray, per_gen: int
) -> None:
    """Set the bits of ``notes`` in the current generation of ``row`` of a seen filter.

    ``tables[row, g]`` is generation ``g``'s bit table and ``state[row]`` holds (current
    generation, cards in it). After ``per_gen`` cards the other generation is cleared and
    becomes current, so a card stays remembered for between one and two generations.
    """
    bits = tables.shape[2] * 8
    current, count = state[row, 0], state[row, 1]
    for n in notes:
        h = (n * SEEN_HASH) % bits
        tables[row, current, h >> 3] |= np.uint8(1 << (h & 7))
        count += 1
        if count >= per_gen:
            current = 1 - current
            tables[row, current, :] = 0
            count = 0
    state[row, 0], state[row, 1] = current, count


@njit(cache=True)
def spend_quota(stage: np.ndarray, quota: np.ndarray, notes: np.ndarray, spent: np.ndarray) -> int:
    """One impression off the pool quota of each live note (``stage`` >= 0) of ``notes``; the
    notes whose quota ran out go to ``spent``, in order (they are judged next). Returns how
    many there are."""
    n_spent = 0
    for n in notes:
        if stage[n] < 0:
            continue
        left = quota[n] - 1
        quota[n] = left
        if left <= 0:
            spent[n_spent] = n
            n_spent += 1
    return n_spent


@njit(cache=True)
def rank_notes(
    candidates: np.ndarray,
    merge: bool,
    ces: np.ndarray,
    created: np.ndarray,
    now: float,
    half_life: float,
    limit: int,
    out: np.ndarray,
) -> int:
    """The best ``limit`` of ``candidates`` into ``out``, by (CES + 1) halved every
    ``half_life`` hours of age, newest first on ties; returns how many.

    ``candidates`` are ascending note ids, or with ``merge`` several ascending runs that may
    share ids. The age factor is ``math.exp2``, the C library's, so the ranking is the same
    compiled or interpreted.
    """
    ids = np.unique(candidates) if merge else candidates
    n = len(ids)
    newest_first = ids[::-1]
    score = np.empty(n)
    for i in range(n):
        c = newest_first[i]
        score[i] = -(ces[c] + 1.0) * math.exp2((created[c] - now) / half_life)
    best = np.argsort(score, kind="mergesort")  # stable: ties keep newest first
    count = min(limit, n)
    for i in range(count):
        out[i] = newest_first[best[i]]
    return count


def warm_up() -> None:
    """Compile (or load from the cache) every kernel now, with the argument types the platform
    passes, so that the first page served is not the slow one."""
    seen, seen_state = np.zeros((1, 2, 8), dtype=np.uint8), np.zeros((1, 2), dtype=np.int64)
    table, lengths = np.zeros((1, 1), dtype=np.int32), np.zeros(1, dtype=np.int64)
    out = np.empty(1, dtype=np.int64)
    draw_pool_page(
        table, lengths, np.zeros(1), 0, 1, 0, array("b"), array("d"), table, lengths, seen, -1,
        0.0, 0.0, 1, new_stream(0), out,
    )  # fmt: skip
    top_up(table, lengths, 0, array("d"), array("b"), False, seen, -1, 0.0, 0.0, 1, out, 0)
    take_unseen(np.zeros(1, dtype=np.int64), seen, -1, 1, out)
    for merge in (False, True):
        rank_notes(np.zeros(1, dtype=np.int32), merge, array("d", [0.0]), array("d", [0.0]),
                   0.0, 1.0, 1, out)  # fmt: skip
    mark_seen(seen, seen_state, 0, array("q"), 1)
    spend_quota(array("b"), array("i"), array("q"), out)
