"""Paid placements: creating/stopping campaigns, feed-ad insertion, CPM charging, budgets."""

from __future__ import annotations

import pytest

from redloop.platform.api import (
    AdCampaign,
    Channel,
    EventKind,
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
)

from ..people import ANN, BO, CY, GLOWCO, SERUM


@pytest.fixture
def organic(platform: Platform) -> list[int]:
    """20 organic notes in ann's and bo's topics, so pages are full."""
    return [
        platform.publish(CY, [("skincare", "beauty", "food", "travel")[i % 4]], now=1)
        for i in range(20)
    ]


@pytest.fixture
def ad_note(platform: Platform) -> int:
    """A skincare note written by the brand itself."""
    return platform.publish(GLOWCO, ["skincare"], now=1, products=[SERUM], title="Glow!")


def test_create_campaign_defaults_to_the_note_topics(platform: Platform, ad_note) -> None:
    cid = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2)
    assert platform.campaign(cid) == AdCampaign(
        id=cid,
        brand=GLOWCO,
        note=ad_note,
        placement="feed",
        topics=("skincare",),
        budget=100.0,
        spent=0.0,
        cpm=50.0,
        impressions=0,
        active=True,
        start=2.0,
    )
    event = platform.log[len(platform.log) - 1]
    assert event.kind is EventKind.CAMPAIGN_CREATED
    assert event.fields["placement"] == "feed" and event.fields["topics"] == ("skincare",)


def test_campaign_created_event_decodes_budget_and_cpm(platform: Platform, ad_note) -> None:
    """The event's fields report the note, the budget and the CPM in cents."""
    platform.create_campaign(GLOWCO, ad_note, 12.5, now=2, cpm=30.0, topics=["food"])
    fields = platform.log[len(platform.log) - 1].fields
    assert fields["note"] == ad_note
    assert fields["budget_cents"] == 1250 and fields["cpm_cents"] == 3000
    assert fields["topics"] == ("food",)


def test_a_brand_may_promote_a_note_it_sponsored(platform: Platform, sponsored_note) -> None:
    nid = sponsored_note(platform, CY, GLOWCO, SERUM, now=1)
    cid = platform.create_campaign(GLOWCO, nid, 10.0, now=2)
    assert platform.campaign(cid).note == nid


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"brand": ANN}, Forbidden, "brand"),
        ({"brand": 99}, NotFound, "brand"),
        ({"note": 999}, NotFound, "note"),
        ({"note": "other"}, Forbidden, "note"),  # a note neither written nor sponsored by them
        ({"placement": "billboard"}, InvalidInput, "placement"),
        ({"topics": ["knitting"]}, InvalidInput, "topics"),
        ({"topics": []}, InvalidInput, "topics"),
        ({"budget": 0}, InvalidInput, "budget"),
        ({"budget": -5.0}, InvalidInput, "budget"),
        ({"cpm": 0}, InvalidInput, "cpm"),
        ({"budget": 0.01, "cpm": 50.0}, InvalidInput, "budget"),  # cannot buy one impression
    ],
)
def test_create_campaign_rejects_bad_input(
    platform: Platform, ad_note, reject, kwargs, error, field
) -> None:
    other = platform.publish(CY, ["skincare"], now=1)
    args = {"brand": GLOWCO, "note": ad_note, "budget": 100.0, **kwargs}
    if args["note"] == "other":
        args["note"] = other
    reject(
        platform,
        error,
        field,
        platform.create_campaign,
        args.pop("brand"),
        args.pop("note"),
        args.pop("budget"),
        now=2,
        **args,
    )


def test_feed_ad_is_inserted_at_the_ad_slot_and_charged(
    platform: Platform, organic, ad_note
) -> None:
    """A campaign targeting ann's interests puts its note at ``ad_slot``; bidding alone, it
    pays the reserve price per impression."""
    cid = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2, cpm=50.0)
    page = platform.discovery_feed(ANN, now=3)
    slot = platform.config.ad_slot
    assert page.ad_slots == (slot,)
    assert page.notes[slot] == ad_note
    assert page.channel_of(slot) is Channel.AD
    assert page.channel_of(0) is Channel.DISCOVERY
    assert page.notes.count(ad_note) == 1
    assert len(page.notes) == platform.config.page_size
    campaign = platform.campaign(cid)
    assert campaign.impressions == 1
    assert campaign.spent == pytest.approx(platform.config.ad_reserve_cpm / 1000)
    assert platform.note(ad_note).impressions == 1


