"""The shop: catalogue, word of mouth per product, orders and their attribution."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable

from .errors import InvalidInput, InvalidTransition, check_id
from .model import TOPICS, Channel, Order, OrderStatus, Origin, Product

S = OrderStatus
#: For each action, the order states it may start from and the state it leads to.
TRANSITIONS: dict[str, tuple[frozenset[OrderStatus], OrderStatus]] = {
    "pay": (frozenset({S.PLACED}), S.PAID),
    "ship": (frozenset({S.PAID}), S.SHIPPED),
    "deliver": (frozenset({S.SHIPPED}), S.DELIVERED),
    "review": (frozenset({S.DELIVERED}), S.REVIEWED),
    "cancel": (frozenset({S.PLACED, S.PAID}), S.CANCELLED),
    "refund": (frozenset({S.DELIVERED, S.REVIEWED}), S.REFUNDED),
}
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class Shop:
    def __init__(self, attribution_window_hours: float) -> None:
        self.window = attribution_window_hours
        # products
        self.brand = array("i")
        self.topic = array("B")
        self.price_cents = array("q")
        self.stock = array("i")
        self.origin = array("B")
        self.units_sold = array("i")
        self.rating_sum = array("i")
        self.rating_count = array("i")
        self.names: list[str] = []
        self.notes_of: dict[int, array] = {}  # product -> notes tagging it
        self.by_brand: dict[int, array] = {}
        self.by_token: dict[str, set[int]] = {}
        # orders
        self.buyer = array("i")
        self.product = array("i")
        self.quantity = array("i")
        self.unit_cents = array("q")
        self.placed_at = array("d")
        self.status = array("B")
        self.note = array("i")  # attributed note, -1 for none
        self.channel = array("B")
        self.rating = array("B")  # 0 = not rated
        self.review_note = array("i")
        self.is_sample = array("B")  # 1: a brand's free sample (zero price, not a sale)
        #: Last touch per (user, product): (note or -1, channel, time). Drives attribution.
        self.touch: dict[int, tuple[int, int, float]] = {}

    # ------------------------------------------------------------ products

    def check(self, product: int, field: str = "product") -> None:
        check_id(product, len(self.brand), field)

    @staticmethod
    def check_price(price: object, field: str = "price") -> int:
        if isinstance(price, bool) or not isinstance(price, int | float) or not 0 < price <= 1e7:
            raise InvalidInput(
                f"{field} must be a number > 0 and <= 10,000,000 yuan; got {price!r}",
                field=field,
                value=price,
            )
        return round(price * 100)

    @staticmethod
    def check_quantity(quantity: object, field: str, lo: int, hi: int) -> int:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not lo <= quantity <= hi:
            raise InvalidInput(
                f"{field} must be a whole number from {lo} to {hi}; got {quantity!r}",
                field=field,
                value=quantity,
            )
        return quantity

    def add_product(
        self, brand: int, name: str, topic: int, price_cents: int, stock: int, origin: int
    ) -> int:
        pid = len(self.brand)
        self.brand.append(brand)
        self.topic.append(topic)
        self.price_cents.append(price_cents)
        self.stock.append(stock)
        self.origin.append(origin)
        for col in (self.units_sold, self.rating_sum, self.rating_count):
            col.append(0)
        self.names.append(name)
        mine = self.by_brand.get(brand)
        if mine is None:
            mine = self.by_brand[brand] = array("i")
        mine.append(pid)
        for tok in tokens(name):
            self.by_token.setdefault(tok, set()).add(pid)
        return pid

    def tag(self, note: int, products: tuple[int, ...]) -> None:
        for p in products:
            mine = self.notes_of.get(p)
            if mine is None:
                mine = self.notes_of[p] = array("i")
            mine.append(note)

    def view(self, product: int) -> Product:
        self.check(product)
        rc = self.rating_count[product]
        return Product(
            id=product,
            brand=self.brand[product],
            name=self.names[product],
            topic=TOPICS[self.topic[product]],
            price=self.price_cents[product] / 100,
            stock=self.stock[product],
            origin=Origin(self.origin[product]).label,
            units_sold=self.units_sold[product],
            notes=len(self.notes_of.get(product, ())),
            reviews=rc,
            rating=self.rating_sum[product] / rc if rc else None,
        )

    # ------------------------------------------------------------ attribution

    def touched(
        self, user: int, products: tuple[int, ...], note: int, channel: int, now: float
    ) -> None:
        for p in products:
            self.touch[user << 32 | p] = (note, channel, now)

    def touched_many(
        self, touches: Iterable[tuple[int, tuple[int, ...], int]], channel: int, now: float
    ) -> None:
        """:meth:`touched` for each ``(user, products, note)`` in order, a later touch of the
        same pair winning: one dict update for a batch's millions of touches."""
        self.touch.update({u << 32 | p: (n, channel, now) for u, ps, n in touches for p in ps})

    def attribute(self, user: int, product: int, now: float) -> tuple[int, int]:
        """(note, channel) of the last touch within the window, else (-1, DIRECT)."""
        t = self.touch.get(user << 32 | product)
        if t is not None and now - t[2] <= self.window:
            return t[0], t[1]
        return -1, int(Channel.DIRECT)

    # ------------------------------------------------------------ orders

    def check_order(self, order: int) -> None:
        check_id(order, len(self.buyer), "order")

    def check_transition(self, order: int, action: str) -> OrderStatus:
        sources, target = TRANSITIONS[action]
        current = OrderStatus(self.status[order])
        if current not in sources:
            allowed = ", ".join(sorted(s.label for s in sources))
            raise InvalidTransition(
                f"order {order} is {current.label}; {action} is allowed only from {allowed}",
                field="order",
                value=order,
            )
        return target

    def add_order(self, buyer: int, product: int, quantity: int, now: float) -> int:
        oid = len(self.buyer)
        note, channel = self.attribute(buyer, product, now)
        self.buyer.append(buyer)
        self.product.append(product)
        self.quantity.append(quantity)
        self.unit_cents.append(self.price_cents[product])
        self.placed_at.append(now)
        self.status.append(S.PLACED)
        self.note.append(note)
        self.channel.append(channel)
        self.rating.append(0)
        self.review_note.append(-1)
        self.is_sample.append(0)
        self.stock[product] -= quantity
        self.units_sold[product] += quantity
        return oid

    def add_sample(self, recipient: int, product: int, now: float) -> int:
        """One free unit as a paid zero-price order: it ships, is used and may be reviewed like
        a purchase, but it is no sale (units sold unchanged) and no note earns it."""
        oid = len(self.buyer)
        self.buyer.append(recipient)
        self.product.append(product)
        self.quantity.append(1)
        self.unit_cents.append(0)
        self.placed_at.append(now)
        self.status.append(S.PAID)
        self.note.append(-1)
        self.channel.append(Channel.DIRECT)
        self.rating.append(0)
        self.review_note.append(-1)
        self.is_sample.append(1)
        self.stock[product] -= 1
        return oid

    def set_status(self, order: int, status: OrderStatus) -> None:
        p, q = self.product[order], self.quantity[order]
        sold = 0 if self.is_sample[order] else q  # a sample was never counted as sold
        if status is S.CANCELLED:  # goods never left: back to stock, sale undone
            self.stock[p] += q
            self.units_sold[p] -= sold
        elif status is S.REFUNDED:  # money back; returned goods are not resold
            self.units_sold[p] -= sold
        self.status[order] = status

    def add_review(self, order: int, rating: int, review_note: int) -> None:
        self.status[order] = S.REVIEWED
        self.rating[order] = rating
        self.review_note[order] = review_note
        p = self.product[order]
        self.rating_sum[p] += rating
        self.rating_count[p] += 1

    def order_view(self, order: int) -> Order:
        self.check_order(order)
        note, rating, rn = self.note[order], self.rating[order], self.review_note[order]
        return Order(
            id=order,
            buyer=self.buyer[order],
            product=self.product[order],
            quantity=self.quantity[order],
            unit_price=self.unit_cents[order] / 100,
            placed_at=self.placed_at[order],
            status=OrderStatus(self.status[order]).label,
            note=note if note >= 0 else None,
            channel=Channel(self.channel[order]).label,
            rating=rating or None,
            review_note=rn if rn >= 0 else None,
            sample=bool(self.is_sample[order]),
        )
