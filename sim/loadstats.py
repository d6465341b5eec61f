"""Load-test statistics as data (Locust's pattern): a registry of per-endpoint entries, each
with counters and HDR latency histograms overall and per time bucket; entries merge, so
workers or processes can be combined.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

#: Latencies are recorded in microseconds, from 1 µs to 60 s, 3 significant digits.
_LOWEST, _HIGHEST, _DIGITS = 1, 60_000_000, 3


def _histogram() -> HdrHistogram:
    return HdrHistogram(_LOWEST, _HIGHEST, _DIGITS)


@dataclass
class Entry:
    """One endpoint: request and error counts, latency histograms overall and per bucket."""

    name: str
    requests: int = 0
    errors: int = 0
    latency: HdrHistogram = field(default_factory=_histogram)
    buckets: dict[int, tuple[HdrHistogram, list[int]]] = field(default_factory=dict)

    def record(self, seconds: float, ok: bool, bucket: int) -> None:
        micros = min(_HIGHEST, max(_LOWEST, round(seconds * 1e6)))
        self.requests += 1
        self.latency.record_value(micros)
        slot = self.buckets.get(bucket)
        if slot is None:
            slot = self.buckets[bucket] = (_histogram(), [0, 0])
        slot[0].record_value(micros)
        slot[1][0] += 1
        if not ok:
            self.errors += 1
            slot[1][1] += 1

    def merge(self, other: Entry) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.latency.add(other.latency)
        for bucket, (hist, counts) in other.buckets.items():
            mine = self.buckets.get(bucket)
            if mine is None:
                mine = self.buckets[bucket] = (_histogram(), [0, 0])
            mine[0].add(hist)
            mine[1][0] += counts[0]
            mine[1][1] += counts[1]

    def summary(self, seconds: float) -> dict[str, float | str | int]:
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

    def record(self, name: str, seconds: float, ok: bool, elapsed: float) -> None:
        """A request to ``name`` took ``seconds``; it ended ``elapsed`` s into the test."""
        entry = self.entries.get(name)
        if entry is None:
            entry = self.entries[name] = Entry(name)
        bucket = int(elapsed // self.bucket_seconds)
        entry.record(seconds, ok, bucket)
        self.total.record(seconds, ok, bucket)

    def merge(self, others: Iterable[Stats]) -> None:
        for other in others:
            for name, entry in other.entries.items():
                self.entries.setdefault(name, Entry(name)).merge(entry)
            self.total.merge(other.total)

    def table(self, seconds: float) -> list[dict[str, float | str | int]]:
        rows = [self.entries[n].summary(seconds) for n in sorted(self.entries)]
        return [*rows, self.total.summary(seconds)]

    def timeline(self) -> list[dict[str, float | str | int]]:
        """Per endpoint and time bucket: requests, errors, p50/p99 latency (for plots)."""
        rows = []
        for entry in [*self.entries.values(), self.total]:
            for bucket in sorted(entry.buckets):
                hist, (count, errors) = entry.buckets[bucket]
                rows.append(
                    {
                        "endpoint": entry.name,
                        "t": bucket * self.bucket_seconds,
                        "requests": count,
                        "rps": count / self.bucket_seconds,
                        "errors": errors,
                        "p50_ms": hist.get_value_at_percentile(50) / 1000.0,
                        "p99_ms": hist.get_value_at_percentile(99) / 1000.0,
                    }
                )
        return rows
