"""The creator marketplace: offers, answers, capacity, commission, and who may sponsor a note."""

from __future__ import annotations

import math

import pytest

from redloop.platform.api import (
    Conflict,
    EventKind,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Platform,
    PlatformConfig,
)

from ..people import ANN, BO, CY, GLOWCO, SERUM


def offer(p: Platform, fee: float = 500.0, now: float = 1, **kw) -> int:
    return p.offer_collaboration(GLOWCO, CY, SERUM, fee, now=now, **kw)


def test_offer_accept_publish_pays_the_creator_and_the_platform(platform: Platform) -> None:
    cid = offer(platform, 500.0)
    c = platform.collaboration(cid)
    assert (c.brand, c.creator, c.product, c.fee, c.commission) == (GLOWCO, CY, SERUM, 500.0, 50.0)
    assert (c.status, c.expires_at, c.note) == ("offered", 1 + 72, None)
    assert platform.collaborations_of(CY) == platform.collaborations_of(GLOWCO) == (cid,)
    platform.accept_collaboration(CY, cid, now=2)
    assert platform.collab_money(GLOWCO)["committed"] == 550.0, "fee + 10% commission"
    assert platform.collab_money(CY)["earned"] == 0.0, "paid when the note is out"
    nid = platform.publish(CY, ["skincare"], now=3, products=[SERUM], collaboration=cid)
    note = platform.note(nid)
    assert note.sponsor == GLOWCO and note.sponsored, "the collaboration names the sponsor"
    c = platform.collaboration(cid)
    assert (c.status, c.note) == ("published", nid)
    assert platform.collab_money(CY) == {
        "committed": 0.0,
        "earned": 500.0,
        "platform_commission": 50.0,
    }
    kinds = [e.kind for e in platform.log][-3:]
    assert kinds == [
        EventKind.COLLAB_OFFERED,
        EventKind.COLLAB_ACCEPTED,
        EventKind.COLLAB_PUBLISHED,
    ]
    assert platform.log[len(platform.log) - 1].fields["collaboration"] == cid


def test_unaccepted_or_declined_collaboration_cannot_be_published_as_sponsored(
    platform: Platform, reject
) -> None:
    cid = offer(platform)
    kwargs = {"now": 2, "products": [SERUM], "collaboration": cid}
    err = reject(platform, Forbidden, "collaboration", platform.publish, CY, ["skincare"], **kwargs)
    assert "offered" in str(err) and "accepted" in str(err)
    platform.decline_collaboration(CY, cid, now=2, reason="fee below my price")
    assert platform.collaboration(cid).status == "declined"
    assert platform.collaboration(cid).reason == "fee below my price"
    reject(platform, Forbidden, "collaboration", platform.publish, CY, ["skincare"], **kwargs)
    reject(
        platform, InvalidTransition, "collaboration", platform.accept_collaboration, CY, cid, now=3
    )


def test_only_a_brand_or_its_collaborator_may_publish_a_sponsored_note(
    platform: Platform, reject
) -> None:
    err = reject(
        platform, Forbidden, "sponsor", platform.publish, ANN, ["food"], now=1, sponsor=GLOWCO
    )
    assert "collaboration" in str(err)
    reject(platform, Forbidden, "sponsor", platform.publish, CY, ["food"], now=1, sponsor=GLOWCO)
    own = platform.publish(GLOWCO, ["skincare"], now=1, sponsor=GLOWCO)  # a brand's own note (ads)
    assert platform.note(own).sponsor == GLOWCO
    cid = offer(platform)
    platform.accept_collaboration(CY, cid, now=1)
    for author, field in ((ANN, "collaboration"), (BO, "collaboration")):
        reject(
            platform,
            Forbidden,
            field,
            platform.publish,
            author,
            ["skincare"],
            now=1,
            products=[SERUM],
            collaboration=cid,
        )
    rival = platform.create_user("rival", "brand", now=1)
    reject(
        platform,
        Forbidden,
        "sponsor",
        platform.publish,
        CY,
        ["skincare"],
        now=1,
        products=[SERUM],
        collaboration=cid,
        sponsor=rival,
    )
    reject(
        platform,
        InvalidInput,
        "products",
        platform.publish,
        CY,
        ["skincare"],
        now=1,
        collaboration=cid,
    )
    platform.publish(CY, ["skincare"], now=1, products=[SERUM], collaboration=cid, sponsor=GLOWCO)
    reject(
        platform,
        Forbidden,
        "collaboration",
        platform.publish,
        CY,
        ["skincare"],
        now=1,
        products=[SERUM],
        collaboration=cid,
    )  # published already: one note per collaboration


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "field"),
    [
        ((ANN, CY, SERUM, 500.0), {}, Forbidden, "brand"),
        ((GLOWCO, ANN, SERUM, 500.0), {}, Forbidden, "creator"),  # a consumer
        ((GLOWCO, 99, SERUM, 500.0), {}, NotFound, "creator"),
        ((GLOWCO, CY, 9, 500.0), {}, NotFound, "product"),
        ((GLOWCO, CY, SERUM, 49.99), {}, InvalidInput, "fee"),  # below the minimum price
        ((GLOWCO, CY, SERUM, -1), {}, InvalidInput, "fee"),
        ((GLOWCO, CY, SERUM, 500.0), {"hours": 0}, InvalidInput, "hours"),
        ((GLOWCO, CY, SERUM, 500.0), {"hours": 1.5}, InvalidInput, "hours"),
    ],
)
def test_offer_rejects_bad_input(platform: Platform, reject, args, kwargs, error, field) -> None:
    reject(platform, error, field, platform.offer_collaboration, *args, now=1, **kwargs)


