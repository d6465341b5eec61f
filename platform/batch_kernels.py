"""Compiled loops of the bulk commands (numba): many pages served in one call — the
traffic pools' with their feed-ad auctions, the ranked lists', the following feeds' — and
many readers' topic profiles learnt at once. Built from the single pages' kernels
(:mod:`.kernels`), so a page served in bulk is the one served alone; compiled by
:func:`warm_up` before a platform's first bulk call (a process that makes none, as the
per-session engine and the HTTP service, never compiles them: about 6 s on a fresh checkout)
and cached next to this file.
"""

from __future__ import annotations

from array import array
from functools import cache

import numpy as np
from numba import njit

from .kernels import draw_pool_page, mark_seen, new_stream, spend_quota, take_unseen, top_up

#: The base of every half-life's fade, ``HALF ** (age / half_life)``, passed to compiled
#: code as an argument: with a constant base 0.5, LLVM rewrites ``pow(0.5, x)`` as
#: ``exp2(-x)``, which rounds differently from CPython's ``pow`` in about 1 case in 1,000,
#: so a compiled fade would part from the Python one in the last bit.
HALF = 0.5


@njit(cache=True)
def _served(
    page: np.ndarray,
    slot: int,
    slot_rows: np.ndarray,
    cursor: np.ndarray,
    assigned: np.ndarray,
    seen: np.ndarray,
    seen_state: np.ndarray,
    per_gen: int,
    impressions: np.ndarray,
) -> None:
    """A non-empty organic page's bookkeeping, as ``_apply_feed_served`` does it: one
    impression per card and the cards marked seen (``per_gen`` 0: the filter is off). A user
    with no row yet gets row ``cursor[0]`` (``assigned`` records whose it is, from row
    ``cursor[1]`` on)."""
    for n in page:
        impressions[n] += 1
    if per_gen:
        if slot_rows[slot] < 0:
            row = cursor[0]
            slot_rows[slot] = row
            assigned[row - cursor[1]] = slot
            cursor[0] = row + 1
        mark_seen(seen, seen_state, slot_rows[slot], page, per_gen)


#: Pacing lets spend run this many hours ahead of the straight line from start to end, so a
#: campaign is served from its first hour (:mod:`.ads`).
PACING_LEAD_HOURS = 1.0


@njit(cache=True)
def feed_auction(
    topics: int, now: float, reserve: int, live: np.ndarray, n_live: int, ads: tuple
) -> tuple[int, int]:
    """``Ads.auction`` for a feed slot among the first ``n_live`` of ``live`` (running feed
    campaigns in creation order): (winner or -1, price per impression in milli-cents).
    ``ads``: the campaigns' topics, start, end, CPM, budget, spent and note columns."""
    c_topics, c_start, c_end, cpm, budget, spent, _ = ads
    best, best_bid, second, best_ratio = -1, 0, 0, 0.0
    for j in range(n_live):
        cid = live[j]
        if not c_topics[cid] & topics or now >= c_end[cid]:
            continue
        end, start = c_end[cid], c_start[cid]
        share = (
            1.0 if end == np.inf else min(1.0, (now - start + PACING_LEAD_HOURS) / (end - start))
        )
        allowed = int(budget[cid] * share)
        b = min(cpm[cid], budget[cid] - spent[cid], allowed - spent[cid])
        if b < reserve:
            continue
        ratio = -spent[cid] / budget[cid]
        if best < 0 or b > best_bid or (b == best_bid and ratio > best_ratio):
            second = best_bid
            best, best_bid, best_ratio = cid, b, ratio
        else:
            second = max(second, b)
    return best, max(reserve, second)


