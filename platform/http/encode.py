"""The hot routes' answers as bytes, without building response models: the same bytes.

Building a :class:`~.schemas.NoteOut` (the :class:`~..model.Note` view, then the model's
validation of it) and serialising it cost more server CPU than the like or read it answers.
A note's JSON has a part fixed at publishing (id, author, time, format, topics, products,
sponsor, title) and counters that move with every read, like, impression...: a read's answer
always shows a count that just changed, so whole answers cannot be kept. :class:`Encoder`
keeps each note's fixed part as pydantic serialised it (so strings are escaped exactly as
FastAPI's answers escape them) and writes the counters after it on every answer, read fresh
from :meth:`~..queries.Queries.note_counts`. The fixed parts belong to one platform: when the
service's platform is replaced (a durable service's failed commit restores the committed one,
where a note id may name another note) they are dropped. ``tests/platform/test_http_fast.py``
compares these bytes with FastAPI's.
"""

from __future__ import annotations

import pydantic_core

from ..core import Platform
from ..model import DiscoveryPage, interaction_rate
from ..shares import SharedItem
from .schemas import NoteOut

__all__ = ["Encoder"]

_FIRST_COUNT = b',"impressions":'


def _float(x: float) -> str:
    """``x`` as pydantic writes it: Python's shortest repr, except exponents (``1e-9``, not
    ``1e-09``) and non-finite values, which pydantic itself writes."""
    text = repr(x)
    return text if "e" not in text and "n" not in text else pydantic_core.to_json(x).decode()


def _ints(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


class Encoder:
    """JSON answers of one service's hot routes, byte for byte as FastAPI writes them."""

    def __init__(self) -> None:
        self._platform: Platform | None = None
        self._fixed: dict[int, bytes] = {}  # note -> b'{"id":...,"title":"..."'

    def note(self, platform: Platform, note: int) -> bytes:
        """``NoteOut`` of ``note`` (raises the platform's ``NotFound`` for an unknown one)."""
        imp, reads, likes, collects, comments, shares, follows, ces, stage = platform.note_counts(
            note
        )
        if platform is not self._platform:
            self._platform, self._fixed = platform, {}
        fixed = self._fixed.get(note)
        if fixed is None:
            whole = NoteOut.of(platform.note(note)).model_dump_json(by_alias=True).encode()
            fixed = self._fixed[note] = whole[: whole.index(_FIRST_COUNT)]
        rate = interaction_rate(reads, likes, collects, comments, shares)
        return (
            fixed
            + (
                f',"impressions":{imp},"reads":{reads},"likes":{likes},"collects":{collects},'
                f'"comments":{comments},"shares":{shares},"follows":{follows},"ces":{_float(ces)},'
                f'"interaction_rate":{_float(rate)},'
                f'"pool_stage":{"null" if stage is None else stage}}}'
            ).encode()
        )

    def engagement(self, platform: Platform, changed: bool, note: int) -> bytes:
        """``EngagementOut``: whether the request changed anything, and the note after it."""
        head = b'{"changed":true,"note":' if changed else b'{"changed":false,"note":'
        return head + self.note(platform, note) + b"}"

    @staticmethod
    def discovery_page(page: DiscoveryPage) -> bytes:
        """``DiscoveryPageOut`` of a served page."""
        return (
            f'{{"notes":[{_ints(page.notes)}],"ad_slots":[{_ints(page.ad_slots)}],'
            f'"boost_slots":[{_ints(page.boost_slots)}],"likes":[{_ints(page.likes)}]}}'
        ).encode()

    @staticmethod
    def inbox(items: list[SharedItem]) -> bytes:
        """``list[SharedItemOut]`` of a "shared with you" inbox (most often empty)."""
        return (
            "["
            + ",".join(
                f'{{"share":{i.share},"note":{i.note},"sharer":{i.sharer},"time":{_float(i.time)}}}'
                for i in items
            )
            + "]"
        ).encode()
