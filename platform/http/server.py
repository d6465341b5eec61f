"""``redloop serve`` / ``python -m redloop.platform.http``: one uvicorn worker for one platform.

One process serves one platform on one core: the platform is not thread-safe, and every route
calls it with no ``await`` in between, so each operation is atomic on the single event loop.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ..core import Platform
from ..durable import open_store
from ..errors import InvalidInput
from ..model import PlatformConfig
from .app import create_app
from .auth import TokenStore

__all__ = ["main", "serve", "server_config"]


def server_config(app: Any, host: str, port: int, *, access_log: bool = False) -> Any:
    """The uvicorn settings of ``redloop serve`` (also those of the benchmark's reference
    app, so both are measured alike): one worker, and no access log unless asked — writing a
    log line per request cost ~10% of the server's CPU under load."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, access_log=access_log)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    recommender: str | None = None,
    config: PlatformConfig | None = None,
    data: str | os.PathLike[str] | None = None,
    access_log: bool = False,
) -> int:
    """Serve a platform (``config``, default settings if None; ``recommender`` overrides its
    recommender) with uvicorn until Ctrl-C or SIGTERM; 0 on a clean shutdown, 2 for a bad
    setting or a store that fails verification. With ``data`` the platform lives in the
    durable store in that folder (:mod:`..durable`), replayed on start; without, in memory.
    ``access_log`` prints a line per request."""
    import uvicorn

    store = None
    try:
        if recommender is not None:
            config = dataclasses.replace(config or PlatformConfig(), recommender=recommender)
        if data is None:
            app = create_app(Platform(config or PlatformConfig()))
        else:
            store, platform, digests = open_store(data, config)
            app = create_app(platform, store=store, tokens=TokenStore(digests, journal=True))
            print(
                f"redloop serve: store {store.path}: {store.rows} events, {platform.n_users} "
                f"users, {len(digests)} tokens (verified)",
                file=sys.stderr,
            )
    except InvalidInput as exc:
        print(f"redloop serve: error: {exc}", file=sys.stderr)
        return 2
    # One worker: the platform lives in this process and is not thread-safe (module docstring).
    server = uvicorn.Server(server_config(app, host, port, access_log=access_log))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to the
    # previous handler; make both arrive here as KeyboardInterrupt, i.e. a clean exit.
    try:
        with _sigterm_as_keyboard_interrupt(), contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        if store is not None:
            store.close()
    return 0


@contextlib.contextmanager
def _sigterm_as_keyboard_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m redloop.platform.http", description="Serve the redloop platform over HTTP."
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--recommender", help="discovery recommender (default ces_pools)")
    parser.add_argument("--data", help="durable store folder (default: in memory only)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    return serve(
        host=args.host,
        port=args.port,
        recommender=args.recommender,
        data=args.data,
        access_log=args.access_log,
    )
