"""What the property tests share: the configuration and draws of the state machines, and the
reference model — every counter the platform should show, recomputed from its event log
alone."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from hypothesis import strategies as st

from redloop.platform.api import (
    TOPICS,
    EventKind,
    Platform,
    PlatformConfig,
    unpack_boost,
    unpack_served,
)

CONFIG = PlatformConfig(
    page_size=5,
    ad_slot=2,
    seen_window=10,
    pool_quotas=(2, 4, 8),
    pool_thresholds=(0.3, 0.3),
    pool_slot_weights=(0.5, 0.3, 0.2),
    attribution_window_hours=24.0,
    max_order_quantity=5,
    trending_window_hours=24,
    pool_max_age_hours=200.0,
)
K = EventKind
FAILED = object()

# An id is drawn as a reference: -1 stays -1 (an unknown id), any other value picks one of
# the existing entities (or one of the right kind), so most calls get past the NotFound checks.
ref = st.integers(-1, 40)
valid_topics = st.lists(st.sampled_from(TOPICS[:6]), min_size=1, max_size=3)
any_topics = st.lists(st.sampled_from([*TOPICS[:6], "knitting"]), max_size=4)
channels = st.sampled_from(["discovery", "following", "search", "ad", "direct", "radio"])

# Legal order transitions: event kind -> (statuses it may start from, resulting status).
TRANSITIONS = {
    K.ORDER_PAID: ({"placed"}, "paid"),
    K.ORDER_SHIPPED: ({"paid"}, "shipped"),
    K.ORDER_DELIVERED: ({"shipped"}, "delivered"),
    K.ORDER_REVIEWED: ({"delivered"}, "reviewed"),
    K.ORDER_CANCELLED: ({"placed", "paid"}, "cancelled"),
    K.ORDER_REFUNDED: ({"delivered", "reviewed"}, "refunded"),
}


def implied_state(p: Platform) -> dict[str, Any]:
    """Everything the counters should say, recomputed from the event log alone."""
    note_counts: dict[int, Counter] = defaultdict(Counter)
    liked: set[tuple[int, int]] = set()
    collected: set[tuple[int, int]] = set()
    edges: set[tuple[int, int]] = set()
    notes_by: Counter = Counter()
    stock: dict[int, int] = {}
    sold: Counter = Counter()
    ratings: dict[int, list[int]] = defaultdict(list)
    order_product: dict[int, tuple[int, int]] = {}
    status: dict[int, str] = {}
    campaign: dict[int, dict[str, int]] = {}
    boosted: Counter = Counter()

    def charge(cid: int) -> None:
        """An auction's winner pays between the reserve and its own bid per impression."""
        c = campaign[cid]
        c["impressions"] += 1
        c["min_spent"] += reserve
        c["max_spent"] += c["cpm"]

    reserve = round(p.config.ad_reserve_cpm * 100)

    for e in p.log:
        k, actor, obj = e.kind, e.actor, e.object
        if k is K.FOLLOWED:
            edges.add((actor, obj))
            if e.value >= 0:
                note_counts[e.value]["follows"] += 1
        elif k is K.UNFOLLOWED:
            edges.discard((actor, obj))
        elif k is K.NOTE_PUBLISHED:
            notes_by[actor] += 1
            note_counts.setdefault(obj, Counter())  # every note gets an entry
        elif k is K.NOTE_READ:
            note_counts[obj]["reads"] += 1
        elif k in (K.LIKED, K.UNLIKED, K.COLLECTED, K.UNCOLLECTED):
            counter = "likes" if k in (K.LIKED, K.UNLIKED) else "collects"
            pairs = liked if counter == "likes" else collected
            on = k in (K.LIKED, K.COLLECTED)
            assert ((actor, obj) in pairs) != on, f"{k.label} event that changes nothing"
            (pairs.add if on else pairs.discard)((actor, obj))
            note_counts[obj][counter] += 1 if on else -1
        elif k is K.COMMENTED:
            note_counts[obj]["comments"] += 1
        elif k in (K.SHARED, K.SHARE_DELIVERED, K.SHARED_OUTSIDE):
            note_counts[obj]["shares"] += 1
        elif k is K.FEED_SERVED:
            for n in e.ints or ():
                note_counts[n]["impressions"] += 1
            if (cid := unpack_served(e.value)[3]) >= 0:
                charge(cid)
            if (boost := unpack_boost(e.value)[1]) >= 0:
                boosted[boost] += 1
        elif k is K.SEARCHED:
            for n in e.ints or ():
                note_counts[n]["impressions"] += 1
            if e.value > 0:
                note_counts[campaign[e.value - 1]["note"]]["impressions"] += 1
                charge(e.value - 1)
        elif k is K.PRODUCT_CREATED:
            stock[obj] = e.fields["stock"]
        elif k is K.PRODUCT_RESTOCKED:
            stock[obj] += e.value
        elif k is K.ORDER_PLACED:
            quantity = e.fields["quantity"]
            order_product[obj] = (e.value, quantity)
            stock[e.value] -= quantity
            sold[e.value] += quantity
            status[obj] = "placed"
        elif k in TRANSITIONS:
            sources, target = TRANSITIONS[k]
            assert status[obj] in sources, f"{k.label} from {status[obj]}"
            status[obj] = target
            product, quantity = order_product[obj]
            if k is K.ORDER_CANCELLED:
                stock[product] += quantity
            if k in (K.ORDER_CANCELLED, K.ORDER_REFUNDED):
                sold[product] -= quantity
            if k is K.ORDER_REVIEWED:
                ratings[product].append(e.value)
        elif k is K.CAMPAIGN_CREATED:
            f = e.fields
            campaign[obj] = {
                "note": f["note"],
                "budget": f["budget_cents"] * 1000,
                "cpm": f["cpm_cents"],
                "min_spent": 0,
                "max_spent": 0,
                "impressions": 0,
                "active": 1,
            }
        elif k is K.CAMPAIGN_STOPPED:
            campaign[obj]["active"] = 0
    return {
        "notes": note_counts,
        "liked": liked,
        "collected": collected,
        "edges": edges,
        "notes_by": notes_by,
        "stock": stock,
        "sold": sold,
        "ratings": ratings,
        "status": status,
        "order_product": order_product,
        "campaign": campaign,
        "boosted": boosted,
    }


def implied_shares(p: Platform) -> list[dict[str, Any]]:
    """Every share node as the event log describes it (sharer, note, parent, recipients,
    visitors, sign-ups), in share-id order."""
    shares: list[dict[str, Any]] = []
    for e in p.log:
        if e.kind in (K.SHARED, K.SHARE_DELIVERED, K.SHARED_OUTSIDE):
            parent = e.value - 1 if e.kind is not K.SHARED else -1
            shares.append(
                {
                    "sharer": e.actor,
                    "note": e.object,
                    "parent": parent if parent >= 0 else None,
                    "outside": e.kind is K.SHARED_OUTSIDE,
                    "recipients": tuple(e.ints or ()),
                    "visitors": 0,
                    "signups": 0,
                }
            )
        elif e.kind is K.SHARE_VISITED:
            shares[e.object]["visitors"] += e.value
        elif e.kind is K.SHARE_SIGNUP:
            shares[e.object]["signups"] += 1
    return shares
