"""Accounts and the follow graph: create_user, follow, unfollow and their read views."""

from __future__ import annotations

import pytest

from redloop.platform.api import (
    TOPICS,
    EventKind,
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
    User,
)

from ..people import ANN, BO, CY, EDITOR, GLOWCO


def test_create_user_returns_dense_ids_and_a_view(platform: Platform) -> None:
    """Ids follow creation order; the view reports kind, interests (in TOPICS order) and zeros."""
    uid = platform.create_user("dee", "creator", ["travel", "food"], now=1)
    assert uid == 5 == platform.n_users - 1
    assert platform.user(uid) == User(
        id=uid,
        name="dee",
        kind="creator",
        interests=("food", "travel"),
        created_at=1.0,
        followers=0,
        following=0,
        notes=0,
    )
    assert platform.user_id("dee") == uid
    assert platform.user(ANN).kind == "consumer"
    assert platform.user(GLOWCO).kind == "brand"
    assert platform.user(EDITOR).kind == "staff"


def test_create_user_logs_one_event(platform: Platform) -> None:
    """The USER_CREATED event decodes back to the account's kind, interests and name."""
    n = len(platform.log)
    uid = platform.create_user("eve", "consumer", ["tech"], now=2)
    assert len(platform.log) == n + 1
    event = platform.log[n]
    assert (event.kind, event.time, event.actor, event.object) == (
        EventKind.USER_CREATED,
        2.0,
        uid,
        uid,
    )
    assert event.fields == {"kind": "consumer", "interests": ("tech",), "name": "eve"}


def test_declared_interests_seed_the_interest_profile(platform: Platform) -> None:
    """Declared interests start at affinity 1, every other topic at 0."""
    profile = platform.interest_profile(ANN)
    assert set(profile) == set(TOPICS)
    assert {t for t, v in profile.items() if v} == {"beauty", "skincare"}
    assert profile["beauty"] == profile["skincare"] == 1.0


def test_a_user_may_declare_no_or_all_interests(platform: Platform) -> None:
    """Interests may be empty or name every topic (unlike a note's 1–3 topics)."""
    none = platform.create_user("none", "consumer", [], now=0)
    every = platform.create_user("every", "consumer", list(TOPICS), now=0)
    assert platform.user(none).interests == ()
    assert platform.user(every).interests == TOPICS


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "x", "kind": "robot"}, "kind"),
        ({"name": "x", "interests": ["knitting"]}, "interests"),
        ({"name": "x", "interests": "food"}, "interests"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"name": 7}, "name"),
        ({"name": "ann"}, "name"),  # taken
    ],
)
def test_create_user_rejects_bad_input(platform: Platform, reject, kwargs, field) -> None:
    """Bad kind, unknown interest, empty/too long/duplicate names are InvalidInput."""
    name = kwargs.pop("name")
    reject(platform, InvalidInput, field, platform.create_user, name, now=1, **kwargs)


def test_name_length_limit_is_inclusive(platform: Platform) -> None:
    """A name of exactly max_name_chars characters is accepted."""
    limit = platform.config.max_name_chars
    uid = platform.create_user("y" * limit, now=1)
    assert platform.user(uid).name == "y" * limit


def test_unknown_user_name_is_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as info:
        platform.user_id("nobody")
    assert info.value.field == "name"


def test_follow_updates_both_sides(platform: Platform) -> None:
    """A follow adds one edge: following/followers lists, counts and is_following."""
    assert platform.follow(ANN, CY, now=1) is True
    assert platform.follow(BO, CY, now=1) is True
    assert platform.is_following(ANN, CY) and not platform.is_following(CY, ANN)
    assert platform.following(ANN) == (CY,)
    assert set(platform.followers(CY)) == {ANN, BO}
    assert platform.user(CY).followers == 2
    assert platform.user(ANN).following == 1
    assert platform.user(CY).following == 0


def test_follow_is_idempotent(platform: Platform) -> None:
    """Following twice returns False the second time, logs nothing and counts once."""
    platform.follow(ANN, CY, now=1)
    n, fp = len(platform.log), platform.fingerprint()
    assert platform.follow(ANN, CY, now=2) is False
    assert len(platform.log) == n
    assert platform.fingerprint() == fp
    assert platform.user(CY).followers == 1


def test_unfollow_removes_the_edge_and_is_idempotent(platform: Platform) -> None:
    platform.follow(ANN, CY, now=1)
    assert platform.unfollow(ANN, CY, now=2) is True
    assert not platform.is_following(ANN, CY)
    assert platform.user(CY).followers == 0 and platform.user(ANN).following == 0
    assert platform.followers(CY) == ()
    n = len(platform.log)
    assert platform.unfollow(ANN, CY, now=3) is False
    assert len(platform.log) == n
    # and the edge can come back
    assert platform.follow(ANN, CY, now=4) is True
    assert platform.user(CY).followers == 1


def test_self_follow_is_forbidden(platform: Platform, reject) -> None:
    reject(platform, Forbidden, "target", platform.follow, ANN, ANN, now=1)
    reject(platform, Forbidden, "target", platform.unfollow, ANN, ANN, now=1)


@pytest.mark.parametrize(
    ("user", "target", "field"),
    [(99, CY, "user"), (ANN, 99, "target"), (-1, CY, "user"), (ANN, -1, "target")],
)
def test_follow_unknown_accounts_are_not_found(
    platform: Platform, reject, user, target, field
) -> None:
    reject(platform, NotFound, field, platform.follow, user, target, now=1)
    reject(platform, NotFound, field, platform.unfollow, user, target, now=1)


def test_follow_via_note_credits_the_note(platform: Platform) -> None:
    """A follow made from a note's page adds one follow (CES weight 8) to that note."""
    note = platform.publish(CY, ["skincare"], now=1)
    assert platform.follow(ANN, CY, now=2, via_note=note) is True
    view = platform.note(note)
    assert view.follows == 1
    assert view.ces == platform.config.ces_weights[4]
    assert platform.log[len(platform.log) - 1].fields == {"via_note": note}
    # an idempotent repeat credits nothing
    assert platform.follow(ANN, CY, now=3, via_note=note) is False
    assert platform.note(note).follows == 1


def test_follow_via_note_by_someone_else_is_rejected(platform: Platform, reject) -> None:
    """The note must be by the followed account."""
    note = platform.publish(BO, ["food"], now=1)
    reject(platform, InvalidInput, "via_note", platform.follow, ANN, CY, now=2, via_note=note)
    reject(platform, NotFound, "via_note", platform.follow, ANN, CY, now=2, via_note=99)
    assert not platform.is_following(ANN, CY)
