"""Results folders: every file written atomically (temp file + rename).

A run writes ``metrics.csv``, ``brands.csv``, ``brand_weeks.csv``, ``events.sqlite``,
``report.html`` and, last, ``summary.json``: a folder with ``summary.json`` is complete; one
without it was interrupted. Every file gets :data:`MODE` (the temp file's 0600 would
otherwise differ from the 0644 of ``events.sqlite``, which SQLite creates).
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

#: One permission mode for every results file: the owner writes, anyone may read.
MODE = 0o644


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
