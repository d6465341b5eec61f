"""The simulation clock: one schedule of pending steps, held as plain data.

Everything that happens later — the model's routines (sessions each hour, posting each day,
the daily round), an order's packing, shipping and days of use, a dated event — is a
:class:`Process`: a small object that records its stage and, each time it is resumed, does
that stage's work and says how long until its next one. The schedule is a heap of
``(time, priority, sequence, process)``; nothing in it is a live generator, so the whole
clock pickles with the model (a checkpoint) and a restored run continues exactly.

The order is simpy's (which redloop ran on before): by time, then a new process's start
(``URGENT``) before anything else due then, then the order in which steps were scheduled.
A process started now takes its first step after the step that started it and before any
other step due now, as ``simpy.Environment.process`` did, so event logs are unchanged.
"""

from __future__ import annotations

import heapq
from typing import Protocol

__all__ = ["NORMAL", "URGENT", "Clock", "Process"]

URGENT, NORMAL = 0, 1


class Process(Protocol):
    """One pending thing: ``resume(now)`` does its next stage and returns the hours until
    the stage after (``None``: it is finished)."""

    def resume(self, now: float) -> float | None: ...


class Clock:
    """Simulated hours (a float) and the steps due in them."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, int, Process]] = []
        self._scheduled = 0  # steps ever scheduled: the tie-break between equal times

    def start(self, process: Process) -> None:
        """Run ``process``'s first stage now, before anything else due now."""
        self._push(self.now, URGENT, process)

    def run(self, until: float) -> None:
        """Take every step due before ``until`` in order; the clock then reads ``until``."""
        queue = self._queue
        while queue and queue[0][0] < until:
            time, _, _, process = heapq.heappop(queue)
            self.now = time
            delay = process.resume(time)
            if delay is not None:
                self._push(time + delay, NORMAL, process)
        self.now = until

    def _push(self, time: float, priority: int, process: Process) -> None:
        self._scheduled += 1
        heapq.heappush(self._queue, (time, priority, self._scheduled, process))
