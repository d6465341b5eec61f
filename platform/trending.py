"""Trending topics and products: engagement counted in hourly buckets over a sliding window."""

from __future__ import annotations

from collections import Counter, deque

from .model import TOPICS, TOPICS_OF_MASK


class Trending:
    """Counts per whole hour: the window at time ``now`` is ``now``'s hour and the
    ``window_hours - 1`` hours before it, whatever has been recorded since."""

    def __init__(self, window_hours: int) -> None:
        self.window = window_hours
        self._hours: deque[tuple[int, Counter[int], Counter[int]]] = deque()

    def _bucket(self, now: float) -> tuple[Counter[int], Counter[int]]:
        hour = int(now // 1)
        if not self._hours or self._hours[-1][0] != hour:
            self._hours.append((hour, Counter(), Counter()))
            while self._hours[0][0] <= hour - self.window:
                self._hours.popleft()
        _, topics, products = self._hours[-1]
        return topics, products

    def record(self, now: float, topics: int, products: tuple[int, ...], weight: float) -> None:
        t_count, p_count = self._bucket(now)
        for t in TOPICS_OF_MASK[topics]:
            t_count[t] += weight
        for p in products:
            p_count[p] += weight

    def record_order(self, now: float, product: int, quantity: int) -> None:
        self._bucket(now)[1][product] += quantity

    def _window(self, now: float, which: int) -> Counter[int]:
        total: Counter[int] = Counter()
        first = int(now // 1) - self.window + 1
        for hour, *counts in self._hours:
            if hour >= first:
                total.update(counts[which])
        return total

    def topics(self, now: float, k: int) -> list[tuple[str, float]]:
        ranked = sorted(self._window(now, 0).items(), key=lambda kv: (-kv[1], kv[0]))
        return [(TOPICS[t], score) for t, score in ranked[:k]]

    def products(self, now: float, k: int) -> list[tuple[int, float]]:
        ranked = sorted(self._window(now, 1).items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:k]
