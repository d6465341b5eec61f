"""How a reader decides: the chances to open a card and to engage with it, per card and as
array functions over a sessions × cards matrix (each row one session's page in slot order;
a ragged batch pads its rows with card -1).

The cascade of examination (go on to the next row of cards with ``scroll_on``: a lower card
is looked at less often, Craswell et al. 2008), the fit to the reader's interests, the
social proof of the like counts a discovery card shows (Salganik et al. 2006), and from
them the chances to open a card and, once opened, to like, collect, comment on, share it
and follow its author. Each formula is written once, as a function of one card
(:func:`open_chance`, :func:`warmth`, :func:`engage_chances`, :func:`social_proof`);
:func:`chances` applies their compiled twins (numba, cached next to this file like the
platform's kernels) to the matrix, for a batched engine. The per-session
:class:`~.consumer.Consumer` — in-process and in the HTTP load generator alike — calls the
same functions card by card, drawing in its fixed order. (Deciding its page as a batch of
one through :func:`page_chances` cost 21% more CPU per session at 10,000 users, measured:
the compiled call and its arrays cost more than ten cards' arithmetic.)

The arithmetic is the per-card code's, operation for operation, so every chance is the same
float and a run the same event log: the matrix takes ``(1 + likes)^elasticity`` from a table
filled by Python's ``**`` (numpy's SIMD ``power`` rounds differently) and sums a page's mean
proof as Python's ``sum`` does (Neumaier's compensated summation).
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from ..platform.batch_kernels import HALF

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .people import People
    from .world import Behaviour, Notes

__all__ = [
    "ENGAGEMENTS",
    "FORGOTTEN",
    "buy_chance",
    "buying",
    "chances",
    "engage_chances",
    "examined",
    "faded",
    "may_buy",
    "open_chance",
    "page_chances",
    "proof_table",
    "row_starts",
    "search_weight",
    "social_proof",
    "strongest",
    "warmth",
]

#: The last axis of the engagement chances, in the order a reader draws them.
ENGAGEMENTS = ("like", "collect", "comment", "share", "follow")
#: Purchase intent below this is forgotten: the product is no longer wanted.
FORGOTTEN = 0.01
_TABLES: dict[float, np.ndarray] = {}  # elasticity -> (1 + likes) ** elasticity, by likes
_NO_LIKES = np.zeros((1, 0), dtype=np.int64)


def open_chance(
    appeal: float, on_topic: int, proof: float, rate: float, off_interest: float
) -> float:
    """The chance to open a card once looked at: ``rate`` times its cover's ``appeal``, times
    ``off_interest`` unless ``on_topic`` (its topics meet the reader's interests), times its
    social ``proof`` (1 where no like count is shown). At most 1: ``random() < p`` is then
    certain anyway."""
    pull = appeal if on_topic else appeal * off_interest
    return min(rate * (pull * proof), 1.0)


def warmth(appeal: float, on_topic: int, sponsored: bool, trust: float, off: float) -> float:
    """How warmly an opened note is met: its appeal, times the square root of the
    off-interest factor ``off`` outside one's interests (opened out of curiosity), times the
    reader's ``trust`` if ``sponsored``."""
    felt = appeal if on_topic else appeal * math.sqrt(off)
    return felt * trust if sponsored else felt


def engage_chances(
    warmth: float,
    author_pull: float,
    rates: tuple[float, float, float, float, float],
) -> tuple[float, float, float, float, float]:
    """The chances of each of ``ENGAGEMENTS`` for an opened note: each of ``rates`` (like,
    collect, comment, share, follow) times its ``warmth``, following also times the
    author's pull; at most 1."""
    like, collect, comment, share, follow = rates
    return (
        min(like * warmth, 1.0),
        min(collect * warmth, 1.0),
        min(comment * warmth, 1.0),
        min(share * warmth, 1.0),
        min(follow * warmth * author_pull, 1.0),
    )


def social_proof(likes: Sequence[int], elasticity: float) -> list[float]:
    """Each card's pull in the like count it shows, ``(1 + likes)^elasticity``, over the
    page's mean: what others liked draws attention from the other cards without raising how
    much a reader opens in all (:func:`chances` computes the same floats from its table)."""
    proof = [(1 + n) ** elasticity for n in likes]
    mean = sum(proof) / len(proof)
    return [x / mean for x in proof]


_open_chance = njit(cache=True, inline="always")(open_chance)
_warmth = njit(cache=True, inline="always")(warmth)
_engage_chances = njit(cache=True, inline="always")(engage_chances)


@cache
def row_starts(slots: int, per_row: int) -> tuple[bool, ...]:
    """Where the reader decides whether to go on: the first card of every row but the
    first (two cards a row in the two-column feeds, one in the following feed)."""
    return tuple(bool(slot) and not slot % per_row for slot in range(slots))


def examined(slots: int, per_row: int, scroll_on: float) -> np.ndarray:
    """The chance that each slot's card is looked at: ``scroll_on`` for every row above."""
    return np.array([scroll_on ** (slot // per_row) for slot in range(slots)])


def proof_table(elasticity: float, most_likes: int) -> np.ndarray:
    """``(1 + likes) ** elasticity`` for likes 0..at least ``most_likes`` (Python's ``**``,
    grown as pages show more likes)."""
    table = _TABLES.get(elasticity)
    if table is None or most_likes >= len(table):  # the table covers most_likes
        size = max(64, 2 * most_likes + 1)
        table = np.array([(1 + n) ** elasticity for n in range(size)])
        _TABLES[elasticity] = table
    return table


def page_chances(
    notes: Notes,
    people: People,
    rows: np.ndarray,
    cards: np.ndarray,
    likes: np.ndarray | None,
    b: Behaviour,
    *,
    shared: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`chances` for readers ``rows`` of ``people`` and their pages ``cards`` (one row
    each), with the like counts the cards show (None: none shown) and the behaviour's rates.
    Notes that came by a share (``shared``) are opened at ``share_open_rate`` and reshared
    at ``reshare_rate``; a feed's cards at ``open_rate`` and ``share_rate``."""
    elasticity = b.social_proof
    if likes is not None and likes.shape != cards.shape:
        raise ValueError(f"like counts of shape {likes.shape} for cards of shape {cards.shape}")
    table = _TABLES.get(elasticity) if elasticity else _NO_TABLE
    if likes is None or not elasticity:
        likes, table = _NO_LIKES, _NO_TABLE
    elif table is None:
        table = proof_table(elasticity, 0)
    rates = (
        b.share_open_rate if shared else b.open_rate,
        b.off_interest,
        b.like_rate,
        b.collect_rate,
        b.comment_rate,
        b.reshare_rate if shared else b.share_rate,
        b.follow_rate,
    )
    columns = (notes.cover_appeal, notes.appeal, notes.topics, notes.kind, notes.author_pull)
    columns += (notes.SPONSORED,)
    readers = (people.interests, people.trust, rows)
    try:
        return chances(cards, likes, table, *columns, *readers, rates)
    except _MoreLikes:  # a card shows more likes than the table holds (rare: it doubles)
        table = proof_table(elasticity, int(likes.max()))
        return chances(cards, likes, table, *columns, *readers, rates)


class _MoreLikes(IndexError):
    """Raised by :func:`chances` for a like count beyond its proof table."""


_NO_TABLE = np.ones(1)


@njit(cache=True)
def _mean_proof(likes: np.ndarray, cards: np.ndarray, table: np.ndarray) -> float:
    """The mean of a page's proofs as CPython's ``sum(floats) / len`` computes it: the
    first term exactly, then Neumaier's compensated sum, the compensation added last."""
    total, compensation, count = 0.0, 0.0, 0
    for slot in range(cards.size):
        if cards[slot] < 0:
            continue
        x = table[likes[slot]]
        if count == 0:
            total = x
        else:
            t = total + x
            if abs(total) >= abs(x):
                compensation += (total - t) + x
            else:
                compensation += (x - t) + total
            total = t
        count += 1
    if compensation != 0.0 and math.isfinite(compensation):
        total += compensation
    return total / count if count else 1.0


@njit(cache=True)
def chances(
    cards: np.ndarray,
    likes: np.ndarray,
    table: np.ndarray,
    cover: Sequence[float],
    appeal: Sequence[float],
    topics: Sequence[int],
    kind: Sequence[int],
    author_pull: Sequence[float],
    sponsored: int,
    interests: np.ndarray,
    trust: np.ndarray,
    rows: np.ndarray,
    rates: tuple[float, float, float, float, float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Per card of each page (``cards``: sessions × slots, -1 padding), the chance to open
    it once looked at, and once opened the chances of each of ``ENGAGEMENTS``; session
    ``s`` is read by the person in row ``rows[s]`` of the ``interests`` and ``trust`` columns.

    Opening: the open rate times the appeal of the note's ``cover``, times the
    off-interest factor outside the reader's ``interests`` (topic bitmasks), times its
    social proof where cards show like counts (``likes`` has columns and a row's first
    count is not -1): ``table[likes]`` over the page's mean, a market share of attention
    that does not raise how much a reader opens in all. Engaging: each rate times the
    note's warmth — its content's ``appeal``, times the square root of the off-interest
    factor outside one's interests (opened out of curiosity), times the reader's ``trust``
    if ``kind`` is ``sponsored`` — and following also times the author's pull. ``rates``:
    open, off-interest, like, collect, comment,
    share, follow. Every chance is at most 1 (``random() < p`` is then certain anyway)."""
    n_sessions, n_slots = cards.shape
    open_rate, off, engaging = rates[0], rates[1], rates[2:]
    opens = np.zeros((n_sessions, n_slots))
    engage = np.zeros((n_sessions, n_slots, 5))
    shows_likes = likes.shape[1] > 0
    for s in range(n_sessions):
        proof = shows_likes and likes[s, 0] >= 0
        if proof and likes[s].max() >= len(table):
            raise _MoreLikes("a like count beyond the proof table")
        mean = _mean_proof(likes[s], cards[s], table) if proof else 1.0
        reader, mask = rows[s], interests[rows[s]]
        for slot in range(n_slots):
            note = cards[s, slot]
            if note < 0:
                continue
            if note >= len(appeal) or note >= len(cover):
                raise IndexError("a card whose note has no traits (cover it first)")
            on_topic = topics[note] & mask
            shown = table[likes[s, slot]] / mean if proof else 1.0
            opens[s, slot] = _open_chance(np.float64(cover[note]), on_topic, shown, open_rate, off)
            content, sponsored_note = np.float64(appeal[note]), kind[note] == sponsored
            felt = _warmth(content, on_topic, sponsored_note, trust[reader], off)
            row = _engage_chances(felt, np.float64(author_pull[note]), engaging)
            for e in range(5):
                engage[s, slot, e] = row[e]
    return opens, engage


# ---------------------------------------------------------------------- buying


def faded(value: float, since: float, now: float, half_life: float, half: float = HALF) -> float:
    """Purchase intent ``value``, set at time ``since``, as it stands at ``now``: it halves
    every ``half_life`` hours (word of mouth is forgotten unless renewed). Compiled callers
    pass ``half`` (always :data:`~redloop.platform.batch_kernels.HALF`) as an argument, so
    the fade is CPython's to the last bit."""
    return value * half ** ((now - since) / half_life)


def may_buy(price: float, left: float, in_stock: int) -> bool:
    """Whether a product at ``price`` is bought at all: the month's budget has ``left``
    for it and the shop shows it ``in_stock``."""
    return bool(in_stock) and price <= left


def buy_chance(
    intent: float, price: float, left: float, sensitivity: float, proof: float, beta: float
) -> float:
    """The chance to buy a wanted product one ``may_buy``: ``1 - exp(-beta·intent·afford·proof)``,
    where ``afford = exp(-sensitivity·price/left)`` (``left`` counted as at least 1) weighs
    the price against what is left of the budget, and ``proof`` (0.25..1) is how much the
    product page's reviews back the purchase."""
    afford = math.exp(-sensitivity * price / max(left, 1.0))
    return 1.0 - math.exp(-beta * intent * afford * proof)


def search_weight(weight: float, intent: float) -> float:
    """The search channel's share of the visits of someone whose strongest purchase intent
    is ``intent``: its base ``weight``, grown with what one wants (elementwise on arrays)."""
    return weight * (1 + intent)


_faded = njit(cache=True, inline="always")(faded)
_may_buy = njit(cache=True, inline="always")(may_buy)
_buy_chance = njit(cache=True, inline="always")(buy_chance)


@njit(cache=True)
def buying(
    start: int,
    wants: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    gone: np.ndarray,
    forget: np.ndarray,
    now: float,
    half_life: float,
    half: float,
    shop: tuple[np.ndarray, np.ndarray, np.ndarray],
    crowd: tuple[np.ndarray, np.ndarray, np.ndarray],
    beta: float,
    draws: np.ndarray | None,
    drawn: int,
) -> tuple[int, int]:
    """Walk an hour's wants from pair ``start`` as the per-session buyer walks its own:
    ``wants`` = (person row, product, intent, time it was set) per pair, each visit's pairs
    in the order the person came to want them, intents fading with ``half_life`` (and
    ``half``, as :func:`faded`). A pair ``gone`` (bought earlier in the
    hour) is passed over; one whose intent has :func:`faded` below ``FORGOTTEN`` is marked
    in ``forget``; one the person :func:`may_buy` (``shop`` = price, stock shown, review
    proof by product; ``crowd`` = budget, spent, price sensitivity by row) takes the next of
    ``draws`` (from ``drawn``) and is bought if it falls below its :func:`buy_chance`.
    Returns (the pair bought, or the number of pairs at the end; the draws used). With
    ``draws`` None it only counts the draws the walk would take if nothing were bought."""
    person, product, value, since = wants
    price, stock, proof = shop
    budget, spent, sensitivity = crowd
    counting = draws is None
    for j in range(start, person.size):
        if gone[j]:
            continue
        intent = _faded(value[j], since[j], now, half_life, half)
        if intent < FORGOTTEN:
            if not counting:
                forget[j] = True
            continue
        row, p = person[j], product[j]
        left = budget[row] - spent[row]
        if not _may_buy(price[p], left, stock[p]):
            continue
        drawn += 1
        if counting:
            continue
        chance = _buy_chance(intent, price[p], left, sensitivity[row], proof[p], beta)
        if draws[drawn - 1] < chance:  # type: ignore[index]
            return j, drawn
    return person.size, drawn


@njit(cache=True)
def strongest(
    sizes: np.ndarray,
    wants: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    now: float,
    half_life: float,
    half: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per visit, whose wants are the next ``sizes[v]`` pairs of ``wants`` (as in
    :func:`buying`): the largest intent as stored, the largest as it has :func:`faded` by
    ``now``, and the product wanted most now (the largest faded intent, the lowest id on a
    tie, as :meth:`~.consumer.Consumer.most_wanted`; -1 for a visit that wants nothing)."""
    _, product, value, since = wants
    stored, now_at = np.zeros(sizes.size), np.zeros(sizes.size)
    top = np.full(sizes.size, -1, dtype=np.int64)
    j = 0
    for v in range(sizes.size):
        for k in range(j, j + sizes[v]):
            intent, p = _faded(value[k], since[k], now, half_life, half), product[k]
            if k == j:
                stored[v], now_at[v], top[v] = value[k], intent, p
                continue
            stored[v] = max(stored[v], value[k])
            if intent > now_at[v] or (intent == now_at[v] and p < top[v]):
                now_at[v], top[v] = intent, p
        j += sizes[v]
    return stored, now_at, top