@njit(cache=True)
def _insert_ad(row: np.ndarray, count: int, k: int, note: int, planned: int) -> tuple[int, int]:
    """``insert_paid`` with an ad only, in place on a drawn page: the organic cards without
    the ad's note, at most ``k - 1`` of them, the ad at ``planned`` (or last if the page is
    shorter). Returns (cards, the ad's slot)."""
    kept = 0
    for j in range(count):
        if row[j] != note and kept < k - 1:
            row[kept] = row[j]
            kept += 1
    slot = min(planned, kept)
    for j in range(kept, slot, -1):
        row[j] = row[j - 1]
    row[slot] = note
    for j in range(kept + 1, count):
        row[j] = -1
    return kept + 1, slot


@njit(cache=True)
def serve_pool_pages(
    users: np.ndarray,
    skip: np.ndarray,
    slot_of: np.ndarray,
    slot_rows: np.ndarray,
    cursor: np.ndarray,
    assigned: np.ndarray,
    interests: np.ndarray,
    all_topics: int,
    pool_notes: np.ndarray,
    pool_len: np.ndarray,
    stage_weights: np.ndarray,
    targeted: int,
    n_topics: int,
    stage: np.ndarray,
    quota: np.ndarray,
    created: np.ndarray,
    recent: np.ndarray,
    recent_len: np.ndarray,
    impressions: np.ndarray,
    seen: np.ndarray,
    seen_state: np.ndarray,
    per_gen: int,
    now: float,
    max_age: float,
    k: int,
    state: np.ndarray,
    start: int,
    cards: np.ndarray,
    counts: np.ndarray,
    spent: np.ndarray,
    feed_ads: tuple,
) -> tuple[int, int]:
    """Draw (:func:`draw_pool_page`) and serve the pages of ``users[start:]`` in order into
    rows of ``cards``. Returns (where it stopped, how many notes are in ``spent``): after a
    page that spent notes' pool quotas (the caller holds them for review before going on),
    or at the first user flagged in ``skip`` (the caller serves them), or at the end. User
    ``i``'s seen-filter row is ``slot_rows[slot_of[i]]`` (-1: none yet; see :func:`_served`).

    ``feed_ads`` — (live, n_live, columns, impressions, active, reserve, planned slot,
    ad_slot, campaign) — holds the feed campaigns: each page's slot is auctioned
    (:func:`feed_auction`), the winner's note put in (:func:`_insert_ad`) and charged its
    price, as ``discovery_feed`` does; ``ad_slot[i]`` and ``campaign[i]`` say what page
    ``i`` got (-1: no ad). A campaign that can no longer pay the reserve stops (``active``
    0, dropped from ``live``; ``n_live[0]`` counts the rest)."""
    live, n_live, columns, ad_impressions, active, reserve, planned, ad_slot, campaign = feed_ads
    spent_mc = columns[5]
    for i in range(start, len(users)):
        if skip[i]:
            return i, 0
        row = slot_rows[slot_of[i]]
        mask = interests[users[i]] or all_topics
        count = draw_pool_page(
            pool_notes, pool_len, stage_weights, targeted, n_topics, mask, stage, created,
            recent, recent_len, seen, row, now, max_age, k, state, cards[i],
        )  # fmt: skip
        winner, price, slot = -1, 0, -1
        if n_live[0]:
            winner, price = feed_auction(interests[users[i]] or 0xFFFF, now, reserve, live,
                                         n_live[0], columns)  # fmt: skip
        if winner >= 0:
            count, slot = _insert_ad(cards[i], count, k, columns[6][winner], planned)
        counts[i] = count
        if count:
            page = cards[i, :count]
            _served(page, slot_of[i], slot_rows, cursor, assigned, seen, seen_state, per_gen,
                    impressions)  # fmt: skip
            if winner >= 0:
                ad_slot[i], campaign[i] = slot, winner
                ad_impressions[winner] += 1
                spent_mc[winner] += price
                if columns[4][winner] - spent_mc[winner] < reserve:  # cannot pay: stops
                    active[winner] = 0
                    n_live[0] = _drop(live, n_live[0], winner)
                organic = np.concatenate((page[:slot], page[slot + 1 :]))
            else:
                organic = page
            n_spent = spend_quota(stage, quota, organic, spent)
            if n_spent:
                return i + 1, n_spent
    return len(users), 0


