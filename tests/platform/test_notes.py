"""Notes and engagement: publish, read, like/unlike, collect/uncollect, comment, share."""

from __future__ import annotations

import pytest

from redloop.platform.api import (
    Comment,
    EventKind,
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO, MUG, SERUM

# ------------------------------------------------------------------ publish


def test_publish_creates_a_note_with_its_metadata(platform: Platform, sponsored_note) -> None:
    """The note view echoes author, time, format, topics (TOPICS order), tags, sponsor, title."""
    nid = sponsored_note(
        platform,
        CY,
        GLOWCO,
        SERUM,
        topics=["skincare", "beauty"],
        now=3,
        format="video",
        products=[SERUM, MUG],
        title="my routine",
    )
    note = platform.note(nid)
    assert (note.id, note.author, note.created_at, note.format) == (nid, CY, 3.0, "video")
    assert note.topics == ("beauty", "skincare")
    assert note.products == (SERUM, MUG)  # duplicates dropped, order kept
    assert note.sponsor == GLOWCO and note.sponsored
    assert note.title == "my routine"
    assert (
        note.impressions,
        note.reads,
        note.likes,
        note.collects,
        note.comments,
        note.shares,
        note.follows,
        note.ces,
    ) == (0, 0, 0, 0, 0, 0, 0, 0.0)
    assert note.pool_stage == 0  # a new note enters the first traffic pool
    assert platform.notes_by(CY) == (nid,)
    assert platform.user(CY).notes == 1
    assert platform.product(SERUM).notes == 1 and platform.product(MUG).notes == 1


def test_publish_logs_an_event_that_decodes(platform: Platform) -> None:
    n = len(platform.log)
    nid = platform.publish(GLOWCO, ["skincare"], now=1, products=[SERUM], sponsor=GLOWCO, title="t")
    event = platform.log[n]
    assert (event.kind, event.actor, event.object) == (EventKind.NOTE_PUBLISHED, GLOWCO, nid)
    assert event.fields == {
        "topics": ("skincare",),
        "format": "image",
        "sponsor": GLOWCO,
        "products": [SERUM],
        "title": "t",
    }


def test_unsponsored_untagged_note_defaults(platform: Platform) -> None:
    nid = platform.publish(ANN, ["beauty"], now=1)
    note = platform.note(nid)
    assert note.sponsor is None and not note.sponsored
    assert note.products == () and note.title == "" and note.format == "image"


@pytest.mark.parametrize("topics", [["food"], ["food", "travel"], ["food", "travel", "home"]])
def test_publish_accepts_one_to_three_topics(platform: Platform, topics) -> None:
    nid = platform.publish(BO, topics, now=1)
    assert set(platform.note(nid).topics) == set(topics)


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"author": 99}, NotFound, "author"),
        ({"topics": []}, InvalidInput, "topics"),
        ({"topics": ["food", "travel", "home", "tech"]}, InvalidInput, "topics"),
        ({"topics": ["knitting"]}, InvalidInput, "topics"),
        ({"topics": "food"}, InvalidInput, "topics"),
        ({"format": "gif"}, InvalidInput, "format"),
        ({"products": [7]}, NotFound, "products"),
        ({"products": [SERUM, -1]}, NotFound, "products"),
        ({"products": list(range(11))}, InvalidInput, "products"),
        ({"sponsor": ANN}, Forbidden, "sponsor"),  # a consumer cannot sponsor
        ({"sponsor": EDITOR}, Forbidden, "sponsor"),
        ({"sponsor": 99}, NotFound, "sponsor"),
        ({"title": "x" * 201}, InvalidInput, "title"),
        ({"title": 5}, InvalidInput, "title"),
    ],
)
def test_publish_rejects_bad_input(platform: Platform, reject, kwargs, error, field) -> None:
    """Every publish rule: author exists, 1–3 known topics, format, tags, brand sponsor, title."""
    args = {"author": CY, "topics": ["skincare"], **kwargs}
    reject(
        platform,
        error,
        field,
        platform.publish,
        args.pop("author"),
        args.pop("topics"),
        now=1,
        **args,
    )
    assert platform.n_notes == 0


def test_title_of_200_characters_is_accepted(platform: Platform) -> None:
    nid = platform.publish(CY, ["skincare"], now=1, title="t" * 200)
    assert len(platform.note(nid).title) == 200


def test_duplicate_topics_count_once(platform: Platform) -> None:
    """["food", "food"] names one distinct topic."""
    nid = platform.publish(BO, ["food", "food"], now=1)
    assert platform.note(nid).topics == ("food",)


# ------------------------------------------------------------------ read


def test_read_counts_and_logs_the_channel(platform: Platform) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    platform.read(ANN, nid, now=2)
    platform.read(ANN, nid, now=3, channel="search")
    assert platform.note(nid).reads == 2  # every open counts
    channels = [e.fields["channel"] for e in platform.log if e.kind is EventKind.NOTE_READ]
    assert channels == ["discovery", "search"]


def test_read_teaches_the_interest_profile(platform: Platform) -> None:
    nid = platform.publish(BO, ["food"], now=1)
    platform.read(ANN, nid, now=2)
    assert platform.interest_profile(ANN)["food"] > 0


