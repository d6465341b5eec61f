"""Trending topics and products: CES-weighted engagement plus orders over a sliding window."""

from __future__ import annotations

import pytest

from redloop.platform.api import Platform

from ..people import ANN, BO, CY, SERUM


@pytest.fixture
def engaged(platform: Platform) -> tuple[int, int]:
    """Engagement at t=1: food+travel note A (tags serum) gets 1+4, skincare note B 4+1+1."""
    a = platform.publish(CY, ["food", "travel"], now=1, products=[SERUM])
    b = platform.publish(CY, ["skincare"], now=1)
    platform.like(ANN, a, now=1)
    platform.comment(BO, a, "yum", now=1)
    platform.share(ANN, b, now=1)
    platform.like(BO, b, now=1)
    platform.collect(CY, b, now=1)
    return a, b


def test_trending_topics_weight_engagement_by_ces(platform: Platform, engaged) -> None:
    """Scores are CES weights summed per topic; ties break by topic order."""
    assert platform.trending_topics(now=2) == [("skincare", 6.0), ("food", 5.0), ("travel", 5.0)]
    assert platform.trending_topics(now=2, k=1) == [("skincare", 6.0)]


def test_trending_products_count_engagement_and_units_ordered(platform: Platform, engaged) -> None:
    assert platform.trending_products(now=2) == [(SERUM, 5.0)]
    platform.place_order(BO, SERUM, 2, now=2)
    assert platform.trending_products(now=2) == [(SERUM, 7.0)]


def test_reads_and_impressions_do_not_trend(platform: Platform) -> None:
    note = platform.publish(CY, ["home"], now=1, products=[SERUM])
    platform.read(ANN, note, now=1)
    platform.discovery_feed(BO, now=1)
    assert platform.trending_topics(now=1) == []
    assert platform.trending_products(now=1) == []


def test_follow_via_note_trends_with_follow_weight(platform: Platform) -> None:
    note = platform.publish(CY, ["fitness"], now=1)
    platform.follow(ANN, CY, now=1, via_note=note)
    assert platform.trending_topics(now=1) == [("fitness", platform.config.ces_weights[4])]


def test_old_engagement_leaves_the_window(platform: Platform, engaged) -> None:
    """The window is the current hour and the ``trending_window_hours - 1`` before it:
    engagement in hour 1 counts until hour ``1 + window`` begins."""
    window = platform.config.trending_window_hours
    assert platform.trending_topics(now=1 + window - 0.01)
    assert platform.trending_topics(now=1 + window) == []
    note = platform.publish(CY, ["tech"], now=1 + window + 2)
    platform.like(ANN, note, now=1 + window + 2)
    assert platform.trending_topics(now=1 + window + 2) == [("tech", 1.0)]
    assert platform.trending_products(now=1 + window + 2) == []


@pytest.mark.parametrize("later_activity", [False, True])
def test_the_window_does_not_depend_on_later_activity(platform: Platform, later_activity) -> None:
    """Whether or not anything was recorded since, the same hours count at the same time."""
    window = platform.config.trending_window_hours
    note = platform.publish(CY, ["tech"], now=1.5)
    platform.like(ANN, note, now=1.5)
    if later_activity:  # opens a new hourly bucket, which drops the ones out of the window
        platform.like(BO, platform.publish(CY, ["food"], now=window), now=window)
    assert ("tech", 1.0) in platform.trending_topics(now=window + 0.99, k=10)
    assert ("tech", 1.0) not in platform.trending_topics(now=window + 1, k=10)