@njit(cache=True)
def _drop(live: np.ndarray, n_live: int, campaign: int) -> int:
    """Remove ``campaign`` from the first ``n_live`` of ``live``, keeping the order."""
    j = 0
    while live[j] != campaign:
        j += 1
    for m in range(j, n_live - 1):
        live[m] = live[m + 1]
    return n_live - 1


@njit(cache=True)
def serve_ranked_pages(
    ranked: np.ndarray,
    users: np.ndarray,
    skip: np.ndarray,
    slot_of: np.ndarray,
    slot_rows: np.ndarray,
    cursor: np.ndarray,
    assigned: np.ndarray,
    interests: np.ndarray,
    all_topics: int,
    recent: np.ndarray,
    recent_len: np.ndarray,
    created: np.ndarray,
    no_stages: np.ndarray,
    impressions: np.ndarray,
    seen: np.ndarray,
    seen_state: np.ndarray,
    per_gen: int,
    now: float,
    max_age: float,
    k: int,
    start: int,
    cards: np.ndarray,
    counts: np.ndarray,
) -> int:
    """Serve each of ``users[start:]`` in order the first ``k`` unseen notes of ``ranked``
    (:func:`take_unseen`) topped up through the fallback tiers (:func:`top_up`), as
    ``Recommender.ranked_page`` draws them, into rows of ``cards``; returns where it stopped:
    at the first user flagged in ``skip``, or at the end (as :func:`serve_pool_pages`)."""
    for i in range(start, len(users)):
        if skip[i]:
            return i
        row = slot_rows[slot_of[i]]
        out = cards[i]
        count = take_unseen(ranked, seen, row, k, out)
        if count < k:
            count = top_up(
                recent, recent_len, interests[users[i]] or all_topics, created, no_stages,
                False, seen, row, now, max_age, k, out, count,
            )  # fmt: skip
        counts[i] = count
        if count:
            _served(out[:count], slot_of[i], slot_rows, cursor, assigned, seen, seen_state,
                    per_gen, impressions)  # fmt: skip
    return len(users)


