"""Search by topic, product and brand: the intent channel. Every query is logged."""

from __future__ import annotations

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
        notes, candidates = self.notes, set()
        for p in products:
            tagged = self.shop.notes_of.get(p)
            if tagged:
                candidates.update(tagged[-200:])
        for t in topics:
            candidates.update(notes.by_topic[t][-500:])
        created, hl = notes.created_at, self.half_life
        scored = sorted(
            candidates,
            key=lambda n: (-(notes.ces(n) + 1) * 0.5 ** ((now - created[n]) / hl), -n),
        )
        return tuple(scored[:limit])
