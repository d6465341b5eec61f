"""Deciding to buy: the batched walk over an hour's wants buys what the per-session buyer
buys visit by visit — the same orders, draws, budgets and forgotten wants — never beyond a
budget or the stock, with one set of formulas compiled and not; and the batch sends the
visits the per-session choice sends to search, each for what it wants most."""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from redloop.agents import batch, decisions
from redloop.agents.consumer import Consumer
from redloop.agents.steps import run_inline
from redloop.platform.api import Platform, PlatformConfig
from redloop.platform.batch_kernels import HALF

from .fake_world import FakeWorld, as_world

PRICES = (40.0, 120.0, 260.0, 900.0)
PROOF = (0.25, 0.5, 0.8, 1.0)  # the reviews' backing, by product
NOW = 300.5


class ShopWorld(FakeWorld):
    """The fake world with reviews that back each product differently."""

    def social_proof(self, product: int, now: float) -> Generator[Any, Any, float]:
        yield self.platform.product(product)
        return PROOF[product]


def shop_world(seed: int, people: int = 12, stocks: tuple[int, ...] = ()) -> ShopWorld:
    """Four products (with ``stocks``, or random ones: some scarce, some none), and people
    with random budgets, some of it spent, and random wants set at random times (some
    long faded)."""
    rng = np.random.default_rng(seed)
    p = Platform(PlatformConfig(), rng=seed)
    brand = p.create_user("brand", "brand", [], now=0)
    w = ShopWorld(p)
    w.behaviour.buy_beta = float(rng.uniform(0.5, 8.0))
    for k, price in enumerate(PRICES):
        stock = stocks[k] if stocks else int(rng.choice([0, 1, 2, 50]))
        p.create_product(brand, f"product{k}", "skincare", price, stock, now=0)
        w.catalogue.add(f"product{k}", "skincare", price, quality=0.5, stock=stock)
    for i in range(people):
        uid = p.create_user(f"user{i}", "consumer", ["skincare"], now=0)
        budget = float(rng.uniform(30.0, 1_500.0))
        person = Consumer(as_world(w), uid, 1, budget, float(rng.uniform(0.2, 3.0)), 1.0, 1.0, 0.0)
        person.spent = float(rng.uniform(0.0, budget))
        for product in rng.permutation(4)[: rng.integers(0, 5)].tolist():
            since = float(rng.uniform(0.0, NOW))
            w.columns.wants.set(person.row, product, float(rng.lognormal(-1.0, 1.2)), since)
        w.people.append(person)
    return w


def want(person: Consumer, wants: dict[int, tuple[float, float]]) -> None:
    """``person`` wants only ``wants`` (product -> (intent, since)), in this order."""
    store = person.columns.wants
    for product in person.wanted():
        store.drop(person.row, product)
    for product, (value, since) in wants.items():
        store.set(person.row, product, value, since)


def state(w: ShopWorld) -> tuple[Any, ...]:
    """All that buying may change."""
    crowd = w.columns
    return (
        w.platform.log.digest(),
        w.streams.decisions.getstate(),
        crowd.live("spent").tolist(),
        [(crowd.wants.products(row), crowd.wants.held(row)) for row in range(len(crowd))],
        crowd.wants.had[: len(crowd)].tolist(),
        crowd.live("adopted").tolist(),
        list(w.catalogue.stock_hint),
        [(o.buyer, o.product, o.amount) for o in w.orders],
    )


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), visits=st.integers(1, 30))
def test_the_batch_buys_what_visit_by_visit_buying_buys(seed: int, visits: int) -> None:
    rows = np.random.default_rng(seed + 1).integers(0, 12, visits)  # some visit twice
    batched, one_by_one = shop_world(seed), shop_world(seed)
    budgets = batched.columns.live("budget").copy()
    batch._buy(batched, rows, NOW)
    for row in rows.tolist():
        run_inline(one_by_one.people[row].consider_buying(NOW))
    assert state(batched) == state(one_by_one)
    assert (batched.columns.live("spent") <= budgets).all()  # never beyond the budget
    sold = np.bincount([o.product for o in batched.orders], minlength=4)
    assert (sold <= [batched.platform.product(k).stock + sold[k] for k in range(4)]).all()


