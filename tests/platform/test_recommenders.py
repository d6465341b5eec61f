"""Recommenders (manual, popular, ces_pools, interest): valid pages, the seen filter, and what
each one favours. Plus registering a custom recommender."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from redloop.platform.api import (
    RECOMMENDERS,
    TOPICS,
    InvalidInput,
    Platform,
    PlatformConfig,
    Recommender,
    register,
)

NAMES = sorted(RECOMMENDERS)


def community(
    recommender: str, *, seen_window: int = 200, n_notes: int = 120, seed: int = 3
) -> tuple[Platform, list[int]]:
    """Creators post ``n_notes`` notes over every topic; some get likes; editors pick a third.

    Returns the platform (clock at t=10) and 12 fresh consumer ids with varied interests.
    """
    rng = np.random.default_rng(seed)
    cfg = PlatformConfig(
        recommender=recommender,
        seen_window=seen_window,
        pool_quotas=(5, 20, 80),
        pool_thresholds=(0.1, 0.1),
        pool_slot_weights=(0.5, 0.3, 0.2),
    )
    p = Platform(cfg, rng=rng)
    creators = [p.create_user(f"c{i}", "creator", [], now=0) for i in range(4)]
    editor = p.create_user("editor", "staff", [], now=0)
    fans = [p.create_user(f"fan{i}", "consumer", [TOPICS[i % 12]], now=0) for i in range(12)]
    for i in range(n_notes):
        topics = [TOPICS[int(t)] for t in set(rng.integers(0, len(TOPICS), size=2).tolist())]
        note = p.publish(creators[i % 4], topics, now=i / 20)
        for fan in fans[: int(rng.integers(0, 4))]:
            p.like(fan, note, now=i / 20)
        if i % 3 == 0:
            p.pick_note(editor, note, now=i / 20)
    consumers = [
        p.create_user(
            f"u{i}",
            "consumer",
            [] if i % 4 == 0 else [TOPICS[i % 12], TOPICS[(i * 5) % 12]],
            now=10,
        )
        for i in range(12)
    ]
    return p, consumers


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [1, 4, 10])
def test_pages_hold_unique_existing_notes_at_most_k(name, k) -> None:
    p, consumers = community(name)
    for t in range(8):
        for user in consumers:
            page = p.discovery_feed(user, now=10 + t, k=k).notes
            assert len(page) <= k
            assert len(set(page)) == len(page)
            assert all(isinstance(n, int) and 0 <= n < p.n_notes for n in page)


@pytest.mark.parametrize("name", NAMES)
def test_pages_are_not_empty_while_there_is_unseen_content(name) -> None:
    p, consumers = community(name)
    for user in consumers:
        assert len(p.discovery_feed(user, now=10).notes) == p.config.page_size


@pytest.mark.parametrize("name", NAMES)
def test_no_note_is_served_twice_to_a_user_within_the_seen_window(name) -> None:
    """With a window larger than everything served, a user never sees a card twice."""
    p, consumers = community(name, seen_window=2_000)
    for i, user in enumerate(consumers[:4]):
        seen: list[int] = []
        for t in range(15):
            seen += p.discovery_feed(user, now=10 + 15 * i + t).notes
        assert seen, "nothing was served"
        assert len(seen) == len(set(seen))


@pytest.mark.parametrize("name", NAMES)
def test_seen_filter_covers_at_least_half_the_window(name) -> None:
    """A card is never re-served while it is among the last ``seen_window // 2`` cards served
    to that user (the filter keeps two half-window generations)."""
    window = 20
    p, consumers = community(name, seen_window=window, n_notes=60)
    for i, user in enumerate(consumers[:6]):
        history: list[int] = []
        for t in range(25):
            page = p.discovery_feed(user, now=10 + 25 * i + t, k=6).notes
            recent = set(history[-(window // 2) :])
            assert not recent & set(page), f"re-served within {window // 2} cards"
            history += page


def test_seen_window_zero_disables_the_filter() -> None:
    """Without a seen filter the editors' picks come back identical on every page."""
    p, consumers = community("manual", seen_window=0)
    pages = {p.discovery_feed(consumers[1], now=10 + t, k=5).notes for t in range(3)}
    assert len(pages) == 1


