"""The crowd's traits and state as columns: one numpy array per trait, one row per person.

A batch of sessions reads and writes a whole column at once; :class:`~.consumer.Consumer`
is a thin view onto one row, so behaviour written per person reads the same numbers. What
each person wants and has bought is a table of its own, a row per person and a column per
product (:class:`~.wants.Wants`), which the batched engine reads as arrays of (person,
product) pairs to decide searching and buying in compiled calls. Rows are appended in bulk
when the community is built and one at a time for a sign-up; the arrays keep spare
capacity, so a column's live part is ``column[:len(people)]`` (what :meth:`People.live`
returns).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .wants import Wants

__all__ = ["COLUMNS", "People"]

#: The columns and their types; ``inbox_seen`` is -1 before the first share is read.
COLUMNS: dict[str, type] = {
    "uid": np.int64,  # platform account id
    "creator": np.bool_,
    "interests": np.int64,  # topic bitmask
    "budget": np.float64,  # monthly
    "spent": np.float64,  # this month
    "price_sensitivity": np.float64,
    "susceptibility": np.float64,  # to word of mouth
    "trust": np.float64,  # weight of sponsored notes
    "posts_per_day": np.float64,
    "skill": np.float64,  # how appealing their notes are
    "activity": np.float64,  # sessions per day
    "adopted": np.bool_,  # bought at least once
    "active_today": np.bool_,
    "inbox_seen": np.int64,  # last share id read from "shared with you"
}
_DEFAULTS = {"spent": 0.0, "skill": 1.0, "adopted": False, "active_today": False, "inbox_seen": -1}


class People:
    """Every person's traits and state (columns named as in ``COLUMNS``), plus ``wants``:
    per row and product, the purchase intent and the last purchase."""

    uid: np.ndarray
    creator: np.ndarray
    interests: np.ndarray
    budget: np.ndarray
    spent: np.ndarray
    price_sensitivity: np.ndarray
    susceptibility: np.ndarray
    trust: np.ndarray
    posts_per_day: np.ndarray
    skill: np.ndarray
    activity: np.ndarray
    adopted: np.ndarray
    active_today: np.ndarray
    inbox_seen: np.ndarray

    def __init__(self) -> None:
        self.n = 0
        for name, dtype in COLUMNS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.wants = Wants()

    def __len__(self) -> int:
        return self.n

    def live(self, name: str) -> np.ndarray:
        """Column ``name`` for the people who exist (a view: writes go to the column)."""
        return getattr(self, name)[: self.n]

    def extend(self, **columns: Any) -> range:
        """Append one row per element of the given columns (all of the same length; a
        scalar is every new row's value, and only scalars append one row; a column not
        given takes its default: nothing spent, skill 1, no activity...). The new rows."""
        unknown = set(columns) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown people columns: {', '.join(sorted(unknown))}")
        sizes = {len(v) for v in columns.values() if np.ndim(v)} or {1}
        if len(sizes) != 1:
            raise ValueError(f"people columns of different lengths: {sorted(sizes)}")
        (k,) = sizes
        start, end = self.n, self.n + k
        if end > len(self.uid):
            self._grow(max(end, 2 * len(self.uid)))
        for name in COLUMNS:
            value = columns.get(name, _DEFAULTS.get(name, 0))
            getattr(self, name)[start:end] = value
        self.n = end
        return range(start, end)

    def _grow(self, capacity: int) -> None:
        for name, dtype in COLUMNS.items():
            column = np.zeros(capacity, dtype=dtype)
            column[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, column)
        self.wants.reserve(capacity)
