"""How a client's requests travel: the transport it holds (httpx-style).

A transport sends one request and returns ``(status, body)``, or raises :class:`NoResponse`
when nothing came back; it knows nothing of tokens, errors or parsing. Sync transports serve
:class:`~redloop.platform.client.Client`, async ones
:class:`~redloop.platform.client.AsyncClient`:

=========================  ===================================================================
:class:`HttpxTransport`    a real ``httpx.Client`` (sync)
:class:`SessionTransport`  a requests-like session: Locust's ``HttpSession`` /
                           ``FastHttpSession`` (``name=`` groups Locust's stats by route)
:class:`AsyncHttpxTransport`  an ``httpx.AsyncClient``, or anything with the same ``await
                           request(method, url, content=, headers=)`` and ``aclose()`` (e.g.
                           the load generator's ``redloop.sim.load.leanhttp.LeanHttp``)
:class:`ASGITransport`     the service in-process, no sockets (tests): ``ASGITransport(app)``
=========================  ===================================================================
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = [
    "ASGITransport",
    "AsyncHttpxTransport",
    "AsyncTransport",
    "HttpxTransport",
    "NoResponse",
    "SessionTransport",
    "Transport",
]


Headers = dict[str, str] | None


class NoResponse(Exception):
    """The request got no HTTP response at all (refused, reset, timed out)."""


class Transport(Protocol):
    def request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        name: str,
    ) -> tuple[int, bytes]: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        name: str,
    ) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


def _no_response(exc: Exception) -> NoResponse:
    return NoResponse(f"{type(exc).__name__}: {exc}")


class HttpxTransport:
    """Requests over an ``httpx.Client`` (``base_url`` like ``http://127.0.0.1:8000``)."""

    def __init__(self, http: Any = None, *, base_url: str = "", timeout: float = 30.0) -> None:
        import httpx

        self._failures = (httpx.TransportError,)
        self.http = http if http is not None else httpx.Client(base_url=base_url, timeout=timeout)

    def request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        name: str,
    ) -> tuple[int, bytes]:
        try:
            r = self.http.request(method, url, content=content, headers=headers)
        except self._failures as exc:
            raise _no_response(exc) from exc
        return r.status_code, r.content

    def close(self) -> None:
        self.http.close()


class SessionTransport:
    """Requests over a requests-like session that knows its base URL (Locust's clients); a
    status of 0 is Locust's "no response"."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        name: str,
    ) -> tuple[int, bytes]:
        r = self.session.request(method, url, name=name, data=content, headers=headers)
        if not r.status_code:
            raise NoResponse(str(getattr(r, "error", None) or "no response"))
        return r.status_code, r.content

    def close(self) -> None:
        """The session belongs to its Locust user, which closes it."""


class AsyncHttpxTransport:
    """Requests over an ``httpx.AsyncClient`` (a pool of ``max_connections``) or any object
    with its ``request``/``aclose`` (``http=``)."""

    def __init__(
        self,
        http: Any = None,
        *,
        base_url: str = "",
        timeout: float = 30.0,
        max_connections: int = 100,
    ) -> None:
        import httpx

        self._failures = (httpx.TransportError, OSError)  # LeanHttp's: ConnectionError
        if http is None:
            limits = httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
            http = httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)
        self.http = http

    async def request(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        name: str,
    ) -> tuple[int, bytes]:
        try:
            r = await self.http.request(method, url, content=content, headers=headers)
        except self._failures as exc:
            raise _no_response(exc) from exc
        return r.status_code, r.content

    async def aclose(self) -> None:
        await self.http.aclose()


class ASGITransport(AsyncHttpxTransport):
    """The service (an ASGI app, e.g. ``create_app(platform)``) called in-process."""

    def __init__(self, app: Any) -> None:
        import httpx

        http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://redloop.test")
        super().__init__(http)
