"""Reading the platform: counts and read-only views of users, notes, products, orders, ads."""

from __future__ import annotations

from .errors import NotFound
from .model import (
    TOPICS,
    AdCampaign,
    Comment,
    Note,
    NoteCounts,
    NoteFormat,
    Order,
    Product,
    ProductPage,
    User,
    topic_names,
)
from .recommenders import CESPools
from .state import PlatformState

__all__ = ["Queries"]


class Queries(PlatformState):
    """Pure reads: nothing here logs an event or changes state."""

    @property
    def n_users(self) -> int:
        return len(self._accounts)

    @property
    def n_notes(self) -> int:
        return len(self._notes)

    @property
    def n_products(self) -> int:
        return len(self._shop.brand)

    @property
    def n_orders(self) -> int:
        return len(self._shop.buyer)

    @property
    def n_boosts(self) -> int:
        return len(self._boosts)

    def user(self, user: int) -> User:
        return self._accounts.view(user)

    def user_id(self, name: str) -> int:
        try:
            return self._accounts.id_by_name[name]
        except KeyError:
            raise NotFound(f"no user named {name!r}", field="name", value=name) from None

    def following(self, user: int) -> tuple[int, ...]:
        self._accounts.check(user)
        return self._accounts.followees_of(user)

    def followers(self, user: int) -> tuple[int, ...]:
        self._accounts.check(user)
        return self._accounts.followers_of(user)

    def is_following(self, user: int, target: int) -> bool:
        return self._accounts.is_following(user, target)

    def interest_profile(self, user: int) -> dict[str, float]:
        """The user's learnt topic affinity as of their last read or engagement (declared
        interests start at 1; everything fades with ``interest_half_life_hours``)."""
        self._accounts.check(user)
        base = user * len(TOPICS)
        return dict(zip(TOPICS, self._accounts.affinity[base : base + len(TOPICS)], strict=True))

    def note(self, note: int) -> Note:
        notes = self._notes
        notes.check(note)
        sp = notes.sponsor[note]
        return Note(
            note,
            notes.author[note],
            notes.created_at[note],
            NoteFormat(notes.format[note]).label,
            topic_names(notes.topics[note]),
            notes.products.get(note, ()),
            sp if sp >= 0 else None,
            notes.titles.get(note, ""),
            *self._note_counts(note),
        )

    def _note_counts(self, note: int) -> NoteCounts:
        """``Platform.note_counts``."""
        notes = self._notes
        notes.check(note)
        stage = self._pools.stage_of(note)
        return (
            notes.impressions[note],
            notes.reads[note],
            notes.likes[note],
            notes.collects[note],
            notes.comments[note],
            notes.shares[note],
            notes.follows[note],
            notes.ces(note),
            stage if stage >= 0 else None,
        )

    def has_liked(self, user: int, note: int) -> bool:
        return (user << 32 | note) in self._notes.liked

    def has_collected(self, user: int, note: int) -> bool:
        return (user << 32 | note) in self._notes.collected

    def notes_by(self, author: int) -> tuple[int, ...]:
        self._accounts.check(author, "author")
        return tuple(self._notes.by_author.get(author, ()))

    def comments(self, note: int) -> tuple[Comment, ...]:
        self._notes.check(note)
        return tuple(self._notes.comment_threads.get(note, ()))

    def editors_picks(self) -> tuple[int, ...]:
        return tuple(self._notes.editors_picks)

    def product(self, product: int) -> Product:
        return self._shop.view(product)

    def products_of(self, brand: int) -> tuple[int, ...]:
        self._accounts.check(brand, "brand")
        return tuple(self._shop.by_brand.get(brand, ()))

    def product_page(self, product: int, *, top: int = 10) -> ProductPage:
        """A product with its word of mouth: notes tagging it, best first, and their totals."""
        view = self._shop.view(product)
        notes = self._notes
        tagged = list(self._shop.notes_of.get(product, ()))
        best = sorted(tagged, key=lambda n: (-notes.ces(n), -n))[:top]
        return ProductPage(
            product=view,
            top_notes=tuple(best),
            likes_on_notes=sum(notes.likes[n] for n in tagged),
            collects_on_notes=sum(notes.collects[n] for n in tagged),
        )

    def order(self, order: int) -> Order:
        return self._shop.order_view(order)

    def campaign(self, campaign: int) -> AdCampaign:
        return self._ads.view(campaign, self._now)

    def trending_topics(self, *, now: float, k: int = 5) -> list[tuple[str, float]]:
        return self._trending.topics(now, k)

    def trending_products(self, *, now: float, k: int = 5) -> list[tuple[int, float]]:
        return self._trending.products(now, k)

    def pool_sizes(self) -> list[int]:
        """Notes in each CES traffic-pool stage at the platform's time (neither retired nor
        too old to be served)."""
        pools = self._recommenders["ces_pools"]
        return pools.pool_sizes(self._now) if isinstance(pools, CESPools) else []
