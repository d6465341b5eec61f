"""Notes and engagement on them: counters, who liked/collected what, comments, indexes."""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left

import numpy as np

from .errors import InvalidInput, check_id
from .model import N_TOPICS, TOPICS_OF_MASK, Comment, NoteFormat

#: Newest notes kept per topic for topping up pages: 4 per card of the largest page (100).
RECENT = 512


class Notes:
    """Column store of notes. Note ids are dense and follow publication order (and so time)."""

    def __init__(self, ces_weights: tuple[float, float, float, float, float]) -> None:
        self.author = array("i")
        self.created_at = array("d")
        self.topics = array("H")
        self.format = array("B")
        self.sponsor = array("i")  # brand id or -1
        self.impressions = array("i")
        self.reads = array("i")
        self.likes = array("i")
        self.collects = array("i")
        self.comments = array("i")
        self.shares = array("i")
        self.follows = array("i")  # follows of the author made from this note
        #: CES, kept up to date by :meth:`engage` so rankers read one column, not five.
        self.ces_score = array("d")
        self.titles: dict[int, str] = {}
        self.products: dict[int, tuple[int, ...]] = {}
        self.comment_threads: dict[int, list[Comment]] = {}
        self.liked: set[int] = set()  # user << 32 | note
        self.collected: set[int] = set()
        self.by_author: dict[int, array] = {}
        # each author's notes as a chain for compiled following pages: their newest note,
        # and per note the one they wrote before it (-1: none)
        self._last_by = array("i")
        self._prev_by = array("i")
        self.by_topic: list[array] = [array("i") for _ in range(N_TOPICS)]
        #: The newest RECENT ids of each topic as rings, for the compiled top-up of a page:
        #: note ``by_topic[t][i]`` sits at ``recent[t, i % RECENT]``; ``recent_len[t]`` counts all.
        self.recent = np.zeros((N_TOPICS, RECENT), dtype=np.int32)
        self.recent_len = np.zeros(N_TOPICS, dtype=np.int64)
        self.editors_picks = array("i")
        self.w_like, self.w_collect, self.w_comment, self.w_share, self.w_follow = ces_weights

    def __len__(self) -> int:
        return len(self.author)

    def check(self, note: int, field: str = "note") -> None:
        check_id(note, len(self.author), field)

    def ces(self, note: int) -> float:
        """Community engagement score: weighted likes, collects, comments, shares, follows."""
        return self.ces_score[note]

    def engage(self, counter: array, weight: float, note: int, delta: int = 1) -> None:
        """Move one engagement counter of ``note`` and its CES with it."""
        counter[note] += delta
        self.ces_score[note] += weight * delta

    def add(
        self,
        author: int,
        now: float,
        topics: int,
        fmt: int,
        sponsor: int,
        products: tuple[int, ...],
        title: str,
    ) -> int:
        nid = len(self.author)
        self.author.append(author)
        self.created_at.append(now)
        self.topics.append(topics)
        self.format.append(fmt)
        self.sponsor.append(sponsor)
        for col in (
            self.impressions,
            self.reads,
            self.likes,
            self.collects,
            self.comments,
            self.shares,
            self.follows,
        ):
            col.append(0)
        self.ces_score.append(0.0)
        if products:
            self.products[nid] = products
        if title:
            self.titles[nid] = title
        last = self._last_by
        if author >= len(last):
            last.extend([-1] * (author + 1 - len(last)))
        self._prev_by.append(last[author])
        last[author] = nid
        mine = self.by_author.get(author)
        if mine is None:
            mine = self.by_author[author] = array("i")
        mine.append(nid)
        for t in TOPICS_OF_MASK[topics]:
            self.by_topic[t].append(nid)
            size = int(self.recent_len[t])
            self.recent[t, size % RECENT] = nid
            self.recent_len[t] = size + 1
        return nid

    def add_comment(self, user: int, note: int, now: float, text: str) -> None:
        self.engage(self.comments, self.w_comment, note)
        thread = self.comment_threads.get(note)
        if thread is None:
            thread = self.comment_threads[note] = []
        thread.append(Comment(user, now, text))

    @staticmethod
    def check_format(fmt: object) -> int:
        return int(NoteFormat.parse(fmt, "format"))

    @staticmethod
    def check_text(text: object, field: str, max_chars: int, *, allow_empty: bool) -> str:
        if (
            not isinstance(text, str)
            or len(text) > max_chars
            or (not allow_empty and not text.strip())
        ):
            need = "a" if allow_empty else "a non-empty"
            raise InvalidInput(
                f"{field} must be {need} string of at most {max_chars} characters",
                field=field,
                value=text if isinstance(text, str) and len(text) < 80 else type(text).__name__,
            )
        return text

    def author_chains(self) -> tuple[array, array]:
        """(newest note of each author id, -1: none; the author's note before each note)."""
        return self._last_by, self._prev_by

    def newest_by(self, authors: tuple[int, ...] | list[int], before: int, limit: int) -> list[int]:
        """Newest notes (id < ``before``) by any of ``authors``, newest first: a k-way merge."""
        heads: list[tuple[int, int, int]] = []  # (-note, author, position)
        by_author, newest = self.by_author, before >= len(self.author)
        for a in authors:
            mine = by_author.get(a)
            if not mine:
                continue
            pos = len(mine) - 1 if newest else bisect_left(mine, before) - 1
            if pos >= 0:
                heads.append((-mine[pos], a, pos))
        heapq.heapify(heads)
        out: list[int] = []
        while heads and len(out) < limit:
            neg, a, pos = heads[0]
            out.append(-neg)
            if pos > 0:
                mine = self.by_author[a]
                heapq.heapreplace(heads, (-mine[pos - 1], a, pos - 1))
            else:
                heapq.heappop(heads)
        return out
