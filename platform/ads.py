"""Paid placements: brands buy feed or search impressions for a note, charged per thousand.

Several campaigns wanting the same slot go through a second-price auction: the highest bid
(a campaign's CPM) wins and pays the runner-up's bid, or the platform's reserve price when it
bids alone, never more than its own bid. A campaign with a duration is paced for even
delivery: it may have spent at most ``budget × (elapsed + 1 h) / duration`` at any time, so a
weekly budget is spread over the week (the "standard delivery" of the big ad platforms,
e.g. Google Ads' and Meta's even pacing), and it is no longer served once its end has passed.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from .batch_kernels import PACING_LEAD_HOURS
from .errors import check_id
from .model import AdCampaign, AdPlacement, topic_names

#: Campaign and boost ids are packed into 20 bits of a served page's event.
MAX_PAID_IDS = 2**20 - 1


def paced_share(now: float, start: float, end: float) -> float:
    """Share of its budget an evenly delivered purchase may have used by ``now`` (1 if unpaced)."""
    if end == math.inf:
        return 1.0
    return min(1.0, (now - start + PACING_LEAD_HOURS) / (end - start))


class Ads:
    """Campaign columns and the running campaigns per placement, in creation order.

    Money is held in integer milli-cents (1/1000 cent) so a CPM charge per impression
    (``cpm_cents`` milli-cents) is exact and replays identically.
    """

    def __init__(self) -> None:
        self.brand = array("i")
        self.note = array("i")
        self.placement = array("B")
        self.topics = array("H")
        self.budget_mc = array("q")
        self.spent_mc = array("q")
        self.cpm_cents = array("q")
        self.impressions = array("i")
        self.active = array("B")
        self.start = array("d")
        self.end = array("d")  # inf: runs until spent or stopped
        self._live: tuple[list[int], list[int]] = ([], [])  # per placement

    def __len__(self) -> int:
        return len(self.brand)

    def check(self, campaign: int) -> None:
        check_id(campaign, len(self.brand), "campaign")

    def add(
        self,
        brand: int,
        note: int,
        placement: int,
        topics: int,
        budget_cents: int,
        cpm_cents: int,
        start: float = 0.0,
        hours: float = math.inf,
    ) -> int:
        cid = len(self.brand)
        self.brand.append(brand)
        self.note.append(note)
        self.placement.append(placement)
        self.topics.append(topics)
        self.budget_mc.append(budget_cents * 1000)
        self.spent_mc.append(0)
        self.cpm_cents.append(cpm_cents)
        self.impressions.append(0)
        self.active.append(1)
        self.start.append(start)
        self.end.append(start + hours)
        self._live[placement].append(cid)
        return cid

    def stop(self, campaign: int) -> None:
        if self.active[campaign]:
            self.active[campaign] = 0
            self._live[self.placement[campaign]].remove(campaign)

    def live(self, placement: int) -> np.ndarray:
        """The campaigns of ``placement`` not stopped, in creation order."""
        return np.array(self._live[placement], dtype=np.int64)

    def keep_live(self, placement: int, campaigns: np.ndarray) -> None:
        """After a compiled batch stopped some: ``campaigns`` are those of ``placement``
        still live, in creation order (their ``active`` flags already cleared)."""
        self._live[placement][:] = campaigns.tolist()

    def running(self, campaign: int, now: float) -> bool:
        return bool(self.active[campaign]) and now < self.end[campaign]

    def any_running(self, placement: int, now: float) -> bool:
        """Whether a campaign of ``placement`` may still win a slot at ``now``."""
        return any(now < self.end[c] for c in self._live[placement])

    def bid(self, campaign: int, now: float) -> int:
        """What the campaign may pay for one impression now (milli-cents): its CPM, capped by
        what is left of its budget and of its paced allowance."""
        budget, spent = self.budget_mc[campaign], self.spent_mc[campaign]
        allowed = int(budget * paced_share(now, self.start[campaign], self.end[campaign]))
        return min(self.cpm_cents[campaign], budget - spent, allowed - spent)

    def auction(self, placement: int, topics: int, now: float, reserve: int) -> tuple[int, int]:
        """(winning campaign or -1, the price it pays per impression in milli-cents).

        Among running campaigns of ``placement`` targeting any of ``topics`` whose bid reaches
        the reserve, the highest bid wins; on a tie the campaign that has spent the smaller
        share of its budget wins (then the older), so equal campaigns take turns. The winner
        pays the second-highest bid, or the reserve when it bids alone.
        """
        best, best_bid, second = -1, 0, 0
        best_key = (0, 0.0)
        for cid in self._live[placement]:
            if not self.topics[cid] & topics or now >= self.end[cid]:
                continue
            b = self.bid(cid, now)
            if b < reserve:
                continue
            key = (b, -self.spent_mc[cid] / self.budget_mc[cid])
            if best < 0 or key > best_key:
                second = best_bid
                best, best_bid, best_key = cid, b, key
            else:
                second = max(second, b)
        return best, max(reserve, second)

    def charge(self, campaign: int, price: int, reserve: int) -> None:
        """One impression at ``price``; a campaign that cannot pay the reserve any more stops."""
        self.impressions[campaign] += 1
        self.spent_mc[campaign] += price
        if self.budget_mc[campaign] - self.spent_mc[campaign] < reserve:
            self.stop(campaign)

    def revenue_mc(self) -> int:
        return sum(self.spent_mc)

    def view(self, campaign: int, now: float) -> AdCampaign:
        self.check(campaign)
        end = self.end[campaign]
        return AdCampaign(
            id=campaign,
            brand=self.brand[campaign],
            note=self.note[campaign],
            placement=AdPlacement(self.placement[campaign]).label,
            topics=topic_names(self.topics[campaign]),
            budget=self.budget_mc[campaign] / 100_000,
            spent=self.spent_mc[campaign] / 100_000,
            cpm=self.cpm_cents[campaign] / 100,
            impressions=self.impressions[campaign],
            active=self.running(campaign, now),
            start=self.start[campaign],
            end=end if end != math.inf else None,
        )
