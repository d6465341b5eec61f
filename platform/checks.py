"""Argument checks the facade makes before logging: each raises a typed error and touches nothing.

The clock's check is the state's own (``PlatformState._check_now``, inline on every command);
the checks that need a store's state live with the store (``Shop.check_quantity``,
``Accounts.check_kind``, ``Collabs.check_open``...); these are the ones about the arguments
alone.
"""

from __future__ import annotations

from .errors import InvalidInput
from .model import TOPIC_ID, TOPICS, Channel

__all__ = ["NUMBER", "channel_code", "check_hours", "check_number", "check_topic"]

NUMBER = (int, float)
_N_CHANNELS = len(Channel)


def channel_code(value: object) -> int:
    """A channel given as its code (the simulation's fast path), its enum or its name."""
    if type(value) is int and 0 <= value < _N_CHANNELS:
        return value
    return int(Channel.parse(value, "channel"))


def check_number(value: object, field: str, lo: float, hi: float, unit: str = "") -> float:
    """A number (not a bool) from ``lo`` to ``hi``."""
    if isinstance(value, bool) or not isinstance(value, NUMBER) or not lo <= value <= hi:
        raise InvalidInput(
            f"{field} must be a number from {lo:g} to {hi:g}{unit}; got {value!r}",
            field=field,
            value=value,
        )
    return value


def check_hours(hours: object, lo: float, hi: float) -> int:
    """A duration in hours, validated; returned in whole seconds (how events carry it)."""
    return round(check_number(hours, "hours", lo, hi) * 3600)


def check_topic(topic: object) -> int:
    """One topic name, as its id."""
    if topic not in TOPIC_ID:
        raise InvalidInput(
            f"unknown topic {topic!r}; allowed: {', '.join(TOPICS)}", field="topic", value=topic
        )
    return TOPIC_ID[topic]  # type: ignore[index]
