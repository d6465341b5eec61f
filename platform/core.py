"""The platform facade: every operation agents, the HTTP service and the visualiser may call.

Each mutating operation follows one pattern: validate (raising a typed error and touching
nothing), append one event to the log, then apply it through its kind's ``_apply_<kind>``
method (:mod:`.state`). Replay (:mod:`.replay`) unpacks logged events through the codec table
(:mod:`.codec`) and calls the same methods, so a replayed platform is identical.

Time is always passed in (``now``, simulated hours as a float) and must never go backwards.

``Platform`` composes one class per domain, each in its own module; they share the state of
:class:`~.state.PlatformState`, so a command is one method call with no delegation hop (the
hot paths stay as fast as a single class):

- :mod:`.community` accounts, follows, notes, reads and engagement; :mod:`.bulk` many of
  them in one call;
- :mod:`.discovery` the following and discovery feeds (with their paid cards) and search;
  :mod:`.bulk_feeds` pages for many users in one call;
- :mod:`.sharing` shares, their inboxes, visitors, sign-ups and trees;
- :mod:`.commerce` products, orders and samples; :mod:`.marketing` ads, boosts, collaborations;
- :mod:`.authz` who may act on or read what; :mod:`.queries` read-only views;
- :mod:`.export` ``tables()`` and ``fingerprint()``; :mod:`.replay` replay and persistence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import export, replay
from .bulk import BulkCommands
from .bulk_feeds import BulkFeedCommands
from .commerce import CommerceCommands
from .community import CommunityCommands
from .eventlog import Event
from .marketing import MarketingCommands
from .model import NoteCounts, PlatformConfig
from .queries import Queries
from .sharing import SharingCommands

__all__ = ["Platform"]


class Platform(
    CommunityCommands,
    BulkCommands,
    BulkFeedCommands,
    SharingCommands,
    CommerceCommands,
    MarketingCommands,
    Queries,
):
    """A lifestyle community with a shop. The rules are in the README, "The platform"."""

    @property
    def recommender(self) -> str:
        return self._active.name

    def note_counts(self, note: int) -> NoteCounts:
        """What of :meth:`note` changes after publishing (its counters, CES and pool stage),
        in :class:`Note`'s field order: a server can keep the rest of a note's answer."""
        return self._note_counts(note)

    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        """Copies of the state columns as numpy arrays, for vectorised metrics and exports."""
        return export.tables(self)

    def fingerprint(self) -> str:
        """A digest of the whole platform state: equal digests mean identical platforms."""
        return export.fingerprint(self)

    def apply(self, event: Event) -> None:
        """Apply one logged event (used by replay). The event is appended to this log too."""
        replay.apply(self, event)

    @classmethod
    def replay(
        cls,
        events: Iterable[Event],
        config: PlatformConfig | None = None,
        *,
        rng: np.random.Generator | int | None = None,
    ) -> Platform:
        """Rebuild a platform from its events (an :class:`EventLog` or a SQLite file's rows)."""
        return replay.replay(cls, events, config, rng=rng)

    @classmethod
    def from_sqlite(
        cls, path: str | os.PathLike[str], *, rng: np.random.Generator | int | None = None
    ) -> Platform:
        """Replay a log written with ``log.stream_to(path, meta=...)`` (config read from meta)."""
        return replay.from_sqlite(cls, path, rng=rng)

    @classmethod
    def from_parquet(
        cls, path: str | os.PathLike[str], *, rng: np.random.Generator | int | None = None
    ) -> Platform:
        """Replay a Parquet log folder written by :meth:`stream_log` to ``*.parquet``."""
        return replay.from_parquet(cls, path, rng=rng)

    def stream_log(self, path: str | os.PathLike[str], **meta: Any) -> None:
        """Stream this platform's event log to a SQLite file, or to a Parquet folder if
        ``path`` ends in ``.parquet`` (closed by :meth:`close_log`)."""
        replay.stream_log(self, path, **meta)

    def close_log(self) -> None:
        self.log.close()
