"""Load-test statistics as data (Locust's pattern): a registry of per-endpoint entries, each
with counters, an HDR latency histogram overall and a compact one per time bucket; entries
merge, so workers or processes can be combined.

Cheap to record, bounded in memory:

- ``record`` appends the latency to a buffer (well under a microsecond); every few thousand
  samples, and before anything is read, the buffer is folded into the histograms with numpy
  (one ``record_value(value, count)`` per distinct HDR cell instead of one call per sample).
- The overall histogram per endpoint is an :class:`HdrHistogram` (1 µs .. 60 s, 3 significant
  digits). Per time bucket a full HDR histogram would cost ~140 kB (15 endpoints x 600 one-second
  buckets = over 1 GB), so each bucket keeps only its non-empty cells of the same log-linear
  layout at 2 significant digits (< 0.8% error): a few hundred bytes.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from hdrh.histogram import HdrHistogram

#: Latencies are recorded in microseconds, from 1 µs to 60 s, 3 significant digits.
_LOWEST, _HIGHEST, _DIGITS = 1, 60_000_000, 3
#: HDR's linear sub-buckets for 3 digits: 2048 (values below are exact).
_HDR_BITS = 11
#: Per-bucket cells: 256 linear steps per power of two (values below 256 µs are exact).
_CELL_BITS = 8
_CELLS = 1 << 13  # more than the largest cell key (18 * 256 + 255 for 60 s)
_FOLD_AT = 4096


def _histogram() -> HdrHistogram:
    return HdrHistogram(_LOWEST, _HIGHEST, _DIGITS)


def _shift(micros: np.ndarray, bits: int) -> np.ndarray:
    """How far to shift each value right so that it keeps ``bits`` significant bits."""
    return np.maximum(np.frexp(micros.astype(np.float64))[1] - bits, 0).astype(np.int64)


def _cells(micros: np.ndarray) -> np.ndarray:
    shift = _shift(micros, _CELL_BITS)
    return (shift << _CELL_BITS) + (micros >> shift)


def _cell_top(cells: np.ndarray) -> np.ndarray:
    """The highest value in each cell (HDR reports percentiles the same way)."""
    shift = cells >> _CELL_BITS
    return ((cells - (shift << _CELL_BITS) + 1) << shift) - 1


@dataclass
class Bucket:
    """One endpoint over one time bucket: counts and the non-empty latency cells."""

    requests: int = 0
    errors: int = 0
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add_cells(self, cells: np.ndarray, counts: np.ndarray) -> None:
        if self.cells.size:
            merged, inverse = np.unique(np.concatenate([self.cells, cells]), return_inverse=True)
            counts = np.bincount(inverse, np.concatenate([self.counts, counts])).astype(np.int64)
            cells = merged
        self.cells, self.counts = cells.astype(np.uint16), counts

    def merge(self, other: Bucket) -> None:
        self.requests += other.requests
        self.errors += other.errors
        if other.cells.size:
            self.add_cells(other.cells, other.counts)

    def percentile_ms(self, percent: float) -> float:
        total = int(self.counts.sum())
        if not total:
            return 0.0
        rank = max(1, int(np.ceil(percent / 100.0 * total)))
        i = int(np.searchsorted(np.cumsum(self.counts), rank))
        return float(_cell_top(self.cells[i : i + 1].astype(np.int64))[0]) / 1000.0


@dataclass
class Entry:
    """One endpoint: request and error counts, statuses, latency overall and per bucket."""

    name: str
    requests: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latency: HdrHistogram = field(default_factory=_histogram)
    buckets: dict[int, Bucket] = field(default_factory=dict)
    _micros: array = field(default_factory=lambda: array("q"), repr=False)
    _slots: array = field(default_factory=lambda: array("q"), repr=False)

    def record(self, seconds: float, ok: bool, bucket: int, status: int | None = None) -> None:
        self.requests += 1
        slot = self.buckets.get(bucket)
        if slot is None:
            slot = self.buckets[bucket] = Bucket()
        slot.requests += 1
        if not ok:
            self.errors += 1
            slot.errors += 1
        if status is not None:
            self.statuses[status] += 1
        self._micros.append(min(_HIGHEST, max(_LOWEST, round(seconds * 1e6))))
        self._slots.append(bucket)
        if len(self._micros) >= _FOLD_AT:
            self.fold()

    def fold(self) -> None:
        """Move buffered samples into the histograms (done before every read)."""
        if not self._micros:
            return
        micros = np.frombuffer(self._micros, dtype=np.int64).copy()
        slots = np.frombuffer(self._slots, dtype=np.int64).copy()
        self._micros, self._slots = array("q"), array("q")
        shift = _shift(micros, _HDR_BITS)  # the lowest value of each HDR cell: same cell
        values, counts = np.unique((micros >> shift) << shift, return_counts=True)
        record = self.latency.record_value
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            record(value, count)
        keys, counts = np.unique(slots * _CELLS + _cells(micros), return_counts=True)
        owners = keys // _CELLS
        starts = np.flatnonzero(np.diff(owners, prepend=-1))
        for lo, hi in zip(starts.tolist(), [*starts[1:].tolist(), keys.size], strict=True):
            self.buckets[int(owners[lo])].add_cells(keys[lo:hi] % _CELLS, counts[lo:hi])

    def merge(self, other: Entry) -> None:
        self.fold()
        other.fold()
        self.requests += other.requests
        self.errors += other.errors
        self.statuses.update(other.statuses)
        self.latency.add(other.latency)
        for bucket, slot in other.buckets.items():
            self.buckets.setdefault(bucket, Bucket()).merge(slot)

    def summary(self, seconds: float) -> dict[str, float | str | int]:
        self.fold()
        h = self.latency
        ms = 1000.0
        return {
            "endpoint": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "error_rate": self.errors / self.requests if self.requests else 0.0,
            "rps": self.requests / seconds if seconds > 0 else 0.0,
            "p50_ms": h.get_value_at_percentile(50) / ms,
            "p90_ms": h.get_value_at_percentile(90) / ms,
            "p99_ms": h.get_value_at_percentile(99) / ms,
            "max_ms": h.get_max_value() / ms,
        }


class Stats:
    """Registry of entries by endpoint name, with a time bucket size in seconds."""

    TOTAL = "(all)"

    def __init__(self, bucket_seconds: float = 1.0) -> None:
        self.bucket_seconds = bucket_seconds
        self.entries: dict[str, Entry] = {}
        self.total = Entry(self.TOTAL)

    def record(
        self, name: str, seconds: float, ok: bool, elapsed: float, status: int | None = None
    ) -> None:
        """A request to ``name`` took ``seconds``; it ended ``elapsed`` s into the test."""
        entry = self.entries.get(name)
        if entry is None:
            entry = self.entries[name] = Entry(name)
        bucket = max(0, int(elapsed // self.bucket_seconds))
        entry.record(seconds, ok, bucket, status)
        self.total.record(seconds, ok, bucket, status)

    def merge(self, others: Iterable[Stats]) -> None:
        for other in others:
            for name, entry in other.entries.items():
                self.entries.setdefault(name, Entry(name)).merge(entry)
            self.total.merge(other.total)

    def table(self, seconds: float) -> list[dict[str, float | str | int]]:
        """One row per endpoint (sorted by name), then the total row."""
        rows = [self.entries[n].summary(seconds) for n in sorted(self.entries)]
        return [*rows, self.total.summary(seconds)]

    def timeline(self) -> list[dict[str, float | str | int]]:
        """Per endpoint and time bucket: requests, errors, p50/p90/p99 latency (for plots)."""
        rows = []
        for entry in [*(self.entries[n] for n in sorted(self.entries)), self.total]:
            entry.fold()
            for bucket in sorted(entry.buckets):
                slot = entry.buckets[bucket]
                rows.append(
                    {
                        "endpoint": entry.name,
                        "t": bucket * self.bucket_seconds,
                        "requests": slot.requests,
                        "rps": slot.requests / self.bucket_seconds,
                        "errors": slot.errors,
                        "p50_ms": slot.percentile_ms(50),
                        "p90_ms": slot.percentile_ms(90),
                        "p99_ms": slot.percentile_ms(99),
                    }
                )
        return rows
