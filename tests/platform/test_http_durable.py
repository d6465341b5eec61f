"""``redloop serve --data DIR``: a write is answered 2xx only once committed, a restart
carries on from the store with the old tokens, a failed commit is a 503 that changes nothing,
and a store that fails verification refuses to start in one line."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from redloop.platform.api import InvalidInput, PlatformConfig
from redloop.platform.durable import open_store
from redloop.platform.http import TokenStore, create_app
from redloop.sim.load import spawned_server

WRITERS = 8
KILL_AFTER = 240  # acknowledged writes before the SIGKILL


def writer(
    url: str,
    n: int,
    acked: dict[str, int],
    sent: set[str],
    tokens: dict[int, str],
    stop: threading.Event,
) -> None:
    """Sign up, then publish notes until the server dies; record what was sent and what was
    acknowledged (title -> note id)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        try:
            user = client.post("/users", json={"name": f"writer{n}", "kind": "creator"})
            assert user.status_code == 201, user.text
            body = user.json()
            tokens[body["id"]] = body["token"]
            auth = {"Authorization": f"Bearer {body['token']}"}
            i = 0
            while True:
                title = f"w{n}-{i}"
                sent.add(title)
                r = client.post("/notes", json={"topics": ["food"], "title": title}, headers=auth)
                assert r.status_code == 201, r.text
                acked[title] = r.json()["id"]
                i += 1
                if len(acked) >= KILL_AFTER:
                    stop.set()
        except httpx.TransportError:
            return  # the server was killed


def test_sigkill_mid_load_keeps_exactly_the_acknowledged_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    acked: dict[str, int] = {}
    sent: set[str] = set()
    tokens: dict[int, str] = {}
    stop = threading.Event()
    with spawned_server("--data", str(data)) as url:
        threads = [
            threading.Thread(target=writer, args=(url, n, acked, sent, tokens, stop))
            for n in range(WRITERS)
        ]
        for t in threads:
            t.start()
        assert stop.wait(timeout=120), "the writers did not get enough writes through"
        url.process.kill()  # SIGKILL, mid-load: no shutdown handler runs
        url.process.wait(timeout=10)
        for t in threads:
            t.join(timeout=30)
    assert len(tokens) == WRITERS and len(acked) >= KILL_AFTER
    with spawned_server("--data", str(data)) as url:
        stored: dict[str, int] = {}
        with httpx.Client(base_url=url, timeout=10) as client:
            health = client.get("/health").json()
            for nid in range(health["notes"]):
                note = client.get(f"/notes/{nid}").json()
                stored[note["title"]] = nid
            for title, nid in acked.items():  # every acknowledged write is there...
                assert stored.get(title) == nid, title
            # ...and nothing else: at most each writer's one request in flight at the kill
            assert set(stored) <= sent and len(stored) - len(acked) <= WRITERS
            for uid, token in tokens.items():  # old tokens still act as their users
                r = client.post(
                    "/notes",
                    json={"topics": ["food"], "title": "after"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code == 201 and r.json()["author"] == uid, r.text
                bad = client.post(
                    "/notes",
                    json={"topics": ["food"]},
                    headers={"Authorization": f"Bearer {token}x"},
                )
                assert bad.status_code == 401


def test_a_failed_commit_answers_503_and_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    store, platform, digests = open_store(tmp_path)
    app = create_app(platform, store=store, tokens=TokenStore(digests, journal=True))
    with TestClient(app) as client:
        ann = client.post("/users", json={"name": "ann"})
        assert ann.status_code == 201
        before = client.get("/health").json()

        def full_disk(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store, "commit", full_disk)
        failed = client.post("/users", json={"name": "bo"})
        assert failed.status_code == 503 and failed.json()["error"] == "Unavailable"
        assert client.get("/health").json() == before  # not advanced
        monkeypatch.undo()
        bo = client.post("/users", json={"name": "bo"})
        assert bo.status_code == 201 and bo.json()["id"] == 1
        token = ann.json()["token"]
        me = client.put("/users/0/following/1", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
    store.close()
    store, platform, digests = open_store(tmp_path)
    assert [platform.user(u).name for u in range(platform.n_users)] == ["ann", "bo"]
    assert list(platform.following(0)) == [1] and set(digests) == {0, 1}
    raw = b"".join(f.read_bytes() for f in tmp_path.glob("events.sqlite*"))
    assert token.encode() not in raw  # only digests are stored
    store.close()


def test_one_server_per_data_folder(tmp_path: Path) -> None:
    store, _, _ = open_store(tmp_path)
    with pytest.raises(InvalidInput, match="another redloop serve is using it"):
        open_store(tmp_path)
    store.close()


def test_a_corrupt_store_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    store, platform, digests = open_store(tmp_path)
    app = create_app(platform, store=store, tokens=TokenStore(digests, journal=True))
    with TestClient(app) as client:
        for name in ("ann", "bo", "cy"):
            assert client.post("/users", json={"name": name}).status_code == 201
    store.close()
    db = sqlite3.connect(tmp_path / "events.sqlite")
    db.execute("UPDATE events SET actor = 7 WHERE seq = 1")
    db.commit()
    db.close()
    cmd = [sys.executable, "-m", "redloop.sim.cli", "serve", "--port", "1", "--data", str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "corrupt event log" in result.stderr and "row 1" in result.stderr


def test_a_bad_setting_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    bad = dataclasses.replace(PlatformConfig(), recommender="astrology")
    with pytest.raises(InvalidInput, match="astrology"):
        open_store(tmp_path / "data", bad)
    assert not (tmp_path / "data").exists()


def test_a_store_refuses_other_settings_than_its_own(tmp_path: Path) -> None:
    store, platform, _ = open_store(tmp_path)
    store.close()
    other = dataclasses.replace(PlatformConfig(), recommender="popular")
    with pytest.raises(InvalidInput, match="other settings"):
        open_store(tmp_path, other)
    store, again, _ = open_store(tmp_path, PlatformConfig())  # the same settings: fine
    assert again.config == platform.config
    store.close()
