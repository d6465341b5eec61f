"""``redloop bench log``: how fast each event-log format is written and read back.

A simulated run's log (baseline, in memory) is written as a run streams it — in batches of
50,000 rows — to a SQLite file and to a Parquet folder, then read back verified (every hash
checked) by each format's reader. Times are CPU seconds of this process, so the machine's
other load does not count; the rates say whether a format keeps up with the engine's rate of
events (printed alongside, from the same run).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from redloop.platform.api import EventLog, read_sqlite
from redloop.scenarios.schema import load

from .model import RedloopModel

__all__ = ["log_figures"]

BATCH = 50_000


def _size(path: Path) -> int:
    files = path.iterdir() if path.is_dir() else (path,)
    return sum(f.stat().st_size for f in files)


def _write(log: EventLog, path: Path) -> float:
    """CPU seconds to store ``log``'s rows at ``path`` as a run streams them: SQLite row by
    row (one ``executemany``), Parquet one part per batch; then close the file."""
    from redloop.platform.eventlog import SQLiteSink
    from redloop.platform.parquetlog import ParquetSink

    start = time.process_time()
    if path.suffix == ".parquet":
        parquet = ParquetSink(path, {"bench": True}, BATCH)
        for first in range(0, len(log), BATCH):
            parquet.write_columns(log.columns(first, first + BATCH))
        parquet.close()
    else:
        sqlite = SQLiteSink(path, {"bench": True}, BATCH)
        sqlite.write_log(log, 0)
        sqlite.commit()
        sqlite.close()
    return time.process_time() - start


def log_figures(users: int = 10_000, days: int = 10, seed: int = 1) -> dict[str, float]:
    """Rows/s written and read (verified) by the SQLite and Parquet logs, their sizes, and
    the engine's own events/s on the run that made the log."""
    from redloop.platform.parquetlog import read_parquet

    model = RedloopModel(load("baseline", seed=seed, **{"population.users": users, "days": days}))
    start = time.process_time()
    model.run_days(days)
    engine = time.process_time() - start
    log = model.platform.log
    rows = len(log)
    figures: dict[str, float] = {"rows": rows, "engine_events_per_cpu_s": rows / engine}
    with tempfile.TemporaryDirectory(prefix="redloop-bench-log-") as tmp:
        for fmt, read in (("sqlite", read_sqlite), ("parquet", read_parquet)):
            path = Path(tmp) / f"events.{fmt}"
            wrote = _write(log, path)
            start = time.process_time()
            _, events = read(path)
            count = sum(1 for _ in events)
            back = time.process_time() - start
            if count != rows:
                raise AssertionError(f"{fmt}: read {count} rows of {rows}")
            figures[f"{fmt}_write_rows_per_cpu_s"] = rows / wrote
            figures[f"{fmt}_read_rows_per_cpu_s"] = rows / back
            figures[f"{fmt}_bytes_per_row"] = _size(path) / rows
    return figures
