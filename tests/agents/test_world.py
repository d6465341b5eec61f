"""Agents need nothing but :class:`redloop.agents.world.World`: each behaviour here runs in a
small fake world (tests/agents/fake_world.py) on a real platform, with no simulation model."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest

from redloop.agents.brand import Brand
from redloop.agents.consumer import Consumer, Creator
from redloop.agents.settings import BrandSettings
from redloop.agents.staff import Editor, ShopOperator
from redloop.agents.steps import run_inline
from redloop.platform.api import TOPICS, Channel

from ..people import ANN, CY, EDITOR, GLOWCO, MUG, SERUM, small_platform
from .fake_world import FakeWorld, as_world, world_members

SKINCARE = 1 << TOPICS.index("skincare")


@pytest.fixture
def world() -> FakeWorld:
    w = FakeWorld(small_platform())
    w.catalogue.add("Glow Serum", "skincare", 199.0, quality=0.9, stock=5)
    w.catalogue.add("Travel Mug", "travel", 59.0, quality=0.5, stock=0)
    return w


def person(world: FakeWorld, cls: type[Consumer], uid: int) -> Consumer:
    agent = cls(as_world(world), uid, SKINCARE, 1_000.0, 1.0, 1.0, 1.0, 0.0)
    world.people.append(agent)
    return agent


def bought(world: FakeWorld, buyer: Consumer) -> int:
    """``buyer`` reads a creator's glowing note about the serum and buys it; the order id."""
    cy = person(world, Creator, CY)
    world.publish_about(cy, SERUM, now=0.0, kind=world.notes.ORGANIC, valence=1.0)
    run_inline(buyer.visit(1.0))
    (order, who, product) = world.offline.orders[-1]
    assert (who, product) == (buyer, SERUM)
    return order


def test_a_consumer_reads_a_card_engages_and_buys_what_it_tags(world: FakeWorld) -> None:
    ann = person(world, Consumer, ANN)
    order = bought(world, ann)
    p = world.platform
    note = p.note(0)
    assert (note.reads, note.likes, note.collects) == (1, 1, 1)
    assert (world.tally.sessions, world.tally.reads, world.tally.discovery_pages) == (1, 1, 1)
    placed = p.order(order)
    assert (placed.buyer, placed.product, placed.status) == (ANN, SERUM, "paid")
    assert world.orders == [placed]  # handed to the world's book-keeping
    wants, everyone = world.columns.wants, np.arange(len(world.columns))
    assert wants.has(ann.row, SERUM) and ann.wanted() == []
    assert wants.owners(everyone).tolist() == [True, False]  # ann has it, cy has nothing
    assert ann.adopted and world.adopters == 1 and ann.spent == 199.0
    assert {a.uid for a in world.agents} == {ANN, CY}  # registered through mesa.Agent


def test_a_review_is_behaviour_steps_that_rate_and_post(world: FakeWorld) -> None:
    ann = person(world, Consumer, ANN)
    order = bought(world, ann)
    p = world.platform
    p.ship(GLOWCO, order, now=2.0)
    p.deliver(GLOWCO, order, now=3.0)
    steps = ann.review(order, SERUM, 0.5, 4.0)
    assert inspect.isgenerator(steps)  # nothing happens until it is driven
    assert p.product(SERUM).reviews == 0
    run_inline(steps)
    page = p.product(SERUM)
    assert (page.reviews, page.rating) == (1, 5.0)  # 3 + 4 × 0.5 stars
    review = p.n_notes - 1
    assert p.note(review).products == (SERUM,) and p.note(review).author == ANN
    assert world.notes.kind[review] == world.notes.REVIEW
    assert world.notes.valence[review] == 1.0


def test_with_sharing_off_the_experience_stays_offline(world: FakeWorld) -> None:
    ann = person(world, Consumer, ANN)
    order = bought(world, ann)
    world.sharing_enabled = False
    notes = world.platform.n_notes
    run_inline(ann.review(order, SERUM, 0.5, 4.0))
    assert world.platform.product(SERUM).reviews == 0 and world.platform.n_notes == notes


def test_a_brand_spends_its_week_on_a_feed_campaign(world: FakeWorld) -> None:
    settings = BrandSettings(name="glowco", budget=700.0, strategy="feed_ads", ad_cpm=30.0)
    brand = Brand(as_world(world), GLOWCO, settings, [SERUM])
    brand.week(0.0)
    (cid,) = brand.campaigns
    campaign = world.platform.campaign(cid)
    assert (campaign.brand, campaign.placement, campaign.budget, campaign.cpm) == (
        GLOWCO,
        "feed",
        700.0,
        30.0,
    )
    assert world.platform.note(campaign.note).sponsor == GLOWCO
    assert world.notes.kind[campaign.note] == world.notes.SPONSORED
    assert world.note_tactic[campaign.note] == world.campaign_tactic[cid] == "feed_ads"
    assert brand.budgeted == 700.0