def test_small_seen_window_lets_notes_come_back() -> None:
    """The filter forgets: with a 4-card window, picks return after a few pages."""
    p, consumers = community("manual", seen_window=4)
    cards = Counter()
    for t in range(20):
        cards.update(p.discovery_feed(consumers[1], now=10 + t, k=3).notes)
    assert max(cards.values()) > 1


def test_following_feed_cards_count_as_seen() -> None:
    """Cards served in the following feed are not served again in discovery."""
    p, consumers = community("ces_pools", seen_window=2_000)
    user = consumers[0]
    for c in range(4):
        p.follow(user, c, now=10)
    followed = set(p.following_feed(user, now=10, limit=100))
    for t in range(10):
        assert not followed & set(p.discovery_feed(user, now=10 + t).notes)


def test_popular_favours_high_ces_notes() -> None:
    """Five heavily liked notes take a far larger share of popular pages than 5/50."""
    p = Platform(PlatformConfig(recommender="popular"), rng=11)
    author = p.create_user("author", "creator", [], now=0)
    likers = [p.create_user(f"l{i}", now=0) for i in range(20)]
    notes = [p.publish(author, ["home"], now=0) for _ in range(50)]
    hits = notes[-5:]  # highest ids: ties among the rest cannot favour them
    for n in hits:
        for u in likers:
            p.like(u, n, now=1)
    served = Counter()
    for i in range(30):
        viewer = p.create_user(f"v{i}", "consumer", ["home"], now=2)
        served.update(p.discovery_feed(viewer, now=2).notes)
    share = sum(served[n] for n in hits) / sum(served.values())
    assert share > 0.25
    assert min(served[n] for n in hits) > np.mean([served[n] for n in notes[:-5]])


