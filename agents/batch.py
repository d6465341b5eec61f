"""Sessions as a batch: one hour's visits served, decided and applied together.

The per-session engine walks each visit call by call (:meth:`.consumer.Consumer.visit`);
this one takes every visit of an hour at once, as the crowd's columns
(:class:`~.people.People`) allow:

1. inboxes with news since the last visit are read, visit by visit (rare);
2. each visit draws its channel (search more likely the more one wants something, and for
   what one wants most: :func:`.decisions.strongest` over every visit's wants as arrays,
   as in step 5); the searches run in one bulk call (``search_many``: an hour's crowd
   wants few products, each ranked once) and their results are read with the others; the
   following and discovery pages are served to everyone in two more
   (:meth:`~redloop.platform.core.Platform.following_feed_many`, ``discovery_feed_many``);
3. the chances to open each card and to engage with it come from :func:`.decisions.chances`
   over the sessions × cards matrix — the same formulas the per-session reader applies card
   by card — and are drawn as arrays: who scrolls on at each row, which looked-at card is
   opened, which opened note is liked, collected, commented on, shared, its author followed;
4. reads, likes, collects and follows go to the platform in bulk (``read_many``,
   ``like_many``, ``collect_many``, ``follow_many``), in session order, and word of mouth
   about tagged products moves intent in one compiled call (:meth:`.wants.Wants.hear_many`);
   comments and shares go item by item through the per-session code;
5. who wants something considers buying: every visit's wants as arrays of
   (person, product, intent, since) pairs, walked in one compiled call
   (:func:`.decisions.buying`, the per-session buyer's formulas) that stops only at a
   purchase; the order is placed through the per-session code and the walk goes on. It
   draws the per-session buyer's numbers in its order, so it buys what visit-by-visit
   buying bought, to the event.

What changes is *when* a visit sees the others: within an hour every page is served before
anyone reacts, so a like given at 20:30 shows on pages from 21:30, not on a page served a
moment later in the same hour. The random stream differs from the per-session engine's, so
the two give different runs of the same community; README "Engines" shows they agree within
their confidence intervals, and the batch's event log is as deterministic as the other's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..platform.batch_kernels import HALF
from . import decisions
from .consumer import AD, COMMENTS, DISCOVERY, FOLLOWING, SEARCH, SEARCH_CARDS
from .steps import run_inline

if TYPE_CHECKING:
    from .world import Stream, World

__all__ = ["run_batch"]

#: Cards of a following page (as the per-session visit asks for).
FOLLOWING_CARDS = 10


def run_batch(world: World, rows: np.ndarray, now: float) -> None:
    """Every visit of the hour at ``now`` by the people in ``rows`` (rows of
    ``world.columns``, in the order they come online; a row twice visits twice)."""
    m = world
    uids = m.columns.uid[rows]
    m.tally.sessions += rows.size
    _read_inboxes(m, rows, uids, now)
    r = m.streams.decisions.rng.random(rows.size)
    searching, wanted = _searching(m, rows, r, now)
    w = m.channel_weights
    following = ~searching & (r < w[1] + w[2])
    discovery = ~(searching | following)
    found = _search(m, rows[searching], wanted[searching], now)
    empty = found.max(axis=1, initial=-1) < 0
    discovery[np.flatnonzero(searching)[empty]] = True
    if not empty.all():
        _browse(m, rows[searching][~empty], found[~empty], None, None, SEARCH, now)
    followed = np.flatnonzero(following)
    pages = m.platform.following_feed_many(uids[followed], now=now, limit=FOLLOWING_CARDS)
    empty = pages.counts == 0
    discovery[followed[empty]] = True
    served = ~empty
    _browse(m, rows[followed[served]], pages.cards[served], None, None, FOLLOWING, now)
    chosen = np.flatnonzero(discovery)
    feed = m.platform.discovery_feed_many(uids[chosen], now=now)
    m.tally.discovery_pages += chosen.size
    m.tally.short_pages += int((feed.counts < m.page_size).sum())
    likes = feed.likes if m.behaviour.social_proof else None
    _browse(m, rows[chosen], feed.cards, likes, feed.ad_slot, DISCOVERY, now)
    _buy(m, rows, now)


def _searching(
    m: World, rows: np.ndarray, r: np.ndarray, now: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which visits, with channel draws ``r``, go to search
    (:meth:`.consumer.Consumer.searches`), and what each visit wants most
    (:meth:`.consumer.Consumer.most_wanted`; -1 if nothing)."""
    sizes, wants = m.columns.wants.gather(rows)
    stored, strongest, wanted = decisions.strongest(
        sizes, wants, now, m.intent_half_life_hours, HALF
    )
    w, weight = m.channel_weights[2], decisions.search_weight
    return (sizes > 0) & (r < weight(w, stored)) & (r < weight(w, strongest)), wanted