def test_a_brand_seeds_a_creator_until_their_week_is_full(world: FakeWorld) -> None:
    cy = person(world, Creator, CY)
    world.creators.append(cy)
    settings = BrandSettings(name="glowco", budget=1_000.0, strategy="koc_seeding")
    brand = Brand(as_world(world), GLOWCO, settings, [SERUM])
    brand.spend_budget(1_000.0, "koc_seeding", 0.0)
    offers = [world.platform.collaboration(c) for c in world.platform.collaborations_of(GLOWCO)]
    # ¥200 each (the fee floor at median reach) + 10% commission; three a week, then full
    assert [(o.creator, o.fee, o.status) for o in offers] == [
        *[(CY, 200.0, "accepted")] * 3,
        (CY, 200.0, "declined"),
    ]
    assert brand.spend == pytest.approx(3 * 220.0) and brand.carried["koc_seeding"] == 340.0
    assert brand.ledger[-1]["why_unspent"] == "declined: capacity ×1"
    assert brand.sponsored_notes == []  # the notes go live later, in the offline world
    world.offline.run_all()
    assert len(brand.sponsored_notes) == 3
    delivered = {world.platform.collaboration(o.id).note for o in offers[:3]}
    assert delivered == set(brand.sponsored_notes)  # each booked collaboration, its note
    for note in brand.sponsored_notes:
        assert world.platform.note(note).author == CY
        assert world.note_tactic[note] == "koc_seeding"


def test_creator_fees_follow_the_creator_settings(world: FakeWorld) -> None:
    cy = person(world, Creator, CY)
    on_topic = cy.asking_fee(TOPICS.index("skincare"))
    assert on_topic == world.creator_settings.fee_floor  # reach 1: the median creator
    assert cy.asking_fee(TOPICS.index("travel")) == pytest.approx(1.5 * on_topic)


def test_a_discount_cuts_prices_and_a_later_event_restores_them(world: FakeWorld) -> None:
    settings = BrandSettings(name="glowco", budget=500.0, strategy="discounts", discount=0.25)
    brand = Brand(as_world(world), GLOWCO, settings, [SERUM])
    brand.spend_budget(500.0, "discounts", 0.0)
    assert world.platform.product(SERUM).price == world.catalogue.price[SERUM] == 149.25
    world.offline.run_all()
    assert world.platform.product(SERUM).price == world.catalogue.price[SERUM] == 199.0


def test_staff_curate_by_appeal_and_stock_what_people_talk_about(world: FakeWorld) -> None:
    cy = person(world, Creator, CY)
    for appeal in (0.2, 6.0, 0.3):
        note = world.publish_about(cy, MUG, now=0.0, kind=world.notes.ORGANIC)
        world.notes.appeal[note] = appeal
    editor = Editor(as_world(world), EDITOR, picks_per_day=1)
    assert editor.curate(0, 3, 1.0) == [1]  # the far most appealing one
    shop = ShopOperator(as_world(world), EDITOR, threshold=3, batch=40)
    assert shop.review_catalogue(2.0) == [MUG]
    assert world.platform.product(MUG).stock == 40 and world.catalogue.stock_hint[MUG] == 1


def test_the_fake_offers_exactly_what_the_world_lists(world: FakeWorld) -> None:
    members = world_members()
    assert {"platform", "notes", "publish", "register_agent", "social_proof"} <= members
    assert all(hasattr(world, name) for name in members)


def test_agents_import_nothing_of_the_simulation() -> None:
    code = (
        "import sys, redloop.agents.brand, redloop.agents.consumer, redloop.agents.staff; "
        "print(sorted(m for m in sys.modules if m.startswith(('redloop.sim', 'redloop.scen'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def looked_through(world: FakeWorld, channel: int, likes: tuple[int, ...] = ()) -> list[int]:
    """How often each of six skincare cards was opened over 400 looks at the same page."""
    ann = person(world, Consumer, ANN)
    cy = person(world, Creator, CY)
    organic = world.notes.ORGANIC
    cards = [run_inline(world.publish(cy, ["skincare"], now=0.0, kind=organic)) for _ in range(6)]
    for _ in range(400):
        run_inline(ann.browse(cards, channel, -1, likes, 1.0))
    return [world.platform.note(n).reads for n in cards]


def test_a_lower_card_is_opened_less_often_than_a_top_card(world: FakeWorld) -> None:
    """Every card looked at is opened (open rate 1); half the time the reader stops before
    the next row: the top row of the two-column feed is always seen, the third rarely."""
    world.behaviour.scroll_on = 0.5
    opens = looked_through(world, int(Channel.DISCOVERY))
    assert opens[0] == opens[1] == 400  # the first row: two cards side by side
    assert opens[2] == opens[3] and 150 < opens[2] < 250  # the second row, half the time
    assert opens[4] == opens[5] and 60 < opens[4] < 140  # the third, a quarter


def test_the_following_feed_is_one_card_a_row(world: FakeWorld) -> None:
    world.behaviour.scroll_on = 0.5
    opens = looked_through(world, int(Channel.FOLLOWING))
    assert opens[0] == 400 and 150 < opens[1] < 250 and opens[2] < opens[1]


def test_a_card_showing_more_likes_draws_opens_from_the_others(world: FakeWorld) -> None:
    """Social proof: a card's pull is (1 + likes)^social_proof over the page's mean; here
    (1, 10, 1, 1, 1, 1) over 2.5, so the liked card gets ten times the others' opens and the
    page about as many in all as without the counts (6 × 10% of 400 = 240)."""
    world.behaviour.open_rate, world.behaviour.social_proof = 0.1, 0.5
    opens = looked_through(world, int(Channel.DISCOVERY), likes=(0, 99, 0, 0, 0, 0))
    assert 140 < opens[1] < 180  # 0.1 × 10 / 2.5 = 40% of 400
    assert all(4 < n < 30 for n in opens[:1] + opens[2:])  # 0.1 / 2.5 = 4%: 16 expected
    assert 180 < sum(opens) < 300