@pytest.mark.parametrize(
    ("user", "note", "channel", "error", "field"),
    [
        (99, 0, "discovery", NotFound, "user"),
        (ANN, 99, "discovery", NotFound, "note"),
        (ANN, 0, "telepathy", InvalidInput, "channel"),
    ],
)
def test_read_rejects_bad_input(
    platform: Platform, reject, user, note, channel, error, field
) -> None:
    platform.publish(CY, ["skincare"], now=1)
    reject(platform, error, field, platform.read, user, note, now=2, channel=channel)


# ------------------------------------------------------------------ like / collect


@pytest.mark.parametrize(
    ("do", "undo", "counter", "has"),
    [
        ("like", "unlike", "likes", "has_liked"),
        ("collect", "uncollect", "collects", "has_collected"),
    ],
)
def test_like_and_collect_are_idempotent_toggles(
    platform: Platform, do, undo, counter, has
) -> None:
    """First call counts and logs; a repeat returns False, logs nothing, counts nothing."""
    nid = platform.publish(CY, ["skincare"], now=1)
    do_, undo_ = getattr(platform, do), getattr(platform, undo)
    assert do_(ANN, nid, now=2) is True
    assert getattr(platform, has)(ANN, nid)
    n, fp = len(platform.log), platform.fingerprint()
    assert do_(ANN, nid, now=3) is False
    assert (len(platform.log), platform.fingerprint()) == (n, fp)
    assert getattr(platform.note(nid), counter) == 1
    assert do_(BO, nid, now=3) is True
    assert getattr(platform.note(nid), counter) == 2
    assert undo_(ANN, nid, now=4) is True
    assert not getattr(platform, has)(ANN, nid)
    assert getattr(platform.note(nid), counter) == 1
    n = len(platform.log)
    assert undo_(ANN, nid, now=5) is False
    assert len(platform.log) == n
    assert getattr(platform.note(nid), counter) == 1


def test_like_and_collect_feed_ces(platform: Platform) -> None:
    """CES = 1·likes + 1·collects + 4·comments + 4·shares + 8·follows with default weights."""
    nid = platform.publish(CY, ["skincare"], now=1)
    platform.like(ANN, nid, now=2)
    platform.collect(ANN, nid, now=2)
    platform.comment(BO, nid, "nice", now=2)
    platform.share(BO, nid, now=2)
    platform.follow(BO, CY, now=2, via_note=nid)
    assert platform.note(nid).ces == 1 + 1 + 4 + 4 + 8


@pytest.mark.parametrize("op", ["like", "unlike", "collect", "uncollect", "share"])
def test_engagement_on_unknown_ids_is_not_found(platform: Platform, reject, op) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    reject(platform, NotFound, "user", getattr(platform, op), 99, nid, now=2)
    reject(platform, NotFound, "note", getattr(platform, op), ANN, 99, now=2)


# ------------------------------------------------------------------ comment / share


def test_comment_appends_to_the_thread(platform: Platform) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    platform.comment(ANN, nid, "where to buy?", now=2)
    platform.comment(ANN, nid, "found it", now=3)
    assert platform.note(nid).comments == 2  # comments are not idempotent
    assert platform.comments(nid) == (
        Comment(ANN, 2.0, "where to buy?"),
        Comment(ANN, 3.0, "found it"),
    )
    assert platform.log[len(platform.log) - 1].fields == {"text": "found it"}


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001, None])
def test_comment_rejects_empty_or_too_long_text(platform: Platform, reject, text) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    reject(platform, InvalidInput, "text", platform.comment, ANN, nid, text, now=2)
    assert platform.comments(nid) == ()


def test_comment_at_the_length_limit_is_accepted(platform: Platform) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    platform.comment(ANN, nid, "x" * platform.config.max_comment_chars, now=2)
    assert platform.note(nid).comments == 1


def test_comment_on_unknown_ids_is_not_found(platform: Platform, reject) -> None:
    reject(platform, NotFound, "note", platform.comment, ANN, 5, "hi", now=2)
    nid = platform.publish(CY, ["skincare"], now=1)
    reject(platform, NotFound, "user", platform.comment, 99, nid, "hi", now=2)


def test_every_share_counts(platform: Platform) -> None:
    """Sharing is not idempotent: each share is one more event and one more count."""
    nid = platform.publish(CY, ["skincare"], now=1)
    n = len(platform.log)
    for t in range(3):
        assert platform.share(ANN, nid, now=2 + t) is None
    assert platform.note(nid).shares == 3
    assert len(platform.log) == n + 3


def test_engagement_teaches_more_than_a_read(platform: Platform) -> None:
    """A like moves the interest profile further than a read (engagement > exposure)."""
    a = platform.publish(CY, ["food"], now=1)
    b = platform.publish(CY, ["travel"], now=1)
    platform.read(ANN, a, now=2)
    platform.like(ANN, b, now=2)
    profile = platform.interest_profile(ANN)
    assert profile["travel"] > profile["food"] > 0


def test_interaction_rate_is_engagements_per_read(platform: Platform) -> None:
    nid = platform.publish(CY, ["skincare"], now=1)
    assert platform.note(nid).interaction_rate == 0.0
    for u in (ANN, BO):
        platform.read(u, nid, now=2)
    platform.like(ANN, nid, now=2)
    assert platform.note(nid).interaction_rate == pytest.approx(0.5)
