"""The interest feed's collaborative part: topic co-engagement retrained daily from everyone's
learnt profiles (``interest_coengagement_weight``), its replay, and that weight 0 is the
own-profile ranking."""

from __future__ import annotations

import numpy as np
import pytest

from redloop.platform.api import TOPICS, InvalidInput, Platform, PlatformConfig

FOOD, TRAVEL = TOPICS.index("food"), TOPICS.index("travel")
DAY, WEEK = 24.0, 24.0 * 7


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
    p.read(fan, by_topic["beauty"][0], now=DAY)  # the day's first learning: a retraining
    return p, target, fan


def food_share(p: Platform, user: int, start: float = DAY + 1, pages: int = 6) -> float:
    cards = [n for t in range(pages) for n in p.discovery_feed(user, now=start + t).notes]
    return sum(p.note(n).topics == ("food",) for n in cards) / len(cards)


def test_a_user_gets_what_their_topic_neighbours_engaged_with() -> None:
    """A traveller who never read food is shown food once other travellers read it; a
    beauty fan, whose topic nobody engaged with, is not; without the weight neither is.
    (The travellers' profiles are about 40% food, so at w = 0.5 about a fifth of the draw.)"""
    p, target, fan = neighbourhood(0.5)
    assert food_share(p, target) > 0.15
    assert food_share(p, fan, start=DAY + 10) < 0.05
    q, target0, _ = neighbourhood(0.0)
    assert food_share(q, target0) < 0.05


def test_weight_zero_is_the_own_profile_ranking() -> None:
    """At weight 0 the co-engagement matrix stays empty and a user's pages do not depend on
    what anyone else read; with the weight they do."""
    pages = {}
    for weight in (0.0, 0.5):
        for read in (True, False):
            p, target, _ = neighbourhood(weight, neighbours_read=read)
            pages[weight, read] = [p.discovery_feed(target, now=DAY + t).notes for t in range(6)]
            if not weight:
                assert not p._accounts.coengaged.any()
    assert pages[0.0, True] == pages[0.0, False]
    assert pages[0.5, True] != pages[0.5, False]


def test_the_table_is_retrained_at_the_first_learning_of_each_day() -> None:
    """A traveller reads food at hour 1; the table (retrained at hour 0 from the declared
    interests, at the first read) learns it only at the next day's first read, from the profiles
    faded to then."""
    p = Platform(PlatformConfig(interest_coengagement_weight=0.5), rng=1)
    author = p.create_user("author", "creator", [], now=0)
    food, tech = p.publish(author, ["food"], now=0), p.publish(author, ["tech"], now=0)
    traveller = p.create_user("a", "consumer", ["travel"], now=0)
    other = p.create_user("b", "consumer", [], now=0)
    p.read(traveller, food, now=1)
    table = p._accounts.coengaged
    assert table[TRAVEL, TRAVEL] == pytest.approx(0.5 ** (2 / WEEK)) and table[TRAVEL, FOOD] == 0
    p.read(other, tech, now=DAY - 1)
    assert p._accounts.coengaged is table  # still the same day
    p.read(other, tech, now=DAY + 2)
    fade = 0.5 ** ((DAY + 1) / WEEK)  # hour 1 to hour 26
    travel, food_taste = 0.5 ** (1 / WEEK) * fade, 0.1 * fade
    assert p._accounts.coengaged[TRAVEL, FOOD] == pytest.approx(travel * food_taste, rel=1e-6)
    assert p._accounts.coengaged[FOOD, FOOD] == pytest.approx(food_taste**2, rel=1e-6)


def test_replay_rebuilds_the_coengagement_exactly() -> None:
    p, target, fan = neighbourhood(0.5)
    for t in range(0, 60, 6):
        for user in (target, fan):
            for n in p.discovery_feed(user, now=DAY + t).notes[:2]:
                p.read(user, n, now=DAY + t)
    replayed = Platform.replay(p.log, p.config)
    assert np.array_equal(replayed._accounts.coengaged, p._accounts.coengaged)
    assert replayed.fingerprint() == p.fingerprint()
    assert replayed._active.topic_weights(target) == p._active.topic_weights(target)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("interest_coengagement_weight", -0.1),
        ("interest_coengagement_weight", 1.5),
        ("interest_coengagement_weight", float("nan")),
        ("interest_coengagement_refresh_hours", 0),
    ],
)
def test_the_keys_are_validated(key: str, value: float) -> None:
    with pytest.raises(InvalidInput, match=key):
        PlatformConfig(**{key: value})
