"""Daily metrics of the loop. Reporters are module-level so the CLI, the visualiser and
tests share them (the Mesa examples' pattern).

R_loop: every purchase may produce a review note; every later purchase attributed to that
note is a "child" of the first. ``r_loop`` is the mean number of children per purchase, over
purchases at least ``R_LOOP_MATURITY_DAYS`` old (younger ones have not had time to be
delivered, used, reviewed and read). R_loop > 1 means word of mouth sustains itself.
A brand's free samples are not purchases: their reviews' children count for no one.

``r_loop_lo`` / ``r_loop_hi``: a 95% percentile-bootstrap interval (Efron & Tibshirani 1993)
over those purchase cohorts — each mature purchase with its children is one unit, resampled
with replacement ``R_LOOP_RESAMPLES`` times from the model's own bootstrap generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from redloop.platform.api import Channel

if TYPE_CHECKING:
    from redloop.sim.model import RedloopModel

R_LOOP_MATURITY_DAYS = 10
R_LOOP_RESAMPLES = 1000
CHANNELS = tuple(c.label for c in Channel)
NOTE_KINDS = ("organic", "sponsored", "review")


@dataclass
class Tally:
    """Counters the agents bump during a day; reset at the day's close."""

    sessions: int = 0
    reads: int = 0
    orders: int = 0
    units: int = 0
    gmv: float = 0.0
    notes_organic: int = 0
    notes_sponsored: int = 0
    notes_review: int = 0
    by_channel: dict[str, int] | None = None
    by_note_kind: dict[str, int] | None = None
    discovery_pages: int = 0
    short_pages: int = 0  # discovery pages with fewer cards than the page size

    def __post_init__(self) -> None:
        self.by_channel = dict.fromkeys(CHANNELS, 0)
        self.by_note_kind = dict.fromkeys((*NOTE_KINDS, "none"), 0)


@dataclass
class DayStats:
    day: int = 0
    dau: int = 0
    sessions: int = 0
    notes: int = 0
    notes_organic: int = 0
    notes_sponsored: int = 0
    notes_review: int = 0
    impressions: int = 0
    reads: int = 0
    read_rate: float = 0.0
    engagements: int = 0
    engagement_rate: float = 0.0
    follows: int = 0
    orders: int = 0
    gmv: float = 0.0
    conversion: float = 0.0
    adopters: int = 0
    #: Yuan the platform earned today from ad impressions and delivered boosts.
    ad_revenue: float = 0.0
    share_discovery: float = 0.0
    share_following: float = 0.0
    share_search: float = 0.0
    share_ad: float = 0.0
    share_direct: float = 0.0
    share_shared: float = 0.0
    share_organic_note: float = 0.0
    share_sponsored_note: float = 0.0
    share_review_note: float = 0.0
    r_loop: float = math.nan
    gini_notes: float = 0.0
    gini_creators: float = 0.0
    pool_stage_max: int = 0
    r_loop_lo: float = math.nan
    r_loop_hi: float = math.nan
    short_pages: int = 0
    short_page_share: float = 0.0
    shares: int = 0
    shared_to: int = 0
    outside_visitors: int = 0
    signups_via_shares: int = 0


METRICS: tuple[str, ...] = tuple(f.name for f in fields(DayStats))


def report(name: str, model: RedloopModel) -> float:
    """The metric ``name`` of the day the model closed last."""
    return getattr(model.today, name)


#: Mesa DataCollector model reporters: one per metric, reading the day just closed.
REPORTERS = {name: partial(report, name) for name in METRICS}


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, 1 = one takes all)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = v.size
    total = v.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * total) - (n + 1) / n)


def totals(tables: dict[str, dict[str, np.ndarray]]) -> dict[str, int]:
    """Running totals the daily deltas are taken from (ad revenue in milli-cents)."""
    notes = tables["notes"]
    boosts = tables["boosts"]
    return {
        "ad_revenue_mc": int(tables["campaigns"]["spent_mc"].sum())
        + int((boosts["delivered"] * boosts["price_mc"]).sum()),
        "impressions": int(notes["impressions"].sum()),
        "engagements": int(
            sum(notes[c].sum() for c in ("likes", "collects", "comments", "shares"))
        ),
        "follows": int(tables["users"]["n_following"].sum()),
        **share_totals(tables["shares"]),
    }


#: Daily share columns (not ``share_*``: those are attribution shares of the day's orders).
SHARE_COLUMNS = ("shares", "shared_to", "outside_visitors", "signups_via_shares")


