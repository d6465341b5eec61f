"""The Parquet event log: one table for pandas, DuckDB and Arrow; replayed exactly like the
SQLite log; every damage or edit is one CorruptLog naming the part and row; columns survive
the round trip for any rows (property test)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import CorruptLog, EventKind, EventLog, Platform
from redloop.platform.parquetlog import SCHEMA, _columns, _table, read_parquet

from .test_eventlog import ANN, BO, every_kind

Corrupt = Callable[[Path], None]


@pytest.fixture
def log(platform: Platform, tmp_path: Path) -> tuple[Path, Platform]:
    """A closed Parquet log of every event kind and 300 likes/unlikes, in parts of 40 rows."""
    path = tmp_path / "events.parquet"
    platform.log.stream_to(
        path, meta={"platform_config": platform.config.to_dict(), "seed": 7}, batch=40
    )
    note = every_kind(platform)["note"]
    for i in range(150):
        platform.like(ANN, note, now=5 + i)
        platform.unlike(ANN, note, now=5 + i)
    platform.place_order(BO, 0, 1, now=200)
    platform.close_log()
    return path, platform


def parts(path: Path) -> list[Path]:
    return sorted(path.glob("part-*.parquet"))


def test_a_parquet_log_replays_to_the_same_platform_and_reads_as_one_table(log) -> None:
    path, platform = log
    assert len(parts(path)) > 5, "the log should span several parts"
    replayed = Platform.from_parquet(path)
    assert replayed.log.digest() == platform.log.digest()
    assert replayed.fingerprint() == platform.fingerprint()

    frame = pd.read_parquet(path)  # the folder reads as one table
    assert list(frame["seq"]) == list(range(len(platform.log)))
    events = list(platform.log)
    assert [str(k) for k in frame["kind"]] == [e.kind.label for e in events]
    assert [None if v is None else tuple(v) for v in frame["ints"]] == [e.ints for e in events]
    texts = [None if isinstance(t, float) else t for t in frame["text"]]
    assert texts == [e.text for e in events]

    counts = duckdb.sql(
        f"SELECT kind, count(*) FROM read_parquet('{path}/*.parquet') GROUP BY kind"
    ).fetchall()
    assert dict(counts) == platform.log.counts()


def test_streaming_to_parquet_and_to_sqlite_store_the_same_history(platform, tmp_path) -> None:
    meta = {"platform_config": platform.config.to_dict()}
    platform.log.stream_to(tmp_path / "events.sqlite", meta=meta)
    every_kind(platform)
    platform.close_log()
    other = Platform.from_sqlite(tmp_path / "events.sqlite")
    other.log.stream_to(tmp_path / "events.parquet", meta=meta, batch=7)
    other.close_log()
    assert Platform.from_parquet(tmp_path / "events.parquet").log.digest() == (
        platform.log.digest()
    )


def rewrite(part: int, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Corrupt:
    """Rewrite one part with its rows changed but its recorded metadata kept (an editor)."""

    def run(path: Path) -> None:
        file = parts(path)[part]
        table = pq.read_table(file)
        frame = change(table.to_pandas())
        edited = pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
        pq.write_table(edited.replace_schema_metadata(table.schema.metadata), file)

    return run


def add_one(column: str, row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] += 1
        return frame

    return change


def swap_seqs(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[[2, 3], "seq"] = frame.loc[[3, 2], "seq"].to_numpy()
    return frame


def edit_meta(path: Path) -> None:
    meta = json.loads((path / "_meta.json").read_text())
    meta["meta"] = [[k, "8" if k == "seed" else v] for k, v in meta["meta"]]
    (path / "_meta.json").write_text(json.dumps(meta))


def drop_head(path: Path) -> None:
    meta = json.loads((path / "_meta.json").read_text())
    meta["meta"] = [[k, v] for k, v in meta["meta"] if k != "chain_head"]
    (path / "_meta.json").write_text(json.dumps(meta))


def truncate_part(path: Path) -> None:
    file = parts(path)[1]
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def unknown_kind(path: Path) -> None:
    file = parts(path)[0]
    table = pq.read_table(file)
    kinds = table.column("kind").combine_chunks()
    labels = kinds.dictionary.to_pylist()
    labels[int(kinds.indices[0].as_py())] = "teleported"
    edited = table.set_column(
        1, "kind", pa.DictionaryArray.from_arrays(kinds.indices, pa.array(labels))
    )
    pq.write_table(edited, file)


def wrong_type(path: Path) -> None:
    file = parts(path)[0]
    table = pq.read_table(file)
    edited = table.set_column(3, "actor", table.column("actor").cast(pa.int64()))
    pq.write_table(edited, file)


CORRUPTIONS: dict[str, tuple[Corrupt, str]] = {
    "a middle part deleted": (lambda p: parts(p)[2].unlink(), "a part is missing"),
    "the last part deleted": (lambda p: parts(p)[-1].unlink(), "rows were deleted from the end"),
    "a like's actor changed": (rewrite(1, add_one("actor", 5)), "does not match its content"),
    "an order's value changed": (rewrite(-1, add_one("value", 0)), "does not match"),
    "two rows' seqs swapped": (rewrite(1, swap_seqs), "sequence number"),
    "a row deleted": (rewrite(2, lambda f: f.drop(index=4)), "sequence number"),
    "a meta value edited": (edit_meta, "does not match"),
    "the head removed": (drop_head, "'chain_head' is missing"),
    "the meta file deleted": (lambda p: (p / "_meta.json").unlink(), "_meta.json is missing"),
    "a part cut short": (truncate_part, "is damaged"),
    "an unknown kind": (unknown_kind, "unknown event kind"),
    "a column of another type": (wrong_type, "its columns are"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_every_corruption_raises_corrupt_log_naming_where(log, name: str) -> None:
    path, _ = log
    corrupt, says = CORRUPTIONS[name]
    corrupt(path)
    with pytest.raises(CorruptLog, match=says) as err:
        Platform.from_parquet(path)
    assert str(path) in str(err.value)


def test_a_log_that_was_never_closed_is_refused(platform: Platform, tmp_path: Path) -> None:
    platform.log.stream_to(tmp_path / "events.parquet", batch=10)
    every_kind(platform)
    platform.log.commit()
    partial = tmp_path / "events.parquet.partial"
    shutil.copytree(partial, tmp_path / "copy.parquet")
    with pytest.raises(CorruptLog, match="was not closed"):
        read_parquet(tmp_path / "copy.parquet")


EVENT = st.tuples(
    st.sampled_from(list(EventKind)),
    st.integers(-1, 2**31 - 1),
    st.integers(-1, 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1),
    st.none() | st.lists(st.integers(0, 2**31 - 1), max_size=12),
    st.none() | st.text(max_size=20),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(EVENT, max_size=40), st.integers(0, 40))
def test_columns_survive_the_parquet_round_trip(rows, start) -> None:
    log = EventLog()
    for t, (kind, actor, obj, value, ints, text) in enumerate(rows):
        log.append(kind, float(t), actor, obj, value, ints, text)
    start = min(start, len(rows))
    cols = log.columns(start)
    assert list(cols.events()) == list(log)[start:]
    back = _columns(_table(cols), "test")
    assert list(back.events()) == list(cols.events())
    assert np.array_equal(back.offsets, cols.offsets)
    assert back.first == cols.first or not len(cols)  # an empty table has no first seq
