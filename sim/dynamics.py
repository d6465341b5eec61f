"""Attention dynamics of a finished run, measured from its event log.

Pure functions over a :class:`Trace` (numpy columns extracted once from the log), each
returning plain numbers, so ``redloop validate`` and tests can check the facts a credible
community shows:

- :func:`funnel`: discovery pages are full (an infinite feed) and reads per impression sit in
  the 1–10% practitioners report;
- :func:`matthew`: ranking by popularity concentrates attention (Salganik, Dodds & Watts
  2006): Gini of impressions across notes, also among notes of the same age, and the top 1%'s
  share of impressions and likes;
- :func:`homogenisation`: a recommender trained on its own feedback narrows each user's
  reading and makes users alike (Chaney, Stewart & Engelhardt 2018): per-user topic entropy of
  reads in an early vs a late week, the mean pairwise cosine similarity of users' topic
  distributions, and (their item-level measure) the mean pairwise Jaccard index of the notes
  users read;
- :func:`per_user_outcomes` and :func:`size_invariance`: per-user outcomes should not depend
  on how many users are simulated once the community is large.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from redloop.platform.api import Channel
from redloop.platform.eventlog import Event, EventKind, unpack_note, unpack_served

from .metrics import gini

_N_TOPIC_BITS = 16
_PEOPLE = (0, 1)  # AccountKind codes of consumers and creators
#: A note is published plainly or against a creator collaboration (same value layout).
_PUBLISHED = (EventKind.NOTE_PUBLISHED, EventKind.COLLAB_PUBLISHED)
#: Interactions as practitioners count them (docs/calibration.md): likes, collects, comments
#: and shares, a share in the app or out of it (to a messaging app) alike.
_ENGAGEMENTS = (
    EventKind.LIKED,
    EventKind.COLLECTED,
    EventKind.COMMENTED,
    EventKind.SHARED,
    EventKind.SHARE_DELIVERED,
    EventKind.SHARED_OUTSIDE,
)


@dataclass(frozen=True)
class Trace:
    """The columns of an event log the dynamics need (times in hours)."""

    note_created: np.ndarray  # per note id
    note_topics: np.ndarray  # topic bitmask per note id
    note_author: np.ndarray
    user_kind: np.ndarray  # AccountKind code per user id
    user_interests: np.ndarray  # declared topic bitmask per user id
    page_time: np.ndarray  # one row per discovery page served
    page_cards: np.ndarray
    impressions: np.ndarray  # per note, all channels
    likes: np.ndarray  # per note, likes minus unlikes
    read_time: np.ndarray  # one row per read
    read_user: np.ndarray
    read_note: np.ndarray
    engagements: int  # likes and collects (net of undoing) + comments + shares of every kind
    orders: int
    gmv: float  # yuan ordered


def trace(events: Iterable[Event]) -> Trace:
    """Extract a :class:`Trace` from events in log order (``platform.log`` or
    ``read_sqlite(path)[1]``)."""
    created: list[float] = []
    topics: list[int] = []
    author: list[int] = []
    kinds: list[int] = []
    interests: list[int] = []
    page_time: list[float] = []
    page_cards: list[int] = []
    served: list[int] = []
    liked: list[int] = []
    unliked: list[int] = []
    read_time: list[float] = []
    read_user: list[int] = []
    read_note: list[int] = []
    engagements = orders = 0
    gmv_cents = 0
    for e in events:
        k = e.kind
        if k is EventKind.NOTE_READ:
            read_time.append(e.time)
            read_user.append(e.actor)
            read_note.append(e.object)
        elif k is EventKind.FEED_SERVED:
            cards = e.ints or ()
            served.extend(cards)
            if unpack_served(e.value)[0] == Channel.DISCOVERY:
                page_time.append(e.time)
                page_cards.append(len(cards))
        elif k in _ENGAGEMENTS:
            engagements += 1
            if k is EventKind.LIKED:
                liked.append(e.object)
        elif k is EventKind.UNLIKED:
            engagements -= 1
            unliked.append(e.object)
        elif k is EventKind.UNCOLLECTED:
            engagements -= 1
        elif k in _PUBLISHED:
            created.append(e.time)
            topics.append(unpack_note(e.value)[0])
            author.append(e.actor)
        elif k is EventKind.USER_CREATED:
            kinds.append(e.value & 0xF)
            interests.append(e.value >> 4)
        elif k is EventKind.ORDER_PLACED:
            quantity, _note, _channel, unit_cents = e.ints or (0, -1, 0, 0)
            orders += 1
            gmv_cents += quantity * unit_cents
    n = len(created)
    return Trace(
        note_created=np.array(created, dtype=np.float64),
        note_topics=np.array(topics, dtype=np.int64),
        note_author=np.array(author, dtype=np.int64),
        user_kind=np.array(kinds, dtype=np.int64),
        user_interests=np.array(interests, dtype=np.int64),
        page_time=np.array(page_time, dtype=np.float64),
        page_cards=np.array(page_cards, dtype=np.int64),
        impressions=np.bincount(np.array(served, dtype=np.int64), minlength=n),
        likes=np.bincount(np.array(liked, dtype=np.int64), minlength=n)
        - np.bincount(np.array(unliked, dtype=np.int64), minlength=n),
        read_time=np.array(read_time, dtype=np.float64),
        read_user=np.array(read_user, dtype=np.int64),
        read_note=np.array(read_note, dtype=np.int64),
        engagements=engagements,
        orders=orders,
        gmv=gmv_cents / 100,
    )


def funnel(t: Trace, page_size: int, *, after_hours: float = 24.0) -> dict[str, float]:
    """Discovery pages after the first ``after_hours`` (the cold start): mean cards per page
    and share of pages shorter than ``page_size``; reads per impression and engagements per
    read over the whole run."""
    late = t.page_cards[t.page_time >= after_hours]
    served = int(t.impressions.sum())
    reads = len(t.read_note)
    return {
        "cards_per_page": float(late.mean()) if late.size else 0.0,
        "short_page_share": float((late < page_size).mean()) if late.size else 0.0,
        "read_rate": reads / served if served else 0.0,
        "interactions_per_read": t.engagements / reads if reads else 0.0,
    }


def top_share(values: np.ndarray, share: float = 0.01) -> float:
    """Share of the total held by the top ``share`` of items (at least one item)."""
    v = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    total = v.sum()
    if total <= 0:
        return 0.0
    return float(v[: max(1, round(share * v.size))].sum() / total)


def matthew(t: Trace, *, cohort_hours: float = 24.0, min_cohort: int = 10) -> dict[str, float]:
    """Concentration of attention across notes. ``gini_same_age``: the Gini of impressions
    within each cohort of notes published in the same ``cohort_hours`` (of at least
    ``min_cohort`` notes), averaged weighted by cohort size, so age differences do not count
    as inequality."""
    cohort = (t.note_created // cohort_hours).astype(np.int64)
    ginis, sizes = [], []
    for c in np.unique(cohort):
        members = t.impressions[cohort == c]
        if members.size >= min_cohort:
            ginis.append(gini(members))
            sizes.append(members.size)
    return {
        "gini_impressions": gini(t.impressions),
        "gini_same_age": float(np.average(ginis, weights=sizes)) if ginis else 0.0,
        "top1_impressions": top_share(t.impressions),
        "top1_likes": top_share(np.maximum(t.likes, 0)),
    }


def topic_reads(
    t: Trace, start_hours: float, end_hours: float, cap: np.ndarray | None = None
) -> np.ndarray:
    """Users × topics matrix of reads in [start, end); a note of several topics counts a
    fraction to each. With ``cap``, only each user's first ``cap[user]`` reads count."""
    n_users = max(len(t.user_kind), int(t.read_user.max(initial=-1)) + 1)
    out = np.zeros((n_users, _N_TOPIC_BITS))
    window = (t.read_time >= start_hours) & (t.read_time < end_hours)
    users, notes = t.read_user[window], t.read_note[window]
    if cap is not None:
        keep = _rank_within(users) < cap[users]
        users, notes = users[keep], notes[keep]
    bits = (t.note_topics[notes][:, None] >> np.arange(_N_TOPIC_BITS)) & 1
    weights = bits / np.maximum(1, bits.sum(axis=1, keepdims=True))
    np.add.at(out, users, weights)
    return out


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element among the earlier elements of its group (0 for the first)."""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - np.repeat(starts, lengths)
    return rank


def entropy_bits(rows: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each row's distribution."""
    p = rows / np.maximum(rows.sum(axis=1, keepdims=True), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)


