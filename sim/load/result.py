"""What one load phase did, and a status line while it runs."""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .shapes import Plan
from .stats import Stats

__all__ = ["Progress", "RunResult"]


@dataclass
class RunResult:
    """What one load phase did: request stats plus the sessions' own book-keeping."""

    stats: Stats
    plan: Plan
    elapsed: float = 0.0
    wall_start: float = 0.0  # unix time at the run's second 0 (where its stats' buckets start)
    planned: int = 0
    started: int = 0
    completed: int = 0
    failed: int = 0
    dropped_outstanding: int = 0  # arrivals refused: too many sessions in flight
    dropped_busy: int = 0  # arrivals that found only people already in a session
    late: int = 0  # arrivals not started before the end (the generator fell behind)
    unfinished: int = 0  # sessions still running after the grace period, cancelled
    failures: Counter[str] = field(default_factory=Counter)
    starts: array = field(default_factory=lambda: array("d"))  # seconds since start
    lags: array = field(default_factory=lambda: array("d"))  # start - scheduled time, s
    durations: array = field(default_factory=lambda: array("d"))  # session length, s

    def start(self, at: float, scheduled: float) -> None:
        self.started += 1
        self.starts.append(at)
        self.lags.append(max(0.0, at - scheduled))

    def fail(self, exc: BaseException) -> None:
        """Count a failed session; up to 50 distinct reasons are kept with their counts."""
        self.failed += 1
        reason = f"{type(exc).__name__}: {str(exc)[:160]}"
        if reason in self.failures or len(self.failures) < 50:
            self.failures[reason] += 1

    def session_figures(self) -> dict[str, Any]:
        lag = np.frombuffer(self.lags, dtype=np.float64) if self.lags else np.zeros(1)
        dur = np.frombuffer(self.durations, dtype=np.float64) if self.durations else np.zeros(1)
        return {
            "planned": self.planned,
            "started": self.started,
            "completed": self.completed,
            "failed": self.failed,
            "dropped_outstanding": self.dropped_outstanding,
            "dropped_busy": self.dropped_busy,
            "late": self.late,
            "unfinished": self.unfinished,
            "duration_p50_ms": float(np.percentile(dur, 50) * 1000),
            "duration_p99_ms": float(np.percentile(dur, 99) * 1000),
            "start_lag_p50_ms": float(np.percentile(lag, 50) * 1000),
            "start_lag_p99_ms": float(np.percentile(lag, 99) * 1000),
            "start_lag_max_ms": float(lag.max() * 1000),
        }

    def per_second(self, seconds: int) -> np.ndarray:
        starts = np.frombuffer(self.starts, dtype=np.float64) if self.starts else np.zeros(0)
        return np.bincount(starts.astype(np.int64), minlength=seconds)[:seconds]


class Progress:
    """A status line every few seconds (stderr), unless quiet."""

    def __init__(self, enabled: bool, result: RunResult, every: float = 5.0) -> None:
        self.enabled, self.result, self.every = enabled, result, every
        self.next = every

    def tick(self, elapsed: float, outstanding: int = 0) -> None:
        if not self.enabled or elapsed < self.next:
            return
        self.next += self.every
        r = self.result
        total = r.stats.total
        print(
            f"  [{elapsed:5.0f}s] sessions {r.started:,} ({r.failed:,} failed)  "
            f"requests {total.requests:,} ({total.errors:,} errors)  in flight {outstanding}",
            file=sys.stderr,
            flush=True,
        )
