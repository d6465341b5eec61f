"""Shares and their cascades: who shared which note with whom, and the trees they form.

A share is one node. An in-app share is *delivered* to followers of the sharer (they find it
in their :meth:`~redloop.platform.core.Platform.shared_with` inbox); an out-of-app share sends
a link to a messaging app, which brings outside *visitors*, some of whom sign up. A reshare
names its parent share, so each note's shares form one tree rooted at the note itself: the
root shares hang under the note, reshares under their parent.

Cascade figures follow Goel, Anderson, Hofman & Watts (2016), "The structural virality of
online diffusion": *size* is the number of nodes (the note and its shares), *depth* the
longest root-to-leaf path, and *structural virality* the mean distance between all pairs of
nodes (the Wiener index over ``n(n-1)/2`` pairs): about 2 for a broadcast (a star), growing
with ``n`` for person-to-person chains. The Wiener index is computed in O(n) from subtree
sizes: each edge lies on the path of ``s·(n - s)`` pairs, ``s`` the size of the subtree
below it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import Forbidden, InvalidInput, check_id

if TYPE_CHECKING:
    from .social import Accounts


@dataclass(frozen=True, slots=True)
class Share:
    """One share: ``recipients`` for an in-app share, ``visitors``/``signups`` for an
    out-of-app one; ``parent`` is the share it reshares (None for a root share)."""

    id: int
    sharer: int
    note: int
    parent: int | None
    time: float
    outside: bool
    recipients: tuple[int, ...]
    visitors: int
    signups: int


@dataclass(frozen=True, slots=True)
class SharedItem:
    """An entry of a user's "shared with you" inbox."""

    share: int
    note: int
    sharer: int
    time: float


@dataclass(frozen=True, slots=True)
class Cascade:
    """A note's share tree: the note is the root, ``shares`` are its nodes (oldest first)."""

    note: int
    shares: tuple[int, ...]
    size: int
    depth: int
    virality: float


