"""What one user was last shown in the discovery feed, and what they did with it.

Serving a discovery page is a *write* (it records impressions and moves traffic pools), so
the visualiser never asks the platform for a fresh page. It reads the platform's event log
instead: the user's latest ``FEED_SERVED`` discovery event holds the cards in display order,
and the events the same user logged in that session (same simulated instant, until their
next page or search) say which cards they opened, liked, collected, commented on, shared,
whose author they followed, and what they bought.

The log must still hold the events in memory: a model built without ``log_path`` keeps them
all (``EventLog(retain=True)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from redloop.platform.api import RECOMMENDERS, Channel, EventKind, EventLog
from redloop.platform.codec import codec_of

E = EventKind
_SERVED = codec_of(E.FEED_SERVED).unpack
_FOLLOWED = codec_of(E.FOLLOWED).unpack
#: Recommender names by the code packed into FEED_SERVED events.
RECOMMENDER_BY_CODE = {cls.code: name for name, cls in RECOMMENDERS.items()}
_DISCOVERY_CODE = int(Channel.DISCOVERY)
#: What an event by the reader says they did with a card.
ACTIONS = {k: codec_of(k).verb for k in (E.LIKED, E.COLLECTED, E.COMMENTED, E.SHARED)}


@dataclass(frozen=True, slots=True)
class ServedCard:
    """One card of a served page and the reader's reaction to it."""

    note: int
    slot: int
    is_ad: bool
    opened: bool = False
    actions: tuple[str, ...] = ()
    is_promoted: bool = False  # a paid boost


@dataclass(frozen=True, slots=True)
class ServedPage:
    """A discovery page as it was served (event ``seq`` at simulated hour ``time``)."""

    user: int
    seq: int
    time: float
    recommender: str
    cards: tuple[ServedCard, ...]
    #: products the reader ordered in the same session
    orders: tuple[int, ...] = ()

    @property
    def day(self) -> int:
        return int(self.time // 24)

    @property
    def opened(self) -> int:
        return sum(c.opened for c in self.cards)


def _discovery(event_value: int) -> bool:
    return _SERVED(event_value, None, None).channel == _DISCOVERY_CODE


def last_discovery_seq(
    log: EventLog, user: int, *, stop: int = 0, end: int | None = None
) -> int | None:
    """The seq of ``user``'s newest discovery page in ``[stop, end)``, scanning backwards."""
    for seq in range((len(log) if end is None else end) - 1, stop - 1, -1):
        try:
            e = log[seq]
        except IndexError:  # older rows were flushed to a file and dropped from memory
            return None
        if e.kind is E.FEED_SERVED and e.actor == user and _discovery(e.value):
            return seq
    return None


def page_at(log: EventLog, seq: int) -> ServedPage:
    """The page served by event ``seq`` with the reactions of its session."""
    served = log[seq]
    if served.kind is not E.FEED_SERVED:
        raise ValueError(f"event {seq} is a {served.kind.label}, not a feed_served")
    user = served.actor
    page = _SERVED(served.value, served.ints, served.text)
    cards, ad, boosted = page.notes, page.ad_slot, page.boost_slot
    opened: set[int] = set()
    actions: dict[int, list[str]] = {}
    orders: list[int] = []
    for s in range(seq + 1, len(log)):
        e = log[s]
        if e.time != served.time:
            break  # a session happens at one instant; later events are later sessions
        if e.actor != user:
            continue
        if e.kind in (E.FEED_SERVED, E.SEARCHED):
            break  # the user's next session started
        if e.kind is E.NOTE_READ:
            opened.add(e.object)
        elif e.kind in ACTIONS:
            actions.setdefault(e.object, []).append(ACTIONS[e.kind])
        elif e.kind is E.FOLLOWED and (via := _FOLLOWED(e.value, e.ints, e.text).via_note) >= 0:
            actions.setdefault(via, []).append("followed the author")
        elif e.kind is E.ORDER_PLACED:
            orders.append(codec_of(E.ORDER_PLACED).unpack(e.value, e.ints, e.text).product)
    return ServedPage(
        user=user,
        seq=seq,
        time=served.time,
        recommender=RECOMMENDER_BY_CODE.get(page.recommender, "?"),
        cards=tuple(
            ServedCard(
                note=n,
                slot=i,
                is_ad=i == ad,
                opened=n in opened,
                actions=tuple(dict.fromkeys(actions.get(n, ()))),
                is_promoted=i == boosted,
            )
            for i, n in enumerate(cards)
        ),
        orders=tuple(orders),
    )


def latest_page(
    log: EventLog, *, min_cards: int = 1, horizon: int = 50_000, end: int | None = None
) -> ServedPage | None:
    """The newest discovery page before event ``end`` (default: all) served to anyone with at
    least ``min_cards`` cards, looking back at most ``horizon`` events (then the newest page
    of any size in that window)."""
    fallback = None
    last = (len(log) if end is None else end) - 1
    for seq in range(last, max(-1, last - horizon), -1):
        try:
            e = log[seq]
        except IndexError:
            break
        if e.kind is E.FEED_SERVED and _discovery(e.value):
            if len(_SERVED(e.value, e.ints, e.text).notes) >= min_cards:
                return page_at(log, seq)
            fallback = seq if fallback is None else fallback
    return None if fallback is None else page_at(log, fallback)


def last_discovery_page(log: EventLog, user: int) -> ServedPage | None:
    """``user``'s newest discovery page and what they did with it, or None if never served."""
    seq = last_discovery_seq(log, user)
    return None if seq is None else page_at(log, seq)


class PageFinder:
    """Finds users' last discovery pages in a growing log without rescanning it.

    For each user asked about, it remembers how far the log was searched and what was found,
    so each later call only looks at the events appended since.
    """

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._found: dict[int, tuple[int, int | None]] = {}  # user -> (searched up to, seq)

    def last_page(self, user: int, end: int | None = None) -> ServedPage | None:
        """``user``'s newest page before event ``end`` (default: the whole log)."""
        end = len(self.log) if end is None else end
        searched, seq = self._found.get(user, (0, None))
        if searched < end:
            newer = last_discovery_seq(self.log, user, stop=searched, end=end)
            seq = newer if newer is not None else seq
            self._found[user] = (end, seq)
        return None if seq is None else page_at(self.log, seq)
