"""Fixtures for the platform tests (the shared ``platform`` fixture lives in tests/conftest.py).

Ids in the shared fixture: users ann=0 (consumer: beauty, skincare), bo=1 (consumer: food,
travel), cy=2 (creator: skincare), glowco=3 (brand), editor=4 (staff); products 0 = Glow Serum
(skincare, 199.0, stock 5) and 1 = Travel Mug (travel, 59.0, stock 0, overseas), both by glowco.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from redloop.platform.api import Platform, PlatformError
from redloop.platform.http import create_app

from ..people import ANN, BO, CY, EDITOR, GLOWCO
from .http_support import FakeClock

Reject = Callable[..., PlatformError]


def _reject(
    p: Platform,
    error: type[PlatformError],
    field: str,
    call: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> PlatformError:
    """Call ``call``; it must raise exactly ``error`` naming ``field`` and change nothing."""
    before = (p.fingerprint(), len(p.log), p.now)
    with pytest.raises(PlatformError) as info:
        call(*args, **kwargs)
    err = info.value
    assert type(err) is error, f"expected {error.__name__}, got {type(err).__name__}: {err}"
    assert err.field == field, f"expected field {field!r}, got {err.field!r}: {err}"
    assert str(err), "an error must say what is wrong"
    assert (p.fingerprint(), len(p.log), p.now) == before, "a failed operation changed state"
    return err


@pytest.fixture
def reject() -> Reject:
    """``reject(platform, ErrorClass, field, method, *args, **kwargs)`` -> the error.

    Asserts the exact error class, ``err.field``, and that fingerprint, log length and the
    platform clock are unchanged.
    """
    return _reject


SponsoredNote = Callable[..., int]


@pytest.fixture
def sponsored_note() -> SponsoredNote:
    """``sponsored_note(platform, creator, brand, product, now=..., **publish_kwargs)``: a note
    sponsored the only way a creator may publish one — through an accepted collaboration."""

    def make(p: Platform, creator: int, brand: int, product: int, *, now: float, **kw: Any) -> int:
        cid = p.offer_collaboration(brand, creator, product, 300.0, now=now)
        p.accept_collaboration(creator, cid, now=now)
        topics = kw.pop("topics", ["skincare"])
        products = [product, *kw.pop("products", ())]
        return p.publish(creator, topics, now=now, products=products, collaboration=cid, **kw)

    return make


# ---------------------------------------------------------------- the HTTP service in-process


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(platform: Platform, clock: FakeClock) -> Any:
    return create_app(platform, clock=clock)


@pytest.fixture
def tokens(app: Any) -> dict[int, str]:
    return {uid: app.state.tokens.issue(uid) for uid in (ANN, BO, CY, GLOWCO, EDITOR)}


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://redloop.test") as c:
        yield c
