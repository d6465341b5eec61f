"""What people want and have, as columns: a person's wants keep the order they came in, and
the batch operations leave what as many one-person operations leave, to the bit."""

from __future__ import annotations

import pickle

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from redloop.agents.decisions import faded
from redloop.agents.wants import KEPT, Wants

HALF_LIFE = 72.0


def tables(w: Wants) -> list[list]:
    """Everything a store holds, comparable (NaN as -1)."""
    rows = w.count.size
    return [
        [w.products(row) for row in range(rows)],
        [w.held(row) for row in range(rows)],
        w.had.tolist(),
        w.count.tolist(),
    ]


def hear(w: Wants, row: int, product: int, gain: float, now: float) -> None:
    """One person's word of mouth, as :meth:`.consumer.Consumer.hear` applies it."""
    if w.has(row, product):
        return
    held = w.get(row, product)
    value = 0.0 if held is None else faded(*held, now, HALF_LIFE)
    value += gain
    if value > KEPT:
        w.set(row, product, value, now)
    else:
        w.drop(row, product)


def test_a_want_renewed_keeps_its_place_and_one_dropped_comes_back_last() -> None:
    w = Wants()
    w.reserve(2)
    w.set(0, 2, 0.5, 1.0)
    w.set(0, 0, 0.3, 2.0)
    w.set(1, 7, 0.1, 2.0)  # a product beyond the table's width: it grows
    w.set(0, 2, 0.9, 3.0)  # renewed: still first
    assert w.products(0) == [2, 0] and w.get(0, 2) == (0.9, 3.0)
    w.drop(0, 2)
    w.set(0, 2, 0.4, 4.0)  # wanted again: now last
    assert w.products(0) == [0, 2] and w.count.tolist() == [2, 1]
    assert w.held(0) == [(0, 0.3, 2.0), (2, 0.4, 4.0)]  # by product id
    w.got(0, 0)
    assert w.products(0) == [2] and w.has(0, 0) and not w.has(0, 2)
    assert w.get(0, 0) is None and w.get(1, 99) is None and not w.has(1, 99)
    assert w.owners(np.array([0, 1])).tolist() == [True, False]
    w.got(1, 5)
    w.got(1, 3)
    w.got(1, 5)  # had again: still the first
    assert w.first_had(np.array([1, 0, 1])).tolist() == [5, 0, 5]
    w.reserve(5)  # the crowd grew: new rows want nothing, old rows keep theirs
    assert w.products(0) == [2] and w.products(4) == [] and not w.any(4)
    assert w.first_had(np.array([4])).tolist() == [-1] and w.had.shape == (5, 8)
    assert tables(pickle.loads(pickle.dumps(w))) == tables(w)


def test_gather_gives_each_visit_its_wants_in_their_order() -> None:
    w = Wants()
    w.reserve(3)
    for row, product, value in [(0, 3, 0.5), (2, 1, 0.2), (0, 1, 0.7), (2, 0, 0.1)]:
        w.set(row, product, value, float(row))
    sizes, (person, product, value, since) = w.gather(np.array([2, 1, 0, 2]))
    assert sizes.tolist() == [2, 0, 2, 2]
    assert person.tolist() == [2, 2, 0, 0, 2, 2]
    assert product.tolist() == [1, 0, 3, 1, 1, 0]
    assert value.tolist() == [0.2, 0.1, 0.5, 0.7, 0.2, 0.1]
    assert since.tolist() == [2.0, 2.0, 0.0, 0.0, 2.0, 2.0]
    w.drop_many(person[[0, 4]], product[[0, 4]])  # a pair twice: one drop
    assert w.products(2) == [0] and w.count.tolist() == [2, 0, 1]


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    reads=st.integers(1, 60),
    people=st.integers(1, 5),
    products=st.integers(1, 6),
)
@example(seed=0, reads=40, people=1, products=1)  # one person, one product: every order
def test_a_batch_of_word_of_mouth_is_as_many_hearings_one_by_one(
    seed: int, reads: int, people: int, products: int
) -> None:
    """Renewals, fades, wants that end (negative verdicts) and start again, products one
    has: the compiled batch leaves the tables the per-person arithmetic leaves."""
    rng = np.random.default_rng(seed)
    batched, one_by_one = Wants(), Wants()
    for w in (batched, one_by_one):
        w.reserve(people, products)
    start = rng.uniform(0.0, 500.0)
    for row in range(people):  # some wants already held, some products already had
        for product in rng.permutation(products)[: rng.integers(0, products + 1)].tolist():
            value, since = float(rng.lognormal(-1.5, 1.0)), float(rng.uniform(0.0, start))
            had = rng.random() < 0.2
            for w in (batched, one_by_one):
                if had:
                    w.got(row, product)
                else:
                    w.set(row, product, value, since)
    rows = rng.integers(0, people, reads)
    wanted = rng.integers(0, products, reads)
    gains = rng.normal(0.05, 0.2, reads) * rng.lognormal(0.0, 0.5, reads)
    now = start + float(rng.uniform(0.0, 300.0))
    batched.hear_many(rows, wanted, gains, now, HALF_LIFE)
    for row, product, gain in zip(rows.tolist(), wanted.tolist(), gains.tolist(), strict=True):
        hear(one_by_one, row, product, gain, now)
    assert tables(batched) == tables(one_by_one)
    assert batched.stamp == one_by_one.stamp


def test_the_compiled_fade_of_a_want_is_pythons_to_the_last_bit() -> None:
    # an age where LLVM's exp2 for a constant pow(0.5, x) is one ulp off CPython's pow
    since, now, half_life = 100.5, 100.5 + 2.064, 24.0 * 7
    w = Wants()
    w.reserve(1, 1)
    w.set(0, 0, 1.0, since)
    w.hear_many(
        np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1), now, half_life
    )
    assert w.get(0, 0) == (faded(1.0, since, now, half_life), now)
