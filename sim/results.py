"""Results folders: every file written atomically (temp file + rename).

A run writes ``metrics.csv``, ``brands.csv``, ``brand_weeks.csv``, its event log
(``events.sqlite``, or the ``events.parquet`` folder), ``report.html`` and, last,
``summary.json``: a folder with ``summary.json`` is complete; one without it was interrupted.
Every file gets :data:`MODE` (the temp file's 0600 would otherwise differ from the 0644 of
``events.sqlite``, which SQLite creates).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd

from redloop.platform.eventlog import as_written

#: One permission mode for every results file: the owner writes, anyone may read.
MODE = 0o644
#: A run's event log, by ``--log-format``: a SQLite file or a Parquet folder.
EVENT_LOGS = {"sqlite": "events.sqlite", "parquet": "events.parquet"}


def event_log(out: Path) -> Path:
    """The event log a results folder holds, finished or not (default: the SQLite one)."""
    for name in EVENT_LOGS.values():
        if as_written(out / name).exists():
            return out / name
    return out / EVENT_LOGS["sqlite"]


def set_mode(path: Path) -> None:
    """Give a file, or every file in a folder, :data:`MODE` (SQLite and Arrow create files
    under the umask)."""
    for file in path.iterdir() if path.is_dir() else (path,):
        file.chmod(MODE)


def atomic_write(path: Path, write: Callable[[IO[Any]], None], *, binary: bool = False) -> Path:
    """Write through ``write(file)`` to a temp file beside ``path``, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(
            fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})
        ) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text))


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    return atomic_write(path, lambda f: frame.to_csv(f, index=False))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def write_json(path: Path, data: dict[str, Any]) -> Path:
    return write_text(path, json.dumps(_clean(data), indent=2, sort_keys=False) + "\n")
