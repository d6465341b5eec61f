"""Shares in the simulation: they reach followers, get reshared, bring outside sign-ups who
join the run, and the daily columns and cascade summary agree with the event log."""

from __future__ import annotations

from pathlib import Path

import pytest

from redloop.platform.api import Channel, Event, EventKind, Platform, read_sqlite
from redloop.sim.cascades import cascade_summary
from redloop.sim.model import RedloopModel

#: Sharing far above the baseline so that a small run has cascades and sign-ups.
SHARING = {
    "behaviour.share_rate": 0.2,
    "behaviour.reshare_rate": 0.6,
    "behaviour.share_outside_share": 0.4,
    "behaviour.share_outside_visitors": 3.0,
    "behaviour.share_signup_rate": 0.3,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RedloopModel, Path, list[Event]]:
    """A small run streamed to SQLite (the live log then keeps no rows: read them back)."""
    from redloop.scenarios.schema import load

    path = tmp_path_factory.mktemp("shares") / "events.sqlite"
    model = RedloopModel(load("baseline", **{"population.users": 400, "days": 6, **SHARING}),
                         log_path=str(path))  # fmt: skip
    model.run_days(6)
    model.close()
    return model, path, list(read_sqlite(path)[1])


def test_shares_reach_followers_and_are_reshared(run) -> None:
    model, _, events = run
    p = model.platform
    delivered = [e for e in events if e.kind is EventKind.SHARE_DELIVERED]
    assert delivered, "in-app shares were delivered"
    for e in delivered:
        assert all(p.is_following(r, e.actor) for r in e.ints or ())
    inbox_reads = [e for e in events if e.kind is EventKind.NOTE_READ and e.value == Channel.SHARED]
    assert inbox_reads, "recipients opened what friends shared"
    assert any(p.share_info(s).parent is not None for s in range(p.n_shares)), "reshares"
    assert max(p.cascade(n).depth for n in range(p.n_notes)) >= 2


def test_outside_sign_ups_join_the_simulation(run) -> None:
    model, _, events = run
    p = model.platform
    signups = [e for e in events if e.kind is EventKind.SHARE_SIGNUP]
    assert signups and model.growth.signups == len(signups)
    newcomers = {e.actor for e in signups}
    assert {a.uid for a in model.people} >= newcomers
    assert len(model.activity) == len(model.columns) == len(model.people)
    joined = min(e.time for e in signups)
    later = {e.actor for e in events if e.kind is EventKind.FEED_SERVED and e.time > joined}
    assert later & newcomers, "newcomers have sessions of their own"
    for uid in newcomers:  # each follows the friend who sent the link
        assert p.share_info(p.joined_via_share(uid)).sharer in p.following(uid)


def test_daily_share_columns_add_up_to_the_platform(run) -> None:
    model, _, _ = run
    daily, s = model.metrics(), cascade_summary(model.platform.tables())
    assert daily["shares"].sum() == s["shares"] == model.platform.n_shares
    assert daily["shared_to"].sum() == s["deliveries"] > 0
    assert daily["outside_visitors"].sum() == s["visitors"] > 0
    assert daily["signups_via_shares"].sum() == s["signups"] == model.growth.signups
    orders = model.platform.tables()["orders"]
    via_share = int((orders["channel"] == Channel.SHARED).sum())
    assert round((daily["share_shared"] * daily["orders"]).sum()) == via_share


def test_the_cascade_summary_of_the_stored_log_equals_the_live_one(run) -> None:
    model, path, _ = run
    replayed = Platform.from_sqlite(path)
    assert replayed.fingerprint() == model.platform.fingerprint()
    live, stored = cascade_summary(model.platform.tables()), cascade_summary(replayed.tables())
    assert live == stored
    assert 0 < live["never_shared"] < 1 and live["largest"] == max(live["sizes"])


def test_cascade_summary_of_known_trees(platform: Platform) -> None:
    """Three notes: one never shared, a star of 3 shares, a chain of 2 (4 and 3 nodes)."""
    ann, bo, cy = 0, 1, 2
    platform.follow(ann, cy, now=0)
    platform.follow(bo, ann, now=0)
    untouched, star, chain = (platform.publish(cy, ["skincare"], now=1) for _ in range(3))
    for _ in range(3):
        platform.deliver_share(cy, star, [ann], now=1)
    first = platform.deliver_share(cy, chain, [ann], now=2)
    platform.deliver_share(ann, chain, [bo], now=2, parent=first)
    s = cascade_summary(platform.tables())
    assert (s["notes"], s["notes_shared"], s["never_shared"]) == (3, 2, pytest.approx(1 / 3))
    assert (s["largest"], s["deepest"], s["reshares"]) == (4, 2, 1)
    assert s["size_counts"] == {3: 1, 4: 1}
    assert s["virality_max"] == pytest.approx(2 * 3 / 4)  # the star of 4 nodes
    assert s["virality_mean"] == pytest.approx((1.5 + 4 / 3) / 2)  # and the chain of 3
    assert platform.cascade(untouched).size == 1