def test_a_long_hour_leaves_the_stream_where_visit_by_visit_buying_does() -> None:
    # more draws than one chunk of those made ahead, some of them not used
    for seed in (5, 6):
        batched, one_by_one = shop_world(seed, people=300), shop_world(seed, people=300)
        rows = np.random.default_rng(seed).permutation(np.repeat(np.arange(300), 2))
        batch._buy(batched, rows, NOW)
        for row in rows.tolist():
            run_inline(one_by_one.people[row].consider_buying(NOW))
        assert len(batched.orders) > 10
        assert state(batched) == state(one_by_one)


def test_a_batch_of_one_is_the_per_session_decision() -> None:
    for seed in range(40):
        batched, single = shop_world(seed, people=1), shop_world(seed, people=1)
        batch._buy(batched, np.zeros(1, dtype=np.int64), NOW)
        run_inline(single.people[0].consider_buying(NOW))
        assert state(batched) == state(single)


def test_what_is_out_of_stock_or_beyond_the_budget_is_not_bought() -> None:
    w = shop_world(0, people=3, stocks=(50, 50, 1, 50))
    w.behaviour.buy_beta = 1e6  # whatever may be bought, is
    for person in w.people:
        person.budget, person.spent = 300.0, 0.0
        want(person, {k: (1.0, NOW) for k in range(4)})
    w.catalogue.stock_hint[1] = 0  # in stock, but the shop shows it out of stock
    batch._buy(w, np.arange(3), NOW)
    first, *others = (person.uid for person in w.people)
    # 40, then 260 of the 260 left (its only unit); 120 is not shown; 900 is beyond the budget
    assert [(o.buyer, o.product) for o in w.orders] == [(first, 0), (first, 2)] + [
        (uid, 0) for uid in others
    ]
    assert w.catalogue.stock_hint == [1, 0, 0, 1]  # the next buyer found the last unit gone
    assert [person.spent for person in w.people] == [300.0, 40.0, 40.0]
    assert [person.wanted() for person in w.people] == [[1, 3], [1, 2, 3], [1, 2, 3]]


def test_faded_wants_are_forgotten_and_draw_nothing() -> None:
    w = shop_world(3, people=2)
    for person in w.people:
        want(person, {0: (0.5, NOW - 24 * 7 * 10), 1: (0.5, NOW)})
        person.budget, person.spent = 1e9, 0.0
    w.catalogue.stock_hint[:] = [1, 0, 1, 1]  # 1 still wanted, but not shown in stock
    before = w.streams.decisions.getstate()
    batch._buy(w, np.arange(2), NOW)
    assert all(person.wanted() == [1] for person in w.people)
    assert w.streams.decisions.getstate() == before and not w.orders


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), visits=st.integers(1, 30))
def test_who_searches_and_for_what_is_the_per_session_choice(seed: int, visits: int) -> None:
    w = shop_world(seed)
    w.channel_weights = (0.5, 0.2, 0.3)
    want(w.people[0], {3: (0.5, 100.5), 1: (0.5, 100.5), 2: (0.2, 100.5)})  # a tie
    rows = np.random.default_rng(seed + 1).integers(0, 12, visits)
    rows[0] = 0
    r = np.random.default_rng(seed + 2).random(visits)
    searching, wanted = batch._searching(w, rows, r, NOW)
    people = [w.people[row] for row in rows.tolist()]
    chosen = [a.searches(x, NOW) for a, x in zip(people, r.tolist(), strict=True)]
    assert searching.tolist() == chosen and wanted[0] == 1  # the lowest id of the tie
    assert wanted.tolist() == [a.most_wanted(NOW) if a.wanted() else -1 for a in people]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), reads=st.integers(1, 40))
