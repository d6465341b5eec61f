"""The decision functions: the chances a reader opens and engages with the cards of a page,
computed for many sessions at once and, per session, as a batch of one."""

from __future__ import annotations

import math
from array import array
from dataclasses import replace

import numpy as np
import pytest

from redloop.agents import decisions
from redloop.agents.people import People

from .fake_world import FakeBehaviour, FakeNotes

B = FakeBehaviour(
    open_rate=0.06,
    share_open_rate=0.3,
    social_proof=0.25,
    off_interest=0.35,
    like_rate=0.015,
    collect_rate=0.008,
    comment_rate=0.002,
    share_rate=0.001,
    reshare_rate=0.05,
    follow_rate=0.003,
)


def world(notes: int = 200, people: int = 30, seed: int = 0) -> tuple[FakeNotes, People]:
    """Notes with random traits (stored as the world stores them: appeal in float32; the
    cover's appeal drawn apart, so a formula that confuses the two fails) and readers with
    random interests and trust."""
    rng = np.random.default_rng(seed)
    traits = FakeNotes()
    traits.appeal = array("f", rng.lognormal(-0.18, 0.6, notes).astype(np.float32).tolist())
    traits.cover_appeal = array("f", rng.lognormal(-0.18, 0.6, notes).astype(np.float32).tolist())
    traits.topics = array("H", (1 << rng.integers(0, 12, notes)).tolist())
    traits.kind = array("B", rng.integers(0, 3, notes).tolist())
    traits.author_pull = array("f", rng.uniform(0.2, 4.0, notes).astype(np.float32).tolist())
    crowd = People()
    crowd.extend(
        uid=np.arange(people),
        interests=rng.integers(0, 1 << 12, people),
        trust=rng.uniform(0.05, 1.0, people),
    )
    return traits, crowd


def pages(n: int, slots: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 200, (n, slots)), rng.integers(0, 3_000, (n, slots))


def per_card(notes: FakeNotes, interests: int, trust: float, cards: list[int], likes: list[int]):
    """The per-card arithmetic the consumer used before the decision functions (reference)."""
    proof = [(1 + n) ** B.social_proof for n in likes]
    mean = sum(proof) / len(proof)
    proof = [x / mean for x in proof]
    opens, engage = [], []
    for slot, n in enumerate(cards):
        appeal = notes.cover_appeal[n]
        if not notes.topics[n] & interests:
            appeal *= B.off_interest
        appeal *= proof[slot]
        opens.append(min(B.open_rate * appeal, 1.0))
        appeal = notes.appeal[n]
        if not notes.topics[n] & interests:
            appeal *= math.sqrt(B.off_interest)
        warmth = appeal * (trust if notes.kind[n] == notes.SPONSORED else 1.0)
        rates = (B.like_rate, B.collect_rate, B.comment_rate, B.share_rate)
        row = [min(r * warmth, 1.0) for r in rates]
        engage.append([*row, min(B.follow_rate * warmth * notes.author_pull[n], 1.0)])
    return opens, engage


def test_the_chances_are_the_per_card_arithmetic_to_the_last_bit() -> None:
    notes, crowd = world()
    cards, likes = pages(40, 10)
    rows = np.arange(40) % len(crowd)
    opens, engage = decisions.page_chances(notes, crowd, rows, cards, likes, B)
    for s in range(40):
        want = per_card(
            notes,
            int(crowd.interests[rows[s]]),
            float(crowd.trust[rows[s]]),
            cards[s].tolist(),
            likes[s].tolist(),
        )
        assert (opens[s].tolist(), engage[s].tolist()) == want  # ==, not approx