def test_feed_ad_only_reaches_targeted_interests(platform: Platform, organic, ad_note) -> None:
    """bo (food, travel) gets no skincare ad; a campaign targeting food reaches him."""
    skincare = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2)
    assert platform.discovery_feed(BO, now=3).ad_slots == ()
    assert platform.campaign(skincare).impressions == 0
    food = platform.create_campaign(GLOWCO, ad_note, 100.0, now=4, topics=["food"])
    page = platform.discovery_feed(BO, now=5)
    assert page.ad_slots and page.notes[page.ad_slots[0]] == ad_note
    assert platform.campaign(food).impressions == 1


def test_campaign_stops_when_budget_is_spent(platform: Platform, organic, ad_note) -> None:
    """A budget for exactly 3 impressions at the reserve price (1 fen each) buys 3 ad slots;
    then the campaign is inactive."""
    cid = platform.create_campaign(GLOWCO, ad_note, 0.03, now=2, cpm=20.0)
    ads = 0
    for t in range(6):
        ads += len(platform.discovery_feed(ANN, now=3 + t).ad_slots)
    campaign = platform.campaign(cid)
    assert ads == campaign.impressions == 3
    assert campaign.spent == pytest.approx(0.03)
    assert campaign.spent <= campaign.budget
    assert not campaign.active


def test_ad_fits_pages_shorter_than_the_ad_slot(platform: Platform, organic, ad_note) -> None:
    """With k <= ad_slot the ad still appears, inside the page, at most k cards."""
    cid = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2, topics=["food"])
    for k in (1, 2, 3):
        page = platform.discovery_feed(BO, now=3, k=k)
        assert len(page.notes) == k
        (slot,) = page.ad_slots
        assert page.notes[slot] == ad_note
    assert platform.campaign(cid).impressions == 3


def test_ad_note_is_not_duplicated_when_also_recommended(platform: Platform) -> None:
    """If the recommender picks the ad note too, it appears once, in the ad slot."""
    nid = platform.publish(GLOWCO, ["skincare"], now=1)
    platform.create_campaign(GLOWCO, nid, 100.0, now=2)
    page = platform.discovery_feed(ANN, now=3)  # the only note: recommended and advertised
    assert page.notes == (nid,) and page.ad_slots == (0,)


def test_stop_campaign(platform: Platform, organic, ad_note, reject) -> None:
    cid = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2)
    other_brand = platform.create_user("rival", "brand", [], now=2)
    reject(platform, Forbidden, "brand", platform.stop_campaign, other_brand, cid, now=3)
    reject(platform, NotFound, "campaign", platform.stop_campaign, GLOWCO, 9, now=3)
    reject(platform, NotFound, "brand", platform.stop_campaign, 99, cid, now=3)
    assert platform.stop_campaign(GLOWCO, cid, now=3) is True
    assert not platform.campaign(cid).active
    assert platform.log[len(platform.log) - 1].kind is EventKind.CAMPAIGN_STOPPED
    events = len(platform.log)
    assert platform.stop_campaign(GLOWCO, cid, now=3) is False  # already stopped: no event
    assert len(platform.log) == events
    reject(platform, InvalidInput, "now", platform.stop_campaign, GLOWCO, cid, now=2)
    assert platform.discovery_feed(ANN, now=4).ad_slots == ()


def test_campaigns_rotate(platform: Platform, organic, ad_note) -> None:
    """Two campaigns for the same audience take turns."""
    other = platform.publish(GLOWCO, ["beauty"], now=1)
    a = platform.create_campaign(GLOWCO, ad_note, 100.0, now=2)
    b = platform.create_campaign(GLOWCO, other, 100.0, now=2)
    for t in range(4):
        platform.discovery_feed(ANN, now=3 + t)
    assert platform.campaign(a).impressions == platform.campaign(b).impressions == 2


def test_unknown_campaign_view_is_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as info:
        platform.campaign(0)
    assert info.value.field == "campaign"
