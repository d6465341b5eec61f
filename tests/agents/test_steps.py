"""The one behaviour driver loop (agents/steps.py): results go back in, platform errors are
thrown into the behaviour (which may catch them), other errors and cancellation close it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from redloop.agents.steps import drive_async, drive_sync, run_inline
from redloop.platform.api import OutOfStock

closed: list[str] = []


def behaviour() -> Any:
    """Doubles what it is sent; catches OutOfStock; returns what it saw."""
    seen = []
    try:
        seen.append((yield 1))
        try:
            seen.append((yield "sold out"))
        except OutOfStock:
            seen.append("caught")
        seen.append((yield 3))
    finally:
        closed.append("closed")
    return seen


def execute(call: Any) -> Any:
    if call == "sold out":
        raise OutOfStock("none left")
    return call * 10


def test_inline_sends_each_value_back_and_platform_errors_surface_where_they_happen() -> None:
    assert run_inline(behaviour()) == [1, "sold out", 3]

    def raises() -> Any:
        yield 1
        raise OutOfStock("in-process: raised inside the behaviour")

    with pytest.raises(OutOfStock):
        run_inline(raises())


def test_sync_executor_results_and_thrown_platform_errors() -> None:
    assert drive_sync(behaviour(), execute) == [10, "caught", 30]


def test_async_executor_is_the_same_loop() -> None:
    async def aexecute(call: Any) -> Any:
        await asyncio.sleep(0)
        return execute(call)

    assert asyncio.run(drive_async(behaviour(), aexecute)) == [10, "caught", 30]

    async def own_awaitables() -> Any:  # the behaviour yields awaitables itself
        async def value(v: int) -> int:
            return v + 1

        def steps() -> Any:
            a = yield value(1)
            b = yield value(a)
            return b

        return await drive_async(steps())

    assert asyncio.run(own_awaitables()) == 3


def test_other_errors_and_cancellation_close_the_behaviour() -> None:
    closed.clear()

    def broken(call: Any) -> Any:
        raise RuntimeError("transport")

    with pytest.raises(RuntimeError):
        drive_sync(behaviour(), broken)
    assert closed == ["closed"]

    async def cancelled() -> None:
        async def hang(call: Any) -> Any:
            await asyncio.sleep(60)

        task = asyncio.create_task(drive_async(behaviour(), hang))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert closed == ["closed", "closed"]
