"""The HTTP service's input and output models, and the types of path and query parameters.

Input models are strict (``"5"`` is not a number, ``true`` is not 1) and forbid unknown fields.
Their value ranges also appear in the OpenAPI schema, which is why some repeat a range the
platform checks again: the schema tells clients what is allowed before they send it.
Output models read the platform's frozen views by attribute (``UserOut.of(platform.user(3))``);
those that mirror a view are made from its dataclass (``views.mirror``), so it is defined once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..boosts import MAX_FEE, MAX_HOURS, MIN_FEE, MIN_HOURS
from ..collabs import MAX_OFFER_HOURS, MAX_REASON_CHARS, Collaboration, CollabStatus
from ..model import (
    TOPICS,
    AdCampaign,
    AdPlacement,
    Boost,
    BoostGoal,
    Channel,
    Note,
    NoteFormat,
    Order,
    Origin,
    Product,
    SearchResult,
    User,
)
from ..shares import Cascade, Share, SharedItem
from .views import Out, mirror

__all__ = [
    "MAX_ID",
    "BoostOut",
    "CampaignOut",
    "CascadeOut",
    "ChannelName",
    "CollaborationOut",
    "CommentIn",
    "CommentOut",
    "CommentPage",
    "DeclineIn",
    "DeliveryIn",
    "DiscoveryPageOut",
    "EngagementOut",
    "FollowOut",
    "FollowingPageOut",
    "FormatName",
    "GoalName",
    "HealthOut",
    "Id",
    "IdPage",
    "Limit",
    "Money",
    "NewBoost",
    "NewCampaign",
    "NewCollaboration",
    "NewNote",
    "NewOrder",
    "NewProduct",
    "NewUser",
    "NewUserOut",
    "NoteOut",
    "Offset",
    "OrderOut",
    "OriginName",
    "OutsideIn",
    "PathId",
    "PlacementName",
    "PriceIn",
    "ProductOut",
    "ProductPageOut",
    "ProductScore",
    "ReadIn",
    "RestockIn",
    "ReviewIn",
    "SampleIn",
    "SearchOut",
    "ShareOut",
    "ShareSignupIn",
    "SharedItemOut",
    "SignupKind",
    "StatusName",
    "Text",
    "Topic",
    "TopicScore",
    "UserOut",
    "ViewIn",
    "VisitsIn",
]

#: Ids are dense int32 indexes in the platform's columns.
MAX_ID = 2**31 - 1


def _labels(enum: Any) -> tuple[str, ...]:
    return tuple(member.label for member in enum)


# Literal types built from the platform's own vocabulary, so the schema cannot drift from it.
Topic = Literal[TOPICS]  # type: ignore[valid-type]
ChannelName = Literal[_labels(Channel)]  # type: ignore[valid-type]
FormatName = Literal[_labels(NoteFormat)]  # type: ignore[valid-type]
OriginName = Literal[_labels(Origin)]  # type: ignore[valid-type]
PlacementName = Literal[_labels(AdPlacement)]  # type: ignore[valid-type]
GoalName = Literal[_labels(BoostGoal)]  # type: ignore[valid-type]
SignupKind = Literal["consumer", "creator", "brand"]


def _unicode(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


Text = Annotated[str, AfterValidator(_unicode)]
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
Money = Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False, description="yuan")]


class _In(BaseModel):
    # strict: "5" is not a number and true is not 1; forbid: a misspelt field is an error.
    model_config = ConfigDict(extra="forbid", strict=True)


class NewUser(_In):
    name: Annotated[Text, Field(min_length=1, description="unique; the platform caps length")]
    kind: SignupKind = "consumer"
    interests: Annotated[list[Topic], Field(max_length=len(TOPICS))] = []


class NewNote(_In):
    topics: Annotated[list[Topic], Field(min_length=1, max_length=3)]
    format: FormatName = "image"
    products: Annotated[list[Id], Field(description="tagged product ids")] = []
    sponsor: Id | None = Field(None, description="the paying brand, for a sponsored note")
    title: Annotated[Text, Field(max_length=200)] = ""
    collaboration: Id | None = Field(
        None, description="an accepted collaboration this note fulfils: it names the sponsor"
    )


class ReadIn(_In):
    channel: ChannelName = Field("discovery", description="where the card was: drives attribution")


class CommentIn(_In):
    text: Annotated[Text, Field(min_length=1)]


class NewProduct(_In):
    name: Annotated[Text, Field(min_length=1, max_length=120)]
    topic: Topic
    price: Money
    stock: Annotated[int, Field(ge=0, le=10**9)] = 0
    origin: OriginName = "domestic"


class RestockIn(_In):
    quantity: Annotated[int, Field(ge=1, le=10**9)]


class PriceIn(_In):
    price: Money


class ViewIn(_In):
    channel: ChannelName = Field("direct", description="search and ad visits count for attribution")


class NewOrder(_In):
    product: Id
    quantity: Annotated[int, Field(ge=1, description="at most the config's max_order_quantity")] = 1


class SampleIn(_In):
    user: Id = Field(description="the consumer or creator who receives the free unit")


class ReviewIn(_In):
    rating: Annotated[int, Field(ge=1, le=5)]
    note: Id | None = Field(None, description="the buyer's own note tagging the product")


class NewCampaign(_In):
    note: Id
    budget: Money
    placement: PlacementName = "feed"
    topics: Annotated[list[Topic], Field(min_length=1)] | None = Field(
        None, description="targeted topics (default: the note's)"
    )
    cpm: Money = 50.0
    hours: Annotated[float, Field(ge=1, le=24 * 365, allow_inf_nan=False)] | None = Field(
        None, description="pace the budget evenly over this many hours, then end"
    )


class NewBoost(_In):
    note: Id
    fee: Annotated[float, Field(ge=MIN_FEE, le=MAX_FEE, allow_inf_nan=False, description="yuan")]
    hours: Annotated[float, Field(ge=MIN_HOURS, le=MAX_HOURS, allow_inf_nan=False)] = 24.0
    goal: GoalName = "reads"


StatusName = Literal[_labels(CollabStatus)]  # type: ignore[valid-type]
PathId = Annotated[int, Path(ge=0, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]

# ================================================================ output models


UserOut = mirror(User, "UserOut")


class NewUserOut(UserOut):
    token: str = Field(description="bearer token for Authorization headers; shown only once")


class IdPage(Out):
    total: int
    offset: int
    ids: list[int]

    @classmethod
    def of_ids(cls, ids: tuple[int, ...], offset: int, limit: int) -> IdPage:
        """The page ``ids[offset : offset + limit]`` of all ``ids``."""
        return cls(total=len(ids), offset=offset, ids=list(ids[offset : offset + limit]))


class FollowOut(Out):
    user: int
    target: int
    following: bool
    changed: bool = Field(description="false when the request was a no-op")


NoteOut = mirror(
    Note, "NoteOut", after={"sponsor": ("sponsored", bool), "ces": ("interaction_rate", float)}
)


class EngagementOut(Out):
    changed: bool = Field(description="false when the request was a no-op (a second like...)")
    note: NoteOut


class CommentOut(Out):
    note: int
    user: int
    time: float
    text: str


class CommentPage(Out):
    total: int
    offset: int
    comments: list[CommentOut]


class DiscoveryPageOut(Out):
    notes: list[int]
    ad_slots: list[int] = Field(description="positions in notes that are paid ads")
    boost_slots: list[int] = Field(description="positions in notes that are promoted (boosts)")
    likes: list[int] = Field(
        default_factory=list, description="the like count each card shows, in card order"
    )


class FollowingPageOut(Out):
    notes: list[int]
    next_before: int | None = Field(description="pass as before= for the next page")


SearchOut = mirror(SearchResult, "SearchOut")


ProductOut = mirror(Product, "ProductOut")


class ProductPageOut(Out):
    product: ProductOut
    top_notes: list[int]
    likes_on_notes: int
    collects_on_notes: int


OrderOut = mirror(
    Order, "OrderOut", after={"unit_price": ("amount", float)}, defaults={"sample": False}
)


CampaignOut = mirror(AdCampaign, "CampaignOut")


BoostOut = mirror(
    Boost,
    "BoostOut",
    describe={
        "bought": "impressions the fee bought",
        "delivered": "impressions delivered so far",
        "spent": "cost of the impressions delivered; the rest is refunded",
    },
)


class TopicScore(Out):
    topic: str
    score: float


class ProductScore(Out):
    product: int
    score: float


class HealthOut(Out):
    status: Literal["ok"]
    now: float | None = Field(description="the platform's time in hours (null before any write)")
    recommender: str
    users: int
    notes: int
    products: int
    orders: int


# ---------------------------------------------------------------- shares


class DeliveryIn(_In):
    note: Id
    to: Annotated[
        list[Id],
        Field(min_length=1, description="followers of the sharer (at most max_share_recipients)"),
    ]
    parent: Id | None = Field(None, description="the share this reshares (same note)")


class OutsideIn(_In):
    note: Id
    parent: Id | None = Field(None, description="the share this reshares (same note)")


class VisitsIn(_In):
    visitors: Annotated[int, Field(ge=1, le=1_000_000)]


class ShareSignupIn(_In):
    name: Annotated[Text, Field(min_length=1, description="unique; the platform caps length")]
    interests: Annotated[list[Topic], Field(default_factory=list, max_length=len(TOPICS))]


ShareOut = mirror(Share, "ShareOut")


SharedItemOut = mirror(SharedItem, "SharedItemOut")


CascadeOut = mirror(
    Cascade,
    "CascadeOut",
    describe={
        "size": "nodes: the note and its shares",
        "virality": "structural virality: mean distance between nodes",
    },
)


# ---------------------------------------------------------------- collaborations


class NewCollaboration(_In):
    creator: Id
    product: Annotated[Id, Field(description="one of the brand's own products")]
    fee: Annotated[Money, Field(description="paid to the creator; the brand adds the commission")]
    hours: Annotated[int, Field(ge=1, le=MAX_OFFER_HOURS)] | None = Field(
        None, description="the offer expires after this (default: the platform's setting)"
    )


class DeclineIn(_In):
    reason: Annotated[Text, Field(max_length=MAX_REASON_CHARS)] = ""


CollaborationOut = mirror(Collaboration, "CollaborationOut")