@njit(cache=True)
def serve_following_pages(
    users: np.ndarray,
    slot_of: np.ndarray,
    slot_rows: np.ndarray,
    cursor: np.ndarray,
    assigned: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    own_of: np.ndarray,
    own_ptr: np.ndarray,
    own_idx: np.ndarray,
    last_by: np.ndarray,
    prev_by: np.ndarray,
    impressions: np.ndarray,
    seen: np.ndarray,
    seen_state: np.ndarray,
    per_gen: int,
    cards: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Each user's following page — the newest notes by the accounts they follow, newest
    first, ``cards.shape[1]`` at most — served as ``_apply_feed_served`` does (impressions,
    seen marks). User ``i`` follows ``own_idx[own_ptr[j]:own_ptr[j + 1]]`` if
    ``own_of[i] = j >= 0``, else the compressed row ``indices[indptr[u]:indptr[u + 1]]``.
    Each author's notes are a chain: ``last_by[a]`` their newest, ``prev_by[n]`` the one
    before ``n`` (-1: none); the page is a merge of the chains, taking the newest head."""
    limit = cards.shape[1]
    heads = np.empty(64, dtype=np.int64)
    for i in range(len(users)):
        u, j = users[i], own_of[i]
        if j >= 0:
            follows = own_idx[own_ptr[j] : own_ptr[j + 1]]
        elif u + 1 < len(indptr):
            follows = indices[indptr[u] : indptr[u + 1]]
        else:
            follows = indices[:0]
        if len(follows) > len(heads):
            heads = np.empty(2 * len(follows), dtype=np.int64)
        n_heads = 0
        for a in follows:
            if a < len(last_by) and last_by[a] >= 0:
                heads[n_heads] = last_by[a]
                n_heads += 1
        count = 0
        while count < limit and n_heads:
            best = 0
            for h in range(1, n_heads):
                if heads[h] > heads[best]:
                    best = h
            note = heads[best]
            cards[i, count] = note
            count += 1
            before = prev_by[note]
            if before >= 0:
                heads[best] = before
            else:
                n_heads -= 1
                heads[best] = heads[n_heads]
        counts[i] = count
        if count:
            _served(cards[i, :count], slot_of[i], slot_rows, cursor, assigned, seen, seen_state,
                    per_gen, impressions)  # fmt: skip


@njit(cache=True)
def learn_many(
    users: np.ndarray,
    topics: np.ndarray,
    weight: float,
    now: float,
    half_life: float,
    half: float,
    n_topics: int,
    affinity: np.ndarray,
    learned_at: np.ndarray,
) -> None:
    """``Accounts.learn`` for each (user, topic mask) in order, at one ``now``: fade the
    user's profile to ``now`` (once: a later item of theirs finds it faded), then add
    ``weight`` to each of the topics. The same float operations as the Python method
    (``half`` is :data:`HALF`)."""
    for i in range(len(users)):
        base = users[i] * n_topics
        since = now - learned_at[users[i]]
        if since > 0:
            learned_at[users[i]] = now
            fade = half ** (since / half_life)
            if fade < 1.0:
                for j in range(base, base + n_topics):
                    affinity[j] *= fade
        mask = topics[i]
        for t in range(n_topics):
            if mask >> t & 1:
                affinity[base + t] += weight


def no_feed_ads() -> tuple:
    """``feed_ads`` for :func:`serve_pool_pages` with no campaign, of the types the
    platform passes (its columns are ``array`` buffers)."""
    none = np.zeros(0, dtype=np.int64)
    columns = (array("H"), array("d"), array("d"), array("q"), array("q"), array("q"),
               array("i"))  # fmt: skip
    return (none, np.zeros(1, dtype=np.int64), columns, array("i"), array("B"), 0, 0, none,
            none.copy())  # fmt: skip


@cache
def warm_up() -> None:
    """Compile (or load from the cache) every bulk kernel, with the argument types the
    platform passes, once per process: the first bulk call waits for this, no later one
    for a recompile."""
    seen, seen_state = np.zeros((1, 2, 8), dtype=np.uint8), np.zeros((1, 2), dtype=np.int64)
    table, lengths = np.zeros((1, 1), dtype=np.int32), np.zeros(1, dtype=np.int64)
    out = np.empty(1, dtype=np.int64)
    cards, none = np.zeros((0, 1), dtype=np.int64), np.zeros(0, dtype=np.int64)
    skip, cursor = np.zeros(0, dtype=np.bool_), np.zeros(2, dtype=np.int64)
    serve_pool_pages(
        none, skip, none, none, cursor, none, array("H"), 1, table, lengths, np.zeros(1), 0, 1,
        array("b"), array("i"), array("d"), table, lengths, array("i"), seen, seen_state, 1,
        0.0, 0.0, 1, new_stream(0), 0, cards, none, out, no_feed_ads(),
    )  # fmt: skip
    serve_ranked_pages(
        none, none, skip, none, none, cursor, none, array("H"), 1, table, lengths, array("d"),
        array("b"), array("i"), seen, seen_state, 1, 0.0, 0.0, 1, 0, cards, none,
    )  # fmt: skip
    learn_many(none, none, 0.1, 0.0, 1.0, HALF, 1, array("f"), array("d"))
    ids = np.zeros(1, dtype=np.int32)
    serve_following_pages(
        none, none, none, cursor, none, none, ids, none, none, ids, array("i"), array("i"),
        array("i"), seen, seen_state, 1, cards, none,
    )  # fmt: skip