def _search(m: World, rows: np.ndarray, wanted: np.ndarray, now: float) -> np.ndarray:
    """Each of ``rows`` searches for what it wants most, ``wanted``
    (:meth:`.consumer.Consumer.search_wants`, all in one
    :meth:`~redloop.platform.core.Platform.search_many`), then opens the product's
    page where that search would (``view_product_many``): the notes found, as rows padded
    with -1 to the longest.
    The pages are viewed after all the searches, so the log orders them so; nothing a
    search reads is changed by a view."""
    people, cat, p = m.people, m.catalogue, m.platform
    uids = m.columns.uid[rows]
    queries = [cat.name[product] for product in wanted.tolist()]
    results = p.search_many(uids, queries, now=now, limit=SEARCH_CARDS)
    width = max((len(result.notes) for result in results), default=0)
    cards = np.full((rows.size, width), -1, dtype=np.int64)
    views = np.zeros(rows.size, dtype=np.bool_)
    pairs = zip(rows.tolist(), wanted.tolist(), results, strict=True)
    for i, (row, product, result) in enumerate(pairs):
        cards[i, : len(result.notes)] = result.notes
        views[i] = people[row].views_found(product, result.products)
    p.view_product_many(uids[views], wanted[views], now=now, channel=SEARCH)
    return cards


def _read_inboxes(m: World, rows: np.ndarray, uids: np.ndarray, now: float) -> None:
    """Visits whose person has been sent a share since they last looked read it first."""
    latest = m.platform.latest_shared_many(uids)
    seen = m.columns.inbox_seen
    for i in np.flatnonzero(latest > seen[rows]).tolist():
        if latest[i] > seen[rows[i]]:  # not read by an earlier visit of the hour
            run_inline(m.people[rows[i]].read_inbox(now))


