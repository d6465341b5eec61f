"""The operations the platform and its HTTP client both offer, as one :class:`Protocol`.

Agent code typed against :class:`PlatformOps` runs on the in-process
:class:`~redloop.platform.core.Platform` and on a :class:`~redloop.platform.client.Client`
alike: the same names, arguments and return types (the platform's own frozen views). The
client's methods are generated from these signatures (``ops.py``), so they cannot drift; a
test holds ``Platform`` to them too. :class:`ClientOps` adds what only the client has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from ..collabs import Collaboration, CollabStatus
from ..model import (
    AccountKind,
    AdCampaign,
    AdPlacement,
    Boost,
    BoostGoal,
    Channel,
    DiscoveryPage,
    Note,
    NoteFormat,
    Order,
    Origin,
    Product,
    ProductPage,
    SearchResult,
    User,
)
from ..shares import Cascade, Share, SharedItem

__all__ = ["ClientOps", "PlatformOps"]


@runtime_checkable
class PlatformOps(Protocol):
    """Commands and queries of the platform that the HTTP service also serves."""

    def create_user(
        self,
        name: str,
        kind: str | AccountKind = "consumer",
        interests: Iterable[str] = (),
        *,
        now: float,
    ) -> int: ...
    def user(self, user: int) -> User: ...
    def follow(
        self, user: int, target: int, *, now: float, via_note: int | None = None
    ) -> bool: ...
    def unfollow(self, user: int, target: int, *, now: float) -> bool: ...
    def publish(
        self,
        author: int,
        topics: Iterable[str],
        *,
        now: float,
        format: str | NoteFormat = "image",
        products: Iterable[int] = (),
        sponsor: int | None = None,
        title: str = "",
        collaboration: int | None = None,
    ) -> int: ...
    def note(self, note: int) -> Note: ...
    def read(
        self, user: int, note: int, *, now: float, channel: str | int = Channel.DISCOVERY
    ) -> None: ...
    def like(self, user: int, note: int, *, now: float) -> bool: ...
    def unlike(self, user: int, note: int, *, now: float) -> bool: ...
    def collect(self, user: int, note: int, *, now: float) -> bool: ...
    def uncollect(self, user: int, note: int, *, now: float) -> bool: ...
    def comment(self, user: int, note: int, text: str, *, now: float) -> None: ...
    def share(self, user: int, note: int, *, now: float) -> None: ...
    def followers(self, user: int) -> tuple[int, ...]: ...
    def deliver_share(
        self, user: int, note: int, to: Iterable[int], *, now: float, parent: int | None = None
    ) -> int: ...
    def share_outside(
        self, user: int, note: int, *, now: float, parent: int | None = None
    ) -> int: ...
    def share_visited(self, share: int, visitors: int, *, now: float) -> None: ...
    def sign_up_via_share(
        self, share: int, name: str, interests: Iterable[str] = (), *, now: float
    ) -> int: ...
    def shared_with(
        self, user: int, *, after: int | None = None, limit: int = 20
    ) -> tuple[SharedItem, ...]: ...
    def share_info(self, share: int) -> Share: ...
    def cascade(self, note: int) -> Cascade: ...
    def following_feed(
        self, user: int, *, now: float, before: int | None = None, limit: int = 20
    ) -> list[int]: ...
    def discovery_feed(self, user: int, *, now: float, k: int | None = None) -> DiscoveryPage: ...
    def search(self, user: int, query: str, *, now: float, limit: int = 20) -> SearchResult: ...
    def create_product(
        self,
        brand: int,
        name: str,
        topic: str,
        price: float,
        stock: int = 0,
        *,
        now: float,
        origin: str | Origin = "domestic",
    ) -> int: ...
    def product(self, product: int) -> Product: ...
    def product_page(self, product: int, *, top: int = 10) -> ProductPage: ...
    def view_product(
        self, user: int, product: int, *, now: float, channel: str | int = Channel.DIRECT
    ) -> Product: ...
    def restock(self, actor: int, product: int, quantity: int, *, now: float) -> None: ...
    def set_price(self, actor: int, product: int, price: float, *, now: float) -> None: ...
    def place_order(self, user: int, product: int, quantity: int = 1, *, now: float) -> int: ...
    def send_sample(self, brand: int, product: int, user: int, *, now: float) -> int: ...
    def order(self, order: int) -> Order: ...
    def pay(self, user: int, order: int, *, now: float) -> None: ...
    def ship(self, actor: int, order: int, *, now: float) -> None: ...
    def deliver(self, actor: int, order: int, *, now: float) -> None: ...
    def cancel(self, actor: int, order: int, *, now: float) -> None: ...
    def refund(self, user: int, order: int, *, now: float) -> None: ...
    def review(
        self, user: int, order: int, rating: int, *, now: float, note: int | None = None
    ) -> None: ...
    def create_campaign(
        self,
        brand: int,
        note: int,
        budget: float,
        *,
        now: float,
        placement: str | AdPlacement = "feed",
        topics: Iterable[str] | None = None,
        cpm: float = 50.0,
        hours: float | None = None,
    ) -> int: ...
    def campaign(self, campaign: int) -> AdCampaign: ...
    def create_boost(
        self,
        user: int,
        note: int,
        fee: float,
        *,
        now: float,
        hours: float = 24.0,
        goal: str | BoostGoal = "reads",
    ) -> int: ...
    def boost(self, boost: int) -> Boost: ...
    def offer_collaboration(
        self,
        brand: int,
        creator: int,
        product: int,
        fee: float,
        *,
        now: float,
        hours: int | None = None,
    ) -> int: ...
    def accept_collaboration(self, creator: int, collaboration: int, *, now: float) -> None: ...
    def decline_collaboration(
        self, creator: int, collaboration: int, *, now: float, reason: str = ""
    ) -> None: ...
    def withdraw_collaboration(self, brand: int, collaboration: int, *, now: float) -> None: ...
    def collaboration(self, collaboration: int, *, viewer: int | None = None) -> Collaboration: ...
    def collaborations_of(
        self, user: int, *, status: str | CollabStatus | None = None
    ) -> tuple[int, ...]: ...
    def trending_topics(self, *, now: float, k: int = 5) -> list[tuple[str, float]]: ...
    def trending_products(self, *, now: float, k: int = 5) -> list[tuple[int, float]]: ...


class ClientOps(PlatformOps, Protocol):
    """What the client offers beyond the platform's shared operations."""

    def stop_campaign(self, brand: int, campaign: int, *, now: float) -> None:
        """Stop a campaign (its brand only). Unlike ``Platform.stop_campaign`` (False when it
        was no longer running) the service answers with the campaign, so this returns None."""

    def health(self) -> dict[str, Any]:
        """Not a platform method: ``{"status", "now", "recommender", "users", "notes", ...}``."""
