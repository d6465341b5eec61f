"""Feeds: the following feed, the discovery feed, switching recommenders, editors' picks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redloop.platform.api import (
    RECOMMENDERS,
    TOPICS,
    Channel,
    DiscoveryPage,
    EventKind,
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
    PlatformConfig,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO


def served_events(p: Platform) -> list:
    return [e for e in p.log if e.kind is EventKind.FEED_SERVED]


# ------------------------------------------------------------------ following feed


@pytest.fixture
def followed(platform: Platform) -> list[int]:
    """ann follows cy and bo; cy, bo and ann (not followed by herself) publish interleaved."""
    platform.follow(ANN, CY, now=0)
    platform.follow(ANN, BO, now=0)
    notes = []
    for t in range(4):
        notes.append(platform.publish(CY, ["skincare"], now=1 + t))
        notes.append(platform.publish(BO, ["food"], now=1 + t))
        platform.publish(ANN, ["beauty"], now=1 + t)  # her own: not in her following feed
    return notes


def test_following_feed_is_newest_first(platform: Platform, followed) -> None:
    page = platform.following_feed(ANN, now=10)
    assert page == sorted(followed, reverse=True)
    times = [platform.note(n).created_at for n in page]
    assert times == sorted(times, reverse=True)


def test_following_feed_paginates_with_before(platform: Platform, followed) -> None:
    """Pages of ``limit`` notes chained by the last id cover every note once, in order."""
    seen: list[int] = []
    before = None
    while True:
        page = platform.following_feed(ANN, now=10, before=before, limit=3)
        if not page:
            break
        assert len(page) <= 3
        seen += page
        before = page[-1]
    assert seen == sorted(followed, reverse=True)


def test_following_feed_counts_impressions_once_per_page(platform: Platform, followed) -> None:
    n = len(platform.log)
    page = platform.following_feed(ANN, now=10, limit=3)
    assert len(platform.log) == n + 1
    event = platform.log[n]
    assert event.kind is EventKind.FEED_SERVED and event.actor == ANN
    assert event.fields["channel"] == "following" and event.fields["notes"] == page
    for nid in followed:
        assert platform.note(nid).impressions == (1 if nid in page else 0)
        assert platform.note(nid).reads == 0  # served is not read


def test_following_feed_without_follows_is_empty_and_silent(platform: Platform, followed) -> None:
    n = len(platform.log)
    assert platform.following_feed(CY, now=10) == []
    assert len(platform.log) == n


def test_unfollow_removes_notes_from_following_feed(platform: Platform, followed) -> None:
    platform.unfollow(ANN, BO, now=10)
    page = platform.following_feed(ANN, now=11)
    assert page and all(platform.note(n).author == CY for n in page)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"user": 99}, NotFound, "user"),
        ({"before": 999}, NotFound, "before"),
        ({"limit": 0}, InvalidInput, "limit"),
        ({"limit": 101}, InvalidInput, "limit"),
        ({"limit": 2.0}, InvalidInput, "limit"),
    ],
)
def test_following_feed_rejects_bad_input(
    platform: Platform, followed, reject, kwargs, error, field
) -> None:
    args = {"user": ANN, **kwargs}
    reject(platform, error, field, platform.following_feed, args.pop("user"), now=10, **args)


# ------------------------------------------------------------------ discovery feed


@pytest.fixture
def community(platform: Platform) -> list[int]:
    """40 notes over four topics, written by cy at t=1."""
    topics = (["skincare"], ["beauty"], ["food"], ["travel", "food"])
    return [platform.publish(CY, topics[i % 4], now=1) for i in range(40)]


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_discovery_page_records_impressions_not_reads(platform: Platform, community, name) -> None:
    platform.set_recommender(name, now=1)
    if name == "manual":
        for nid in community[:15]:
            platform.pick_note(EDITOR, nid, now=1)
    n = len(platform.log)
    page = platform.discovery_feed(ANN, now=2)
    assert isinstance(page, DiscoveryPage)
    assert 0 < len(page.notes) <= platform.config.page_size
    assert len(set(page.notes)) == len(page.notes), "a page repeats a card"
    assert len(platform.log) == n + 1
    event = platform.log[n]
    assert event.kind is EventKind.FEED_SERVED and event.actor == ANN
    assert event.fields["channel"] == "discovery" and event.fields["notes"] == list(page.notes)
    for nid in community:
        note = platform.note(nid)
        assert note.impressions == (1 if nid in page.notes else 0)
        assert note.reads == 0


def test_discovery_cards_show_their_like_counts(platform: Platform, community) -> None:
    """Each card carries the like count the app shows on it (social proof), in card order."""
    for nid in community[:6]:
        platform.like(BO, nid, now=1)
    platform.like(CY, community[0], now=1)
    platform.set_recommender("popular", now=1)  # the liked notes come first
    page = platform.discovery_feed(ANN, now=2)
    assert page.likes == tuple(platform.note(n).likes for n in page.notes)
    assert page.notes[0] == community[0] and page.likes[:2] == (2, 1)


def test_discovery_pages_never_repeat_a_card(platform: Platform, community) -> None:
    """Over many pages for many users, no page holds the same note twice, and k is respected."""
    for t in range(30):
        for user in (ANN, BO, CY):
            page = platform.discovery_feed(user, now=2 + t, k=7)
            assert len(page.notes) <= 7
            assert len(set(page.notes)) == len(page.notes)
            assert page.ad_slots == ()
            assert all(page.channel_of(i) is Channel.DISCOVERY for i in range(len(page.notes)))


def test_discovery_feed_on_an_empty_platform_is_empty_and_silent(platform: Platform) -> None:
    n = len(platform.log)
    assert platform.discovery_feed(ANN, now=1) == DiscoveryPage(())
    assert len(platform.log) == n


@pytest.mark.parametrize(
    ("user", "k", "error", "field"),
    [
        (99, None, NotFound, "user"),
        (ANN, 0, InvalidInput, "k"),
        (ANN, 101, InvalidInput, "k"),
        (ANN, True, InvalidInput, "k"),
    ],
)
def test_discovery_feed_rejects_bad_input(
    platform: Platform, community, reject, user, k, error, field
) -> None:
    reject(platform, error, field, platform.discovery_feed, user, now=2, k=k)


def test_discovery_impressions_add_up_to_cards_served(platform: Platform, community) -> None:
    total = 0
    for t in range(10):
        total += len(platform.discovery_feed(BO, now=2 + t).notes)
    assert sum(platform.note(n).impressions for n in community) == total


# ------------------------------------------------------------------ recommenders & picks


def test_set_recommender_switches_and_logs(platform: Platform) -> None:
    assert platform.recommender == "ces_pools"
    n = len(platform.log)
    platform.set_recommender("manual", now=1)
    assert platform.recommender == "manual"
    assert platform.log[n].kind is EventKind.CONFIG_SET
    assert platform.log[n].fields == {"settings": {"recommender": "manual"}}
    assert platform.log[n].text == "manual"  # the form logs stored before CONFIG_SET


def test_set_recommender_rejects_unknown_names(platform: Platform, reject) -> None:
    err = reject(platform, InvalidInput, "recommender", platform.set_recommender, "magic", now=1)
    assert "ces_pools" in str(err)  # says what is allowed


def test_unknown_recommender_in_config_is_rejected() -> None:
    with pytest.raises(InvalidInput) as info:
        Platform(PlatformConfig(recommender="magic"))
    assert info.value.field == "recommender"


def test_pick_note_needs_a_staff_account(platform: Platform, community, reject) -> None:
    reject(platform, Forbidden, "editor", platform.pick_note, ANN, community[0], now=2)
    reject(platform, Forbidden, "editor", platform.pick_note, GLOWCO, community[0], now=2)
    reject(platform, NotFound, "editor", platform.pick_note, 99, community[0], now=2)
    reject(platform, NotFound, "note", platform.pick_note, EDITOR, 999, now=2)
    assert platform.editors_picks() == ()


def test_manual_serves_picks_newest_pick_first(platform: Platform, community) -> None:
    """Editors' picks come out first, in reverse pick order, whatever their topics or ids;
    the page is then filled from the fallback tiers."""
    picks = [community[7], community[2], community[30], community[11]]
    for t, nid in enumerate(picks):
        platform.pick_note(EDITOR, nid, now=2 + t)
    assert platform.editors_picks() == tuple(picks)
    platform.set_recommender("manual", now=10)
    page = platform.discovery_feed(BO, now=10)
    assert page.notes[:4] == tuple(reversed(picks))
    assert len(page.notes) == platform.config.page_size
    assert not set(page.notes[4:]) & set(picks)
    assert platform.log[len(platform.log) - 1].fields["recommender"] == RECOMMENDERS["manual"].code


def test_manual_does_not_reserve_seen_picks(platform: Platform, community) -> None:
    """A second page skips picks already served to this user; another user still gets them."""
    for nid in community[:3]:
        platform.pick_note(EDITOR, nid, now=2)
    platform.set_recommender("manual", now=2)
    first = platform.discovery_feed(ANN, now=3)
    assert set(first.notes[:3]) == set(community[:3])
    second = platform.discovery_feed(ANN, now=4)
    assert not set(second.notes) & set(first.notes)
    assert set(platform.discovery_feed(BO, now=5).notes[:3]) == set(community[:3])


def test_manual_without_picks_serves_the_newest_notes(platform: Platform, community) -> None:
    """No picks yet: the newest notes of the user's topics, then the newest of any topic."""
    platform.set_recommender("manual", now=2)
    newest = platform.publish(BO, ["home"], now=3)
    page = platform.discovery_feed(BO, now=4, k=25)  # bo: food, travel (20 notes of the 40)
    mine = [n for n in reversed(community) if n % 4 in (2, 3)]
    assert list(page.notes[:20]) == mine
    assert page.notes[20] == newest  # then any topic, newest first
    assert list(page.notes[21:]) == [n for n in reversed(community) if n % 4 in (0, 1)][:4]