def share_totals(shares: dict[str, np.ndarray]) -> dict[str, int]:
    """Shares made, followers reached, outside visitors and sign-ups so far."""
    counts = (shares["sharer"].size, shares["n_recipients"].sum(), shares["visitors"].sum(),
              shares["signups"].sum())  # fmt: skip
    return {name: int(n) for name, n in zip(SHARE_COLUMNS, counts, strict=True)}


def r_loop(order_time: np.ndarray, children: np.ndarray, now_hours: float) -> float:
    mature = order_time <= now_hours - R_LOOP_MATURITY_DAYS * 24
    return float(children[mature].mean()) if mature.any() else math.nan


def r_loop_interval(
    order_time: np.ndarray,
    children: np.ndarray,
    now_hours: float,
    rng: np.random.Generator,
    resamples: int = R_LOOP_RESAMPLES,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of :func:`r_loop` over the mature purchases.

    Resampling n purchases with replacement only matters through how many copies of each
    distinct child count it draws, so each resample is one multinomial draw over the distinct
    counts: the cost depends on ``resamples`` and the number of distinct counts, not on n.
    """
    mature = children[order_time <= now_hours - R_LOOP_MATURITY_DAYS * 24]
    if mature.size == 0:
        return math.nan, math.nan
    values, counts = np.unique(mature, return_counts=True)
    draws = rng.multinomial(mature.size, counts / mature.size, size=resamples)
    means = draws @ values.astype(np.float64) / mature.size
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(means, (tail, 100 - tail))
    return float(lo), float(hi)


def purchase_cohorts(model: RedloopModel) -> tuple[np.ndarray, np.ndarray]:
    """(time, children) of every purchase so far; free samples left out."""
    time = np.asarray(model.order_time)
    children = np.asarray(model.order_children)
    keep = np.ones(time.size, dtype=bool)
    keep[np.asarray(model.sample_orders, dtype=np.int64)] = False
    return time[keep], children[keep]


def close_day(model: RedloopModel, day: int) -> DayStats:
    """Summarise the day that just ended from the agents' tally and the platform's columns."""
    t = model.tally
    tables = model.platform.tables()
    notes = tables["notes"]
    prev = model.totals
    model.totals = now = totals(tables)
    impressions, engagements, follows = now["impressions"], now["engagements"], now["follows"]
    reads = t.reads
    day_eng = engagements - prev["engagements"]
    orders = t.orders
    by_ch = t.by_channel or {}
    by_kind = t.by_note_kind or {}
    share = (lambda n: n / orders) if orders else (lambda n: 0.0)
    by_author = np.bincount(
        notes["author"], weights=notes["impressions"].astype(np.float64), minlength=1
    )
    authors = np.bincount(notes["author"], minlength=1) > 0
    stages = notes.get("pool_stage")
    cohort_time, cohort_children = purchase_cohorts(model)
    r_lo, r_hi = r_loop_interval(
        cohort_time, cohort_children, model.clock.now, model.streams.r_loop.rng
    )
    return DayStats(
        day=day,
        dau=int(model.columns.live("active_today").sum()),
        sessions=t.sessions,
        notes=t.notes_organic + t.notes_sponsored + t.notes_review,
        notes_organic=t.notes_organic,
        notes_sponsored=t.notes_sponsored,
        notes_review=t.notes_review,
        impressions=impressions - prev["impressions"],
        reads=reads,
        read_rate=reads / max(1, impressions - prev["impressions"]),
        engagements=day_eng,
        engagement_rate=day_eng / max(1, reads),
        follows=follows - prev["follows"],
        orders=orders,
        gmv=round(t.gmv, 2),
        conversion=orders / max(1, t.sessions),
        adopters=model.adopters,
        ad_revenue=(now["ad_revenue_mc"] - prev.get("ad_revenue_mc", 0)) / 100_000,
        share_discovery=share(by_ch["discovery"]),
        share_following=share(by_ch["following"]),
        share_search=share(by_ch["search"]),
        share_ad=share(by_ch["ad"]),
        share_direct=share(by_ch["direct"]),
        share_shared=share(by_ch["shared"]),
        share_organic_note=share(by_kind["organic"]),
        share_sponsored_note=share(by_kind["sponsored"]),
        share_review_note=share(by_kind["review"]),
        r_loop=r_loop(cohort_time, cohort_children, model.clock.now),
        gini_notes=gini(notes["impressions"]),
        gini_creators=gini(by_author[authors]),
        pool_stage_max=int(stages.max()) if stages is not None and stages.size else 0,
        r_loop_lo=r_lo,
        r_loop_hi=r_hi,
        short_pages=t.short_pages,
        short_page_share=t.short_pages / max(1, t.discovery_pages),
        **{k: now[k] - prev.get(k, 0) for k in SHARE_COLUMNS},
    )
