"""``redloop serve`` / ``python -m redloop.platform.http``: one uvicorn worker for one platform.

One process serves one platform on one core: the platform is not thread-safe, and every route
calls it with no ``await`` in between, so each operation is atomic on the single event loop.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
import threading
from collections.abc import Iterator

from ..core import Platform
from ..errors import InvalidInput
from ..model import PlatformConfig
from .app import create_app

__all__ = ["main", "serve"]


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    recommender: str | None = None,
    config: PlatformConfig | None = None,
) -> int:
    """Serve a fresh platform (``config``, default settings if None; ``recommender``
    overrides its recommender) with uvicorn until Ctrl-C or SIGTERM; 0 on a clean shutdown,
    2 for a bad setting."""
    import uvicorn

    try:
        config = config or PlatformConfig()
        if recommender is not None:
            config = dataclasses.replace(config, recommender=recommender)
        platform = Platform(config)
    except InvalidInput as exc:
        print(f"redloop serve: error: {exc}", file=sys.stderr)
        return 2
    # One worker: the platform lives in this process and is not thread-safe (module docstring).
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host=host, port=port))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to the
    # previous handler; make both arrive here as KeyboardInterrupt, i.e. a clean exit.
    with _sigterm_as_keyboard_interrupt(), contextlib.suppress(KeyboardInterrupt):
        server.run()
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
    parser.add_argument("--recommender", default="ces_pools", help="discovery recommender")
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, recommender=args.recommender)
