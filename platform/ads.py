"""Paid placements: brands buy feed or search impressions for a note, charged per thousand."""

from __future__ import annotations

from array import array

from .errors import check_id
from .model import AdCampaign, AdPlacement, topic_names


class Ads:
    """Campaign columns plus the rotation of active campaigns per placement.

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
        self._live: tuple[list[int], list[int]] = ([], [])  # per placement
        self._turn = [0, 0]

    def __len__(self) -> int:
        return len(self.brand)

    def check(self, campaign: int) -> None:
        check_id(campaign, len(self.brand), "campaign")

    def add(
        self, brand: int, note: int, placement: int, topics: int, budget_cents: int, cpm_cents: int
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
        self._live[placement].append(cid)
        return cid

    def stop(self, campaign: int) -> None:
        if self.active[campaign]:
            self.active[campaign] = 0
            self._live[self.placement[campaign]].remove(campaign)

    def due(self, placement: int, topics: int) -> int:
        """Next active campaign of this placement targeting any of ``topics`` (-1 if none)."""
        live = self._live[placement]
        if not live:
            return -1
        start = self._turn[placement]
        for step in range(len(live)):
            cid = live[(start + step) % len(live)]
            if self.topics[cid] & topics:
                self._turn[placement] = (start + step + 1) % len(live)
                return cid
        return -1

    def charge(self, campaign: int) -> None:
        """One impression; a campaign that cannot pay for the next one stops."""
        self.impressions[campaign] += 1
        cost = self.cpm_cents[campaign]
        self.spent_mc[campaign] += cost
        if self.budget_mc[campaign] - self.spent_mc[campaign] < cost:
            self.stop(campaign)

    def view(self, campaign: int) -> AdCampaign:
        self.check(campaign)
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
            active=bool(self.active[campaign]),
        )
