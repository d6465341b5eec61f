"""Authorisation lives in the platform: who may read an order, a campaign, a boost or a
collaboration (the HTTP layer maps a False to 403), and the roles that decide who may act."""

from __future__ import annotations

import pytest

from redloop.platform.api import Forbidden, NotFound, Platform
from redloop.platform.authz import Role

from ..people import ANN, BO, CY, EDITOR, GLOWCO, SERUM
from .conftest import Reject


def readers(p: Platform, may_read: str, thing: int) -> set[int]:
    """The users of the shared fixture ``may_read(viewer, thing)`` lets in; reading logs nothing."""
    before = (p.fingerprint(), len(p.log))
    allowed = {u for u in range(p.n_users) if getattr(p, may_read)(u, thing)}
    assert (p.fingerprint(), len(p.log)) == before
    return allowed


def test_an_order_is_read_by_its_buyer_the_seller_and_staff(platform: Platform) -> None:
    order = platform.place_order(ANN, SERUM, 1, now=1)
    assert readers(platform, "may_read_order", order) == {ANN, GLOWCO, EDITOR}


def test_a_campaign_is_read_by_its_brand_and_staff(platform: Platform) -> None:
    note = platform.publish(GLOWCO, ["skincare"], now=1, products=[SERUM], sponsor=GLOWCO)
    campaign = platform.create_campaign(GLOWCO, note, 10.0, now=1)
    assert readers(platform, "may_read_campaign", campaign) == {GLOWCO, EDITOR}


def test_a_boost_is_read_by_its_buyer_and_staff(platform: Platform) -> None:
    note = platform.publish(CY, ["skincare"], now=1)
    boost = platform.create_boost(CY, note, 75.0, now=1)
    assert readers(platform, "may_read_boost", boost) == {CY, EDITOR}


def test_a_collaboration_is_read_by_its_parties_and_staff(
    platform: Platform, reject: Reject
) -> None:
    cid = platform.offer_collaboration(GLOWCO, CY, SERUM, 100.0, now=1)
    assert readers(platform, "may_read_collaboration", cid) == {GLOWCO, CY, EDITOR}
    reject(platform, Forbidden, "collaboration", platform.collaboration, cid, viewer=ANN)
    assert platform.collaboration(cid, viewer=CY).creator == CY


@pytest.mark.parametrize(
    "may_read", ["may_read_order", "may_read_campaign", "may_read_boost", "may_read_collaboration"]
)
def test_unknown_things_and_viewers_are_not_found(
    platform: Platform, reject: Reject, may_read: str
) -> None:
    reject(
        platform, NotFound, may_read.removeprefix("may_read_"), getattr(platform, may_read), ANN, 9
    )
    order = platform.place_order(ANN, SERUM, 1, now=1)
    assert platform.may_read_order(ANN, order)
    reject(platform, NotFound, "viewer", platform.may_read_order, 99, order)


def test_the_roles_decide_who_may_move_an_order(platform: Platform, reject: Reject) -> None:
    assert [r.value for r in Role] == ["buyer", "seller", "either", "brand", "creator"]
    order = platform.place_order(ANN, SERUM, 1, now=1)
    reject(platform, Forbidden, "actor", platform.pay, BO, order, now=1)  # BUYER
    platform.pay(ANN, order, now=1)
    reject(platform, Forbidden, "actor", platform.ship, ANN, order, now=1)  # SELLER
    platform.ship(EDITOR, order, now=1)  # staff sells on any brand's behalf
    other = platform.place_order(ANN, SERUM, 1, now=2)
    reject(platform, Forbidden, "actor", platform.cancel, BO, other, now=2)  # EITHER
    platform.cancel(GLOWCO, other, now=2)
