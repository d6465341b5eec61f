"""The one ``redloop serve`` lifecycle (sim/load/server.py): it answers, its CPU is read, it
stops on SIGINT as a terminal would, and a server that dies at start-up is reported."""

from __future__ import annotations

import httpx
import pytest

from redloop.sim.load.server import spawned_server


def test_spawned_server_answers_reports_cpu_and_stops_gracefully() -> None:
    with spawned_server() as url:
        assert isinstance(url, str) and url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/health").json()["users"] == 0
        assert url.cpu_seconds() > 0
        proc = url.process
    assert proc.returncode == 0  # stopped by SIGINT: uvicorn shut down cleanly


def test_a_server_that_cannot_start_is_an_error() -> None:
    with (
        pytest.raises(RuntimeError, match="exited with 2"),
        spawned_server("--recommender", "astrology"),
    ):
        pass
