"""Search by topic, product and brand: the intent channel. Every query is logged."""

from __future__ import annotations

import numpy as np

from .model import TOPIC_ID, AccountKind
from .notes import Notes
from .shop import Shop, tokens
from .social import Accounts


class Search:
    """Matches query tokens against topic names, product names and brand account names, then
    ranks the matching notes by decayed CES."""

    def __init__(self, accounts: Accounts, notes: Notes, shop: Shop, half_life: float) -> None:
        self.accounts, self.notes, self.shop = accounts, notes, shop
        self.half_life = half_life
        self.brand_by_token: dict[str, set[int]] = {}

    def index_account(self, user: int) -> None:
        if self.accounts.kind[user] == AccountKind.BRAND:
            for tok in tokens(self.accounts.names[user]):
                self.brand_by_token.setdefault(tok, set()).add(user)

    def match(self, query: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(topic ids, product ids) the query names. Product tokens must all match."""
        toks = tokens(query)
        topics = tuple(sorted({TOPIC_ID[t] for t in toks if t in TOPIC_ID}))
        products: set[int] = set()
        for tok in toks:
            for brand in self.brand_by_token.get(tok, ()):
                products.update(self.shop.by_brand.get(brand, ()))
        named = [self.shop.by_token[t] for t in toks if t in self.shop.by_token]
        if named:
            products.update(set.intersection(*named))
        return topics, tuple(sorted(products))

    def rank(
        self, topics: tuple[int, ...], products: tuple[int, ...], now: float, limit: int
    ) -> tuple[int, ...]:
        """The best ``limit`` of the recent notes tagging ``products`` or in ``topics``:
        (CES + 1) decayed by age, newest first on ties. Vectorised: a search scores hundreds
        of candidates."""
        notes, notes_of = self.notes, self.shop.notes_of
        parts = [
            np.frombuffer(notes_of[p], dtype=np.int32)[-200:] for p in products if notes_of.get(p)
        ]
        parts += [
            np.frombuffer(notes.by_topic[t], dtype=np.int32)[-500:]
            for t in topics
            if notes.by_topic[t]
        ]
        if not parts:
            return ()
        candidates = np.unique(np.concatenate(parts))
        del parts  # release the views: the columns must stay free to grow
        score = np.ones(candidates.size)
        for column, weight in (
            (notes.likes, notes.w_like),
            (notes.collects, notes.w_collect),
            (notes.comments, notes.w_comment),
            (notes.shares, notes.w_share),
            (notes.follows, notes.w_follow),
        ):
            score += weight * np.frombuffer(column, dtype=np.int32)[candidates]
        age = now - np.frombuffer(notes.created_at, dtype=np.float64)[candidates]
        score *= np.exp2(-age / self.half_life)
        best = np.lexsort((-candidates, -score))[:limit]
        return tuple(candidates[best].tolist())
