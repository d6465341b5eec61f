"""Every named scenario's event log is what ``tests/scenario_digests.json`` says it is.

A refactor must leave this table untouched. A change meant to alter behaviour regenerates it
(``python -m redloop.sim.digests --write tests/scenario_digests.json``) and names, in its
commit, the scenarios whose digest moved and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redloop.scenarios.schema import named
from redloop.sim.digests import SPANS, scenario_digest

GOLDEN = json.loads((Path(__file__).parent / "scenario_digests.json").read_text("utf-8"))


def test_the_table_covers_every_named_scenario_and_span() -> None:
    assert set(GOLDEN) == set(SPANS)
    for span in SPANS:
        assert set(GOLDEN[span]) == set(named()), span


@pytest.mark.parametrize("span", list(SPANS))
@pytest.mark.parametrize("name", sorted(named()))
def test_event_log_digest_is_unchanged(name: str, span: str) -> None:
    assert scenario_digest(name, SPANS[span]) == GOLDEN[span][name], (
        f"{name} ({span}, seed 1, 1,000 users): the event log changed; if that is intended, "
        "regenerate tests/scenario_digests.json and say which scenarios moved"
    )
