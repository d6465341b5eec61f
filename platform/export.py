"""Export and digest of a platform's state: numpy copies of its columns, and one hash of it all."""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Iterable
from typing import Any

import numpy as np

from .recommenders import CESPools
from .social import Adjacency, EdgeKeys
from .state import PlatformState

__all__ = ["fingerprint", "tables"]


def tables(state: PlatformState) -> dict[str, dict[str, np.ndarray]]:
    """Copies of the state columns as numpy arrays, for vectorised metrics and exports."""

    def cols(obj: object, names: Iterable[str], dtype: dict[str, str]) -> dict[str, np.ndarray]:
        return {n: np.array(getattr(obj, n), dtype=dtype.get(n)) for n in names}

    acc, notes, shop = state._accounts, state._notes, state._shop
    pools = state._recommenders["ces_pools"]
    note_cols = cols(
        notes,
        (
            "author",
            "created_at",
            "topics",
            "format",
            "sponsor",
            "impressions",
            "reads",
            "likes",
            "collects",
            "comments",
            "shares",
            "follows",
        ),
        {},
    )
    tagged = np.zeros(len(notes), dtype=np.int32)  # only tagged notes are in the dict
    for note, products in notes.products.items():
        tagged[note] = len(products)
    note_cols["n_products"] = tagged
    if isinstance(pools, CESPools):
        note_cols["pool_stage"] = pools.stages()
        note_cols["pool_review"] = np.array(pools.stage, dtype=np.int8) <= -2
    shares = state._shares
    share_cols = cols(
        shares,
        (
            "sharer",
            "note",
            "parent",
            "time",
            "outside",
            "n_recipients",
            "visitors",
            "signups",
        ),
        {"outside": "bool"},
    )
    return {
        "shares": share_cols,
        "users": cols(
            acc,
            ("kind", "interests", "created_at", "n_followers", "n_following", "n_notes"),
            {},
        ),
        "notes": note_cols,
        "products": cols(
            shop,
            (
                "brand",
                "topic",
                "price_cents",
                "stock",
                "origin",
                "units_sold",
                "rating_sum",
                "rating_count",
            ),
            {},
        ),
        "campaigns": cols(
            state._ads,
            ("brand", "note", "placement", "budget_mc", "spent_mc", "cpm_cents", "impressions"),
            {},
        ),
        "boosts": cols(
            state._boosts, ("buyer", "note", "goal", "price_mc", "bought", "delivered"), {}
        ),
        "orders": cols(
            shop,
            (
                "buyer",
                "product",
                "quantity",
                "unit_cents",
                "placed_at",
                "status",
                "note",
                "channel",
                "rating",
                "review_note",
                "is_sample",
            ),
            {},
        ),
        "collaborations": cols(
            state._collabs,
            (
                "brand",
                "creator",
                "product",
                "fee_cents",
                "commission_cents",
                "offered_at",
                "expires_at",
                "status",
                "note",
            ),
            {},
        ),
    }


def _put(h: Any, x: object) -> None:
    """Hash ``x`` into ``h`` canonically (sets sorted, dicts by sorted key)."""
    if isinstance(x, array):
        h.update(x.typecode.encode())
        h.update(x.tobytes())
    elif isinstance(x, np.ndarray):
        h.update(f"{x.dtype}{x.shape}".encode())
        h.update(x.tobytes())
    elif isinstance(x, EdgeKeys | Adjacency):  # the follow graph: as the set and dict it is
        _put(h, x.canonical())
    elif isinstance(x, set):
        h.update(array("q", sorted(x)).tobytes())
    elif isinstance(x, dict):
        for key in sorted(x):
            h.update(repr(key).encode())
            _put(h, x[key])
    else:
        h.update(repr(x).encode())
    h.update(b"|")


def fingerprint(state: PlatformState) -> str:
    """A digest of the whole platform state: equal digests mean identical platforms."""
    h = hashlib.blake2b(digest_size=20)

    def put(x: object) -> None:
        _put(h, x)

    for store in (
        state._accounts,
        state._notes,
        state._shop,
        state._ads,
        state._boosts,
        state._shares,
    ):
        for name in sorted(vars(store)):
            if not name.startswith("_") or name in ("_live",):
                put(vars(store)[name])
    pools = state._recommenders["ces_pools"]
    if isinstance(pools, CESPools):
        put(pools.stage)
        put(pools.quota)
        put(list(pools.reviews))
    seen = state._seen
    for column in seen.assigned():
        put(column)
    put(seen.tables[: seen.n_rows])
    put(seen.state[: seen.n_rows])
    put(state._trending.topics(state._now, 100) if state._now > -math.inf else [])
    put(state._trending.products(state._now, 1000) if state._now > -math.inf else [])
    collabs = state._collabs
    for name in sorted(vars(collabs)):
        put(vars(collabs)[name])
    put(state._active.name)
    put(state.config.to_dict())  # settings may change mid-run (CONFIG_SET)
    put(state._now)
    return h.hexdigest()
