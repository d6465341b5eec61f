"""Hypothesis state machine over the creator marketplace: whatever brands, creators and others
try, money and statuses equal what the event log implies, capacity holds, every sponsored note
is a brand's own or fulfils an accepted collaboration, failures change nothing, replay is exact."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from redloop.platform.api import CollabStatus, EventKind, Platform, PlatformConfig, PlatformError

K = EventKind
CONFIG = PlatformConfig(collab_min_followers=1, collab_weekly_capacity=2, collab_offer_hours=10)
FAILED = object()
ref = st.integers(-1, 8)


class MarketplaceMachine(RuleBasedStateMachine):
    seen: ClassVar[Counter] = Counter()  # runs in which each marketplace event kind happened

    def __init__(self) -> None:
        super().__init__()
        p = self.p = Platform(CONFIG, rng=1)
        self.replica = Platform(CONFIG, rng=2)
        self.t = 0.0
        for name, kind in (
            ("ann", "consumer"),
            ("cy", "creator"),
            ("dee", "creator"),  # stays below the entry threshold: no followers
            ("glowco", "brand"),
            ("acme", "brand"),
            ("editor", "staff"),
        ):
            p.create_user(name, kind, ["skincare"], now=0)
        p.follow(0, 1, now=0)
        p.create_product(3, "Glow Serum", "skincare", 19.9, 20, now=0)
        p.create_product(4, "Acme Boots", "outdoor", 99.0, 4, now=0)

    def pick(self, ref: int, n: int) -> int:
        return -1 if ref < 0 or n == 0 else ref % n

    def attempt(self, method: str, *args: Any, **kwargs: Any) -> Any:
        before = (self.p.fingerprint(), len(self.p.log), self.p.now)
        try:
            return getattr(self.p, method)(*args, now=self.t, **kwargs)
        except PlatformError as err:
            assert err.field, f"{method}: {err} names no field"
            assert (self.p.fingerprint(), len(self.p.log), self.p.now) == before, err
            return FAILED

    @rule(dt=st.sampled_from([0.0, 1.0, 6.0, 24.0, 24.0 * 4]))
    def advance(self, dt: float) -> None:
        self.t += dt

    @rule(
        brand=ref,
        creator=ref,
        product=ref,
        fee=st.sampled_from([49.0, 50.0, 123.45, 999.99, -1.0]),
        hours=st.sampled_from([None, None, 1, 48, 0]),
        plausible=st.booleans(),
    )
    def offer(
        self, brand: int, creator: int, product: int, fee: float, hours: Any, plausible: bool
    ) -> None:
        """Any ids at all, or (``plausible``) a brand, its own product and the admitted creator."""
        users = self.p.n_users
        if plausible:
            brand = 3 + brand % 2
            args = (brand, 1, brand - 3)
        else:
            args = (self.pick(brand, users), self.pick(creator, users), self.pick(product, 2))
        self.attempt("offer_collaboration", *args, fee, hours=hours)

    @rule(
        action=st.sampled_from(["accept", "decline", "withdraw"]),
        party=st.sampled_from([True, True, False]),
        other=ref,
        collab=ref,
    )
    def answer(self, action: str, party: bool, other: int, collab: int) -> None:
        """Any collaboration, or (``party``) an open offer answered by the right party."""
        open_offers = self.p.collaborations_of(1, status="offered")
        if party and open_offers:
            cid = open_offers[collab % len(open_offers)]
        else:
            cid = self.pick(collab, len(self.p.tables()["collaborations"]["brand"]))
        if cid < 0:
            return
        c = self.p.collaboration(cid)
        actor = (c.brand if action == "withdraw" else c.creator) if party else other
        self.attempt(f"{action}_collaboration", actor, cid)

    @precondition(lambda self: self.p.collaborations_of(1, status="offered"))
    @rule(which=st.integers(0, 5))
    def creator_accepts(self, which: int) -> None:
        """The admitted creator takes an open offer (refused only past the deadline or at
        capacity)."""
        offers = self.p.collaborations_of(1, status="offered")
        self.attempt("accept_collaboration", 1, offers[which % len(offers)])

    @precondition(lambda self: self.p.collaborations_of(1, status="accepted"))
    @rule(which=st.integers(0, 5))
    def creator_delivers(self, which: int) -> None:
        accepted = self.p.collaborations_of(1, status="accepted")
        c = self.p.collaboration(accepted[which % len(accepted)])
        nid = self.attempt("publish", 1, ["skincare"], products=[c.product], collaboration=c.id)
        assert nid is not FAILED and self.p.note(nid).sponsor == c.brand

    @rule()
    def expire(self) -> None:
        assert self.attempt("expire_collaborations") is not FAILED

    @rule(
        author=ref,
        collab=ref,
        sponsor=st.sampled_from([None, "theirs", "any"]),
        sponsor_ref=ref,
        tag=st.booleans(),
        plausible=st.booleans(),
    )
    def publish(
        self, author: int, collab: int, sponsor: Any, sponsor_ref: int, tag: bool, plausible: bool
    ) -> None:
        """Anyone, or (``plausible``) an accepted collaboration's creator, naming no sponsor,
        the collaboration's brand or anyone; with or without the collaboration's product."""
        accepted = self.p.collaborations_of(1, status="accepted")
        if plausible and accepted:
            cid = accepted[collab % len(accepted)]
        else:
            cid = self.pick(collab, len(self.p.tables()["collaborations"]["brand"]))
        c = self.p.collaboration(cid) if cid >= 0 else None
        author = c.creator if plausible and c else self.pick(author, self.p.n_users)
        self.attempt(
            "publish",
            author,
            ["skincare"],
            products=[c.product] if tag and c else [],
            sponsor={
                None: None,
                "theirs": c.brand if c else None,
                "any": self.pick(sponsor_ref, self.p.n_users),
            }[sponsor],
            collaboration=cid if cid >= 0 else None,
        )

    def teardown(self) -> None:
        replayed = Platform.replay(self.p.log, CONFIG)
        assert replayed.fingerprint() == self.p.fingerprint()
        kinds = Counter(e.kind for e in self.p.log)
        MarketplaceMachine.seen.update(k for k in kinds if k.name.startswith("COLLAB"))

    @invariant()
    def marketplace_equals_what_the_log_implies(self) -> None:
        p = self.p
        offers: dict[int, tuple[int, int, int, int]] = {}
        status: dict[int, int] = {}
        accepted_at: dict[int, list[float]] = defaultdict(list)
        committed: Counter = Counter()
        earned: Counter = Counter()
        commission = 0
        for e in p.log:
            if e.kind is K.COLLAB_OFFERED:
                creator, _, fee_commission, _ = e.ints or ()
                offers[e.object] = (e.actor, creator, e.value, fee_commission)
                status[e.object] = CollabStatus.OFFERED
            elif e.kind is K.COLLAB_ACCEPTED:
                brand, creator, fee, cut = offers[e.object]
                assert e.actor == creator and status[e.object] == CollabStatus.OFFERED
                status[e.object] = CollabStatus.ACCEPTED
                accepted_at[creator].append(e.time)
                committed[brand] += fee + cut
                commission += cut
            elif e.kind is K.COLLAB_CLOSED:
                assert status[e.object] == CollabStatus.OFFERED
                status[e.object] = e.value
            elif e.kind is K.COLLAB_PUBLISHED:
                cid = (e.ints or ())[0]
                brand, creator, fee, _ = offers[cid]
                assert e.actor == creator and status[cid] == CollabStatus.ACCEPTED
                assert e.fields["sponsor"] == brand
                status[cid] = CollabStatus.PUBLISHED
                earned[creator] += fee
            elif e.kind is K.NOTE_PUBLISHED:
                sponsor = e.fields["sponsor"]
                assert sponsor is None or sponsor == e.actor, "sponsored without a collaboration"
        for cid, code in status.items():
            assert p.collaboration(cid).status == CollabStatus(code).label
        for u in range(p.n_users):
            money = p.collab_money(u)
            assert round(money["committed"] * 100) == committed[u]
            assert round(money["earned"] * 100) == earned[u]
            assert round(money["platform_commission"] * 100) == commission
        for times in accepted_at.values():
            for t in times:
                in_week = [s for s in times if t - 24 * 7 < s <= t]
                assert len(in_week) <= CONFIG.collab_weekly_capacity

    @invariant()
    def a_replica_fed_the_log_is_identical(self) -> None:
        for seq in range(len(self.replica.log), len(self.p.log)):
            self.replica.apply(self.p.log[seq])
        assert self.replica.fingerprint() == self.p.fingerprint()


MarketplaceMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_marketplace_state_machine = MarketplaceMachine.TestCase


def test_the_state_machine_reached_every_marketplace_event() -> None:
    """Guard against a machine that only ever fails: run after the machine (file order)."""
    if not MarketplaceMachine.seen:
        test_marketplace_state_machine().runTest()
    assert set(MarketplaceMachine.seen) == {
        K.COLLAB_OFFERED,
        K.COLLAB_ACCEPTED,
        K.COLLAB_CLOSED,
        K.COLLAB_PUBLISHED,
    }, MarketplaceMachine.seen
