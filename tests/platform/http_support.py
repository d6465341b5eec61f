"""What the HTTP tests share besides their fixtures (those are in conftest.py): a hand-driven
clock, the bearer header, and checks of error bodies and of an untouched platform."""

from __future__ import annotations

from typing import Any

import httpx

from redloop.platform.api import Platform

__all__ = ["FakeClock", "auth", "error_of", "state"]


class FakeClock:
    """Simulated hours, advanced by hand."""

    def __init__(self, t: float = 1.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The response must be ``status`` with an error body naming ``error``; returns the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body["message"] and "field" in body
    return body


def state(platform: Platform) -> tuple[str, int, float]:
    return platform.fingerprint(), len(platform.log), platform.now
