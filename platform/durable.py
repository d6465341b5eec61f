"""The durable store behind ``redloop serve --data DIR``: the event log *is* the store.

``DIR/events.sqlite`` holds the hash-chained event table of a streamed log (same schema, so
:meth:`Platform.from_sqlite` reads it too), its meta rows with the chain head, and a table of
bearer-token digests (SHA-256, never the tokens). SQLite runs in WAL mode with
``synchronous=FULL``: a transaction that :meth:`DurableStore.commit` returned from survives a
crash of the process or of the machine. On start :func:`open_store` replays the file,
verifying the chain (:mod:`.logread`), and the service carries on from there.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import IO

from . import chain, replay
from .core import Platform
from .errors import CorruptLog, InvalidInput
from .eventlog import SQLiteSink, partial_of
from .logread import read_meta, verified_events
from .model import PlatformConfig

__all__ = ["DurableStore", "open_store"]

_TOKENS = "CREATE TABLE tokens (user INTEGER PRIMARY KEY, digest BLOB NOT NULL)"


class DurableStore:
    """One writer's connection to ``DIR/events.sqlite``: append rows and tokens, commit."""

    def __init__(self, db: sqlite3.Connection, path: Path, lock: IO[str]) -> None:
        self._db = db
        self._lock = lock  # an exclusive flock, held while the store is open
        self.path = path
        _, head, _ = read_meta(db, str(path))
        self.rows: int = head["rows"]  # rows committed
        self._last = bytes.fromhex(head["hash"])  # the last committed row's hash

    def commit(self, rows: list[chain.Row], tokens: list[tuple[int, bytes]]) -> None:
        """Append ``rows`` (seq following the committed ones) and token digests in one
        transaction; on any failure nothing is stored and the error is raised."""
        last = self._last
        sealed = []
        for row in rows:
            last = chain.link(last, row)
            sealed.append((*row, last))
        head = json.dumps(chain.head_value(self.rows + len(sealed), last))
        with self._db:  # one transaction: committed, or rolled back and the error raised
            self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", sealed)
            self._db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?)", tokens)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (chain.HEAD_KEY, head))
        self.rows += len(sealed)
        self._last = last

    def replay(self) -> tuple[Platform, dict[int, bytes]]:
        """The platform and token digests as committed (start-up, or after a failed commit)."""
        where = str(self.path)
        meta, head, start = read_meta(self._db, where)
        events = verified_events(self._db, start, head, where)
        platform = replay.replay_stored(Platform, meta, events, where)
        return platform, _tokens(self._db, platform.n_users, where)

    def close(self) -> None:
        self._db.close()
        self._lock.close()


def open_store(
    folder: str | os.PathLike[str], config: PlatformConfig | None = None
) -> tuple[DurableStore, Platform, dict[int, bytes]]:
    """Open (or create) the store in ``folder``: the store, the replayed platform and the
    token digests by user. A new store takes ``config``; an existing one keeps its own and
    refuses a different ``config``. One server per folder (an exclusive lock)."""
    root = Path(folder)
    if config is not None:
        Platform(config)  # a bad setting is refused before anything is written
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = (root / "lock").open("a")
    except OSError as exc:
        raise InvalidInput(f"--data {root}: cannot use it ({exc.strerror})", field="data") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise InvalidInput(
            f"--data {root}: another redloop serve is using it", field="data"
        ) from None
    path = root / "events.sqlite"
    try:
        if not path.exists():
            _create(path, config or PlatformConfig())
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        store = DurableStore(db, path, lock)
        platform, tokens = store.replay()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        lock.close()
        raise CorruptLog(f"cannot be opened as a store ({exc})", path=str(path)) from exc
    except BaseException:
        lock.close()
        raise
    if config is not None and platform.config != config:
        store.close()
        raise InvalidInput(
            f"--data {root} holds a platform with other settings than those asked for; serve "
            "it without --scenario/--recommender, or choose another --data",
            field="data",
        )
    return store, platform, tokens


def _create(path: Path, config: PlatformConfig) -> None:
    """A new, empty store, made whole under a temporary name and renamed into place."""
    partial = partial_of(path)
    partial.unlink(missing_ok=True)
    meta = [("platform_config", json.dumps(config.to_dict())), ("store", json.dumps(1))]
    head = json.dumps(chain.head_value(0, chain.genesis(meta)))
    db = sqlite3.connect(partial)
    with db:
        db.executescript(SQLiteSink.SCHEMA + _TOKENS + ";")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [*meta, (chain.HEAD_KEY, head)])
    db.close()
    os.replace(partial, path)


def _tokens(db: sqlite3.Connection, users: int, where: str) -> dict[int, bytes]:
    try:
        stored = db.execute("SELECT user, digest FROM tokens").fetchall()
    except sqlite3.Error as exc:
        raise CorruptLog(f"the tokens table cannot be read ({exc})", path=where) from exc
    for user, digest in stored:
        if type(user) is not int or not 0 <= user < users:
            raise CorruptLog(f"a token names user {user!r}, who does not exist", path=where)
        if type(digest) is not bytes or len(digest) != 32:
            raise CorruptLog(f"user {user}'s token digest is not 32 bytes", path=where)
    return dict(stored)
