"""The compiled page draw of the CES pools, checked directly on hand-built pools.

Properties (hypothesis): a page never repeats a card, never shows a note in the seen filter,
never takes a note from a pool it no longer belongs to, never exceeds ``k``, and keeps the
pools' entries a subset of what they held. Plus the stage weights, topic targeting, stale-entry
removal and the reproducibility of the random stream.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.kernels import SEEN_HASH, draw_pool_page, new_stream, top_up, uniform
from redloop.platform.recommenders import SeenFilter

N_TOPICS = 3


def seen_filter(notes: list[int]) -> SeenFilter:
    """User 0 was served ``notes`` (few enough that all are still remembered). With 4,096 bits
    and an odd hash multiplier, ids below 4,096 never share a bit: the filter is exact here."""
    seen = SeenFilter(window=400)
    seen.add(1, [999])  # another user first: user 0's row is not row 0
    if notes:
        seen.add(0, notes)
    return seen


def pools(contents: list[list[int]], width: int = 64) -> tuple[np.ndarray, np.ndarray]:
    table = np.zeros((len(contents), width), dtype=np.int32)
    for p, notes in enumerate(contents):
        table[p, : len(notes)] = notes
    return table, np.array([len(c) for c in contents], dtype=np.int64)


def rings(by_topic: list[list[int]], size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Each topic's newest ids as a ring, the way ``Notes`` keeps them."""
    recent = np.zeros((N_TOPICS, size), dtype=np.int32)
    for t, ids in enumerate(by_topic):
        for i, n in enumerate(ids):
            recent[t, i % size] = n
    return recent, np.array([len(ids) for ids in by_topic], dtype=np.int64)


def draw(
    table, lengths, stage, created, *, weights=(1.0, 1.0, 1.0), targeted=2, mask=0b111,
    seen=None, now=10.0, max_age=100.0, k=4, seed=1, newest=((), (), ()),
):  # fmt: skip
    """A page from the pools; ``newest`` lists each topic's notes for the top-up."""
    out = np.empty(100, dtype=np.int64)
    seen = seen or seen_filter([])
    count = draw_pool_page(
        table, lengths, np.array(weights), targeted, N_TOPICS, mask, np.array(stage, np.int8),
        np.array(created, np.float64), *rings(list(newest)), seen.tables, seen.row(0), now,
        max_age, k, new_stream(seed), out,
    )  # fmt: skip
    return out[:count].tolist()