def test_popular_serves_one_ranking_from_the_top_to_everyone() -> None:
    """Fresh users get the same page: the best notes by decayed CES, best first; a user's next
    page continues down the ranking past what they have seen."""
    p, consumers = community("popular")
    first = [p.discovery_feed(u, now=11).notes for u in consumers[:3]]
    assert first[0] == first[1] == first[2]
    half_life = p.config.decay_half_life_hours

    def score(n: int) -> float:  # likes are the only engagement here
        return p.note(n).likes * 0.5 ** ((11 - p.note(n).created_at) / half_life)

    scores = [score(n) for n in first[0]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    second = p.discovery_feed(consumers[0], now=11).notes
    assert not set(second) & set(first[0])
    assert max(score(n) for n in second) <= min(scores)


def test_interest_follows_what_the_user_engages_with() -> None:
    """After liking many food notes, most of a traveller's interest-feed cards are food."""
    p = Platform(PlatformConfig(recommender="interest"), rng=5)
    author = p.create_user("author", "creator", [], now=0)
    user = p.create_user("traveller", "consumer", ["travel", "beauty"], now=0)
    by_topic = {
        t: [p.publish(author, [t], now=0) for _ in range(80)]
        for t in ("food", "travel", "beauty", "tech")
    }

    def food_share(pages: range) -> float:
        cards = [n for t in pages for n in p.discovery_feed(user, now=1 + t).notes]
        return sum(p.note(n).topics == ("food",) for n in cards) / len(cards)

    assert food_share(range(3)) < 0.2  # declared interests only: hardly any food
    for n in by_topic["food"][:25]:
        p.read(user, n, now=5)
        p.like(user, n, now=5)
    assert food_share(range(5, 10)) > 0.6


def test_the_learnt_profile_forgets_with_its_half_life() -> None:
    """Declared interests fade with ``interest_half_life_hours`` and engagement is learnt on
    top, so two weeks of reading food leaves a profile led by food, not by the sign-up form;
    with an infinite half-life the declared interests never fade."""

    def profile(half_life: float) -> dict[str, float]:
        p = Platform(PlatformConfig(interest_half_life_hours=half_life), rng=5)
        author = p.create_user("author", "creator", [], now=0)
        user = p.create_user("traveller", "consumer", ["travel", "beauty"], now=0)
        for day in range(14):
            note = p.publish(author, ["food"], now=24.0 * day)
            p.read(user, note, now=24.0 * day + 1)
        return p.interest_profile(user)

    week = profile(24.0 * 7)
    # both declared topics: 1 halved by each week of the ~2 weeks since sign-up
    assert week["travel"] == pytest.approx(week["beauty"])
    assert week["travel"] == pytest.approx(0.5 ** ((24 * 13 + 1) / (24 * 7)), rel=1e-5)
    assert week["food"] > week["travel"] and week["tech"] == 0
    never = profile(float("inf"))
    assert never["travel"] == never["beauty"] == 1.0
    assert never["food"] == pytest.approx(14 * 0.1, rel=1e-5)  # fourteen reads, unfaded


def test_the_half_life_is_a_validated_key() -> None:
    with pytest.raises(InvalidInput, match="interest_half_life_hours"):
        PlatformConfig(interest_half_life_hours=0)


def test_interest_with_no_affinity_still_serves_every_topic() -> None:
    p = Platform(PlatformConfig(recommender="interest"), rng=5)
    author = p.create_user("author", "creator", [], now=0)
    user = p.create_user("blank", "consumer", [], now=0)
    for t in TOPICS:
        p.publish(author, [t], now=0)
    page = p.discovery_feed(user, now=1, k=12).notes
    assert len(page) >= 6
    assert len({p.note(n).topics for n in page}) >= 6


# ------------------------------------------------------------------ registry


class Newest(Recommender):
    """Test recommender: the newest notes, ignoring the seen filter."""

    name = "test_newest"
    code = 9

    def page(self, user, now, k, seen):
        return list(range(len(self.notes) - 1, max(-1, len(self.notes) - 1 - k), -1))


def test_register_a_custom_recommender() -> None:
    register(Newest)
    try:
        assert RECOMMENDERS["test_newest"] is Newest
        p = Platform(PlatformConfig(recommender="test_newest"), rng=0)
        u = p.create_user("u", now=0)
        notes = [p.publish(u, ["tech"], now=0) for _ in range(4)]
        assert p.discovery_feed(u, now=1, k=3).notes == tuple(reversed(notes))[:3]
        assert p.log[len(p.log) - 1].fields["recommender"] == 9
        replayed = Platform.replay(p.log, p.config)
        assert replayed.fingerprint() == p.fingerprint()
    finally:
        RECOMMENDERS.pop("test_newest", None)


def test_register_rejects_taken_names_codes_and_bad_codes() -> None:
    for name, code in (("manual", 12), ("fresh_name", 0), ("fresh_name", 16)):
        cls = type("Bad", (Newest,), {"name": name, "code": code})
        with pytest.raises(ValueError):
            register(cls)
    assert "fresh_name" not in RECOMMENDERS


def test_recent_is_blind_to_popularity() -> None:
    """``recent``: newest unseen notes of the user's topics first; likes change nothing."""
    p = Platform(PlatformConfig(recommender="recent"), rng=0)
    author = p.create_user("a", "creator", ["food"], now=0)
    fans = [p.create_user(f"f{i}", "consumer", ["food"], now=0) for i in range(3)]
    food = [p.publish(author, ["food"], now=0) for _ in range(12)]
    travel = [p.publish(author, ["travel"], now=0) for _ in range(3)]
    for fan in fans[1:]:
        p.like(fan, food[0], now=1)  # the oldest note becomes the most liked
    first = p.discovery_feed(fans[0], now=2, k=10).notes
    assert first == tuple(reversed(food))[:10]
    second = p.discovery_feed(fans[0], now=3, k=10).notes
    assert second[:2] == (food[1], food[0]) and set(second[2:]) <= set(travel)


@pytest.mark.parametrize("name", NAMES)
def test_reseeding_restarts_every_recommenders_randomness(name: str) -> None:
    """Platforms in the same state draw the same pages after ``reseed(s)``, whatever seed
    their streams had before (the simulation's common random numbers rely on it); the
    sampling recommenders draw differently under another seed."""

    def pages_after(*seeds: int) -> list[tuple[int, ...]]:
        p, users = community(name, seen_window=0)
        for seed in seeds:
            p.reseed(seed)
        return [p.discovery_feed(u, now=10, k=10).notes for u in users]

    assert pages_after(42) == pages_after(7, 42)
    if name in ("interest", "ces_pools"):
        assert any(pages_after(seed) != pages_after(42) for seed in range(3))
