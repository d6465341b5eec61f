"""Growth through shares: whom an in-app share goes to, and the outside visitors and sign-ups
an out-of-app share (a link sent to a messaging app) brings.

Visitors and sign-ups are drawn from the model's generator (Poisson visitors per link, each
signing up with ``behaviour.share_signup_rate``) and recorded on the platform at the time of
the share. A visitor who signs up becomes a consumer drawn like the initial population, with
the shared note's topics among their interests, following the friend who sent the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from redloop.agents.consumer import Consumer
from redloop.platform.api import TOPICS

if TYPE_CHECKING:
    from redloop.sim.model import RedloopModel


class ShareGrowth:
    """The model's side of shares: recipients, visitors, sign-ups and their new agents."""

    def __init__(self, model: RedloopModel) -> None:
        self.model = model
        self.person_by_uid: dict[int, Consumer] = {a.uid: a for a in model.people}
        self.signups = 0

    def recipients(self, followers: Sequence[int], topics: int, k: int) -> list[int]:
        """Up to ``k`` followers, at random among those interested in the note's topics:
        people share with friends who care about the subject."""
        people = self.person_by_uid
        fans = [f for f in followers if (a := people.get(f)) is not None and a.interests & topics]
        return fans if len(fans) <= k else self.model.streams.growth.sample(fans, k)

    def outside_visits(self, share: int, sharer: int, now: float) -> None:
        """Visitors of an out-of-app link; some sign up."""
        m = self.model
        b = m.behaviour
        visitors = int(m.streams.growth.rng.poisson(b.share_outside_visitors))
        if not visitors:
            return
        m.platform.share_visited(share, visitors, now=now)
        for _ in range(int(m.streams.growth.rng.binomial(visitors, b.share_signup_rate))):
            self.sign_up(share, sharer, now)

    def sign_up(self, share: int, sharer: int, now: float) -> Consumer:
        """A visitor opens an account and joins the simulation as a consumer."""
        m = self.model
        pop, rng, p = m.scenario_config.population, m.streams.growth.rng, m.platform
        note = p.share_info(share).note
        mask = m.notes.topics[note]
        weights = np.array([pop.interest_mix.get(t, 0.0) for t in TOPICS], dtype=np.float64)
        weights[[t for t in range(len(TOPICS)) if mask >> t & 1]] = 0.0
        extra = max(0, min(pop.interests_per_user - mask.bit_count(), int((weights > 0).sum())))
        if extra:
            picked = rng.choice(len(TOPICS), size=extra, replace=False, p=weights / weights.sum())
            mask |= int(sum(1 << int(t) for t in picked))
        uid = p.sign_up_via_share(
            share,
            f"visitor{p.n_users}",
            [TOPICS[t] for t in range(len(TOPICS)) if mask >> t & 1],
            now=now,
        )
        # The same trait distributions as the initial population (population.build_people).
        sigma = pop.activity_sigma
        agent = Consumer(
            m,
            uid,
            mask,
            float(pop.budget_mean * rng.lognormal(-0.125, 0.5)),
            float(pop.price_sensitivity * rng.lognormal(-0.125, 0.5)),
            float(pop.susceptibility * rng.lognormal(-0.125, 0.5)),
            float(np.clip(rng.normal(pop.sponsored_trust, 0.15), 0.05, 1.0)),
            0.0,  # lurks: the posting schedule is drawn for the initial population
        )
        agent.skill = float(rng.lognormal(-0.18, 0.6))
        activity = pop.sessions_per_day * np.exp(sigma * rng.standard_normal() - sigma**2 / 2)
        m.add_person(agent, float(activity))
        agent.hear_from(note, now)  # they came by reading the note: its verdict moves intent
        self.person_by_uid[uid] = agent
        p.follow(uid, sharer, now=now)
        self.signups += 1
        return agent
