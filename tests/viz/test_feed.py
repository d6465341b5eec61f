"""The feed inspector's read-only helper: a user's last served discovery page from the log."""

from __future__ import annotations

from redloop.platform.api import EventKind
from redloop.viz.feed import PageFinder, last_discovery_page, latest_page, page_at


def _notes(platform, n=6):
    creator = platform.user_id("cy")
    return [
        platform.publish(creator, ["skincare"], products=[0] if i == 2 else [], now=1)
        for i in range(n)
    ]


def test_last_page_is_what_was_served_and_what_the_user_did(platform):
    ann, bo, cy = (platform.user_id(n) for n in ("ann", "bo", "cy"))
    _notes(platform)
    page = platform.discovery_feed(ann, now=2)
    opened, liked = page.notes[0], page.notes[2]
    platform.read(ann, opened, now=2)
    platform.read(ann, liked, now=2)
    platform.like(ann, liked, now=2)
    platform.collect(ann, liked, now=2)
    platform.follow(ann, cy, now=2, via_note=liked)
    platform.place_order(ann, 0, now=2)
    platform.discovery_feed(bo, now=2)  # someone else's session in the same hour
    platform.read(bo, page.notes[1], now=2)

    seen = last_discovery_page(platform.log, ann)

    assert seen is not None
    assert seen.user == ann
    assert [c.note for c in seen.cards] == list(page.notes)
    assert seen.recommender == platform.recommender
    assert {c.note for c in seen.cards if c.opened} == {opened, liked}
    by_note = {c.note: c for c in seen.cards}
    assert by_note[liked].actions == ("liked", "collected", "followed the author")
    assert by_note[opened].actions == ()
    assert seen.orders == (0,)
    assert seen.opened == 2
    assert not any(c.is_ad for c in seen.cards)


def test_a_later_session_is_not_part_of_the_page(platform):
    ann = platform.user_id("ann")
    _notes(platform)
    first = platform.discovery_feed(ann, now=2)
    platform.read(ann, first.notes[0], now=2)
    platform.search(ann, "skincare", now=2)  # a new session at the same instant
    platform.like(ann, first.notes[1], now=2)
    platform.like(ann, first.notes[2], now=3)  # and later ones

    seen = last_discovery_page(platform.log, ann)

    assert seen is not None and seen.time == 2
    assert [c.note for c in seen.cards if c.opened] == [first.notes[0]]
    assert all(c.actions == () for c in seen.cards)


def test_never_served_is_none_and_following_feed_does_not_count(platform):
    ann, bo, cy = (platform.user_id(n) for n in ("ann", "bo", "cy"))
    _notes(platform)
    platform.follow(bo, cy, now=2)
    assert platform.following_feed(bo, now=2)  # a following page, not a discovery page
    assert last_discovery_page(platform.log, ann) is None
    assert last_discovery_page(platform.log, bo) is None


def test_the_finder_only_looks_at_new_events_and_finds_the_newest_page(platform):
    ann, bo = platform.user_id("ann"), platform.user_id("bo")
    _notes(platform, 12)
    finder = PageFinder(platform.log)
    assert finder.last_page(ann) is None
    first = platform.discovery_feed(ann, now=2, k=3)
    assert [c.note for c in finder.last_page(ann).cards] == list(first.notes)
    platform.discovery_feed(bo, now=3, k=3)
    assert [c.note for c in finder.last_page(ann).cards] == list(first.notes)  # unchanged
    second = platform.discovery_feed(ann, now=4, k=3)
    found = finder.last_page(ann)
    assert [c.note for c in found.cards] == list(second.notes)
    assert found.time == 4
    assert page_at(platform.log, found.seq) == found


def test_latest_page_prefers_a_full_page(platform):
    ann = platform.user_id("ann")
    _notes(platform, 12)
    full = platform.discovery_feed(ann, now=2, k=6)
    short = platform.discovery_feed(ann, now=3, k=1)
    assert [c.note for c in latest_page(platform.log, min_cards=1).cards] == list(short.notes)
    page = latest_page(platform.log, min_cards=4)
    assert page.user == ann and [c.note for c in page.cards] == list(full.notes)
    assert latest_page(platform.log, min_cards=50).time == 3  # none that full: the newest


def test_reading_the_log_changes_nothing(platform):
    ann = platform.user_id("ann")
    _notes(platform)
    platform.discovery_feed(ann, now=2)
    before = (platform.fingerprint(), len(platform.log))
    last_discovery_page(platform.log, ann)
    latest_page(platform.log)
    PageFinder(platform.log).last_page(ann)
    assert (platform.fingerprint(), len(platform.log)) == before


def test_ad_slots_are_labelled(young_sim):
    model = young_sim.model
    log = model.platform.log
    served = [
        e
        for e in log
        if e.kind is EventKind.FEED_SERVED and (e.value >> 8 & 0xFF) and not e.value & 0xF
    ]
    assert served, "the baseline's feed-ads brand should have placed at least one ad"
    page = page_at(log, served[-1].seq)
    ads = [c for c in page.cards if c.is_ad]
    assert len(ads) == 1
    assert model.platform.note(ads[0].note).sponsor is not None


def test_a_boosted_card_is_marked_promoted(platform):
    ann, bo = platform.user_id("ann"), platform.user_id("bo")
    _notes(platform, n=12)
    boosted = platform.publish(bo, ["skincare"], now=1)
    platform.create_boost(bo, boosted, 75.0, now=1, hours=6)
    page = platform.discovery_feed(ann, now=2)
    assert page.boost_slots

    seen = last_discovery_page(platform.log, ann)

    assert seen is not None
    assert [c.note for c in seen.cards if c.is_promoted] == [boosted]
    assert not any(c.is_ad for c in seen.cards)
