"""Checkpoints: a whole run at a day boundary, written atomically, read back exactly.

A checkpoint is ``RESULTS/checkpoints/day-NNN.ckpt``: a magic line, one line of JSON
(:class:`Header`: format, redloop version, the scenario's content hash, seed, day, the event
log's row count and chain head, the checkpoint interval), then the pickled model — its
platform, agents, crowd columns, every generator, and the clock's pending processes, all
plain data (:mod:`redloop.sim.clock`). The random streams are re-keyed from
``(seed, purpose, hour)`` at every hour (:mod:`redloop.sim.streams`), so a run restored at a
day boundary draws exactly what the uninterrupted run drew: same event log, same metrics.

The streamed ``events.sqlite`` is committed just before each checkpoint is written; a resume
checks that the file's row at the checkpoint's count carries the recorded chain hash and
drops whatever a killed run wrote after it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from redloop import __version__

from .results import atomic_write

if TYPE_CHECKING:
    from redloop.scenarios.schema import Scenario

    from .model import RedloopModel

__all__ = [
    "FORMAT",
    "NEVER",
    "CheckpointError",
    "Header",
    "Schedule",
    "find",
    "read",
    "scenario_hash",
    "write",
]

#: The layout of a checkpoint; bump it when what the model pickles changes meaning.
FORMAT = 3  # 3: notes carry a cover appeal apart from their content
_MAGIC = b"redloop checkpoint\n"
_NAME = re.compile(r"day-(\d+)\.ckpt")


class CheckpointError(Exception):
    """A checkpoint that cannot be used here: the message is one line for the user."""


@dataclass(frozen=True)
class Schedule:
    """When a run checkpoints: every ``every`` days (0: never), keeping the latest ``keep``
    files (0: all of them — a fork may start from any day; a resume needs only the latest)."""

    every: int = 0
    keep: int = 0

    def due(self, day: int, last_day: int) -> bool:
        """Whether the boundary after ``day`` gets a checkpoint (never the run's last)."""
        return bool(self.every) and day % self.every == 0 and day < last_day


#: The default schedule: no checkpoints.
NEVER = Schedule()


@dataclass(frozen=True)
class Header:
    format: int
    version: str
    scenario: str  # content hash of the fully resolved scenario
    seed: int
    day: int
    log_rows: int
    log_head: str | None  # chain hash of the last streamed row (None: log kept in memory)
    every: int  # days between checkpoints in the run that wrote it
    keep: int = 0  # how many it keeps (0: all); absent from files written before it existed


def scenario_hash(scenario: Scenario | dict[str, Any]) -> str:
    """A content hash of a fully resolved scenario (every key, every extended file), or of
    its dict as an event log's meta row stores it."""
    data = scenario if isinstance(scenario, dict) else scenario.to_dict()
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def folder(results: Path) -> Path:
    return results / "checkpoints"


def write(model: RedloopModel, results: Path, schedule: Schedule) -> Path:
    """Commit the streamed log, write the model's checkpoint at its current day, then delete
    the oldest beyond ``schedule.keep`` (only once the new one is safely in place)."""
    if model.hour % 24:
        raise ValueError(f"a checkpoint is taken at a day boundary, not at hour {model.hour}")
    head = model.platform.log.commit()
    sc = model.scenario_config
    header = Header(
        FORMAT,
        __version__,
        scenario_hash(sc),
        sc.seed,
        model.day,
        len(model.platform.log),
        head,
        schedule.every,
        schedule.keep,
    )
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)

    def put(f: IO[bytes]) -> None:
        f.write(_MAGIC + json.dumps(asdict(header)).encode() + b"\n")
        f.write(payload)

    path = atomic_write(folder(results) / f"day-{model.day:03d}.ckpt", put, binary=True)
    if schedule.keep:
        for _, old in sorted(_by_day(results).items())[: -schedule.keep]:
            old.unlink(missing_ok=True)
    return path


def _by_day(results: Path) -> dict[int, Path]:
    return {
        int(m.group(1)): p
        for p in folder(results).glob("day-*.ckpt")
        if (m := _NAME.fullmatch(p.name))
    }


def find(results: Path, day: int | None = None) -> Path:
    """The checkpoint of ``day`` in a results folder (``None``: the latest)."""
    days = _by_day(results)
    if not days:
        raise CheckpointError(
            f"{results}: holds no checkpoints (run it with --checkpoint-every DAYS)"
        )
    if day is None:
        return days[max(days)]
    if day not in days:
        have = ", ".join(str(d) for d in sorted(days))
        raise CheckpointError(f"--day {day}: {results} has no checkpoint of that day (has {have})")
    return days[day]


def read_header(path: Path) -> tuple[Header, int]:
    """A checkpoint's header and where its payload starts; refuses other formats and
    versions (their pickled model may mean something else)."""
    with path.open("rb") as f:
        magic, line = f.readline(), f.readline()
        start = f.tell()
    if magic != _MAGIC:
        raise CheckpointError(f"{path}: not a redloop checkpoint")
    try:
        header = Header(**json.loads(line))
    except (ValueError, TypeError):
        raise CheckpointError(f"{path}: damaged checkpoint header") from None
    if header.format != FORMAT or header.version != __version__:
        raise CheckpointError(
            f"{path}: written by redloop {header.version} (checkpoint format {header.format}); "
            f"this is redloop {__version__} (format {FORMAT}): run it again from the start"
        )
    return header, start


def read(path: Path) -> tuple[Header, RedloopModel]:
    """A checkpoint's header and the model it holds (checked against the header)."""
    header, start = read_header(path)
    with path.open("rb") as f:
        f.seek(start)
        try:
            model = pickle.load(f)
        except Exception as exc:  # a truncated or damaged payload, whatever pickle says
            raise CheckpointError(f"{path}: damaged checkpoint ({type(exc).__name__})") from None
    if scenario_hash(model.scenario_config) != header.scenario or model.day != header.day:
        raise CheckpointError(f"{path}: its model does not match its header")
    return header, model


def stored_meta(events: Path, key: str = "scenario") -> dict[str, Any] | None:
    """A meta value (the scenario, the platform config it starts from) recorded in a
    results folder's event log (finished or not)."""
    import sqlite3

    if events.suffix == ".parquet":
        from redloop.platform.parquetlog import stored_meta

        return (stored_meta(events) or {}).get(key)

    from redloop.platform.eventlog import as_written

    path = as_written(events)
    if not path.exists():
        return None
    db = sqlite3.connect(path)  # not read-only: a killed run's hot journal is rolled back
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        row = None
    finally:
        db.close()
    return json.loads(row[0]) if row else None
