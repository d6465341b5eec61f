"""Who may act on, and who may read, an order, a campaign, a boost or a collaboration.

The rules live here once: the commands raise :class:`~.errors.Forbidden` through the
``_check_*`` methods, and the ``may_read_*`` queries answer the HTTP layer (which only maps a
False to 403). Platform staff may read everything and act as any seller.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import Forbidden
from .model import AccountKind
from .state import PlatformState

__all__ = ["Authorisation", "Role"]

_STAFF = int(AccountKind.STAFF)


class Role(StrEnum):
    """Whose part an action is, for the rules that decide who may take it."""

    BUYER = "buyer"  # the order's buyer
    SELLER = "seller"  # the product's brand, or staff
    EITHER = "either"  # the buyer or a seller
    BRAND = "brand"  # a collaboration's brand
    CREATOR = "creator"  # a collaboration's creator


class Authorisation(PlatformState):
    """The authorisation rules, on the platform's own state."""

    def _is_staff(self, user: int) -> bool:
        return self._accounts.kind[user] == _STAFF

    def _may_sell(self, actor: int, product: int) -> bool:
        return actor == self._shop.brand[product] or self._is_staff(actor)

    def _check_seller(self, actor: int, product: int) -> None:
        self._accounts.check(actor, "actor")
        if not self._may_sell(actor, product):
            raise Forbidden(
                f"user {actor} is neither the brand of product {product} nor platform staff",
                field="actor",
                value=actor,
            )

    def _check_order_actor(self, actor: int, order: int, role: Role, action: str) -> None:
        """``actor`` may take ``action`` on ``order`` as ``role`` (BUYER, SELLER or EITHER)."""
        self._shop.check_order(order)
        self._accounts.check(actor, "actor")
        buyer = self._shop.buyer[order]
        if role is Role.BUYER and actor != buyer:
            raise Forbidden(
                f"only the buyer (user {buyer}) may {action} order {order}",
                field="actor",
                value=actor,
            )
        if role is Role.SELLER or (role is Role.EITHER and actor != buyer):
            self._check_seller(actor, self._shop.product[order])

    def _check_party(self, actor: int, collaboration: int, role: Role) -> None:
        """``actor`` is the collaboration's BRAND or CREATOR."""
        self._collabs.check_party(collaboration, actor, role.value)

    # ---------------------------------------------------------------- reading

    def may_read_order(self, viewer: int, order: int) -> bool:
        """Its buyer, the product's brand and staff may read an order."""
        self._shop.check_order(order)
        self._accounts.check(viewer, "viewer")
        return viewer == self._shop.buyer[order] or self._may_sell(
            viewer, self._shop.product[order]
        )

    def may_read_campaign(self, viewer: int, campaign: int) -> bool:
        """Its brand and staff may read a campaign."""
        self._ads.check(campaign)
        self._accounts.check(viewer, "viewer")
        return viewer == self._ads.brand[campaign] or self._is_staff(viewer)

    def may_read_boost(self, viewer: int, boost: int) -> bool:
        """Its buyer and staff may read a boost."""
        self._boosts.check(boost)
        self._accounts.check(viewer, "viewer")
        return viewer == self._boosts.buyer[boost] or self._is_staff(viewer)

    def may_read_collaboration(self, viewer: int, collaboration: int) -> bool:
        """Its brand, its creator and staff may read a collaboration."""
        self._collabs.check(collaboration)
        self._accounts.check(viewer, "viewer")
        collabs = self._collabs
        return viewer in (collabs.brand[collaboration], collabs.creator[collaboration]) or (
            self._is_staff(viewer)
        )