# ------------------------------------------------------------------ the infinite feed


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_every_recommender_fills_the_page_until_everything_is_seen(
    platform: Platform, community, name
) -> None:
    """Pages are full while unseen notes remain, never repeat a served card, and the last page
    takes what is left; all 40 notes are served once (the seen window is larger)."""
    platform.set_recommender(name, now=2)
    served: list[int] = []
    for t in range(4):
        page = platform.discovery_feed(ANN, now=3 + t)
        assert len(page.notes) == platform.config.page_size
        served.extend(page.notes)
    assert sorted(served) == community
    assert platform.discovery_feed(ANN, now=8).notes == ()


def test_pools_prefer_live_notes_and_serve_retired_ones_last(platform: Platform) -> None:
    """Tier order under ces_pools: pool notes, then live notes of any topic, then retired."""
    config = PlatformConfig(
        recommender="ces_pools",
        pool_quotas=(1, 5),
        pool_thresholds=(0.5,),
        pool_slot_weights=(1, 1),
    )
    p = Platform(config, rng=1)
    reader = p.create_user("reader", "consumer", ["skincare"], now=0)
    other = p.create_user("other", "consumer", ["skincare", "food"], now=0)
    author = p.create_user("author", "creator", ["skincare"], now=0)
    retired = [p.publish(author, ["skincare"], now=1) for _ in range(3)]
    p.discovery_feed(other, now=2, k=3)  # one impression each, no engagement: all retire
    p.review_pools(now=3)
    assert all(p.note(n).pool_stage is None for n in retired)
    off_topic = [p.publish(author, ["food"], now=3) for _ in range(2)]
    live = [p.publish(author, ["skincare"], now=3) for _ in range(2)]
    page = p.discovery_feed(reader, now=4, k=7)
    assert set(page.notes[:2]) == set(live)  # the user's pools
    assert list(page.notes[2:4]) == off_topic[::-1]  # live notes of any topic, newest first
    assert list(page.notes[4:]) == retired[::-1]  # retired: only as the last filler


