"""The interest feed's collaborative part: topic co-engagement learnt from everyone's reads
and engagements (``interest_coengagement_weight``), its fading, its replay, and that weight 0
is the own-profile ranking."""

from __future__ import annotations

import numpy as np
import pytest

from redloop.platform.api import TOPICS, InvalidInput, Platform, PlatformConfig

FOOD, TRAVEL, TECH = (TOPICS.index(t) for t in ("food", "travel", "tech"))


def neighbourhood(weight: float, *, neighbours_read: bool = True) -> tuple[Platform, int, int]:
    """Ten travellers read (and half of them like) food notes; returns the platform, a
    traveller who never read food, and a beauty fan outside that neighbourhood."""
    p = Platform(PlatformConfig(recommender="interest", interest_coengagement_weight=weight), rng=5)
    author = p.create_user("author", "creator", [], now=0)
    by_topic = {t: [p.publish(author, [t], now=0) for _ in range(60)] for t in TOPICS}
    travellers = [p.create_user(f"t{i}", "consumer", ["travel"], now=0) for i in range(10)]
    if neighbours_read:
        for i, u in enumerate(travellers):
            notes = by_topic["food"][i * 4 : i * 4 + 4]
            p.read_many([u] * len(notes), notes, now=1)
            if i % 2:
                p.like(u, notes[0], now=1)
    target = p.create_user("newcomer", "consumer", ["travel"], now=2)
    fan = p.create_user("fan", "consumer", ["beauty"], now=2)
    return p, target, fan


def food_share(p: Platform, user: int, start: float = 3, pages: int = 6) -> float:
    cards = [n for t in range(pages) for n in p.discovery_feed(user, now=start + t).notes]
    return sum(p.note(n).topics == ("food",) for n in cards) / len(cards)


def test_a_user_gets_what_their_topic_neighbours_engaged_with() -> None:
    """A traveller who never read food is shown food once other travellers read it; a
    beauty fan, whose topic nobody engaged with, is not; without the weight neither is."""
    p, target, fan = neighbourhood(0.5)
    assert food_share(p, target) > 0.3
    assert food_share(p, fan, start=10) < 0.05
    q, target0, _ = neighbourhood(0.0)
    assert food_share(q, target0) < 0.05


def test_weight_zero_is_the_own_profile_ranking() -> None:
    """At weight 0 the co-engagement matrix stays empty and a user's pages do not depend on
    what anyone else read; with the weight they do."""
    pages = {}
    for weight in (0.0, 0.5):
        for read in (True, False):
            p, target, _ = neighbourhood(weight, neighbours_read=read)
            pages[weight, read] = [p.discovery_feed(target, now=3 + t).notes for t in range(6)]
            if not weight:
                assert not p._accounts.coengaged.any()
    assert pages[0.0, True] == pages[0.0, False]
    assert pages[0.5, True] != pages[0.5, False]


def test_coengagement_fades_with_the_half_life_and_rescales_exactly() -> None:
    """An engagement one half-life later counts twice as much (the profile's fading, read
    the other way round); units past 2**512 are rescaled by an exact power of two."""
    for half_life, later in ((24.0 * 7, 24.0 * 7), (1.0, 1000.0)):
        cfg = PlatformConfig(interest_half_life_hours=half_life, interest_coengagement_weight=0.5)
        p = Platform(cfg, rng=1)
        author = p.create_user("author", "creator", [], now=0)
        food, tech = p.publish(author, ["food"], now=0), p.publish(author, ["tech"], now=0)
        p.read(p.create_user("a", "consumer", ["travel"], now=0), food, now=0)
        p.read(p.create_user("b", "consumer", ["travel"], now=later), tech, now=later)
        co = p._accounts.coengaged
        assert np.isfinite(co).all()
        assert co[TRAVEL, TECH] / co[TRAVEL, FOOD] == 2.0 ** (later / half_life)


def test_replay_rebuilds_the_coengagement_exactly() -> None:
    p, target, fan = neighbourhood(0.5)
    for t in range(4):
        for user in (target, fan):
            for n in p.discovery_feed(user, now=3 + t).notes[:2]:
                p.read(user, n, now=3 + t)
    replayed = Platform.replay(p.log, p.config)
    assert np.array_equal(replayed._accounts.coengaged, p._accounts.coengaged)
    assert replayed.fingerprint() == p.fingerprint()
    assert replayed._active.topic_weights(target) == p._active.topic_weights(target)


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan")])
def test_the_weight_is_a_validated_key(weight: float) -> None:
    with pytest.raises(InvalidInput, match="interest_coengagement_weight"):
        PlatformConfig(interest_coengagement_weight=weight)
