"""How much memory a run will need, so that an impossible one is refused before it starts.

Measured with ``baseline`` (RSS after building, then after 3 and 12 days) at 20,000 and
60,000 users: 3.2–4.8 KB a person for the population and its follower graph, and 380–500
bytes a person per simulated day for the event log and the state that grows with it. The
estimate takes the lower figures: it refuses runs that cannot fit, never one that might.
"""

from __future__ import annotations

import psutil

__all__ = [
    "BASE_BYTES",
    "PER_USER_BYTES",
    "PER_USER_DAY_BYTES",
    "available",
    "estimate",
    "gigabytes",
    "users_that_fit",
]

BASE_BYTES = 250 * 2**20  # the interpreter and the libraries loaded
PER_USER_BYTES = 3_200
PER_USER_DAY_BYTES = 380


def estimate(users: int, days: int) -> int:
    """Bytes a run of ``users`` people over ``days`` days will hold at its end."""
    return BASE_BYTES + users * PER_USER_BYTES + users * days * PER_USER_DAY_BYTES


def users_that_fit(days: int, memory: int) -> int:
    """The largest community whose run over ``days`` fits in ``memory`` bytes."""
    return max(0, (memory - BASE_BYTES) // (PER_USER_BYTES + days * PER_USER_DAY_BYTES))


def available() -> int:
    """Bytes of memory this machine can give a new process now."""
    return int(psutil.virtual_memory().available)


def gigabytes(n: int) -> str:
    return f"{n / 2**30:,.1f} GB"
