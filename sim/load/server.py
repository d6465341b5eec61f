"""One server lifecycle: ``redloop serve`` in a subprocess on a free loopback port, waited for
until it answers, stopped the way a terminal would (SIGINT, then SIGTERM, then SIGKILL), with
its CPU time measured. Used by the tests, the Locust runner and the service benchmark."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

__all__ = ["ServerUrl", "free_port", "spawned", "spawned_server", "stop"]

#: How long a server may take to stop after each signal, in turn.
_STOP_SIGNALS = ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerUrl(str):
    """A spawned server's base URL (a plain ``str`` to every client) that also knows its
    process, so a benchmark can read the server's CPU time."""

    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU the server has used so far (0 once it has exited)."""
        import psutil

        try:
            times = psutil.Process(self.process.pid).cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return times.user + times.system


def _wait_until_healthy(proc: subprocess.Popen[bytes], url: str, startup: float) -> None:
    import httpx

    deadline = time.monotonic() + startup
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"redloop serve exited with {proc.returncode}: {err[-800:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"redloop serve did not answer /health in {startup} s")
        time.sleep(0.05)  # polling interval


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down gracefully (SIGINT, as Ctrl-C would), then insist."""
    for sig, wait in _STOP_SIGNALS:
        if proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


@contextlib.contextmanager
def spawned_server(*options: str, startup: float = 30.0) -> Iterator[ServerUrl]:
    """``redloop serve [options]`` on a free loopback port (one uvicorn worker, a fresh
    in-memory platform unless the options name a ``--data`` folder); yields its URL once
    ``/health`` answers and stops it afterwards, also when the caller is interrupted. The
    server runs in its own session, so a Ctrl-C in the terminal reaches only the caller, which
    then stops the server exactly once."""
    keep = () if "--data" in options else ("--memory",)
    with spawned(["redloop.sim.cli", "serve", *keep, *options], startup=startup) as url:
        yield url


@contextlib.contextmanager
def spawned(module_args: list[str], *, startup: float = 30.0) -> Iterator[ServerUrl]:
    """``python -m MODULE ARGS... --port PORT`` (a server that answers ``/health``) on a free
    loopback port, run and stopped as :func:`spawned_server` does."""
    port = free_port()
    cmd = [sys.executable, "-m", *module_args, "--port", str(port)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = ServerUrl(f"http://127.0.0.1:{port}")
    url.process = proc
    try:
        _wait_until_healthy(proc, url, startup)
        yield url
    finally:
        stop(proc)
        if proc.stderr is not None:
            proc.stderr.close()
