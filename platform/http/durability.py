"""Group commit: no response leaves the server before the state it shows is committed.

Every request waits, after its endpoint ran and before its response starts, until the events
(and token digests) in memory at that moment are committed to the :class:`DurableStore`. One
commit runs at a time, in a worker thread, so requests that arrive meanwhile keep being
served and their changes go out together in the next commit: one fsync for many writes.
Reads with nothing pending do not wait.

A failed commit answers 503 to every request waiting on it or started before it, and puts the
service back to the committed state (replayed from the store): nothing that was not committed
is ever shown, and nothing shown is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..durable import DurableStore
from ..eventlog import stored_row
from . import errors
from .auth import Service, TokenStore

__all__ = ["Durability", "GroupCommit"]

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Send], Awaitable[None]]
_log = logging.getLogger("redloop.serve")


class GroupCommit:
    """Commits the service's new events in batches; :meth:`settle` waits for them."""

    def __init__(self, service: Service, store: DurableStore) -> None:
        self.service = service
        self.store = store
        self.epoch = 0  # bumped by every failed commit: requests from before it get 503
        self._waiters: list[asyncio.Future[bool]] = []
        self._running: asyncio.Task[None] | None = None
        self.commits = 0  # how many transactions (batches) were committed

    def _pending(self) -> int:
        journal = self.service.tokens.journal or ()
        return len(self.service.platform.log) - self.store.rows + len(journal)

    async def settle(self, epoch: int) -> bool:
        """True once everything in memory now is committed; False if that commit failed."""
        if epoch != self.epoch:
            return False
        if self._pending() == 0:
            return True
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        if self._running is None:
            self._running = asyncio.create_task(self._commit_all())
        return await future

    async def _commit_all(self) -> None:
        try:
            while self._waiters:
                waiters, self._waiters = self._waiters, []
                log, tokens = self.service.platform.log, self.service.tokens
                rows = [stored_row(log[seq]) for seq in range(self.store.rows, len(log))]
                journal = list(tokens.journal or ())
                if not rows and not journal:  # committed by the batch before
                    for future in waiters:
                        future.set_result(True)
                    continue
                try:
                    await asyncio.to_thread(self.store.commit, rows, journal)
                except Exception:
                    _log.exception("commit failed; back to the last committed state")
                    self._restore()
                    for future in [*waiters, *self._waiters]:
                        future.set_result(False)
                    self._waiters = []
                    return
                self.commits += 1
                del tokens.journal[: len(journal)]  # type: ignore[index]
                for future in waiters:
                    future.set_result(True)
        finally:
            self._running = None

    def _restore(self) -> None:
        """Back to what the store holds, so that nothing uncommitted is ever shown."""
        platform, digests = self.store.replay()
        self.service.platform = platform
        self.service.tokens = TokenStore(digests, journal=True)
        self.epoch += 1


class Durability:
    """ASGI middleware: holds each response's start until :meth:`GroupCommit.settle`."""

    def __init__(self, app: App, commits: GroupCommit) -> None:
        self.app = app
        self.commits = commits

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        epoch = self.commits.epoch
        failed = False

        async def send_when_committed(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start":
                failed = not await self.commits.settle(epoch)
                if failed:
                    response = errors.error_response(
                        503,
                        "Unavailable",
                        "the change could not be committed to the store; nothing was changed, "
                        "try again",
                    )
                    await response(scope, receive, send)
                    return
            elif failed:
                return
            await send(message)

        await self.app(scope, receive, send_when_committed)
