"""What each person wants and has had, as columns: one row per person, one column per
product.

A person comes to want a product by word of mouth (:meth:`Wants.set`), its intent fading
with a half-life from the time it was last set, and stops wanting it when it is bought or
forgotten (:meth:`Wants.drop`). A purchase walk takes a person's wants in the order they
came to want them, so each (person, product) carries a stamp: a want set anew takes the
next stamp, one renewed keeps its own (the order of a dict's keys, which is what each
person held before these columns). Dense arrays, because a catalogue is small and the
batched engine reads and moves an hour's visits' wants at once: :meth:`Wants.gather`
returns them as arrays of (person, product, intent, since) pairs, :meth:`Wants.hear_many`
applies an hour's word of mouth in one compiled call — the per-person arithmetic, so a
run is the same to the bit either way.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..platform.batch_kernels import HALF
from .decisions import _faded

__all__ = ["KEPT", "Wants"]

#: Word of mouth that leaves intent at or below this ends the want.
KEPT = 0.01


class Wants:
    """Per person (row) and product (column): the intent as last set (``value``), the time
    it was set (``since``), the stamp of when it came to be wanted (``order``, 0: not
    wanted) and the stamp of when they first had it (``had``, 0: never — bought, or sent a
    sample); ``count`` is each row's number of wants. Grows in rows with the crowd
    (:meth:`reserve`) and in products as they are first wanted or had."""

    def __init__(self) -> None:
        self.value = np.zeros((0, 0))
        self.since = np.zeros((0, 0))
        self.order = np.zeros((0, 0), dtype=np.int64)
        self.had = np.zeros((0, 0), dtype=np.int64)
        self.count = np.zeros(0, dtype=np.int64)
        self.stamp = 1  # the next want's stamp
        self.next_had = 1  # the next first purchase's stamp

    # ------------------------------------------------------------------ shape

    def reserve(self, rows: int, products: int = 0) -> None:
        """Room for at least ``rows`` people and ``products`` products (new cells hold no
        want and no purchase)."""
        have_rows, have_products = self.order.shape
        if rows <= have_rows and products <= have_products:
            return
        rows, products = max(rows, have_rows), max(products, have_products)
        for name, fill in (("value", 0.0), ("since", 0.0), ("order", 0), ("had", 0)):
            old = getattr(self, name)
            new = np.full((rows, products), fill, dtype=old.dtype)
            new[:have_rows, :have_products] = old
            setattr(self, name, new)
        count = np.zeros(rows, dtype=np.int64)
        count[:have_rows] = self.count
        self.count = count

    def _fit(self, product: int) -> None:
        if product >= self.order.shape[1]:
            self.reserve(0, max(product + 1, 2 * self.order.shape[1], 4))

    # ------------------------------------------------------------------ one person

    def any(self, row: int) -> bool:
        """Whether ``row`` wants anything."""
        return self.count.item(row) > 0

    def products(self, row: int) -> list[int]:
        """What ``row`` wants, in the order they came to want it."""
        stamps = self.order[row].tolist()
        return [p for _, p in sorted((s, p) for p, s in enumerate(stamps) if s)]

    def held(self, row: int) -> list[tuple[int, float, float]]:
        """(product, intent as last set, when) of each of ``row``'s wants, by product id
        (for what does not depend on their order: the strongest, the one wanted most)."""
        stamps, value, since = self.order[row].tolist(), self.value.item, self.since.item
        return [(p, value(row, p), since(row, p)) for p, s in enumerate(stamps) if s]

    def get(self, row: int, product: int) -> tuple[float, float] | None:
        """(intent as last set, when) of ``row``'s want for ``product``; None if not wanted."""
        if product >= self.order.shape[1] or not self.order.item(row, product):
            return None
        return self.value.item(row, product), self.since.item(row, product)

    def set(self, row: int, product: int, value: float, now: float) -> None:
        """``row`` wants ``product`` with intent ``value`` as of ``now`` (a new want goes
        last in their order; a renewed one keeps its place)."""
        self._fit(product)
        if not self.order.item(row, product):
            self.order[row, product] = self.stamp
            self.stamp += 1
            self.count[row] += 1
        self.value[row, product] = value
        self.since[row, product] = now

    def drop(self, row: int, product: int) -> None:
        """``row`` no longer wants ``product`` (nothing if they did not)."""
        if product < self.order.shape[1] and self.order.item(row, product):
            self.order[row, product] = 0
            self.count[row] -= 1

    def has(self, row: int, product: int) -> bool:
        """Whether ``row`` has ever had ``product`` (bought it or been sent a sample)."""
        return product < self.had.shape[1] and self.had.item(row, product) > 0

    def got(self, row: int, product: int) -> None:
        """``row`` has ``product``: no longer wanted, and word of mouth about it no longer
        makes them want it."""
        self._fit(product)
        if not self.had.item(row, product):
            self.had[row, product] = self.next_had
            self.next_had += 1
        self.drop(row, product)

    def owners(self, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` have ever had any product."""
        return (self.had[rows] > 0).any(axis=1)

    def first_had(self, rows: np.ndarray) -> np.ndarray:
        """The first product each of ``rows`` had (-1: none yet)."""
        had = self.had[rows]
        first = np.argmin(np.where(had > 0, had, np.iinfo(np.int64).max), axis=1)
        return np.where((had > 0).any(axis=1), first, -1)

    # ------------------------------------------------------------------ a batch

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """What the people of ``rows`` (a row may repeat) want: per row its number of
        wants, and the wants as pairs (person row, product, intent, time it was set), row
        after row, each person's in the order they came to want them."""
        order = self.order[rows]
        wanted = order > 0
        sizes = wanted.sum(axis=1)
        ranked = np.argsort(np.where(wanted, order, np.iinfo(np.int64).max), axis=1)
        product = ranked[np.take_along_axis(wanted, ranked, axis=1)]
        person = np.repeat(rows, sizes)
        pairs = (person, product, self.value[person, product], self.since[person, product])
        return sizes, pairs

    def set_many(self, rows: np.ndarray, product: int, value: float, now: float) -> None:
        """:meth:`set` for each of ``rows`` (distinct), in order, all for ``product``."""
        self._fit(product)
        new = rows[self.order[rows, product] == 0]
        self.order[new, product] = self.stamp + np.arange(new.size)
        self.stamp += new.size
        self.count[new] += 1
        self.value[rows, product] = value
        self.since[rows, product] = now

    def drop_many(self, rows: np.ndarray, products: np.ndarray) -> None:
        """:meth:`drop` for each (row, product) pair (a pair may repeat)."""
        if rows.size:
            self.order[rows, products] = 0
            touched = np.unique(rows)
            self.count[touched] = (self.order[touched] > 0).sum(axis=1)

    def hear_many(
        self,
        rows: np.ndarray,
        products: np.ndarray,
        gains: np.ndarray,
        now: float,
        half_life: float,
    ) -> None:
        """Word of mouth, in order: ``rows[i]``'s intent for ``products[i]`` (faded to
        ``now``) moves by ``gains[i]`` unless they have it; a want left at 0.01 or less
        ends. What as many :meth:`set` and :meth:`drop` calls would leave."""
        if rows.size:
            self._fit(int(products.max()))
            columns = (self.value, self.since, self.order, self.count, self.had)
            self.stamp = _hear(*columns, rows, products, gains, now, half_life, HALF, self.stamp)


@njit(cache=True)
def _hear(
    value: np.ndarray,
    since: np.ndarray,
    order: np.ndarray,
    count: np.ndarray,
    had: np.ndarray,
    rows: np.ndarray,
    products: np.ndarray,
    gains: np.ndarray,
    now: float,
    half_life: float,
    half: float,
    stamp: int,
) -> int:
    """:meth:`Wants.hear_many` on the tables; returns the next stamp."""
    for i in range(rows.size):
        r, p = rows[i], products[i]
        if had[r, p]:  # has it
            continue
        current = _faded(value[r, p], since[r, p], now, half_life, half) if order[r, p] else 0.0
        v = current + gains[i]
        if v > KEPT:
            if not order[r, p]:
                order[r, p] = stamp
                stamp += 1
                count[r] += 1
            value[r, p] = v
            since[r, p] = now
        elif order[r, p]:
            order[r, p] = 0
            count[r] -= 1
    return stamp