def test_the_batch_hears_word_of_mouth_as_each_reader_does(seed: int, reads: int) -> None:
    """Notes tagging products (some sponsored, some damning, some untagged) read by people
    of different trust and susceptibility, some reading twice, some owning the product:
    the batch's one call moves intent as each reader's ``hear_from`` does, read after read."""
    rng = np.random.default_rng(seed)
    batched, one_by_one = shop_world(seed), shop_world(seed)
    trust, susceptibility = rng.uniform(0.05, 1.0, 12), rng.lognormal(0.0, 0.5, 12)
    owned = [(int(row), int(product)) for row, product in rng.integers(0, (12, 4), (3, 2))]
    kinds = rng.choice([0, 1, 2], 8)
    products, valences = rng.integers(-1, 4, 8), rng.uniform(-1.0, 1.0, 8)
    for w in (batched, one_by_one):
        w.columns.trust[:12], w.columns.susceptibility[:12] = trust, susceptibility
        for row, product in owned:
            w.columns.wants.got(row, product)
        w.notes.cover(7)
        for note in range(8):
            w.notes.kind[note], w.notes.product[note] = int(kinds[note]), int(products[note])
            w.notes.valence[note] = float(valences[note])
    readers, notes = rng.integers(0, 12, reads), rng.integers(0, 8, reads)
    batch._hear(batched, readers, notes, NOW)
    for row, note in zip(readers.tolist(), notes.tolist(), strict=True):
        one_by_one.people[row].hear_from(note, NOW)
    assert state(batched) == state(one_by_one)


@given(
    value=st.floats(0.0, 50.0),
    age=st.floats(0.0, 5_000.0),
    price=st.floats(0.01, 5_000.0),
    left=st.floats(-100.0, 20_000.0),
    sensitivity=st.floats(0.0, 10.0),
    proof=st.floats(0.25, 1.0),
    beta=st.floats(0.0, 20.0),
)
@example(  # LLVM's exp2 for pow(0.5, x) is one ulp off CPython's pow here
    value=1.0, age=2.064, price=1.0, left=1.0, sensitivity=0.0, proof=1.0, beta=1.0
)
def test_the_compiled_formulas_are_the_python_ones_to_the_last_bit(
    value: float,
    age: float,
    price: float,
    left: float,
    sensitivity: float,
    proof: float,
    beta: float,
) -> None:
    """The fade as the compiled walks compute it (:func:`.decisions.strongest`, with
    ``half`` passed in), the buying chance and the budget test are Python's, bit for bit."""
    since = 100.5
    now, half_life = since + age, 24.0 * 7
    intent = decisions.faded(value, since, now, half_life)
    wants = (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.array([value]),
             np.array([since]))  # fmt: skip
    _, compiled, _ = decisions.strongest(np.ones(1, dtype=np.int64), wants, now, half_life, HALF)
    assert compiled[0] == intent
    chance = decisions.buy_chance(intent, price, left, sensitivity, proof, beta)
    assert decisions._buy_chance(intent, price, left, sensitivity, proof, beta) == chance
    assert decisions._may_buy(price, left, 1) == decisions.may_buy(price, left, 1)
    assert decisions.may_buy(price, left, 1) == (price <= left)


@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 2_000))
def test_draws_made_at_once_are_the_scalar_draws(seed: int, count: int) -> None:
    """``batch.randoms`` gives ``random()``'s floats and leaves the stream where as many
    ``random()`` calls do (CPython's Mersenne Twister: what the buying walk relies on)."""
    at_once, one_by_one = random.Random(seed), random.Random(seed)
    drawn = batch.randoms(at_once, count).tolist()
    assert drawn == [one_by_one.random() for _ in range(count)]
    assert at_once.getstate() == one_by_one.getstate()