def mean_pairwise_similarity(rows: np.ndarray) -> float:
    """Mean cosine similarity over all pairs of distinct rows (0 with fewer than two)."""
    n = len(rows)
    if n < 2:
        return 0.0
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    total = unit.sum(axis=0)
    return float((total @ total - n) / (n * (n - 1)))


def mean_pairwise_jaccard(
    t: Trace, start_hours: float, end_hours: float, cap: np.ndarray, users: np.ndarray
) -> float:
    """Mean Jaccard index |A ∩ B| / |A ∪ B| over all pairs of distinct ``users`` (a mask) of
    the sets of notes each read in [start, end), their first ``cap[user]`` reads: Chaney,
    Stewart & Engelhardt's (2018) item-level measure of homogenisation."""
    from scipy import sparse

    window = (t.read_time >= start_hours) & (t.read_time < end_hours)
    who, what = t.read_user[window], t.read_note[window]
    keep = _rank_within(who) < cap[who]
    who, what = who[keep], what[keep]
    keep = users[who]
    index = np.cumsum(users) - 1
    n = int(users.sum())
    if n < 2:
        return 0.0
    rows = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (index[who[keep]], what[keep])),
        shape=(n, max(1, len(t.note_topics))),
    )
    rows.data[:] = 1.0  # duplicates are summed on construction: a note read twice is one item
    both = (rows @ rows.T).toarray()
    size = np.diag(both).copy()
    union = size[:, None] + size[None, :] - both
    jaccard = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    return float((jaccard.sum() - np.trace(jaccard)) / (n * (n - 1)))


