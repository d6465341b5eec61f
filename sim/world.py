"""What the simulated world knows beyond the platform: the truth about notes and products.

The platform stores what users post; it cannot know how appealing a cover really is or
whether a product is actually good. The world model holds those hidden traits so agents can
perceive them (a person sees the cover, reads the verdict) and metrics can explain outcomes.
"""

from __future__ import annotations

import math
import random
from array import array

import numpy as np

from redloop.platform.api import TOPICS

#: A note's own appeal (before its author's skill and its format) is lognormal, mean ~1.
NOTE_LOG_MEAN, NOTE_LOG_SD = -0.18, 0.6


def cover_draw(content: float, correlation: float, rng: np.random.Generator) -> float:
    """How strongly a note's cover and title draw a click, given ``content``, the lognormal
    draw of how engaging it is once opened: the same lognormal, whose log correlates with
    the content's by ``correlation``. At 1 the cover is the content (one trait drives the
    click and the engagement, and nothing is drawn); below 1 a cover that draws clicks may
    hide a note that earns few likes, and at 0 the two are independent."""
    if correlation == 1.0:
        return content
    z = (math.log(content) - NOTE_LOG_MEAN) / NOTE_LOG_SD
    z = correlation * z + math.sqrt(1.0 - correlation * correlation) * rng.standard_normal()
    return math.exp(NOTE_LOG_MEAN + NOTE_LOG_SD * z)


class NoteTraits:
    """Per-note hidden traits, indexed by platform note id."""

    ORGANIC, SPONSORED, REVIEW = 0, 1, 2

    def __init__(self) -> None:
        self.appeal = array("f")  # how engaging the content is once opened, mean ~1
        self.cover_appeal = array("f")  # how strongly the cover and title draw a click
        self.valence = array("f")  # verdict on the tagged product, -1..1
        self.product = array("i")  # tagged product or -1
        self.kind = array("B")
        self.topics = array("H")
        self.author = array("i")
        self.author_pull = array("f")  # how much readers want more from this author
        self.source_order = array("i")  # the order whose experience this review shares, or -1

    def __len__(self) -> int:
        return len(self.kind)

    def cover(self, note: int) -> None:
        """Make ids up to ``note`` addressable; notes the crowd did not write (e.g. on a
        shared server under load test) get neutral traits."""
        missing = note + 1 - len(self.kind)
        if missing > 0:
            for column, default in self._defaults():
                column.extend([default] * missing)

    def _defaults(self) -> tuple[tuple[array, float], ...]:
        return (
            (self.appeal, 1.0),
            (self.cover_appeal, 1.0),
            (self.valence, 0.0),
            (self.product, -1),
            (self.kind, self.ORGANIC),
            (self.topics, 0),
            (self.author, -1),
            (self.author_pull, 1.0),
            (self.source_order, -1),
        )

    def set(
        self,
        note: int,
        *,
        appeal: float,
        cover_appeal: float,
        valence: float,
        product: int,
        kind: int,
        topics: int,
        author: int,
        author_pull: float,
        source_order: int,
    ) -> None:
        self.cover(note)
        self.appeal[note] = appeal
        self.cover_appeal[note] = cover_appeal
        self.valence[note] = valence
        self.product[note] = product
        self.kind[note] = kind
        self.topics[note] = topics
        self.author[note] = author
        self.author_pull[note] = author_pull
        self.source_order[note] = source_order

    def appeal_of(self, ids: np.ndarray) -> np.ndarray:
        return np.array([self.appeal[int(i)] for i in ids], dtype=np.float64)


class Catalogue:
    """Products as shoppers see them (price, stock shown) plus their hidden quality."""

    def __init__(self) -> None:
        self.name: list[str] = []
        self.brand: list[int] = []  # brand account uid
        self.topic: list[int] = []
        self.price: list[float] = []
        self.base_price: list[float] = []
        self.quality: list[float] = []
        self.origin: list[str] = []
        self.stock_hint: list[int] = []  # 1 if shoppers can see it in stock
        self.established: list[bool] = []
        self.by_topic: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self.name)

    def add(
        self,
        pid: int,
        name: str,
        brand: int,
        topic: str,
        price: float,
        quality: float,
        origin: str,
        stock: int,
        established: bool,
    ) -> None:
        assert pid == len(self.name), "catalogue and platform product ids diverged"
        t = TOPICS.index(topic)
        self.name.append(name)
        self.brand.append(brand)
        self.topic.append(t)
        self.price.append(price)
        self.base_price.append(price)
        self.quality.append(quality)
        self.origin.append(origin)
        self.stock_hint.append(1 if stock > 0 else 0)
        self.established.append(established)
        self.by_topic.setdefault(t, []).append(pid)

    def pick_in_topics(self, mask: int, rand: random.Random) -> int:
        options = [p for t, ps in self.by_topic.items() if mask >> t & 1 for p in ps]
        return options[int(rand.random() * len(options))] if options else -1

    def unavailable(self) -> list[int]:
        return [p for p, s in enumerate(self.stock_hint) if not s]
