"""Search by topic, product and brand: the intent channel. Every query is logged."""

from __future__ import annotations

import numpy as np

from . import kernels
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
        #: query -> match, valid until a product is added (a new brand has none yet, and
        #: nothing is ever renamed)
        self._matches: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._matches_for = 0
        self._out = np.empty(100, dtype=np.int64)  # limit <= 100

    def index_account(self, user: int) -> None:
        if self.accounts.kind[user] == AccountKind.BRAND:
            for tok in tokens(self.accounts.names[user]):
                self.brand_by_token.setdefault(tok, set()).add(user)

    def match(self, query: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(topic ids, product ids) the query names. Product tokens must all match."""
        products = len(self.shop.brand)
        if products != self._matches_for or len(self._matches) >= 10_000:
            self._matches.clear()
            self._matches_for = products
        found = self._matches.get(query)
        if found is None:
            found = self._matches[query] = self._match(query)
        return found

    def _match(self, query: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
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
        (CES + 1) decayed by age, newest first on ties (:func:`kernels.rank_notes`): a search
        scores hundreds of candidates."""
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
        candidates = parts[0] if len(parts) == 1 else np.concatenate(parts)
        count = kernels.rank_notes(
            candidates,
            len(parts) > 1,  # one index list holds each note once; a union needs de-duplicating
            notes.ces_score,
            notes.created_at,
            now,
            float(self.half_life),
            limit,
            self._out,
        )
        return tuple(self._out[:count].tolist())
