"""The creator marketplace (the platform's "蒲公英"-style collaboration market).

A brand offers a creator a fee for one note about one of its products; the creator accepts or
declines before the offer expires (or the brand withdraws it). Accepting commits the brand's
money: the fee plus the platform's commission. The creator is paid the fee when they publish
the note against the collaboration, and only such a note (or a brand's own note) may carry a
sponsor. The marketplace admits creators from a follower threshold, sets a minimum fee and
caps how many collaborations a creator takes per week. Practitioner figures (unofficial, e.g.
the platform's marketplace rules as summarised by agencies in 2023–2024): entry at 5,000+
followers, a 10% fee taken from brands, minimum prices set by the platform, creator prices
from ¥50–150 for amateurs to ¥5,000+ at 50k+ followers.

Money is integer cents. Validation lives here so the facade, HTTP and replay share one rule.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from .errors import Conflict, Forbidden, InvalidInput, InvalidTransition, check_id
from .model import _Named

WEEK_HOURS = 24.0 * 7
MAX_OFFER_HOURS = 24 * 30
MAX_REASON_CHARS = 200


class CollabStatus(_Named):
    OFFERED = 0
    ACCEPTED = 1
    DECLINED = 2
    EXPIRED = 3
    WITHDRAWN = 4
    PUBLISHED = 5


_OFFERED, _ACCEPTED, _PUBLISHED = (
    int(CollabStatus.OFFERED),
    int(CollabStatus.ACCEPTED),
    int(CollabStatus.PUBLISHED),
)
#: How an offer may end without a note (the value of a COLLAB_CLOSED event).
CLOSING = (CollabStatus.DECLINED, CollabStatus.EXPIRED, CollabStatus.WITHDRAWN)


@dataclass(frozen=True, slots=True)
class Collaboration:
    id: int
    brand: int
    creator: int
    product: int
    fee: float  # paid to the creator when the note is published
    commission: float  # the platform's cut, paid by the brand on top of the fee
    status: str
    offered_at: float
    expires_at: float  # an offer not answered by then can no longer be accepted
    note: int | None
    reason: str  # why it was declined, expired or withdrawn ('' otherwise)


class Collabs:
    """Collaboration columns, open offers, acceptances per creator and the money moved."""

    def __init__(self) -> None:
        self.brand = array("i")
        self.creator = array("i")
        self.product = array("i")
        self.fee_cents = array("q")
        self.commission_cents = array("q")
        self.offered_at = array("d")
        self.expires_at = array("d")
        self.status = array("B")
        self.note = array("i")
        self.reasons: dict[int, str] = {}
        self.open_offers: dict[int, None] = {}  # insertion-ordered set of OFFERED ids
        self.accepted_at: dict[int, list[float]] = {}  # creator -> acceptance times
        self.by_user: dict[int, list[int]] = {}  # brand or creator -> their collaborations
        self.earned_cents: dict[int, int] = {}  # creator -> fees paid out
        self.committed_cents: dict[int, int] = {}  # brand -> fees + commissions committed
        self.commission_total_cents = 0

    def __len__(self) -> int:
        return len(self.brand)

    # ---------------------------------------------------------------- validation

    def check(self, collaboration: int) -> None:
        check_id(collaboration, len(self.brand), "collaboration")

    @staticmethod
    def check_hours(hours: object) -> int:
        if (
            isinstance(hours, bool)
            or not isinstance(hours, int)
            or not 0 < hours <= MAX_OFFER_HOURS
        ):
            raise InvalidInput(
                f"hours must be a whole number from 1 to {MAX_OFFER_HOURS}; got {hours!r}",
                field="hours",
                value=hours,
            )
        return hours

    def check_party(self, collaboration: int, actor: int, role: str) -> None:
        """``actor`` must be the collaboration's brand or creator (``role``)."""
        self.check(collaboration)
        party = (self.brand if role == "brand" else self.creator)[collaboration]
        if actor != party:
            raise Forbidden(
                f"collaboration {collaboration} was offered {'by' if role == 'brand' else 'to'} "
                f"user {party}, not {actor}",
                field=role,
                value=actor,
            )

    def check_open(self, collaboration: int, now: float) -> None:
        """The offer is still waiting for an answer and has not expired."""
        status = CollabStatus(self.status[collaboration])
        if status is not CollabStatus.OFFERED:
            raise InvalidTransition(
                f"collaboration {collaboration} is {status.label}; only an offered one can be "
                "answered or withdrawn",
                field="collaboration",
                value=collaboration,
            )
        if now >= self.expires_at[collaboration]:
            raise InvalidTransition(
                f"the offer of collaboration {collaboration} expired at "
                f"{self.expires_at[collaboration]}",
                field="collaboration",
                value=collaboration,
            )

    def accepted_this_week(self, creator: int, now: float) -> int:
        """Collaborations ``creator`` accepted in the 7 days up to ``now``."""
        return sum(1 for t in self.accepted_at.get(creator, ()) if t > now - WEEK_HOURS)

    def check_capacity(self, creator: int, now: float, capacity: int) -> None:
        if self.accepted_this_week(creator, now) >= capacity:
            raise Conflict(
                f"creator {creator} already accepted {capacity} collaborations in the last 7 "
                "days (the marketplace's weekly capacity)",
                field="collaboration",
                value=creator,
            )

    def check_publishable(
        self, collaboration: int, author: int, sponsor: int | None, tagged: tuple[int, ...]
    ) -> int:
        """A note published against ``collaboration``: the brand it is sponsored by."""
        self.check(collaboration)
        if self.creator[collaboration] != author:
            raise Forbidden(
                f"collaboration {collaboration} is with creator {self.creator[collaboration]}, "
                f"not author {author}",
                field="collaboration",
                value=collaboration,
            )
        status = CollabStatus(self.status[collaboration])
        if status is not CollabStatus.ACCEPTED:
            raise Forbidden(
                f"collaboration {collaboration} is {status.label}; only an accepted "
                "collaboration may be published as sponsored",
                field="collaboration",
                value=collaboration,
            )
        brand = self.brand[collaboration]
        if sponsor is not None and sponsor != brand:
            raise Forbidden(
                f"collaboration {collaboration} is sponsored by brand {brand}, not {sponsor}",
                field="sponsor",
                value=sponsor,
            )
        if self.product[collaboration] not in tagged:
            raise InvalidInput(
                f"a note for collaboration {collaboration} must tag its product "
                f"{self.product[collaboration]}",
                field="products",
            )
        return brand

    @staticmethod
    def unsponsored(author: int, sponsor: int) -> Forbidden:
        return Forbidden(
            f"only brand {sponsor} itself, or a creator publishing against a collaboration "
            f"{sponsor} offered and they accepted (collaboration=...), may publish a note "
            f"sponsored by brand {sponsor}; author {author} has none",
            field="sponsor",
            value=sponsor,
        )

    @staticmethod
    def check_reason(reason: object) -> str:
        if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(
                f"reason must be a string of at most {MAX_REASON_CHARS} characters",
                field="reason",
            )
        return reason

    # ---------------------------------------------------------------- state changes

    def add(
        self,
        brand: int,
        creator: int,
        product: int,
        fee_cents: int,
        commission_cents: int,
        now: float,
        hours: int,
    ) -> int:
        cid = len(self.brand)
        self.brand.append(brand)
        self.creator.append(creator)
        self.product.append(product)
        self.fee_cents.append(fee_cents)
        self.commission_cents.append(commission_cents)
        self.offered_at.append(now)
        self.expires_at.append(now + hours)
        self.status.append(_OFFERED)
        self.note.append(-1)
        self.open_offers[cid] = None
        self.by_user.setdefault(brand, []).append(cid)
        self.by_user.setdefault(creator, []).append(cid)
        return cid

    def accept(self, collaboration: int, now: float) -> None:
        self.status[collaboration] = _ACCEPTED
        del self.open_offers[collaboration]
        self.accepted_at.setdefault(self.creator[collaboration], []).append(now)
        brand = self.brand[collaboration]
        cost = self.fee_cents[collaboration] + self.commission_cents[collaboration]
        self.committed_cents[brand] = self.committed_cents.get(brand, 0) + cost
        self.commission_total_cents += self.commission_cents[collaboration]

    def close(self, collaboration: int, status: int, reason: str) -> None:
        self.status[collaboration] = status
        del self.open_offers[collaboration]
        if reason:
            self.reasons[collaboration] = reason

    def published(self, collaboration: int, note: int) -> None:
        self.status[collaboration] = _PUBLISHED
        self.note[collaboration] = note
        creator = self.creator[collaboration]
        self.earned_cents[creator] = (
            self.earned_cents.get(creator, 0) + self.fee_cents[collaboration]
        )

    def expired(self, now: float) -> list[int]:
        """Open offers whose deadline has passed at ``now``."""
        return [c for c in self.open_offers if self.expires_at[c] <= now]

    # ---------------------------------------------------------------- reading

    def of(self, user: int, status: str | CollabStatus | None = None) -> tuple[int, ...]:
        ids = self.by_user.get(user, ())
        if status is None:
            return tuple(ids)
        code = int(CollabStatus.parse(status, "status"))
        return tuple(c for c in ids if self.status[c] == code)

    def view(self, collaboration: int) -> Collaboration:
        self.check(collaboration)
        c = collaboration
        note = self.note[c]
        return Collaboration(
            id=c,
            brand=self.brand[c],
            creator=self.creator[c],
            product=self.product[c],
            fee=self.fee_cents[c] / 100,
            commission=self.commission_cents[c] / 100,
            status=CollabStatus(self.status[c]).label,
            offered_at=self.offered_at[c],
            expires_at=self.expires_at[c],
            note=note if note >= 0 else None,
            reason=self.reasons.get(c, ""),
        )
