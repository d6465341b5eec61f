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
    n_topics: int,
    affinity: np.ndarray,
    learned_at: np.ndarray,
) -> None:
    """``Accounts.learn`` for each (user, topic mask) in order, at one ``now``: fade the
    user's profile to ``now`` (once: a later item of theirs finds it faded), then add
    ``weight`` to each of the topics. The same float operations as the Python method."""
    for i in range(len(users)):
        base = users[i] * n_topics
        since = now - learned_at[users[i]]
        if since > 0:
            learned_at[users[i]] = now
            fade = 0.5 ** (since / half_life)
            if fade < 1.0:
                for j in range(base, base + n_topics):
                    affinity[j] *= fade
        mask = topics[i]
        for t in range(n_topics):
            if mask >> t & 1:
                affinity[base + t] += weight


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


def no_feed_ads() -> tuple:
    """``feed_ads`` for :func:`serve_pool_pages` with no campaign, of the types the
    platform passes (its columns are ``array`` buffers)."""
    none = np.zeros(0, dtype=np.int64)
    columns = (array("H"), array("d"), array("d"), array("q"), array("q"), array("q"),
               array("i"))  # fmt: skip
    return (none, np.zeros(1, dtype=np.int64), columns, array("i"), array("B"), 0, 0, none,
            none.copy())  # fmt: skip


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
    learn_many(none, none, 0.1, 0.0, 1.0, 1, array("f"), array("d"))
    ids = np.zeros(1, dtype=np.int32)
    serve_following_pages(
        none, none, none, cursor, none, none, ids, none, none, ids, array("i"), array("i"),
        array("i"), seen, seen_state, 1, cards, none,
    )  # fmt: skip
