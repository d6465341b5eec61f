"""The shop: products, stock and prices, orders through their lifecycle, free samples."""

from __future__ import annotations

from .authz import Authorisation, Role
from .checks import channel_code, check_topic
from .codec import EventKind
from .errors import Forbidden, InvalidInput, OutOfStock
from .model import AccountKind, Channel, Origin, Product
from .notes import Notes
from .shop import Shop

__all__ = ["CommerceCommands"]

E = EventKind
_DIRECT = int(Channel.DIRECT)


class CommerceCommands(Authorisation):
    """List and stock products, place and move orders, send samples."""

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
    ) -> int:
        """List a brand's product. Staff accounts may list on a brand's behalf via ``restock``."""
        self._accounts.check_kind(brand, (AccountKind.BRAND,), "brand")
        Notes.check_text(name, "name", 120, allow_empty=False)
        topic_id = check_topic(topic)
        cents = Shop.check_price(price)
        Shop.check_quantity(stock, "stock", 0, 10**9)
        org = int(Origin.parse(origin, "origin"))
        now = self._tick(now)
        pid = len(self._shop.brand)
        self._emit(E.PRODUCT_CREATED, now, brand, pid, topic_id, org, cents, stock, name)
        return pid

    def restock(self, actor: int, product: int, quantity: int, *, now: float) -> None:
        """Add stock: the brand, or the platform's own shop (staff) for cross-border goods."""
        self._shop.check(product)
        self._check_seller(actor, product)
        # stock is an int32 column: a restock may not push it past 2**31 - 1
        Shop.check_quantity(
            quantity, "quantity", 1, min(10**9, 2**31 - 1 - self._shop.stock[product])
        )
        now = self._tick(now)
        self._emit(E.PRODUCT_RESTOCKED, now, actor, product, quantity)

    def set_price(self, actor: int, product: int, price: float, *, now: float) -> None:
        self._shop.check(product)
        self._check_seller(actor, product)
        cents = Shop.check_price(price)
        now = self._tick(now)
        self._emit(E.PRICE_SET, now, actor, product, cents)

    def view_product(
        self, user: int, product: int, *, now: float, channel: str | int = Channel.DIRECT
    ) -> Product:
        """Open a product page: the product with its word-of-mouth aggregates (notes, reviews,
        rating). A visit from search or an ad is a touch for attribution."""
        self._accounts.check(user)
        self._shop.check(product)
        ch = channel_code(channel)
        now = self._check_now(now)
        if ch != _DIRECT:
            now = self._tick(now)
            self._emit(E.PRODUCT_VIEWED, now, user, product, ch)
        return self._shop.view(product)

    def place_order(self, user: int, product: int, quantity: int = 1, *, now: float) -> int:
        """Order a product; stock is reserved at once. Attributed to the user's last touch."""
        shop = self._shop
        self._accounts.check(user)
        shop.check(product)
        Shop.check_quantity(quantity, "quantity", 1, self.config.max_order_quantity)
        if shop.stock[product] < quantity:
            raise OutOfStock(
                f"product {product} has {shop.stock[product]} in stock; ordered {quantity}",
                field="quantity",
                value=quantity,
            )
        now = self._tick(now)
        oid = len(shop.buyer)
        note, channel = shop.attribute(user, product, now)
        cents = shop.price_cents[product]
        self._emit(E.ORDER_PLACED, now, user, oid, product, quantity, note, channel, cents)
        return oid

    def _transition(
        self, kind: EventKind, action: str, role: Role, actor: int, order: int, now: float
    ) -> None:
        self._check_order_actor(actor, order, role, action)
        self._shop.check_transition(order, action)
        now = self._tick(now)
        self._emit(kind, now, actor, order)

    def pay(self, user: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_PAID, "pay", Role.BUYER, user, order, now)

    def ship(self, actor: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_SHIPPED, "ship", Role.SELLER, actor, order, now)

    def deliver(self, actor: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_DELIVERED, "deliver", Role.SELLER, actor, order, now)

    def cancel(self, actor: int, order: int, *, now: float) -> None:
        """Buyer or seller cancels before shipping; the stock comes back."""
        self._transition(E.ORDER_CANCELLED, "cancel", Role.EITHER, actor, order, now)

    def refund(self, user: int, order: int, *, now: float) -> None:
        self._transition(E.ORDER_REFUNDED, "refund", Role.BUYER, user, order, now)

    def review(
        self, user: int, order: int, rating: int, *, now: float, note: int | None = None
    ) -> None:
        """Rate a delivered order 1–5, optionally pointing at the buyer's review note."""
        self._check_order_actor(user, order, Role.BUYER, "review")
        self._shop.check_transition(order, "review")
        Shop.check_quantity(rating, "rating", 1, 5)
        rn = -1
        if note is not None:
            self._notes.check(note)
            product = self._shop.product[order]
            if self._notes.author[note] != user or product not in self._notes.products.get(
                note, ()
            ):
                raise InvalidInput(
                    f"review note {note} must be by user {user} and tag product {product}",
                    field="note",
                    value=note,
                )
            rn = note
        now = self._tick(now)
        self._emit(E.ORDER_REVIEWED, now, user, order, rating, rn)

    def send_sample(self, brand: int, product: int, user: int, *, now: float) -> int:
        """Give one unit of the brand's own product to a consumer or creator: a paid
        zero-price order marked ``sample`` that ships, is used and may be reviewed like a
        purchase. Only the product's brand may send; the unit comes out of stock."""
        shop = self._shop
        self._accounts.check(brand, "brand")
        shop.check(product)
        if brand != shop.brand[product]:
            raise Forbidden(
                f"user {brand} is not the brand of product {product}", field="brand", value=brand
            )
        self._accounts.check_kind(user, (AccountKind.CONSUMER, AccountKind.CREATOR), "user")
        if shop.stock[product] < 1:
            raise OutOfStock(
                f"product {product} has no stock to send", field="product", value=product
            )
        now = self._tick(now)
        oid = len(shop.buyer)
        self._emit(E.SAMPLE_SENT, now, brand, oid, product, user)
        return oid
