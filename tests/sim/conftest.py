"""Small scenarios that run in a second or two."""

from __future__ import annotations

import pytest

from redloop.scenarios.schema import load


@pytest.fixture
def small():
    """The baseline scenario shrunk: ``small(**dotted_overrides)``."""

    def make(**overrides):
        defaults = {"population.users": 800, "days": 14}
        return load("baseline", **{**defaults, **overrides})

    return make
