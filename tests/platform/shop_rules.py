"""The state machine's shop and marketing rules: products, orders and their lifecycle,
reviews, ad campaigns and boosts — valid and invalid calls, each of which must leave the
platform consistent with its log (``test_properties``)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from redloop.platform.api import TOPICS

from .property_support import FAILED, any_topics, channels, ref, valid_topics


class ShopRules:
    """Rules mixed into the platform state machine (its helpers: ``attempt``, ``pick``...)."""

    @rule(
        is_brand=st.booleans(),
        brand=ref,
        name=st.sampled_from(["Night Cream", "Trail", ""]),
        topic=st.sampled_from([*TOPICS[:6], "knitting"]),
        price=st.sampled_from([9.9, 9.9, 0.0, -1.0]),
        stock=st.sampled_from([0, 2, 2, -1]),
        origin=st.sampled_from(["domestic", "overseas", "x"]),
    )
    def create_product(self, is_brand, brand, name, topic, price, stock, origin) -> None:
        brand = self.of_kind("brand", brand) if is_brand else self.user(brand)
        self.attempt("create_product", brand, name, topic, price, stock, origin=origin)

    def seller(self, role: str, product: int, ref: int) -> int:
        if role == "brand" and product >= 0:
            return self.p.product(product).brand
        return self.of_kind("staff", ref) if role == "staff" else self.user(ref)

    @rule(
        role=st.sampled_from(["brand", "staff", "any"]),
        actor=ref,
        product=ref,
        quantity=st.sampled_from([1, 4, 4, 0, 10**9, 2**31 - 1]),
    )
    def restock(self, role: str, actor: int, product: int, quantity: int) -> None:
        product = self.product(product)
        self.attempt("restock", self.seller(role, product, actor), product, quantity)

    @rule(
        role=st.sampled_from(["brand", "staff", "any"]),
        actor=ref,
        product=ref,
        price=st.sampled_from([5.0, 12.34, 0.0, 2e7]),
    )
    def set_price(self, role: str, actor: int, product: int, price: float) -> None:
        product = self.product(product)
        self.attempt("set_price", self.seller(role, product, actor), product, price)

    @rule(user=ref, product=ref, channel=channels)
    def view_product(self, user: int, product: int, channel: str) -> None:
        self.attempt("view_product", self.user(user), self.product(product), channel=channel)

    @rule(user=ref, product=ref, quantity=st.sampled_from([1, 1, 2, 5, 6, 0]))
    def place_order(self, user: int, product: int, quantity: int) -> None:
        product = self.product(product)
        stock = self.p.product(product).stock if product >= 0 else None
        oid = self.attempt("place_order", self.user(user), product, quantity)
        if oid is not FAILED:
            assert self.p.product(product).stock == stock - quantity
            assert self.p.order(oid).status == "placed"

    def order_actor(self, role: str, order: int, ref: int) -> int:
        if order >= 0 and role == "buyer":
            return self.p.order(order).buyer
        if order >= 0 and role == "seller":
            return self.p.product(self.p.order(order).product).brand
        return self.user(ref)

    @rule(
        action=st.sampled_from(["pay", "ship", "deliver", "cancel", "refund"]),
        role=st.sampled_from(["buyer", "seller", "any"]),
        actor=ref,
        order=ref,
    )
    def order_step(self, action: str, role: str, actor: int, order: int) -> None:
        order = self.order(order)
        self.attempt(action, self.order_actor(role, order, actor), order)

    @rule(
        role=st.sampled_from(["buyer", "buyer", "any"]),
        user=ref,
        order=ref,
        rating=st.sampled_from([1, 4, 5, 0, 6]),
        note=st.sampled_from([None, "theirs", "any"]),
        note_ref=ref,
    )
    def review(
        self, role: str, user: int, order: int, rating: int, note: str | None, note_ref: int
    ) -> None:
        order = self.order(order)
        user = self.order_actor(role, order, user)
        if note == "theirs" and user >= 0:
            nid = self.pick(note_ref, self.p.notes_by(user))
        else:
            nid = self.note(note_ref)
        self.attempt("review", user, order, rating, note=None if note is None else nid)

    @rule(
        role=st.sampled_from(["author", "brand", "any"]),
        brand=ref,
        note=ref,
        budget=st.sampled_from([0.1, 5.0, 5.0, 0.0]),
        placement=st.sampled_from(["feed", "search", "feed", "tv"]),
        topics=st.none() | valid_topics | any_topics,
        cpm=st.sampled_from([50.0, 1000.0]),
    )
    def create_campaign(self, role, brand, note, budget, placement, topics, cpm) -> None:
        note = self.note(note)
        if role == "author" and note >= 0:
            brand = self.p.note(note).author
        else:
            brand = self.of_kind("brand", brand) if role == "brand" else self.user(brand)
        if (
            self.attempt(
                "create_campaign", brand, note, budget, placement=placement, topics=topics, cpm=cpm
            )
            is not FAILED
        ):
            self.n_campaigns += 1

    @rule(
        brand=ref,
        topics=valid_topics,
        placement=st.sampled_from(["feed", "search"]),
        impressions=st.integers(1, 4),
    )
    def campaign_flow(
        self, brand: int, topics: list[str], placement: str, impressions: int
    ) -> None:
        """A brand promotes a fresh note with a budget for a few impressions at 50 yuan CPM."""
        brand = self.of_kind("brand", brand)
        note = self.attempt("publish", brand, topics)
        if note is not FAILED:
            cid = self.attempt(
                "create_campaign", brand, note, 0.05 * impressions, placement=placement
            )
            assert cid == self.n_campaigns
            self.n_campaigns += 1
            assert self.p.campaign(cid).active

    @rule(
        own=st.booleans(),
        user=ref,
        note=ref,
        fee=st.sampled_from([75.0, 100.0, 50.0]),
        hours=st.sampled_from([6.0, 24.0, 1.0]),
        goal=st.sampled_from(["reads", "engagement", "follows", "fame"]),
        cpm=st.sampled_from([None, 40.0]),
    )
    def create_boost(self, own, user, note, fee, hours, goal, cpm) -> None:
        """Boost a note (its author's, or anyone's), with a campaign competing for attention."""
        note = self.note(note)
        user = self.p.note(note).author if own and note >= 0 else self.user(user)
        self.attempt("create_boost", user, note, fee, hours=hours, goal=goal)
        if cpm is not None and note >= 0 and self.p.note(note).sponsor is not None:
            brand = self.p.note(note).sponsor
            if (
                self.attempt("create_campaign", brand, note, 1.0, cpm=cpm, hours=hours)
                is not FAILED
            ):
                self.n_campaigns += 1

    @rule(
        user=ref,
        product=ref,
        steps=st.integers(0, 4),
        end=st.sampled_from([None, "cancel", "refund", "pay"]),
        rating=st.integers(1, 5),
        with_note=st.booleans(),
    )
    def order_flow(
        self, user: int, product: int, steps: int, end: str | None, rating: int, with_note: bool
    ) -> None:
        """Place an order and take it ``steps`` steps along placed → ... → reviewed."""
        user, product = self.user(user), self.product(product)
        oid = self.attempt("place_order", user, product, 1)
        if oid is FAILED:
            return
        brand = self.p.product(product).brand
        for action, actor in (("pay", user), ("ship", brand), ("deliver", brand))[:steps]:
            assert self.attempt(action, actor, oid) is not FAILED, action
        if steps == 4:
            note = None
            if with_note:
                topic = self.p.product(product).topic
                note = self.attempt("publish", user, [topic], products=[product])
            assert self.attempt("review", user, oid, rating, note=note) is not FAILED
            assert self.p.order(oid).rating == rating
        if end is not None:
            self.attempt(end, user, oid)  # may not be allowed from here: then nothing changes

    @rule(owner=st.booleans(), brand=ref, campaign=ref)
    def stop_campaign(self, owner: bool, brand: int, campaign: int) -> None:
        campaign = self.pick(campaign, range(self.n_campaigns))
        owner_id = self.p.campaign(campaign).brand if campaign >= 0 else -1
        self.attempt("stop_campaign", owner_id if owner else self.user(brand), campaign)
