"""The batched engine (``engine = "batch"``): the same community as the per-session engine,
the same reading behaviour card by card, and one event log per seed."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

import redloop
from redloop.platform.api import Channel, EventKind
from redloop.platform.codec import unpack_served
from redloop.scenarios.schema import load
from redloop.sim.experiments import KEY_OUTCOMES, compare
from redloop.sim.model import RedloopModel

ENGINES = Path(redloop.__file__).parent / "docs" / "engines"


def run(engine: str, days: int = 2, **overrides: object) -> RedloopModel:
    scenario = load("baseline", engine=engine, days=days, **{"population.users": 300, **overrides})
    model = RedloopModel(scenario)
    model.run_days(days)
    return model


def test_one_seed_gives_one_event_log_and_the_engines_differ() -> None:
    a, b = run("batch"), run("batch")
    assert a.platform.log.digest() == b.platform.log.digest()
    assert a.metrics().equals(b.metrics())
    assert run("sessions").platform.log.digest() != a.platform.log.digest()


@pytest.mark.parametrize("engine", ["sessions", "batch"])
def test_without_scrolling_only_the_first_row_of_a_page_is_opened(engine: str) -> None:
    """``scroll_on = 0``: nobody looks past the first row (two cards on discovery, one on
    the following feed), on either engine; and people still read."""
    model = run(engine, **{"behaviour.scroll_on": 0.0})
    first_row: dict[int, set[int]] = defaultdict(set)
    deeper: dict[int, set[int]] = defaultdict(set)
    reads = 0
    for e in model.platform.log:
        if e.kind is EventKind.FEED_SERVED:
            cards = e.ints or ()
            row = 2 if unpack_served(e.value)[0] == Channel.DISCOVERY else 1
            first_row[e.actor].update(cards[:row])
            deeper[e.actor].update(cards[row:])
        elif e.kind is EventKind.NOTE_READ and e.value in (Channel.DISCOVERY, Channel.FOLLOWING):
            reads += 1
            assert e.object in first_row[e.actor] or e.object not in deeper[e.actor], e
    assert reads > 20


def test_the_batched_engine_gives_the_same_community(tmp_path: Path) -> None:
    """``baseline`` on both engines over 5 seeds (800 users, 14 days): no key outcome —
    GMV, orders, DAU, adopters, R_loop, read and engagement rates — differs significantly
    (95% CI of the difference). README "Engines: one community" has the full-size runs."""
    table = compare(
        "baseline",
        str(ENGINES / "baseline_batch.toml"),
        seeds=5,
        out=tmp_path,
        overrides={"population.users": 800, "days": 14},
        jobs=1,
        progress=False,
    ).set_index("outcome")
    differs = table.loc[list(KEY_OUTCOMES), "significant"]
    assert not differs.any(), table.loc[list(KEY_OUTCOMES)].to_string()
    assert (tmp_path / "comparison.html").exists()
