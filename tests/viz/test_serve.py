"""``serve`` / ``redloop viz``: a real Solara server that stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.timeout(180)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_serve_answers_and_returns_0_on_ctrl_c(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "serve.log"
    code = f"from redloop.viz.app import serve; raise SystemExit(serve('baseline', port={port}))"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # its own process group: a failed stop kills Solara too
            [sys.executable, "-c", code],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        body = None
        while body is None:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no answer from {url}:\n{log.read_text()}"
            body = get(url)
            if body is None:
                time.sleep(0.2)  # poll interval, bounded by the deadline
        assert "solara" in body.lower()
        proc.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal does
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert get(url) is None  # the Solara child process is gone too
    assert f"http://127.0.0.1:{port}/" in log.read_text()


def test_an_unknown_scenario_is_a_usage_error_not_a_blank_page():
    result = subprocess.run(
        [sys.executable, "-m", "redloop.sim.cli", "viz", "no-such-scenario", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no-such-scenario" in result.stderr and "baseline" in result.stderr
