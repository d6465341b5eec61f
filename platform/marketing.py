"""Marketing: ad campaigns, paid boosts and the creator marketplace (collaborations)."""

from __future__ import annotations

from collections.abc import Iterable

from .ads import MAX_PAID_IDS
from .authz import Authorisation, Role
from .boosts import MAX_FEE, MAX_HOURS, MIN_FEE, MIN_HOURS
from .checks import check_hours, check_number
from .codec import EventKind
from .collabs import Collaboration, Collabs, CollabStatus
from .errors import Forbidden, InvalidInput
from .model import TOPICS, AccountKind, AdPlacement, Boost, BoostGoal, topic_mask
from .shop import Shop

__all__ = ["MarketingCommands"]

E = EventKind


class MarketingCommands(Authorisation):
    """Buy ads and boosts; offer, answer and publish collaborations."""

    # ================================================================ ads

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
    ) -> int:
        """Buy impressions for a note the brand wrote or sponsored, bidding ``cpm`` yuan per
        1000 in the slot auction. With ``hours`` the budget is paced evenly over that long and
        the campaign ends then; without, it runs until its budget is spent or it is stopped."""
        self._accounts.check_kind(brand, (AccountKind.BRAND,), "brand")
        self._notes.check(note)
        notes = self._notes
        if notes.author[note] != brand and notes.sponsor[note] != brand:
            raise Forbidden(
                f"note {note} is neither written nor sponsored by brand {brand}",
                field="note",
                value=note,
            )
        plc = int(AdPlacement.parse(placement, "placement"))
        mask = notes.topics[note] if topics is None else topic_mask(list(topics), max_n=len(TOPICS))
        budget_cents = Shop.check_price(budget, "budget")
        cpm_cents = Shop.check_price(cpm, "cpm")
        if cpm_cents > budget_cents * 1000:
            raise InvalidInput("budget must pay for at least one impression", field="budget")
        seconds = 0 if hours is None else check_hours(hours, 1.0, 24.0 * 365)
        if len(self._ads) >= MAX_PAID_IDS:
            raise InvalidInput("the platform runs no more campaigns", field="brand")
        now = self._tick(now)
        cid = len(self._ads)
        self._emit(
            E.CAMPAIGN_CREATED, now, brand, cid, plc, mask, note, budget_cents, cpm_cents, seconds
        )
        return cid

    def create_boost(
        self,
        user: int,
        note: int,
        fee: float,
        *,
        now: float,
        hours: float = 24.0,
        goal: str | BoostGoal = "reads",
    ) -> int:
        """Pay ``fee`` yuan (75–7,500) to show a note one wrote or sponsored to interested
        users as extra discovery cards, ``fee / boost_cpm`` thousand of them, paced evenly
        over ``hours`` (6 h to 7 days), toward ``goal``: reads, engagement or follows. What
        is not delivered is refunded: ``boost(id).spent`` is what the delivered part cost."""
        self._accounts.check(user)
        self._notes.check(note)
        notes = self._notes
        if notes.author[note] != user and notes.sponsor[note] != user:
            raise Forbidden(
                f"note {note} is neither written nor sponsored by user {user}",
                field="note",
                value=note,
            )
        g = int(BoostGoal.parse(goal, "goal"))
        check_number(fee, "fee", MIN_FEE, MAX_FEE, " yuan")
        seconds = check_hours(hours, MIN_HOURS, MAX_HOURS)
        if len(self._boosts) >= MAX_PAID_IDS:
            raise InvalidInput("the platform runs no more boosts", field="note")
        now = self._tick(now)
        bid = len(self._boosts)
        fee_cents, cpm_cents = round(fee * 100), round(self.config.boost_cpm * 100)
        self._emit(E.BOOST_CREATED, now, user, bid, g, note, fee_cents, cpm_cents, seconds)
        return bid

    def boost(self, boost: int) -> Boost:
        """A boost with its impressions bought and delivered so far."""
        return self._boosts.view(boost, self._now)

    def ad_revenue(self) -> float:
        """Yuan the platform has earned from ads and delivered boost impressions."""
        return (self._ads.revenue_mc() + self._boosts.revenue_mc()) / 100_000

    def stop_campaign(self, brand: int, campaign: int, *, now: float) -> bool:
        """Stop a campaign (its brand only); False (and no event) if it is no longer running:
        stopped already, its budget spent, or its end passed."""
        self._ads.check(campaign)
        self._accounts.check(brand, "brand")
        if self._ads.brand[campaign] != brand:
            raise Forbidden(
                f"campaign {campaign} belongs to brand {self._ads.brand[campaign]}",
                field="brand",
                value=brand,
            )
        now = self._check_now(now)
        if not self._ads.running(campaign, now):
            return False
        now = self._tick(now)
        self._emit(E.CAMPAIGN_STOPPED, now, brand, campaign)
        return True

    # ================================================================ creator marketplace

    def offer_collaboration(
        self,
        brand: int,
        creator: int,
        product: int,
        fee: float,
        *,
        now: float,
        hours: int | None = None,
    ) -> int:
        """Offer ``creator`` ``fee`` yuan for a note about the brand's ``product``; the offer
        expires after ``hours`` (default ``collab_offer_hours``). The brand pays the fee plus
        the platform's commission when the creator accepts."""
        cfg, acc = self.config, self._accounts
        acc.check_kind(brand, (AccountKind.BRAND,), "brand")
        acc.check_kind(creator, (AccountKind.CREATOR,), "creator")
        self._shop.check(product, "product")
        if self._shop.brand[product] != brand:
            raise Forbidden(
                f"product {product} is not brand {brand}'s", field="product", value=product
            )
        if acc.n_followers[creator] < cfg.collab_min_followers:
            raise Forbidden(
                f"creator {creator} has {acc.n_followers[creator]} followers; the marketplace "
                f"admits creators from {cfg.collab_min_followers}",
                field="creator",
                value=creator,
            )
        fee_cents = Shop.check_price(fee, "fee")
        if fee_cents < round(cfg.collab_min_fee * 100):
            raise InvalidInput(
                f"fee must be at least the marketplace minimum of {cfg.collab_min_fee} yuan",
                field="fee",
                value=fee,
            )
        hours = Collabs.check_hours(cfg.collab_offer_hours if hours is None else hours)
        commission = round(fee_cents * cfg.collab_commission)
        now = self._tick(now)
        cid = len(self._collabs)
        self._emit(
            E.COLLAB_OFFERED, now, brand, cid, fee_cents, creator, product, commission, hours
        )
        return cid

    def accept_collaboration(self, creator: int, collaboration: int, *, now: float) -> None:
        """The offered creator takes the job (within their weekly capacity)."""
        collabs = self._collabs
        self._check_party(creator, collaboration, Role.CREATOR)
        now = self._check_now(now)
        collabs.check_open(collaboration, now)
        collabs.check_capacity(creator, now, self.config.collab_weekly_capacity)
        now = self._tick(now)
        self._emit(E.COLLAB_ACCEPTED, now, creator, collaboration)

    def decline_collaboration(
        self, creator: int, collaboration: int, *, now: float, reason: str = ""
    ) -> None:
        """The offered creator turns it down, optionally saying why (the brand sees it)."""
        self._close_offer(creator, collaboration, Role.CREATOR, CollabStatus.DECLINED, reason, now)

    def withdraw_collaboration(self, brand: int, collaboration: int, *, now: float) -> None:
        """The brand takes back an offer nobody has answered yet."""
        self._close_offer(brand, collaboration, Role.BRAND, CollabStatus.WITHDRAWN, "", now)

    def _close_offer(
        self, actor: int, collaboration: int, role: Role, status: int, reason: str, now: float
    ) -> None:
        collabs = self._collabs
        self._check_party(actor, collaboration, role)
        reason = Collabs.check_reason(reason)
        now = self._check_now(now)
        collabs.check_open(collaboration, now)
        now = self._tick(now)
        self._emit(E.COLLAB_CLOSED, now, actor, collaboration, status, reason)

    def expire_collaborations(self, *, now: float) -> tuple[int, ...]:
        """Close every offer whose deadline has passed (one event each); returns their ids."""
        now = self._check_now(now)
        due = self._collabs.expired(now)
        for cid in due:
            now = self._tick(now)
            self._emit(E.COLLAB_CLOSED, now, -1, cid, int(CollabStatus.EXPIRED), "")
        return tuple(due)

    def collaboration(self, collaboration: int, *, viewer: int | None = None) -> Collaboration:
        """A collaboration; with ``viewer``, only its brand, its creator or staff may see it."""
        view = self._collabs.view(collaboration)
        if viewer is not None and not self.may_read_collaboration(viewer, collaboration):
            raise Forbidden(
                f"collaboration {collaboration} is between brand {view.brand} and creator "
                f"{view.creator}; user {viewer} is neither",
                field="collaboration",
                value=collaboration,
            )
        return view

    def collaborations_of(
        self, user: int, *, status: str | CollabStatus | None = None
    ) -> tuple[int, ...]:
        """Collaborations ``user`` offered (a brand) or was offered (a creator), oldest first."""
        self._accounts.check(user, "user")
        return self._collabs.of(user, status)

    def collab_accepted_this_week(self, creator: int, *, now: float) -> int:
        """How many collaborations ``creator`` accepted in the 7 days up to ``now``."""
        self._accounts.check(creator, "creator")
        return self._collabs.accepted_this_week(creator, now)

    def collab_money(self, user: int) -> dict[str, float]:
        """Marketplace money of a user in yuan: what a brand committed (fees + commission)
        and what a creator was paid; plus the platform's commission over everyone."""
        self._accounts.check(user, "user")
        c = self._collabs
        return {
            "committed": c.committed_cents.get(user, 0) / 100,
            "earned": c.earned_cents.get(user, 0) / 100,
            "platform_commission": c.commission_total_cents / 100,
        }