def homogenisation(
    t: Trace, *, early_week: int = 1, late_week: int = 3, min_reads: int = 5
) -> dict[str, float]:
    """Per-user topic entropy of reads in ``early_week`` and ``late_week`` (1 = days 0–6) and
    the mean pairwise cosine similarity of users' topic distributions in each week, next to
    the same for the users' declared interests (``*_declared``: reading exactly one's stated
    tastes, blind to what the feed pushes); ``jaccard_*``: the mean pairwise Jaccard index
    of the notes read each week, the item-level measure of Chaney et al. (2018).

    Each user counts with the same number of reads in both weeks (their first ``m`` of each,
    ``m`` the fewer of the two, at least ``min_reads``), so the plug-in entropy's
    small-sample bias does not pass for a change of taste when users read more later on.
    """
    week = 24.0 * 7
    n_users = max(len(t.user_kind), int(t.read_user.max(initial=-1)) + 1)
    spans = [((w - 1) * week, w * week) for w in (early_week, late_week)]
    counts = [
        np.bincount(t.read_user[(t.read_time >= a) & (t.read_time < b)], minlength=n_users)
        for a, b in spans
    ]
    cap = np.minimum(*counts)
    both = cap >= min_reads
    early, late = (topic_reads(t, a, b, cap)[both] for a, b in spans)
    stated = np.pad(t.user_interests, (0, n_users - len(t.user_interests)))[both]
    declared = (stated[:, None] >> np.arange(_N_TOPIC_BITS)) & 1
    declared = declared[declared.sum(axis=1) > 0]
    h_early = float(entropy_bits(early).mean()) if both.any() else 0.0
    h_late = float(entropy_bits(late).mean()) if both.any() else 0.0
    return {
        "users": int(both.sum()),
        "entropy_early": h_early,
        "entropy_late": h_late,
        "entropy_change": h_late - h_early,
        "similarity_early": mean_pairwise_similarity(early),
        "similarity_late": mean_pairwise_similarity(late),
        "entropy_declared": float(entropy_bits(declared).mean()) if both.any() else 0.0,
        "similarity_declared": mean_pairwise_similarity(declared),
        "jaccard_early": mean_pairwise_jaccard(t, *spans[0], cap, both),
        "jaccard_late": mean_pairwise_jaccard(t, *spans[1], cap, both),
    }


def people(t: Trace) -> np.ndarray:
    """Whether each account is a person (consumer or creator, signed up later or not)."""
    return np.isin(t.user_kind, _PEOPLE)


def per_user_outcomes(t: Trace) -> dict[str, float]:
    """Outcomes that should not depend on the community's size: read rate, interactions per
    read, orders and GMV per person (consumers and creators), share of people who posted."""
    is_person = people(t)
    n_people = int(is_person.sum())
    authors = np.unique(t.note_author)
    posters = int(is_person[authors[authors < len(is_person)]].sum())
    f = funnel(t, page_size=1)
    return {
        "read_rate": f["read_rate"],
        "interactions_per_read": f["interactions_per_read"],
        "orders_per_user": t.orders / n_people if n_people else 0.0,
        "gmv_per_user": t.gmv / n_people if n_people else 0.0,
        "poster_share": posters / n_people if n_people else 0.0,
    }


def size_invariance(outcomes: Mapping[int, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Relative change of each outcome between consecutive community sizes.

    ``outcomes[users]`` are :func:`per_user_outcomes` at that size; the result maps each
    outcome to ``{"A->B": (value_B - value_A) / value_A, ...}`` in increasing size.
    """
    sizes = sorted(outcomes)
    result: dict[str, dict[str, float]] = {}
    for name in outcomes[sizes[0]]:
        changes = {}
        for a, b in pairwise(sizes):
            base = outcomes[a][name]
            changes[f"{a}->{b}"] = (outcomes[b][name] - base) / base if base else float("nan")
        result[name] = changes
    return result


def measure(
    scenario: str, seed: int, days: int, overrides: Mapping[str, object]
) -> dict[str, float]:
    """Run ``scenario`` (dotted-key ``overrides``) and return every measure of this module."""
    from redloop.sim import build_model

    model = build_model(scenario, seed=seed, days=days, **overrides)
    model.run_days(days)
    t = trace(model.platform.log)
    return {
        **funnel(t, model.platform.config.page_size),
        **matthew(t),
        **homogenisation(t),
        **per_user_outcomes(t),
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m redloop.sim.dynamics [SCENARIO] --users N --days D --seeds 1,2,3
    --recommenders popular,interest``: the measures per recommender, means over the seeds."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m redloop.sim.dynamics")
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--recommenders", default="manual,popular,interest,ces_pools")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    for rec in args.recommenders.split(","):
        runs = [
            measure(
                args.scenario,
                s,
                args.days,
                {"population.users": args.users, "platform.recommender": rec},
            )
            for s in seeds
        ]
        means = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
        print(rec, " ".join(f"{k}={v:.4g}" for k, v in means.items()), flush=True)


if __name__ == "__main__":
    main()