def test_offer_needs_the_brands_own_product_and_an_admitted_creator(reject) -> None:
    p = Platform(PlatformConfig(collab_min_followers=2), rng=1)
    fan, creator = p.create_user("fan", now=0), p.create_user("cy", "creator", now=0)
    brand, other = p.create_user("b", "brand", now=0), p.create_user("o", "brand", now=0)
    mine = p.create_product(brand, "Serum", "skincare", 99.0, 5, now=0)
    theirs = p.create_product(other, "Cream", "skincare", 99.0, 5, now=0)
    reject(p, Forbidden, "product", p.offer_collaboration, brand, creator, theirs, 100.0, now=1)
    p.follow(fan, creator, now=1)
    err = reject(p, Forbidden, "creator", p.offer_collaboration, brand, creator, mine, 100.0, now=1)
    assert "1 followers" in str(err) and "from 2" in str(err)
    p.follow(p.create_user("fan2", now=1), creator, now=1)
    assert p.offer_collaboration(brand, creator, mine, 100.0, now=1) == 0


def test_only_the_offered_creator_answers_and_only_the_brand_withdraws(
    platform: Platform, reject
) -> None:
    cid = offer(platform)
    reject(platform, Forbidden, "creator", platform.accept_collaboration, ANN, cid, now=2)
    reject(platform, Forbidden, "creator", platform.decline_collaboration, GLOWCO, cid, now=2)
    reject(platform, Forbidden, "brand", platform.withdraw_collaboration, CY, cid, now=2)
    reject(platform, NotFound, "collaboration", platform.accept_collaboration, CY, 7, now=2)
    reject(
        platform,
        InvalidInput,
        "reason",
        platform.decline_collaboration,
        CY,
        cid,
        now=2,
        reason="x" * 201,
    )
    platform.withdraw_collaboration(GLOWCO, cid, now=2)
    assert platform.collaboration(cid).status == "withdrawn"
    reject(
        platform, InvalidTransition, "collaboration", platform.decline_collaboration, CY, cid, now=3
    )


def test_unanswered_offers_expire(platform: Platform, reject) -> None:
    early, late = offer(platform, hours=10), offer(platform, hours=100)
    reject(
        platform,
        InvalidTransition,
        "collaboration",
        platform.accept_collaboration,
        CY,
        early,
        now=11,
    )  # past its deadline: too late even before the expiry sweep
    assert platform.expire_collaborations(now=11) == (early,)
    assert platform.expire_collaborations(now=11) == (), "each offer expires once"
    assert [platform.collaboration(c).status for c in (early, late)] == ["expired", "offered"]
    assert platform.collaborations_of(CY, status="expired") == (early,)
    assert platform.log[len(platform.log) - 1].fields == {"status": "expired", "reason": ""}
    platform.accept_collaboration(CY, late, now=12)


