"""The yardstick for ``redloop bench service``: a bare ASGI app that answers every request
with the same constant JSON, served by uvicorn with ``redloop serve``'s own settings
(:func:`redloop.platform.http.server.server_config`). What it costs per request is what the
server, the HTTP parser and the loopback cost with no application at all.

Run: ``python -m redloop.sim.load.reference [--host 127.0.0.1] [--port 8000]``.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BODY", "app", "main"]

#: About the size of a discovery page's answer.
BODY = b'{"notes":[11,12,13,14,15,16,17,18,19,20],"ad_slots":[],"boost_slots":[]}'
_HEADERS = [(b"content-length", str(len(BODY)).encode()), (b"content-type", b"application/json")]

Message = MutableMapping[str, Any]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Read the request's body, answer 200 with :data:`BODY`."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rpartition(".")[2]  # startup / shutdown
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from redloop.platform.http.server import server_config

    parser = argparse.ArgumentParser(prog="python -m redloop.sim.load.reference")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(server_config(app, args.host, args.port)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
