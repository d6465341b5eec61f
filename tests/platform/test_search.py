"""Search: topic / product / brand matching, ranking, logging as intent, search ads."""

from __future__ import annotations

import pytest

from redloop.platform.api import EventKind, InvalidInput, NotFound, Platform, SearchResult

from ..people import ANN, BO, CY, GLOWCO, MUG, SERUM


@pytest.fixture
def notes(platform: Platform) -> dict[str, int]:
    p = platform
    return {
        "serum_review": p.publish(CY, ["skincare"], now=1, products=[SERUM]),
        "mug_review": p.publish(BO, ["travel"], now=1, products=[MUG]),
        "skincare_tip": p.publish(CY, ["skincare"], now=1),
        "food": p.publish(BO, ["food"], now=1),
    }


def test_search_by_topic(platform: Platform, notes) -> None:
    result = platform.search(ANN, "best Skincare routine", now=2)
    assert isinstance(result, SearchResult)
    assert result.topics == ("skincare",)
    assert result.products == ()
    assert set(result.notes) == {notes["serum_review"], notes["skincare_tip"]}
    assert result.ad_note is None


def test_search_by_product_name_needs_every_name_token(platform: Platform, notes) -> None:
    assert platform.search(ANN, "glow serum", now=2).products == (SERUM,)
    assert platform.search(ANN, "serum", now=2).products == (SERUM,)
    assert platform.search(ANN, "glow mug", now=2).products == ()  # no product is both
    result = platform.search(ANN, "travel mug", now=2)
    assert result.products == (MUG,) and result.topics == ("travel",)
    assert set(result.notes) == {notes["mug_review"]}


def test_search_by_brand_finds_all_its_products_and_their_notes(platform: Platform, notes) -> None:
    result = platform.search(ANN, "GlowCo", now=2)
    assert result.products == (SERUM, MUG)
    assert set(result.notes) == {notes["serum_review"], notes["mug_review"]}


def test_search_without_matches_is_empty_but_logged(platform: Platform, notes) -> None:
    n = len(platform.log)
    result = platform.search(ANN, "zzz qqq", now=2)
    assert (result.topics, result.products, result.notes) == ((), (), ())
    assert len(platform.log) == n + 1


def test_search_is_logged_with_query_and_results(platform: Platform, notes) -> None:
    n = len(platform.log)
    result = platform.search(BO, "food", now=2)
    event = platform.log[n]
    assert (event.kind, event.actor, event.time) == (EventKind.SEARCHED, BO, 2.0)
    assert event.fields["query"] == "food"
    assert event.fields["results"] == list(result.notes) == [notes["food"]]
    assert platform.note(notes["food"]).impressions == 1  # results are impressions


def test_search_ranks_by_engagement(platform: Platform, notes) -> None:
    """At equal age the note with more CES ranks first; the limit caps the results."""
    platform.comment(ANN, notes["skincare_tip"], "love it", now=2)
    result = platform.search(BO, "skincare", now=3)
    assert result.notes == (notes["skincare_tip"], notes["serum_review"])
    assert platform.search(BO, "skincare", now=3, limit=1).notes == (notes["skincare_tip"],)


def test_search_ranking_decays_with_age(platform: Platform, notes) -> None:
    """Equal engagement: the newer note wins once the old one has aged."""
    newer = platform.publish(CY, ["food"], now=1 + 3 * platform.config.decay_half_life_hours)
    result = platform.search(ANN, "food", now=platform.now)
    assert result.notes == (newer, notes["food"])


@pytest.mark.parametrize(
    ("user", "query", "limit", "error", "field"),
    [
        (99, "food", 20, NotFound, "user"),
        (ANN, "", 20, InvalidInput, "query"),
        (ANN, "  ", 20, InvalidInput, "query"),
        (ANN, "x" * 201, 20, InvalidInput, "query"),
        (ANN, None, 20, InvalidInput, "query"),
        (ANN, "food", 0, InvalidInput, "limit"),
        (ANN, "food", 101, InvalidInput, "limit"),
    ],
)
def test_search_rejects_bad_input(
    platform: Platform, notes, reject, user, query, limit, error, field
) -> None:
    reject(platform, error, field, platform.search, user, query, now=2, limit=limit)


def test_search_ad_matches_the_query_topic_and_is_charged(platform: Platform, notes) -> None:
    ad = platform.publish(GLOWCO, ["skincare"], now=1, products=[SERUM])
    cid = platform.create_campaign(GLOWCO, ad, 10.0, now=2, placement="search", cpm=100.0)
    assert platform.search(ANN, "food", now=3).ad_note is None  # other topic: no ad
    assert platform.campaign(cid).impressions == 0
    before = platform.note(ad).impressions
    result = platform.search(ANN, "skincare", now=3)
    assert result.ad_note == ad
    assert platform.campaign(cid).impressions == 1
    assert platform.campaign(cid).spent == pytest.approx(platform.config.ad_reserve_cpm / 1000)
    assert platform.note(ad).impressions > before
    # feed placement campaigns never show in search, and vice versa
    assert platform.discovery_feed(ANN, now=4).ad_slots == ()


def test_search_ad_for_a_brand_query_uses_its_products_topics(platform: Platform) -> None:
    """A brand whose two products share a topic: a query naming the brand shows that topic's ad."""
    brand = platform.create_user("acme", "brand", [], now=0)
    a = platform.create_product(brand, "Alpha Cream", "skincare", 10.0, 5, now=0)
    platform.create_product(brand, "Beta Cream", "skincare", 10.0, 5, now=0)
    ad = platform.publish(brand, ["skincare"], now=1, products=[a])
    fashion = platform.publish(brand, ["fashion"], now=1)
    platform.create_campaign(brand, fashion, 10.0, now=1, placement="search")
    platform.create_campaign(brand, ad, 10.0, now=1, placement="search")
    assert platform.search(ANN, "acme", now=2).ad_note == ad
    assert platform.search(ANN, "cream", now=2).ad_note == ad


def test_search_sees_brands_and_products_added_after_a_query(platform: Platform) -> None:
    """Matches are remembered per query, but never past a change to the catalogue."""
    assert platform.search(ANN, "serum", now=2).products == (SERUM,)
    assert platform.search(ANN, "dewlab", now=2).products == ()
    night = platform.create_product(GLOWCO, "Night Serum", "skincare", 99.0, 5, now=3)
    assert platform.search(ANN, "serum", now=3).products == (SERUM, night)
    dewlab = platform.create_user("DewLab", "brand", [], now=4)
    assert platform.search(ANN, "dewlab", now=4).products == ()  # a brand with no products yet
    mist = platform.create_product(dewlab, "Face Mist", "skincare", 49.0, 5, now=5)
    assert platform.search(ANN, "dewlab", now=5).products == (mist,)
