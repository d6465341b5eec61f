"""Platform staff: editors who curate (the pre-2016 feed) and the platform's own shop."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from .world import World


class Editor(mesa.Agent):
    """Each day, reads a sample of yesterday's notes and picks the ones they find best."""

    model: World

    def __init__(self, model: World, uid: int, picks_per_day: int) -> None:
        super().__init__(model)
        self.uid = uid
        self.picks_per_day = picks_per_day

    def curate(self, first_note: int, last_note: int, now: float) -> list[int]:
        """Pick from notes ``first_note..last_note-1``: judged appeal = true appeal + noise."""
        m = self.model
        count = last_note - first_note
        if count <= 0 or self.picks_per_day <= 0:
            return []
        sample = min(count, self.picks_per_day * 10)  # an editor reads only so much
        ids = first_note + m.streams.staff.rng.choice(count, size=sample, replace=False)
        judged = m.notes.appeal_of(ids) + m.streams.staff.rng.normal(0.0, 0.3, size=sample)
        best = ids[judged.argsort()[::-1][: self.picks_per_day]]
        picks = sorted(int(n) for n in best)
        for note in picks:
            m.platform.pick_note(self.uid, note, now=now)
        return picks


class ShopOperator(mesa.Agent):
    """The platform's own shop: 'selection under structured data'.

    Reads the community's word of mouth about products it cannot yet sell (overseas goods
    with no stock) and stocks those that enough notes talk about.
    """

    model: World

    def __init__(self, model: World, uid: int, threshold: int, batch: int) -> None:
        super().__init__(model)
        self.uid = uid
        self.threshold = threshold
        self.batch = batch
        self.stocked: dict[int, float] = {}  # product -> time stocked

    def review_catalogue(self, now: float) -> list[int]:
        m = self.model
        newly = []
        for product in m.catalogue.unavailable():
            info = m.platform.product(product)
            if info.origin == "overseas" and info.notes >= self.threshold:
                m.platform.restock(self.uid, product, self.batch, now=now)
                m.catalogue.stock_hint[product] = 1
                self.stocked[product] = now
                newly.append(product)
        return newly