def test_a_mean_of_proofs_is_summed_as_python_sums() -> None:
    """Compensated summation, as CPython's ``sum``: terms that naive summation rounds."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        likes = rng.integers(0, 10 ** int(rng.integers(1, 7)), (1, int(rng.integers(1, 21))))
        table = decisions.proof_table(0.7, int(likes.max()))
        mean = decisions._mean_proof(likes[0], np.zeros(likes.shape[1], np.int64), table)
        proofs = [(1 + n) ** 0.7 for n in likes[0].tolist()]
        assert mean == sum(proofs) / len(proofs)


def test_a_batch_of_many_is_many_batches_of_one() -> None:
    notes, crowd = world()
    cards, likes = pages(25, 10, seed=3)
    cards[3, 6:] = -1  # a short page, padded
    likes[3, 6:] = 0
    rows = np.arange(25)
    opens, engage = decisions.page_chances(notes, crowd, rows, cards, likes, B)
    for s in range(25):
        k = 6 if s == 3 else 10
        one = decisions.page_chances(
            notes, crowd, rows[s : s + 1], cards[s : s + 1, :k], likes[s : s + 1, :k], B
        )
        assert (opens[s, :k] == one[0][0]).all() and (engage[s, :k] == one[1][0]).all()
    assert (opens[3, 6:] == 0).all() and (engage[3, 6:] == 0).all()


def test_chances_lie_in_0_1_even_for_irresistible_notes() -> None:
    notes, crowd = world()
    for n in range(20):
        notes.appeal[n] = notes.cover_appeal[n] = 1e6
    cards, likes = pages(30, 10, seed=4)
    cards[:, :2] = np.arange(2)  # the first cards of every page are irresistible
    everything = replace(B, open_rate=1.0, like_rate=1.0, follow_rate=1.0)
    opens, engage = decisions.page_chances(notes, crowd, np.arange(30), cards, likes, everything)
    assert ((opens >= 0) & (opens <= 1)).all() and ((engage >= 0) & (engage <= 1)).all()
    assert (opens[:, :2] == 1.0).all() and (engage[:, :2, 0] == 1.0).all()


def test_a_lower_row_is_examined_less() -> None:
    two = decisions.examined(10, 2, 0.8)
    assert two.tolist() == pytest.approx([1, 1, 0.8, 0.8, 0.64, 0.64, 0.512, 0.512, 0.4096, 0.4096])
    assert (np.diff(two[::2]) < 0).all()
    assert (np.diff(decisions.examined(5, 1, 0.5)) < 0).all()  # one card a row
    assert decisions.row_starts(6, 2) == (False, False, True, False, True, False)


def test_liked_cards_draw_attention_from_the_others_and_fit_matters() -> None:
    notes, crowd = world()
    for n in range(4):
        notes.cover_appeal[n], notes.topics[n] = 1.0, 1
    crowd.interests[0] = 1
    cards = np.array([[0, 1, 2, 3]])
    opens, _ = decisions.page_chances(
        notes, crowd, np.array([0]), cards, np.array([[0, 5, 50, 500]]), B
    )
    assert (np.diff(opens[0]) > 0).all()  # more likes, more pull
    assert opens[0].mean() == pytest.approx(B.open_rate)  # but no more opening in all
    notes.topics[3] = 2  # outside the reader's interests
    plain, _ = decisions.page_chances(notes, crowd, np.array([0]), cards, None, B)
    assert plain[0].tolist() == pytest.approx([B.open_rate] * 3 + [B.open_rate * B.off_interest])


def test_shared_notes_use_the_share_rates() -> None:
    notes, crowd = world()
    cards = np.array([[5, 6, 7]])
    feed = decisions.page_chances(notes, crowd, np.array([2]), cards, None, B)
    shared = decisions.page_chances(notes, crowd, np.array([2]), cards, None, B, shared=True)
    assert np.allclose(shared[0], feed[0] / B.open_rate * B.share_open_rate)
    assert np.allclose(shared[1][..., 3], feed[1][..., 3] / B.share_rate * B.reshare_rate)


def test_many_likes_grow_the_table_and_bad_pages_are_refused() -> None:
    notes, crowd = world()
    cards = np.array([[1, 2]])
    opens, _ = decisions.page_chances(notes, crowd, np.array([0]), cards, np.array([[0, 10**7]]), B)
    assert opens[0, 1] > opens[0, 0] * 10
    with pytest.raises(ValueError, match="like counts of shape"):
        decisions.page_chances(notes, crowd, np.array([0]), cards, np.array([[1, 2, 3]]), B)
    with pytest.raises(IndexError, match="no traits"):
        decisions.page_chances(notes, crowd, np.array([0]), np.array([[10_000]]), None, B)


def test_the_per_card_functions_a_session_calls_are_the_matrix_to_the_last_bit() -> None:
    notes, crowd = world(seed=7)
    cards, likes = pages(30, 10, seed=8)
    rows = np.arange(30)
    opens, engage = decisions.page_chances(notes, crowd, rows, cards, likes, B)
    rates = (B.like_rate, B.collect_rate, B.comment_rate, B.share_rate, B.follow_rate)
    for s in range(30):
        interests, trust = int(crowd.interests[s]), float(crowd.trust[s])
        proof = decisions.social_proof(likes[s].tolist(), B.social_proof)
        for slot, n in enumerate(cards[s].tolist()):
            on_topic = notes.topics[n] & interests
            cover, appeal = notes.cover_appeal[n], notes.appeal[n]
            chance = decisions.open_chance(cover, on_topic, proof[slot], B.open_rate, 0.35)
            felt = decisions.warmth(appeal, on_topic, notes.kind[n] == 1, trust, 0.35)
            row = decisions.engage_chances(felt, notes.author_pull[n], rates)
            assert chance == opens[s, slot] and list(row) == engage[s, slot].tolist()
