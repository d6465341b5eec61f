"""latest_shared_many: per user the last share delivered to them, as their inboxes say —
live, after replay, for accounts opened later, and refusing bad ids."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import InvalidInput, NotFound, Platform

SHARERS, USERS = 3, 9


def friends() -> Platform:
    """Three sharers, each followed by everyone else, and a note each."""
    p = Platform(rng=2)
    for i in range(USERS):
        p.create_user(f"u{i}", "creator" if i < SHARERS else "consumer", ["food"], now=0)
    for s in range(SHARERS):
        p.follow_many([u for u in range(USERS) if u != s], [s] * (USERS - 1), now=0)
        p.publish(s, ["food"], now=0)
    return p


def inbox_last(p: Platform, users: range) -> list[int]:
    return [box[-1].share if (box := p.shared_with(u, limit=1000)) else -1 for u in users]


deliveries = st.lists(
    st.tuples(st.integers(0, SHARERS - 1), st.sets(st.integers(0, USERS - 1), min_size=1)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(deliveries)
def test_latest_shared_many_is_each_inboxs_last_share(sent: list[tuple[int, set[int]]]) -> None:
    p = friends()
    for t, (sharer, to) in enumerate(sent):
        if to - {sharer}:
            p.deliver_share(sharer, sharer, sorted(to - {sharer}), now=1 + t)
        users = range(USERS)
        assert p.latest_shared_many(np.arange(USERS)).tolist() == inbox_last(p, users)
    late = p.create_user("late", "consumer", ["food"], now=100)  # past every delivery
    assert p.latest_shared_many([late, 0, late]).tolist()[::2] == [-1, -1]
    again = Platform.replay(p.log)
    assert again.latest_shared_many(range(USERS + 1)).tolist() == inbox_last(p, range(USERS + 1))


def test_latest_shared_many_refuses_bad_ids_naming_the_item() -> None:
    p = friends()
    with pytest.raises(NotFound, match="item 1"):
        p.latest_shared_many([0, USERS + 5])
    with pytest.raises(InvalidInput, match="item 0"):
        p.latest_shared_many([1.5])