class Shares:
    """Columnar share store (append-only except the visitor and sign-up counters)."""

    def __init__(self) -> None:
        self.sharer = array("i")
        self.note = array("i")
        self.parent = array("i")  # -1 for a root share
        self.time = array("d")
        self.outside = array("B")
        self.n_recipients = array("i")
        self.visitors = array("i")
        self.signups = array("i")
        self.recipients: dict[int, tuple[int, ...]] = {}
        self.inbox: dict[int, array] = {}  # user -> shares delivered to them, oldest first
        #: user -> the last share delivered to them (-1: none; users past its end have none):
        #: whose inbox has news, for a crowd at once, is one gather
        self.latest = np.full(0, -1, dtype=np.int64)
        self.by_note: dict[int, array] = {}
        self.via_share: dict[int, int] = {}  # user who signed up -> the share they came by

    def __len__(self) -> int:
        return len(self.sharer)

    def check(self, share: object, field: str = "share") -> None:
        check_id(share, len(self.sharer), field)

    def check_parent(self, parent: int | None, note: int) -> int:
        """A reshare's parent must be a share of the same note; -1 for a root share."""
        if parent is None:
            return -1
        self.check(parent, "parent")
        if self.note[parent] != note:
            raise InvalidInput(
                f"parent share {parent} shares note {self.note[parent]}, not note {note}",
                field="parent",
                value=parent,
            )
        return parent

    @staticmethod
    def check_recipients(
        accounts: Accounts, sharer: int, to: Iterable[int], cap: int
    ) -> tuple[int, ...]:
        """1 to ``cap`` distinct followers of the sharer (not the sharer themselves)."""
        if isinstance(to, str | bytes) or not isinstance(to, Iterable):
            raise InvalidInput("to must be a list of user ids", field="to", value=to)
        given = tuple(to)
        if not 1 <= len(given) <= cap:
            raise InvalidInput(
                f"a share goes to 1 to {cap} followers; got {len(given)}", field="to"
            )
        for r in given:
            accounts.check(r, "to")
        recipients = tuple(dict.fromkeys(given))
        for r in recipients:
            if r == sharer:
                raise InvalidInput(f"user {r} cannot share with themselves", field="to", value=r)
            if not accounts.is_following(r, sharer):
                raise Forbidden(
                    f"user {r} does not follow user {sharer}: shares go to followers only",
                    field="to",
                    value=r,
                )
        return recipients

    def check_outside(self, share: object) -> None:
        """Visits and sign-ups come only through an out-of-app share's link."""
        self.check(share)
        if not self.outside[share]:  # type: ignore[index]
            raise InvalidInput(
                f"share {share} is not an out-of-app link (shared in the app)",
                field="share",
                value=share,
            )

    def add(
        self,
        sharer: int,
        note: int,
        parent: int,
        now: float,
        outside: bool = False,
        recipients: tuple[int, ...] = (),
    ) -> int:
        sid = len(self.sharer)
        self.sharer.append(sharer)
        self.note.append(note)
        self.parent.append(parent)
        self.time.append(now)
        self.outside.append(outside)
        self.n_recipients.append(len(recipients))
        self.visitors.append(0)
        self.signups.append(0)
        mine = self.by_note.get(note)
        if mine is None:
            mine = self.by_note[note] = array("i")
        mine.append(sid)
        if recipients:
            self.recipients[sid] = recipients
            for user in recipients:
                box = self.inbox.get(user)
                if box is None:
                    box = self.inbox[user] = array("i")
                box.append(sid)
            self._delivered(recipients, sid)
        return sid

    def _delivered(self, recipients: tuple[int, ...], sid: int) -> None:
        last, top = self.latest, max(recipients)
        if top >= last.size:
            grown = np.full(max(2 * last.size, top + 1), -1, dtype=np.int64)
            grown[: last.size] = last
            self.latest = last = grown
        last[list(recipients)] = sid

    def latest_of(self, users: np.ndarray) -> np.ndarray:
        """Per user (valid ids), the last share delivered to them, -1 if none."""
        last = self.latest
        out = np.full(users.size, -1, dtype=np.int64)
        inside = users < last.size
        out[inside] = last[users[inside]]
        return out

    def view(self, share: int) -> Share:
        self.check(share)
        parent = self.parent[share]
        return Share(
            id=share,
            sharer=self.sharer[share],
            note=self.note[share],
            parent=parent if parent >= 0 else None,
            time=self.time[share],
            outside=bool(self.outside[share]),
            recipients=self.recipients.get(share, ()),
            visitors=self.visitors[share],
            signups=self.signups[share],
        )

    def inbox_of(self, user: int, after: int, limit: int) -> tuple[SharedItem, ...]:
        box = self.inbox.get(user)
        if not box:
            return ()
        start = bisect_right(box, after)
        return tuple(
            SharedItem(s, self.note[s], self.sharer[s], self.time[s])
            for s in box[start : start + limit]
        )

    def cascade(self, note: int) -> Cascade:
        ids = tuple(self.by_note.get(note, ()))
        size, depth, virality = tree_figures([self.parent[s] for s in ids], ids)
        return Cascade(note, ids, size, depth, virality)


def tree_figures(parents: Sequence[int], ids: Sequence[int]) -> tuple[int, int, float]:
    """(size, depth, structural virality) of one note's tree in O(n).

    ``ids`` are the tree's share ids in creation order (a parent before its children) and
    ``parents[i]`` the parent share of ``ids[i]`` (-1: hangs under the note, the root).
    """
    n = len(ids) + 1
    if n == 1:
        return 1, 0, 0.0
    index = {sid: i + 1 for i, sid in enumerate(ids)}  # node 0 is the note
    up = [0] * n
    depth = [0] * n
    for i, parent in enumerate(parents, start=1):
        up[i] = index[parent] if parent >= 0 else 0
        depth[i] = depth[up[i]] + 1
    below = [1] * n
    wiener = 0
    for i in range(n - 1, 0, -1):  # children come after their parents
        wiener += below[i] * (n - below[i])
        below[up[i]] += below[i]
    return n, max(depth), wiener / (n * (n - 1) / 2)


def cascade_table(note: np.ndarray, parent: np.ndarray, n_notes: int) -> dict[str, np.ndarray]:
    """Per-note size, depth and virality from the share columns (``tables()["shares"]``)."""
    size = np.ones(n_notes, dtype=np.int64)
    depth = np.zeros(n_notes, dtype=np.int64)
    virality = np.zeros(n_notes, dtype=np.float64)
    groups: dict[int, list[int]] = {}
    for sid, nid in enumerate(note.tolist()):
        groups.setdefault(nid, []).append(sid)
    parents = parent.tolist()
    for nid, ids in groups.items():
        size[nid], depth[nid], virality[nid] = tree_figures([parents[s] for s in ids], ids)
    return {"size": size, "depth": depth, "virality": virality}