@st.composite
def pool_states(draw_):
    """Notes 0..n-1 with a stage each (-1 retired), in 2 targeted stages x 3 topics + 1 global
    pool; pool entries may be stale (the note's stage differs), as after promotions."""
    n = draw_(st.integers(1, 40))
    stage = draw_(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    created = sorted(draw_(st.lists(st.floats(0, 10), min_size=n, max_size=n)))  # ids follow time
    contents = [
        draw_(st.lists(st.integers(0, n - 1), max_size=30, unique=True))
        for _ in range(2 * N_TOPICS + 1)
    ]
    seen = draw_(st.lists(st.integers(0, n - 1), max_size=n))
    return stage, created, contents, seen


@settings(max_examples=300, deadline=None)
@given(
    state=pool_states(),
    k=st.integers(1, 12),
    mask=st.integers(1, 7),
    seed=st.integers(0, 2**64 - 1),
    max_age=st.floats(0, 20),
)
def test_a_page_holds_only_fresh_unseen_cards_of_the_users_pools(state, k, mask, seed, max_age):
    """The page is full whenever enough fresh unseen notes exist, live notes come before
    retired ones, and only stale entries leave a pool."""
    stage, created, contents, seen = state
    table, lengths = pools(contents)
    before = [set(c) for c in contents]
    remembered = seen_filter(seen)
    page = draw(table, lengths, stage, created, mask=mask, seen=remembered, k=k,
                seed=seed, max_age=max_age)  # fmt: skip
    fresh_unseen = {n for n in range(len(stage)) if 10.0 - created[n] <= max_age} - set(seen)
    assert len(page) == min(k, len(fresh_unseen))
    assert len(set(page)) == len(page)
    assert set(page) <= fresh_unseen
    assert not any(remembered.mask(0) >> (n * SEEN_HASH) % remembered.bits & 1 for n in page)
    live = [n for n in page if stage[n] >= 0]
    assert page[: len(live)] == live, "a retired note came before a live one"
    if len(live) < len(page):  # a retired filler: no live note within the scan was left out
        scanned = range(len(stage) - 1, len(stage) - 1 - 4 * k * N_TOPICS, -1)
        assert {n for n in fresh_unseen if stage[n] >= 0 and n in scanned} <= set(live)
    for p in range(len(contents)):
        kept = set(table[p, : lengths[p]].tolist())
        assert kept <= before[p] and len(kept) == lengths[p]
        dropped = before[p] - kept  # only stale entries leave a pool
        owner = 2 if p == 6 else p // N_TOPICS
        assert all(stage[n] != owner or 10.0 - created[n] > max_age for n in dropped)


def reference_top_up(picked, by_topic, mask, created, retired, seen, now, max_age, k):
    """The tiers of the top-up written plainly in Python: the user's topics, newest first
    (live notes only under the pools); then, under the pools, live notes of any topic; then
    any fresh note."""
    picked = list(picked)
    for t in [t for t in range(N_TOPICS) if mask >> t & 1]:
        lst = by_topic[t]
        for pos in range(len(lst) - 1, max(-1, len(lst) - 1 - 4 * k), -1):
            n = lst[pos]
            if now - created[n] > max_age or len(picked) >= k:
                break
            if n not in picked and n not in seen and n not in (retired or ()):
                picked.append(n)
        if len(picked) >= k:
            return picked
    newest_first = range(len(created) - 1, -1, -1)
    tiers = [newest_first[: 4 * k * N_TOPICS]] if retired is not None else []
    for tier, candidates in enumerate([*tiers, newest_first]):
        for n in candidates:
            if now - created[n] > max_age or len(picked) >= k:
                break
            if n not in picked and n not in seen and (tier or n not in (retired or ())):
                picked.append(n)
    return picked


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 60),
    k=st.integers(1, 4),
    mask=st.integers(0, 7),
    max_age=st.floats(0, 12),
)
def test_top_up_takes_the_newest_unseen_notes_of_the_users_topics(data, n, k, mask, max_age):
    """Against the Python reference, on rings that have wrapped (16 slots, up to 60 notes)."""
    created = sorted(data.draw(st.lists(st.floats(0, 10), min_size=n, max_size=n)))
    topic_of = data.draw(st.lists(st.integers(0, N_TOPICS - 1), min_size=n, max_size=n))
    by_topic = [[i for i in range(n) if topic_of[i] == t] for t in range(N_TOPICS)]
    seen = set(data.draw(st.lists(st.integers(0, n - 1), max_size=n)))
    stage = data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    live_only = data.draw(st.booleans())
    retired = {i for i in range(n) if stage[i] < 0} if live_only else None
    picked = data.draw(st.lists(st.integers(0, n - 1), max_size=k - 1, unique=True))
    remembered = seen_filter(sorted(seen))
    out = np.empty(100, dtype=np.int64)
    out[: len(picked)] = picked
    count = top_up(
        *rings(by_topic), mask, np.array(created), np.array(stage, np.int8), live_only,
        remembered.tables, remembered.row(0), 10.0, max_age, k, out, len(picked),
    )  # fmt: skip
    assert out[:count].tolist() == reference_top_up(
        picked, by_topic, mask, created, retired, seen, 10.0, max_age, k
    )


def test_a_page_of_dry_pools_is_topped_up_with_the_newest_notes() -> None:
    table, lengths = pools([[0], [], [], [], [], [], []])
    stage = [0, 0, -1, 0, 0]  # note 2 was retired by its pool's review
    page = draw(table, lengths, stage, [0.0] * 5, mask=0b001, newest=([1, 2, 3], [4], []))
    # the pool's note, food's newest live ones, live notes of any topic, then the retired one
    assert draw(table, lengths, stage, [0.0] * 5, mask=0b001, newest=([1, 2, 3], [4], []), k=5) == [
        0,
        3,
        1,
        4,
        2,
    ]
    assert page == [0, 3, 1, 4]


def test_stale_entries_leave_the_pool_when_drawn() -> None:
    table, lengths = pools([[0, 1], [], [], [], [], [], []])
    stage = [-1, 1]  # note 0 retired, note 1 promoted: both stale in stage 0's pool
    assert draw(table, lengths, stage, [0.0, 0.0], k=4) == [1, 0]  # the live note, then not
    assert lengths[0] == 0


def test_targeted_pools_serve_only_the_users_topics() -> None:
    food, travel = [0, 1, 2], [3, 4, 5]
    table, lengths = pools([food, travel, [], [], [], [], []])
    newest = (food, travel, [])  # the top-up's first tier is the user's topics too
    pages = [
        draw(table, lengths, [0] * 6, [0.0] * 6, mask=0b001, seed=s, k=3, newest=newest)
        for s in range(50)
    ]
    assert all(sorted(page) == food for page in pages)


