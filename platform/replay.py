"""Replay and persistence: rebuild a platform from its events, stream its log to a file.

Each logged event is unpacked through the codec table and handed to its kind's apply method
(``state.APPLY``, a list indexed by kind code), the same method the live command called.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from .codec import CODECS
from .errors import CorruptLog, InvalidInput, PlatformError
from .eventlog import Event
from .logread import read_sqlite
from .model import PlatformConfig
from .state import APPLY, PlatformState

__all__ = ["apply", "from_parquet", "from_sqlite", "replay", "replay_stored", "stream_log"]


def apply(state: PlatformState, event: Event) -> None:
    """Apply one logged event; it is appended to ``state``'s log too."""
    if event.time < state._now:
        raise InvalidInput(f"event {event.seq} goes back in time", field="time")
    state._now = now = event.time
    kind, actor, obj, value, ints, text = (
        event.kind,
        event.actor,
        event.object,
        event.value,
        event.ints,
        event.text,
    )
    state.log.append(kind, now, actor, obj, value, ints, text)
    APPLY[kind](state, actor, obj, now, *CODECS[kind].unpack(value, ints, text))  # type: ignore[misc, union-attr]


def replay[S: PlatformState](
    cls: type[S],
    events: Iterable[Event],
    config: PlatformConfig | None = None,
    *,
    rng: np.random.Generator | int | None = None,
) -> S:
    """A new ``cls`` platform rebuilt from events (an event log or a SQLite file's rows)."""
    platform = cls(config, rng=rng)
    for event in events:
        apply(platform, event)
    return platform


def from_sqlite[S: PlatformState](
    cls: type[S], path: str | os.PathLike[str], *, rng: np.random.Generator | int | None = None
) -> S:
    """Replay a log written by :func:`stream_log` (the config is read from its meta),
    verifying it: a damaged or edited file raises :class:`CorruptLog`."""
    meta, rows = read_sqlite(path)
    return replay_stored(cls, meta, rows, str(path), rng=rng)


def from_parquet[S: PlatformState](
    cls: type[S], path: str | os.PathLike[str], *, rng: np.random.Generator | int | None = None
) -> S:
    """Replay a Parquet log folder (:mod:`.parquetlog`), verifying it as :func:`from_sqlite`
    does."""
    from .parquetlog import read_parquet  # pyarrow is imported only when it is used

    meta, rows = read_parquet(path)
    return replay_stored(cls, meta, rows, str(path), rng=rng)


def replay_stored[S: PlatformState](
    cls: type[S],
    meta: dict[str, Any],
    events: Iterable[Event],
    where: str,
    *,
    rng: np.random.Generator | int | None = None,
) -> S:
    """A platform from a stored log's meta and verified events. The file is outside input:
    a config or an event the platform refuses is reported as CorruptLog, not raised as is."""
    try:
        config = (
            PlatformConfig.from_dict(meta["platform_config"]) if "platform_config" in meta else None
        )
        platform = cls(config, rng=rng)
    except (InvalidInput, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise CorruptLog(f"its platform_config meta row is not valid ({exc})", path=where) from exc
    seq = 0
    try:
        for event in events:
            seq = event.seq
            apply(platform, event)
    except CorruptLog:
        raise
    except (PlatformError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise CorruptLog(f"the platform refuses it ({exc})", seq=seq, path=where) from exc
    return platform


def stream_log(state: PlatformState, path: str | os.PathLike[str], **meta: Any) -> None:
    """Stream ``state``'s event log to a SQLite file (or a Parquet folder for
    ``*.parquet``), with its config in the meta rows."""
    state.log.stream_to(path, meta={"platform_config": state.config.to_dict(), **meta})
