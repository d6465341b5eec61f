"""Paid boosts of one note (the platform's "薯条"-style promotion).

A note's author or sponsor pays a fee for ``fee / boost_cpm × 1000`` extra discovery
impressions toward a goal, delivered to interest-matched users over 6 hours to 7 days and
paced evenly (as :mod:`.ads` paces campaigns); what is not delivered is refunded.
Practitioner guides describe preset orders from ¥75 to ¥7,500 and "¥10 ≈ 1,000 exposures"
(the default ``boost_cpm``). The platform earns the price of each impression as it is
delivered.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

from .ads import paced_share
from .errors import check_id
from .model import Boost, BoostGoal

#: Limits of one boost order: fee in yuan, duration in hours.
MIN_FEE, MAX_FEE = 75.0, 7_500.0
MIN_HOURS, MAX_HOURS = 6.0, 24.0 * 7


class Boosts:
    """Boost columns and the boosts still delivering, in creation order."""

    def __init__(self) -> None:
        self.buyer = array("i")
        self.note = array("i")
        self.goal = array("B")
        self.fee_cents = array("q")
        self.price_mc = array("q")  # per impression, milli-cents
        self.bought = array("q")
        self.delivered = array("q")
        self.start = array("d")
        self.end = array("d")
        self._live: list[int] = []

    def __len__(self) -> int:
        return len(self.buyer)

    def check(self, boost: int) -> None:
        check_id(boost, len(self.buyer), "boost")

    def add(
        self,
        buyer: int,
        note: int,
        goal: int,
        fee_cents: int,
        cpm_cents: int,
        start: float,
        hours: float,
    ) -> int:
        bid = len(self.buyer)
        self.buyer.append(buyer)
        self.note.append(note)
        self.goal.append(goal)
        self.fee_cents.append(fee_cents)
        self.price_mc.append(cpm_cents)
        self.bought.append(fee_cents * 1000 // cpm_cents)
        self.delivered.append(0)
        self.start.append(start)
        self.end.append(start + hours)
        self._live.append(bid)
        return bid

    def due(self, now: float, eligible: Callable[[int], bool]) -> int:
        """The oldest boost that is running, behind its even schedule and whose note
        ``eligible(boost)`` accepts for this page (-1 if none)."""
        for bid in self._live:
            if now < self.start[bid] or now >= self.end[bid]:
                continue
            allowed = int(self.bought[bid] * paced_share(now, self.start[bid], self.end[bid]))
            if self.delivered[bid] < allowed and eligible(bid):
                return bid
        return -1

    def any_running(self, now: float) -> bool:
        """Whether a boost may deliver an impression at ``now`` (``due`` is -1 otherwise)."""
        return any(self.start[b] <= now < self.end[b] for b in self._live)

    def deliver(self, boost: int) -> None:
        self.delivered[boost] += 1
        if self.delivered[boost] >= self.bought[boost]:
            self._live.remove(boost)

    def revenue_mc(self) -> int:
        return sum(d * p for d, p in zip(self.delivered, self.price_mc, strict=True))

    def view(self, boost: int, now: float) -> Boost:
        self.check(boost)
        return Boost(
            id=boost,
            buyer=self.buyer[boost],
            note=self.note[boost],
            goal=BoostGoal(self.goal[boost]).label,
            fee=self.fee_cents[boost] / 100,
            bought=self.bought[boost],
            delivered=self.delivered[boost],
            start=self.start[boost],
            end=self.end[boost],
            active=self.delivered[boost] < self.bought[boost] and now < self.end[boost],
            spent=self.delivered[boost] * self.price_mc[boost] / 100_000,
        )
