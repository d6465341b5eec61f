"""The model's routines as clock processes: sessions each hour, posting each day, the daily
round, and Bass-mode adoption. Each keeps what it needs between steps as plain state (see
:mod:`redloop.sim.clock`), so a checkpoint holds it and a restored run goes on alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from redloop.agents.batch import run_batch
from redloop.agents.steps import run_inline

if TYPE_CHECKING:
    from redloop.sim.model import RedloopModel

#: Relative activity per hour of day (mean 1): quiet nights, lunch and evening peaks.
DIURNAL = np.array(
    [
        0.45,
        0.25,
        0.15,
        0.1,
        0.1,
        0.15,
        0.35,
        0.7,
        0.95,
        0.95,
        1.0,
        1.1,
        1.45,
        1.35,
        1.0,
        0.95,
        1.0,
        1.1,
        1.2,
        1.45,
        1.75,
        1.9,
        1.75,
        1.0,
    ]
)
DIURNAL = DIURNAL / DIURNAL.mean()


class Online:
    """Each hour (at half past), draw every user's sessions at once from their diurnal rate,
    then run them one by one or, under ``engine = "batch"``, as one batch
    (:mod:`redloop.agents.batch`)."""

    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.started = False

    def resume(self, now: float) -> float:
        if not self.started:
            self.started = True
            return 0.5
        m = self.model
        rng = m.streams.sessions.rng
        rate = m.activity * (DIURNAL[int(now) % 24] * m.activity_multiplier / 24.0)
        counts = rng.poisson(rate)
        active = np.flatnonzero(counts)
        m.columns.active_today[active] = True
        order = rng.permutation(np.repeat(active, counts[active]))
        if m.scenario_config.engine == "batch":
            run_batch(m, order, now)
            return 1.0
        people = m.people
        for i in order.tolist():
            people[i].session(now)
        return 1.0


class Posting:
    """Each day, draw who posts and when (creators often, a few consumers rarely); the
    posters are those of the first day."""

    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.posters: list[Any] | None = None
        self.rates = np.zeros(0)

    def resume(self, now: float) -> float:
        m = self.model
        if self.posters is None:
            rates = m.columns.live("posts_per_day")
            rows = np.flatnonzero(rates > 0)
            self.posters = [m.people[i] for i in rows.tolist()]
            self.rates = rates[rows]
        rng = m.streams.posting.rng
        hour_p = DIURNAL / DIURNAL.sum()
        counts = rng.poisson(self.rates * m.activity_multiplier)
        for idx in np.flatnonzero(counts).tolist():
            hours = rng.choice(24, size=int(counts[idx]), p=hour_p) + rng.random(int(counts[idx]))
            for h in hours.tolist():
                m.offline.later(now + h, self.posters[idx].post)
        return 24.0


class Days:
    """The daily round: editors curate at 10:00, the shop reviews stock at 11:00, brands act
    weekly, monthly budgets renew, metrics close at 23:54. ``stage`` is the next of these."""

    CURATE, SHOP, CLOSE = 0, 1, 2

    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.day = 0
        self.first_note = 0
        self.stage = -1  # not started

    def resume(self, now: float) -> float:
        m = self.model
        start = self.day * 24.0
        if self.stage == self.CURATE:
            last_note = m.platform.n_notes
            for editor in m.editors:
                editor.curate(self.first_note, last_note, now)
            self.first_note = last_note
            self.stage = self.SHOP
            return 1.0
        if self.stage == self.SHOP:
            self._shop_and_brands(now)
            self.stage = self.CLOSE
            return start + 23.9 - now
        if self.stage == self.CLOSE:
            m.close_day(self.day)
            self.day += 1
            start = self.day * 24.0
        self.stage = self.CURATE
        return start + 10.0 - now

    def _shop_and_brands(self, now: float) -> None:
        m, day = self.model, self.day
        for product in m.shop.review_catalogue(now) if m.shop else ():
            m.catalogue.stock_hint[product] = 1
        if day % 7 == 0:
            for brand in m.brands:
                brand.week(now)
        if day % 30 == 0 and day:  # monthly budgets renew
            m.columns.live("spent")[:] = 0.0


class BassAdoption:
    """The Bass special case in continuous time: each hour each non-adopter adopts with
    probability 1 - exp(-(p + q·F)·Δt), Δt = 1/24 day, so the scenario's p and q are the
    textbook rates per day of dF/dt = (p + qF)(1 - F) (Bass 1969; the agent version of
    Rand & Rust 2011). F is the adopted share of the whole crowd (full mixing) or of the
    accounts each person follows (network). No feeds, one product; adoption is a real
    purchase on the platform. The crowd and its follows are those of the first hour."""

    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.adopted: np.ndarray | None = None
        self.followees: sparse.csr_matrix | None = None

    def resume(self, now: float) -> float:
        m = self.model
        ad = m.scenario_config.adoption
        if self.adopted is None:
            self.adopted = np.zeros(len(m.people), dtype=bool)
            self.followees = followee_index(m) if ad.mixing == "network" else None
        adopted, n = self.adopted, len(self.adopted)
        if self.followees is None:
            share = np.full(n, adopted.mean())
        else:
            share = self.followees @ adopted.astype(np.float64)
        hazard = -np.expm1(-(ad.p + ad.q * share) * (1.0 / 24.0))
        new = np.flatnonzero(~adopted & (m.streams.adoption.rng.random(n) < hazard))
        for i in new.tolist():
            if run_inline(m.people[i].buy(0, now)) is not None:
                adopted[i] = True
                m.columns.active_today[i] = True
        return 1.0


def followee_index(model: RedloopModel) -> sparse.csr_matrix:
    """Row i averages over the accounts person i follows (a zero row if none)."""
    row_of = {a.uid: i for i, a in enumerate(model.people)}
    rows, cols = [], []
    for i, person in enumerate(model.people):
        for target in model.platform.following(person.uid):
            if (j := row_of.get(target)) is not None:
                rows.append(i)
                cols.append(j)
    n = len(model.people)
    counts = np.bincount(np.asarray(rows, dtype=np.int64), minlength=n)
    weights = 1.0 / np.maximum(counts, 1)[rows] if rows else np.zeros(0)
    return sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))