def test_slot_weights_split_the_page_between_stages() -> None:
    """Stage 0 weighted 3:1 over the global stage: about 75% of the cards, over many pages."""
    stage0, late = list(range(0, 50)), list(range(50, 100))
    stage = [0] * 50 + [2] * 50
    table, lengths = pools([stage0, [], [], [], [], [], late])
    cards = [
        n
        for s in range(400)
        for n in draw(table, lengths, stage, [0.0] * 100, weights=(3, 0, 1), k=4, seed=s)
    ]
    share = sum(n < 50 for n in cards) / len(cards)
    assert len(cards) == 1600
    assert 0.72 < share < 0.78  # binomial sd at n=1600 is 0.011


def test_one_seed_one_page_and_the_stream_moves_on() -> None:
    table, lengths = pools([list(range(30)), [], [], [], [], [], []])
    args = (table, lengths, [0] * 30, [0.0] * 30)
    assert draw(*args, seed=5) == draw(*args, seed=5)
    assert len({tuple(draw(*args, seed=s)) for s in range(20)}) > 15
    stream = new_stream(9)
    first = [uniform(stream) for _ in range(1000)]
    assert all(0.0 <= x < 1.0 for x in first)
    assert abs(np.mean(first) - 0.5) < 0.03
    assert first == [uniform(s) for s in [new_stream(9)] for _ in range(1000)]


WORKLOAD = """
from redloop.platform.api import Platform, PlatformConfig, TOPICS
p = Platform(PlatformConfig(pool_quotas=(5, 20, 80), pool_thresholds=(0.1, 0.1),
                            pool_slot_weights=(0.5, 0.3, 0.2), seen_window=20), rng=3)
users = [p.create_user(f"u{i}", "consumer", [TOPICS[i % 4], TOPICS[i % 7]], now=0)
         for i in range(60)]
brand = p.create_user("glowco", "brand", now=0)
serum = p.create_product(brand, "Glow Serum", TOPICS[1], price=99.0, stock=10**6, now=0)
for hour in range(1, 40):
    for i in range(8):
        tags = [serum] if i % 3 == 0 else []
        p.publish(users[(hour * 8 + i) % 60], [TOPICS[(hour + i) % 7]], products=tags, now=hour)
    for u in users[hour % 3 :: 3]:
        for n in p.discovery_feed(u, now=hour + 0.5).notes:
            if (n * 7 + u) % 5 == 0:
                p.like(u, n, now=hour + 0.5)
        query = ("glow serum", TOPICS[u % 7], f"glowco {TOPICS[u % 4]}")[u % 3]
        print(p.search(u, query, now=hour + 0.5, limit=5).notes)
print(p.log.digest(), p.fingerprint())
"""


def test_compiled_kernels_do_what_their_python_says() -> None:
    """The same workload interpreted (NUMBA_DISABLE_JIT=1) and compiled logs the same events:
    no numba-only type rule (integer promotion, wrap-around) changes a page."""
    runs = []
    for jit_off in ("1", "0"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit_off}
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", WORKLOAD],
            env=env, capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        runs.append(done.stdout.splitlines())
    assert runs[0] == runs[1]
    assert len(runs[0]) > 100 and len(runs[0][-1]) > 64  # searches and digests were printed


def test_a_new_platform_has_its_kernels_ready_for_the_first_page() -> None:
    """Platform() compiles or loads each kernel for the argument types it passes, so serving
    pages (even with an integer max age in the config) never compiles another variant."""
    script = """
from redloop.platform import kernels
from redloop.platform.api import Platform, PlatformConfig
p = Platform(PlatformConfig(pool_max_age_hours=720), rng=1)
kinds = (kernels.draw_pool_page, kernels.mark_seen, kernels.top_up, kernels.rank_notes,
         kernels.take_unseen)
before = [k.signatures for k in kinds]
u = p.create_user("u", "consumer", ["food"], now=0)
for i in range(30):
    p.publish(u, ["food", "travel"], now=i)
    p.discovery_feed(u, now=i)
    p.search(u, "food travel" if i % 2 else "food", now=i)
p.set_recommender("popular", now=30)
p.discovery_feed(u, now=30)
after = [k.signatures for k in kinds]
print(*[len(s) for s in before], before == after)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["1", "1", "1", "1", "1", "True"]