def _browse(
    m: World,
    rows: np.ndarray,
    cards: np.ndarray,
    likes: np.ndarray | None,
    ad_slot: np.ndarray | None,
    channel: int,
    now: float,
) -> None:
    """Readers ``rows`` look down their pages ``cards`` (-1 padded), as
    :meth:`.consumer.Consumer.browse` does one by one: a row of cards (two in the
    two-column feed, one in the following feed) is looked at if the reader scrolled on
    past every row above, a looked-at card opened with its chance; then react."""
    if not rows.size:
        return
    b, rng = m.behaviour, m.streams.decisions.rng
    m.notes.cover(int(cards.max()))
    opens, engage = decisions.page_chances(m.notes, m.columns, rows, cards, likes, b)
    per_row = 1 if channel == FOLLOWING else 2
    n, k = cards.shape
    scrolled = rng.random((n, -(-k // per_row) - 1)) < b.scroll_on
    looked = np.ones((n, -(-k // per_row)), dtype=np.bool_)
    looked[:, 1:] = np.logical_and.accumulate(scrolled, axis=1)
    looked = np.repeat(looked, per_row, axis=1)[:, :k] & (cards >= 0)
    session, slot = np.nonzero(looked & (rng.random((n, k)) < opens))
    if not session.size:
        return
    readers, notes = rows[session], cards[session, slot]
    channels = np.full(session.size, channel, dtype=np.int64)
    if ad_slot is not None:
        channels[slot == ad_slot[session]] = AD
    reacts = rng.random((session.size, len(decisions.ENGAGEMENTS))) < engage[session, slot]
    _react(m, readers, notes, channels, reacts, now)


def _react(
    m: World,
    readers: np.ndarray,
    notes: np.ndarray,
    channels: np.ndarray,
    reacts: np.ndarray,
    now: float,
) -> None:
    """Apply what the readers did: read every note; like, collect, comment on, share it
    and follow its author where ``reacts`` (one column per engagement) says so; and let
    each note move intent for the product it tags."""
    p, people, uids = m.platform, m.people, m.columns.uid[readers]
    for code in np.unique(channels).tolist():
        mine = channels == code
        p.read_many(uids[mine], notes[mine], now=now, channel=code)
    m.tally.reads += readers.size
    like, collect, comment, share, follow = reacts.T
    p.like_many(uids[like], notes[like], now=now)
    p.collect_many(uids[collect], notes[collect], now=now)
    rand = m.streams.decisions.random
    for i in np.flatnonzero(comment).tolist():
        text = COMMENTS[int(rand() * len(COMMENTS))]
        p.comment(int(uids[i]), int(notes[i]), text, now=now)
    for i in np.flatnonzero(share).tolist():
        run_inline(people[readers[i]].share(int(notes[i]), now))
    wants = np.flatnonzero(follow)
    authors = [people[readers[i]].author_to_follow(int(notes[i])) for i in wants.tolist()]
    keep = np.array(authors, dtype=np.int64) >= 0
    if keep.any():
        wants = wants[keep]
        p.follow_many(uids[wants], np.array(authors)[keep], now=now, via_notes=notes[wants])
    _hear(m, readers, notes, now)


def _hear(m: World, readers: np.ndarray, notes: np.ndarray, now: float) -> None:
    """What the read notes say of the products they tag moves the readers' intent, read
    after read (:meth:`.consumer.Consumer.hear_from` for each, in one call)."""
    book = m.notes  # its columns are buffers (array.array): read as arrays, not kept
    product = np.asarray(book.product)[notes]
    tagged = product >= 0
    if not tagged.any():
        return
    rows, notes = readers[tagged], notes[tagged]
    valence = np.asarray(book.valence)[notes].astype(np.float64)
    sponsored = np.asarray(book.kind)[notes] == book.SPONSORED
    valence[sponsored] *= m.columns.trust[rows[sponsored]]
    gains = m.behaviour.intent_gain * m.columns.susceptibility[rows] * valence
    m.columns.wants.hear_many(
        rows, product[tagged].astype(np.int64), gains, now, m.intent_half_life_hours
    )


def _buy(m: World, rows: np.ndarray, now: float) -> None:
    """Each visit of ``rows`` considers buying what its person wants, as
    :meth:`.consumer.Consumer.consider_buying` would visit after visit: the same products
    in the same order, the same draws from the decisions stream (as many: the stream is
    left where the walk left it), the orders placed one by one (rare)."""
    columns, cat = m.columns, m.catalogue
    _, pairs = columns.wants.gather(rows)
    person, product = pairs[:2]
    n = person.size
    if not n:
        return
    stock = np.array(cat.stock_hint, dtype=np.int64)
    proof = np.zeros(stock.size)
    for p in np.unique(product).tolist():  # reviews read once an hour (cached by the world)
        proof[p] = run_inline(m.social_proof(p, now))
    shop = (np.array(cat.price, dtype=np.float64), stock, proof)
    crowd = (columns.budget, columns.spent, columns.price_sensitivity)
    gone, forget = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    args = (m.intent_half_life_hours, HALF, shop, crowd, m.behaviour.buy_beta)
    _, most = decisions.buying(0, pairs, gone, forget, now, *args, None, 0)
    draws = _Draws(m.streams.decisions, most)
    twice = _visits_twice(rows)
    j, used = decisions.buying(0, pairs, gone, forget, now, *args, draws.values, 0)
    while j < n:
        row, p = int(person[j]), int(product[j])
        if run_inline(m.people[row].buy(p, now)) is None:
            stock[p] = 0  # out of stock: the buyer found out (and set the world's hint)
        elif row in twice:  # bought: not wanted in this person's later visit
            later = np.flatnonzero((person[j:] == row) & (product[j:] == p))
            gone[later + j] = True
        j, used = decisions.buying(j + 1, pairs, gone, forget, now, *args, draws.values, used)
    draws.keep(used)
    columns.wants.drop_many(person[forget], product[forget])


class _Draws:
    """``count`` scalar draws from ``stream`` made ahead, of which a walk may use fewer:
    :meth:`keep` leaves the stream as if only those had been drawn (rewound to where it
    was, then drawn on by as many)."""

    def __init__(self, stream: Stream, count: int) -> None:
        self.stream, self.count = stream, count
        self.start = stream.getstate()
        self.values = randoms(stream, count)

    def keep(self, used: int) -> None:
        if used < self.count:
            self.stream.setstate(self.start)
            randoms(self.stream, used)


def randoms(stream: Stream, count: int) -> np.ndarray:
    """The next ``count`` values of ``stream.random()``, drawn at once: the same floats,
    and the stream left where as many calls leave it. CPython's ``random()`` makes each
    value from two 32-bit Mersenne Twister words a, b as (a >> 5)·2**26 + (b >> 6) over
    2**53, and ``getrandbits(64·count)`` is the same words in order, the first lowest."""
    if not count:
        return np.zeros(0)
    words = stream.getrandbits(64 * count).to_bytes(8 * count, "little")
    a, b = np.frombuffer(words, dtype="<u4").reshape(count, 2).T
    return ((a >> 5).astype(np.float64) * 67108864.0 + (b >> 6)) * (1.0 / 9007199254740992.0)


def _visits_twice(rows: np.ndarray) -> set[int]:
    """The people who visit more than once in ``rows``."""
    ordered = np.sort(rows)
    return set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
