"""Property tests: random sequences of every operation, valid and invalid, keep the platform
consistent with its event log.

After every step: each counter equals what the log implies (recomputed by iterating
``platform.log``), stock is never negative, order histories follow the lifecycle, and
``Platform.replay(log, config)`` reproduces ``fingerprint()``. Every failed call must raise a
``PlatformError`` naming a field and change nothing; idempotent calls repeated change nothing.
The reference model and the draws are in ``property_support``, the shop and marketing rules
in ``shop_rules``.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from redloop.platform.api import (
    RECOMMENDERS,
    InvalidInput,
    Platform,
    PlatformConfig,
    PlatformError,
)

from .property_support import (
    CONFIG,
    FAILED,
    K,
    any_topics,
    channels,
    implied_shares,
    implied_state,
    ref,
    valid_topics,
)
from .shop_rules import ShopRules


class PlatformMachine(ShopRules, RuleBasedStateMachine):
    """Drives one platform through random calls; the clock only moves forward by ``advance``.

    A replica fed the same events (as replay does) is compared after every step.
    """

    config = CONFIG

    def __init__(self) -> None:
        super().__init__()
        p = self.p = Platform(self.config, rng=1)
        self.replica = Platform(self.config, rng=2)
        self.t = 0.0
        self.n_campaigns = 0
        for name, kind, interests in (
            ("ann", "consumer", ["beauty", "skincare"]),
            ("bo", "consumer", ["food"]),
            ("cy", "creator", []),
            ("glowco", "brand", []),
            ("acme", "brand", []),
            ("editor", "staff", []),
        ):
            p.create_user(name, kind, interests, now=0)
        p.create_product(3, "Glow Serum", "skincare", 19.9, 20, now=0)
        p.create_product(4, "Acme Boots", "outdoor", 99.0, 4, now=0)

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def pick(ref: int, ids: range | list[int]) -> int:
        return -1 if ref < 0 or not ids else ids[ref % len(ids)]

    def user(self, ref: int) -> int:
        return self.pick(ref, range(self.p.n_users))

    def note(self, ref: int) -> int:
        return self.pick(ref, range(self.p.n_notes))

    def product(self, ref: int) -> int:
        return self.pick(ref, range(self.p.n_products))

    def order(self, ref: int) -> int:
        return self.pick(ref, range(self.p.n_orders))

    def of_kind(self, kind: str, ref: int) -> int:
        return self.pick(ref, [u for u in range(self.p.n_users) if self.p.user(u).kind == kind])

    def state(self) -> tuple[str, int, float]:
        return self.p.fingerprint(), len(self.p.log), self.p.now

    def attempt(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a platform method at the current time; failures must change nothing."""
        before = self.state()
        try:
            return getattr(self.p, method)(*args, now=self.t, **kwargs)
        except PlatformError as err:
            assert isinstance(err.field, str) and err.field, f"{method}: {err} names no field"
            assert str(err)
            assert self.state() == before, f"failed {method} changed the platform: {err}"
            return FAILED

    # ---------------------------------------------------------------- rules

    @rule(dt=st.sampled_from([0.0, 0.5, 3.0, 30.0, 300.0]))
    def advance(self, dt: float) -> None:
        self.t += dt

    @rule(op=st.sampled_from(["share", "create_user", "discovery_feed", "view_product"]))
    def time_goes_backwards(self, op: str) -> None:
        if self.p.now <= 0 or not self.p.n_notes:
            return
        before = self.state()
        args = {
            "share": (0, 0),
            "create_user": ("newcomer",),
            "discovery_feed": (0,),
            "view_product": (0, 0),
        }[op]
        try:
            getattr(self.p, op)(*args, now=self.p.now - 1)
        except InvalidInput as err:
            assert err.field == "now"
        else:
            raise AssertionError(f"{op} accepted a time in the past")
        assert self.state() == before

    @rule(
        name=st.integers(0, 30) | st.sampled_from(["", "  ", "x" * 41]),
        kind=st.sampled_from(["consumer", "consumer", "creator", "brand", "staff", "robot"]),
        interests=valid_topics | any_topics,
    )
    def create_user(self, name: int | str, kind: str, interests: list[str]) -> None:
        self.attempt(
            "create_user", f"user{name}" if isinstance(name, int) else name, kind, interests
        )

    @rule(user=ref, followee=ref, via=st.sampled_from([None, "theirs", "any"]), note=ref)
    def follow(self, user: int, followee: int, via: str | None, note: int) -> None:
        followee = self.user(followee)
        if via == "theirs" and 0 <= followee < self.p.n_users:
            note = self.pick(note, self.p.notes_by(followee))
        else:
            note = self.note(note)
        self.attempt("follow", self.user(user), followee, via_note=None if via is None else note)

    @rule(
        ops=st.sampled_from([("follow",), ("unfollow",), ("follow", "unfollow")]),
        user=ref,
        followee=ref,
    )
    def toggle_follow(self, ops: tuple[str, ...], user: int, followee: int) -> None:
        for op in ops:
            self.idempotent(op, self.user(user), self.user(followee))

    @rule(
        ops=st.sampled_from(
            [
                ("like",),
                ("unlike",),
                ("like", "unlike"),
                ("collect",),
                ("uncollect",),
                ("collect", "uncollect"),
            ]
        ),
        user=ref,
        note=ref,
    )
    def toggle_engagement(self, ops: tuple[str, ...], user: int, note: int) -> None:
        for op in ops:
            self.idempotent(op, self.user(user), self.note(note))

    def idempotent(self, op: str, a: int, b: int) -> None:
        """The first call may change something; an immediate repeat must change nothing."""
        n = len(self.p.log)
        first = self.attempt(op, a, b)
        if first is FAILED:
            return
        assert len(self.p.log) == n + (1 if first else 0)
        before = self.state()
        assert self.attempt(op, a, b) is False
        assert self.state() == before

    @rule(
        by_brand=st.booleans(),
        author=ref,
        topics=valid_topics | any_topics,
        fmt=st.sampled_from(["image", "video", "image", "gif"]),
        tagged=st.lists(ref, max_size=2),
        sponsor=st.sampled_from([None, None, "brand", "any"]),
        sponsor_ref=ref,
        title=st.sampled_from(["", "", "my haul", "t" * 201]),
    )
    def publish(self, by_brand, author, topics, fmt, tagged, sponsor, sponsor_ref, title) -> None:
        sp = {
            None: None,
            "brand": self.of_kind("brand", sponsor_ref),
            "any": self.user(sponsor_ref),
        }[sponsor]
        author = self.of_kind("brand", author) if by_brand else self.user(author)
        self.attempt(
            "publish",
            author,
            topics,
            format=fmt,
            products=[self.product(r) for r in tagged],
            sponsor=sp,
            title=title,
        )

    @rule(user=ref, note=ref, channel=channels)
    def read(self, user: int, note: int, channel: str) -> None:
        self.attempt("read", self.user(user), self.note(note), channel=channel)

    @rule(user=ref, note=ref, text=st.sampled_from(["nice!", "nice!", "", "   ", "y" * 1001]))
    def comment(self, user: int, note: int, text: str) -> None:
        note = self.note(note)
        n = self.p.note(note).comments if note >= 0 else None
        if self.attempt("comment", self.user(user), note, text) is not FAILED:
            assert self.p.note(note).comments == n + 1

    @rule(user=ref, note=ref)
    def share(self, user: int, note: int) -> None:
        note = self.note(note)
        n = self.p.note(note).shares if note >= 0 else None
        if self.attempt("share", self.user(user), note) is not FAILED:
            assert self.p.note(note).shares == n + 1

    def share_ref(self, ref: int) -> int:
        return self.pick(ref, range(self.p.n_shares))

    @rule(
        user=ref,
        note=ref,
        to=st.lists(st.sampled_from(["follower", "any", "self"]), max_size=3),
        to_ref=ref,
        parent=st.sampled_from([None, "same_note", "any"]),
        parent_ref=ref,
        befriend=ref,
    )
    def deliver_share(self, user, note, to, to_ref, parent, parent_ref, befriend) -> None:
        """Share with followers (one made just before, unless ``befriend`` is -1), strangers
        or oneself."""
        user, note = self.user(user), self.note(note)
        self.attempt("follow", self.user(befriend), user)
        followers = list(self.p.followers(user)) if user >= 0 else []
        pick = {"follower": lambda: self.pick(to_ref, followers), "self": lambda: user}
        recipients = [pick.get(kind, lambda: self.user(to_ref))() for kind in to]
        par = self.parent(parent, note, parent_ref)
        before = self.p.shared_with(recipients[0]) if recipients and recipients[0] >= 0 else ()
        sid = self.attempt("deliver_share", user, note, recipients, parent=par)
        if sid is not FAILED:
            assert all(self.p.is_following(r, user) for r in recipients)
            assert self.p.shared_with(recipients[0])[len(before) :][-1].share == sid
            assert self.p.share_info(sid).parent == par

    def parent(self, kind: str | None, note: int, ref: int) -> int | None:
        if kind == "same_note" and note >= 0:
            return self.pick(ref, list(self.p.shares_of(note)))
        return None if kind is None else self.share_ref(ref)

    @rule(
        user=ref,
        note=ref,
        parent=st.sampled_from([None, "same_note", "any"]),
        parent_ref=ref,
        visitors=st.sampled_from([1, 3, 0]),
        signups=st.integers(0, 3),
    )
    def share_outside(self, user, note, parent, parent_ref, visitors, signups) -> None:
        """A link to a messaging app, then maybe visitors and sign-ups through it."""
        note = self.note(note)
        par = self.parent(parent, note, parent_ref)
        sid = self.attempt("share_outside", self.user(user), note, parent=par)
        if sid is not FAILED:
            self.visit_and_sign_up(sid, visitors, signups)

    def visit_and_sign_up(self, share: int, visitors: int, signups: int) -> None:
        self.attempt("share_visited", share, visitors)
        for i in range(signups):
            name = f"visitor{self.p.n_users}" if i < 2 else "ann"  # a taken name fails
            uid = self.attempt("sign_up_via_share", share, name, ["food"])
            if uid is not FAILED:
                assert self.p.joined_via_share(uid) == share

    @rule(
        share=ref,
        outside=st.booleans(),
        visitors=st.sampled_from([1, 3, 0]),
        signups=st.integers(0, 3),
    )
    def outside_visits(self, share: int, outside: bool, visitors: int, signups: int) -> None:
        if outside:
            links = [s for s in range(self.p.n_shares) if self.p.share_info(s).outside]
            share = self.pick(share, links)
        else:
            share = self.share_ref(share)
        self.visit_and_sign_up(share, visitors, signups)

    @rule(user=ref, after=st.none() | ref, limit=st.sampled_from([1, 20, 0]))
    def inbox(self, user: int, after: int | None, limit: int) -> None:
        before = self.state()
        try:
            items = self.p.shared_with(
                self.user(user), after=after and self.share_ref(after), limit=limit
            )
        except PlatformError:
            pass
        else:
            assert [i.share for i in items] == sorted(i.share for i in items)
        assert self.state() == before

    @rule(user=ref, before=st.none() | ref, limit=st.sampled_from([1, 3, 20, 0]))
    def following_feed(self, user: int, before: int | None, limit: int) -> None:
        user = self.user(user)
        before = None if before is None else self.note(before)
        page = self.attempt("following_feed", user, before=before, limit=limit)
        if page is not FAILED:
            assert page == sorted(page, reverse=True) and len(page) <= limit
            assert all(self.p.is_following(user, self.p.note(n).author) for n in page)

    @rule(user=ref, k=st.sampled_from([None, None, 1, 2, 4, 0]))
    def discovery_feed(self, user: int, k: int | None) -> None:
        page = self.attempt("discovery_feed", self.user(user), k=k)
        if page is not FAILED:
            assert len(set(page.notes)) == len(page.notes) <= (k or CONFIG.page_size)
            assert all(0 <= n < self.p.n_notes for n in page.notes)

    @rule(author=ref, n=st.integers(1, 4), topics=valid_topics)
    def publish_burst(self, author: int, n: int, topics: list[str]) -> None:
        for _ in range(n):
            self.attempt("publish", self.user(author), topics)

    @rule(user=ref, pages=st.integers(1, 3), engage=st.sampled_from(["none", "like", "all"]))
    def browse(self, user: int, pages: int, engage: str) -> None:
        """A session: discovery pages, open the first card, maybe engage with it."""
        user = self.user(user)
        for _ in range(pages):
            page = self.attempt("discovery_feed", user)
            if page is FAILED or not page.notes:
                return
            card = page.notes[0]
            self.attempt("read", user, card, channel=page.channel_of(0))
            if engage != "none":
                self.attempt("like", user, card)
            if engage == "all":
                self.attempt("collect", user, card)
                self.attempt("comment", user, card, "so good")
                self.attempt("share", user, card)
                self.attempt("follow", user, self.p.note(card).author, via_note=card)

    @rule(name=st.sampled_from([*sorted(RECOMMENDERS), "magic"]))
    def set_recommender(self, name: str) -> None:
        self.attempt("set_recommender", name)

    @rule(staff=st.booleans(), editor=ref, note=ref)
    def pick_note(self, staff: bool, editor: int, note: int) -> None:
        editor = self.of_kind("staff", editor) if staff else self.user(editor)
        self.attempt("pick_note", editor, self.note(note))

    @rule(
        user=ref,
        query=st.sampled_from(
            ["skincare", "glow serum", "acme", "boots food", "glowco beauty", "zzz", "", "q" * 201]
        ),
    )
    def search(self, user: int, query: str) -> None:
        result = self.attempt("search", self.user(user), query)
        if result is not FAILED:
            assert len(set(result.notes)) == len(result.notes)

    # ---------------------------------------------------------------- invariants

    @invariant()
    def counters_equal_what_the_log_implies(self) -> None:
        p, want = self.p, implied_state(self.p)
        assert p.n_notes == len(want["notes"])
        for n in range(p.n_notes):
            note, counts = p.note(n), want["notes"][n]
            for name in (
                "likes",
                "collects",
                "comments",
                "shares",
                "reads",
                "follows",
                "impressions",
            ):
                assert getattr(note, name) == counts[name], f"note {n} {name}"
            weights = p.config.ces_weights
            engaged = [counts[k] for k in ("likes", "collects", "comments", "shares", "follows")]
            ces = sum(w * c for w, c in zip(weights, engaged, strict=True))
            assert note.ces == pytest.approx(ces), f"note {n} ces"
        for u in range(p.n_users):
            view = p.user(u)
            assert set(p.followers(u)) == {a for a, b in want["edges"] if b == u}
            assert set(p.following(u)) == {b for a, b in want["edges"] if a == u}
            assert (view.followers, view.following) == (len(p.followers(u)), len(p.following(u)))
            assert view.notes == want["notes_by"][u]
        for u, n in want["liked"]:
            assert p.has_liked(u, n)
        for u, n in want["collected"]:
            assert p.has_collected(u, n)
        assert p.n_products == len(want["stock"])
        for pid, stock in want["stock"].items():
            product = p.product(pid)
            assert product.stock == stock >= 0, f"product {pid} stock"
            assert product.units_sold == want["sold"][pid]
            ratings = want["ratings"][pid]
            assert product.reviews == len(ratings)
            assert product.rating == (sum(ratings) / len(ratings) if ratings else None)
        assert p.n_orders == len(want["status"])
        for oid, status in want["status"].items():
            order = p.order(oid)
            assert order.status == status
            assert (order.product, order.quantity) == want["order_product"][oid]
            assert order.placed_at <= p.now
        reserve = round(p.config.ad_reserve_cpm * 100)
        for cid, c in want["campaign"].items():
            view = p.campaign(cid)
            spent = round(view.spent * 100_000)
            assert view.impressions == c["impressions"]
            assert c["min_spent"] <= spent <= min(c["max_spent"], c["budget"])
            # running unless stopped by its brand or left unable to pay the reserve
            assert view.active == (
                bool(c["active"])
                and c["budget"] - spent >= reserve
                and p.now < (view.end or math.inf)
            )
        for bid in range(p.n_boosts):
            boost = p.boost(bid)
            assert boost.delivered == want["boosted"][bid] <= boost.bought

    @invariant()
    def shares_equal_what_the_log_implies(self) -> None:
        p, want = self.p, implied_shares(self.p)
        assert p.n_shares == len(want)
        for sid, share in enumerate(want):
            view = p.share_info(sid)
            got = {k: getattr(view, k) for k in share}
            assert got == share, f"share {sid}"
            assert share["signups"] <= share["visitors"]
            assert share["parent"] is None or want[share["parent"]]["note"] == share["note"]
        signed_up = [e for e in p.log if e.kind is K.SHARE_SIGNUP]
        assert all(p.joined_via_share(e.actor) == e.object for e in signed_up)

    @invariant()
    def a_replica_fed_the_log_is_identical(self) -> None:
        """Apply the new events to the replica (what replay does, incrementally)."""
        for seq in range(len(self.replica.log), len(self.p.log)):
            self.replica.apply(self.p.log[seq])
        assert self.replica.fingerprint() == self.p.fingerprint()

    def teardown(self) -> None:
        replayed = Platform.replay(self.p.log, self.p.config)
        assert replayed.fingerprint() == self.p.fingerprint()


class OtherConfigMachine(PlatformMachine):
    """The same rules under another configuration: interest recommender, no seen filter,
    single-stage pools, a one-hour attribution window."""

    config = PlatformConfig(
        recommender="interest",
        page_size=3,
        ad_slot=0,
        seen_window=0,
        pool_quotas=(3,),
        pool_thresholds=(),
        pool_slot_weights=(1.0,),
        pool_targeted_stages=0,
        attribution_window_hours=1.0,
        max_order_quantity=5,
        ces_weights=(1, 2, 3, 4, 5),
    )


SETTINGS = settings(
    max_examples=75,
    stateful_step_count=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PlatformMachine.TestCase.settings = OtherConfigMachine.TestCase.settings = SETTINGS
test_platform_state_machine = PlatformMachine.TestCase
test_platform_state_machine_other_config = OtherConfigMachine.TestCase
