"""A streamed log that commits, is killed, and is picked up again at its last commit."""

from __future__ import annotations

import pickle
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redloop.platform.api import CorruptLog, Platform, read_sqlite

#: Streams 30 users' events, commits after 20 (pickling the platform there), then writes 10
#: more past the commit and dies without closing: a hot journal is left behind.
KILLED = textwrap.dedent(
    """
    import os, pickle, sys
    from redloop.platform.api import EventLog, Platform
    folder = sys.argv[1]
    p = Platform(rng=0, log=EventLog(retain=False))
    p.log.stream_to(f"{folder}/e.sqlite", meta={"platform_config": p.config.to_dict()}, batch=4)
    for i in range(20):
        p.create_user(f"u{i}", now=0)
    head = p.log.commit()
    with open(f"{folder}/saved.pickle", "wb") as f:
        pickle.dump((p, head), f)
    for i in range(20, 30):
        p.create_user(f"u{i}", now=1)
    p.log.flush()
    os._exit(0)
    """
)


def test_a_killed_stream_rolls_back_to_its_commit_and_goes_on(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], check=True, timeout=120)
    assert (tmp_path / "e.sqlite.partial-journal").exists()  # the uncommitted rows' undo
    with (tmp_path / "saved.pickle").open("rb") as f:
        platform, head = pickle.load(f)
    platform.log.resume_stream(tmp_path / "e.sqlite", head)
    db = sqlite3.connect(tmp_path / "e.sqlite.partial")
    assert db.execute("SELECT count(*) FROM events").fetchone() == (20,)
    db.close()
    for i in range(20, 25):
        platform.create_user(f"v{i}", now=2)
    platform.close_log()
    _, events = read_sqlite(tmp_path / "e.sqlite")  # verifies the chain row by row
    assert [e.seq for e in events] == list(range(25))
    replayed = Platform.from_sqlite(tmp_path / "e.sqlite")
    assert replayed.fingerprint() == platform.fingerprint()


def test_resuming_against_another_history_is_refused(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], check=True, timeout=120)
    with (tmp_path / "saved.pickle").open("rb") as f:
        platform, head = pickle.load(f)
    with pytest.raises(CorruptLog, match="does not hold the 20 rows"):
        platform.log.resume_stream(tmp_path / "e.sqlite", "00" * 32)
    with pytest.raises(CorruptLog, match="is missing"):
        pickle.loads(pickle.dumps(platform)).log.resume_stream(tmp_path / "none.sqlite", head)