def test_weekly_capacity_is_enforced(reject) -> None:
    p = Platform(PlatformConfig(collab_min_followers=0, collab_weekly_capacity=2), rng=1)
    creator, brand = p.create_user("cy", "creator", now=0), p.create_user("b", "brand", now=0)
    product = p.create_product(brand, "Serum", "skincare", 99.0, 5, now=0)
    offers = [
        p.offer_collaboration(brand, creator, product, 100.0, now=0, hours=400) for _ in range(4)
    ]
    p.accept_collaboration(creator, offers[0], now=1)
    p.accept_collaboration(creator, offers[1], now=2)
    assert p.collab_accepted_this_week(creator, now=2) == 2
    err = reject(p, Conflict, "collaboration", p.accept_collaboration, creator, offers[2], now=3)
    assert "2 collaborations in the last 7 days" in str(err)
    # a week after the first acceptance, one slot is free again (a rolling 7 days)
    p.accept_collaboration(creator, offers[2], now=1 + 24 * 7)
    reject(p, Conflict, "collaboration", p.accept_collaboration, creator, offers[3], now=169)


def test_commission_and_payouts_equal_what_the_events_imply(platform: Platform) -> None:
    fees = [120.0, 333.33, 999.99, 75.5]
    cids = [offer(platform, fee, now=i) for i, fee in enumerate(fees)]
    platform.accept_collaboration(CY, cids[0], now=5)
    platform.accept_collaboration(CY, cids[1], now=5)
    platform.decline_collaboration(CY, cids[2], now=5)
    platform.accept_collaboration(CY, cids[3], now=5)
    for cid in cids[:2]:
        platform.publish(CY, ["skincare"], now=6, products=[SERUM], collaboration=cid)
    offered = {e.object: e.fields for e in platform.log if e.kind is EventKind.COLLAB_OFFERED}
    accepted = [e.object for e in platform.log if e.kind is EventKind.COLLAB_ACCEPTED]
    published = [
        e.fields["collaboration"] for e in platform.log if e.kind is EventKind.COLLAB_PUBLISHED
    ]
    commission = sum(offered[c]["commission_cents"] for c in accepted)
    committed = sum(offered[c]["fee_cents"] for c in accepted) + commission
    paid = sum(offered[c]["fee_cents"] for c in published)
    money = platform.collab_money(GLOWCO)
    assert round(money["committed"] * 100) == committed
    assert round(money["platform_commission"] * 100) == commission
    assert round(platform.collab_money(CY)["earned"] * 100) == paid == 12000 + 33333
    assert commission == 1200 + 3333 + 755  # 10%, rounded to the cent, per collaboration


def test_replay_from_a_stored_log_reproduces_the_marketplace(platform: Platform, tmp_path) -> None:
    path = tmp_path / "events.sqlite"
    platform.stream_log(path)
    a, b, c = offer(platform, now=1), offer(platform, now=1, hours=5), offer(platform, now=2)
    platform.accept_collaboration(CY, a, now=2)
    platform.publish(CY, ["skincare"], now=3, products=[SERUM], collaboration=a, title="ok")
    platform.expire_collaborations(now=7)
    platform.decline_collaboration(CY, c, now=8, reason="capacity")
    platform.close_log()
    again = Platform.from_sqlite(path)
    assert again.fingerprint() == platform.fingerprint()
    assert [again.collaboration(x) for x in (a, b, c)] == [
        platform.collaboration(x) for x in (a, b, c)
    ]
    assert again.collab_money(CY) == platform.collab_money(CY)
    table = again.tables()["collaborations"]
    assert list(table["status"]) == [5, 3, 2] and list(table["note"])[1:] == [-1, -1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"collab_min_followers": -1}, "collab_min_followers"),
        ({"collab_min_followers": 2.5}, "collab_min_followers"),
        ({"collab_commission": -0.1}, "collab_commission"),
        ({"collab_commission": 1.5}, "collab_commission"),
        ({"collab_commission": math.nan}, "collab_commission"),
        ({"collab_min_fee": 0}, "collab_min_fee"),
        ({"collab_weekly_capacity": 0}, "collab_weekly_capacity"),
        ({"collab_offer_hours": 0}, "collab_offer_hours"),
        ({"collab_offer_hours": 24 * 31}, "collab_offer_hours"),
    ],
)
def test_marketplace_settings_are_validated(kwargs, field) -> None:
    with pytest.raises(InvalidInput) as info:
        PlatformConfig(**kwargs)
    assert info.value.field == field


def test_marketplace_settings_round_trip_and_default_to_practice() -> None:
    cfg = PlatformConfig(collab_commission=0.2, collab_weekly_capacity=5)
    assert PlatformConfig.from_dict(cfg.to_dict()) == cfg
    default = PlatformConfig()
    assert (default.collab_commission, default.collab_min_fee) == (0.10, 50.0)