FEW_TOPICS = st.sampled_from(TOPICS[:5])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    recommender=st.sampled_from(sorted(RECOMMENDERS)),
    note_topics=st.lists(st.lists(FEW_TOPICS, min_size=1, max_size=2), max_size=60),
    interests=st.lists(st.lists(FEW_TOPICS, max_size=2), min_size=1, max_size=4),
    requests=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 12)), max_size=15),
    picks=st.integers(0, 10),
    seed=st.integers(0, 2**32),
)
def test_a_page_is_full_whenever_unseen_notes_exist(
    recommender, note_topics, interests, requests, picks, seed
) -> None:
    """On random platforms, under every recommender, each page holds ``min(k, unseen)`` cards
    and never a card already served to that user (the seen filter is exact at this size)."""
    p = Platform(PlatformConfig(recommender=recommender, seen_window=400), rng=seed)
    users = [p.create_user(f"u{i}", "consumer", mine, now=0) for i, mine in enumerate(interests)]
    author = p.create_user("author", "creator", [], now=0)
    editor = p.create_user("editor", "staff", now=0)
    notes = [p.publish(author, topics, now=1 + i / 10) for i, topics in enumerate(note_topics)]
    for n in notes[:picks]:
        p.pick_note(editor, n, now=8)
    served: dict[int, set[int]] = {u: set() for u in users}
    for t, (who, k) in enumerate(requests):
        user = users[who % len(users)]
        page = p.discovery_feed(user, now=10 + t, k=k).notes
        assert len(page) == min(k, len(notes) - len(served[user]))
        assert not set(page) & served[user]
        served[user].update(page)
