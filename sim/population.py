"""Building a scenario's community on a platform: accounts with interests and traits, the
follower graph, staff, brands with their products, and the creators' first notes.

Used by :class:`~redloop.sim.model.RedloopModel` (on its in-process platform) and by the load
generator's crowd (on the target: an in-process platform or an HTTP client). ``world`` is the
model the agents live in: its ``rng`` and ``rand`` are drawn from in a fixed order, so one
scenario and seed build the same community (and event log) everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from redloop.agents.brand import Brand
from redloop.agents.consumer import Consumer, Creator
from redloop.agents.staff import Editor, ShopOperator
from redloop.platform.api import TOPICS
from redloop.scenarios.schema import Scenario

if TYPE_CHECKING:
    from .model import RedloopModel

__all__ = ["build_brands", "build_people", "build_staff", "seed_content"]


def build_people(world: RedloopModel, sc: Scenario, platform: Any) -> None:
    """Consumers and creators with interests, activity, budgets and traits, and who follows
    whom; sets ``world.people``, ``activity``, ``creators``, ``head_kols`` and friends."""
    pop, rng, n = sc.population, world.rng, sc.population.users
    weights = np.array([pop.interest_mix.get(t, 0.0) for t in TOPICS], dtype=np.float64)
    if weights.sum() <= 0:
        weights = np.ones(len(TOPICS))
    k = min(pop.interests_per_user, int((weights > 0).sum()))
    # k distinct topics per user, weighted: Gumbel top-k
    keys = np.log(np.where(weights > 0, weights, 1e-300)) + rng.gumbel(size=(n, len(TOPICS)))
    chosen = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    masks = (1 << chosen).sum(axis=1)

    graph = _follower_graph(world, sc, n)
    degree = np.array([graph.degree(i) for i in range(n)]) if graph is not None else None
    n_creators = round(pop.creator_share * n)
    if degree is not None:
        creators = set(np.argsort(-degree, kind="stable")[:n_creators].tolist())
    else:
        creators = set(rng.choice(n, size=n_creators, replace=False).tolist())
    activity = pop.sessions_per_day * np.exp(
        pop.activity_sigma * rng.standard_normal(n) - pop.activity_sigma**2 / 2
    )
    budget = pop.budget_mean * rng.lognormal(-0.125, 0.5, n)
    price_sens = pop.price_sensitivity * rng.lognormal(-0.125, 0.5, n)
    suscept = pop.susceptibility * rng.lognormal(-0.125, 0.5, n)
    trust = np.clip(rng.normal(pop.sponsored_trust, 0.15, n), 0.05, 1.0)
    poster = rng.random(n) < pop.poster_share
    skill = rng.lognormal(-0.18, 0.6, n)
    world.people = people = []  # filled as accounts are created
    for i in range(n):
        is_creator = i in creators
        cls = Creator if is_creator else Consumer
        name = f"creator{i}" if is_creator else f"user{i}"
        uid = platform.create_user(
            name,
            "creator" if is_creator else "consumer",
            [TOPICS[t] for t in range(len(TOPICS)) if masks[i] >> t & 1],
            now=0.0,
        )
        rate = (
            pop.creator_posts_per_day
            if is_creator
            else (pop.organic_posts_per_day if poster[i] else 0.0)
        )
        agent = cls(
            world,
            uid,
            int(masks[i]),
            float(budget[i]),
            float(price_sens[i]),
            float(suscept[i]),
            float(trust[i]),
            rate,
        )
        agent.skill = float(skill[i]) * (1.6 if is_creator else 1.0)
        people.append(agent)
    world.activity = activity * np.where(
        np.fromiter((i in creators for i in range(n)), bool, n), 2.0, 1.0
    )
    world.active_today = np.zeros(n, dtype=bool)
    world.creators = [a for a in people if isinstance(a, Creator)]
    if graph is not None:
        _follow_edges(world, platform, graph, degree)
    followers = {c.uid: platform.user(c.uid).followers for c in world.creators}
    ranked = sorted(world.creators, key=lambda c: (-followers[c.uid], c.uid))
    world.median_creator_followers = max(
        1.0, float(np.median([followers[c.uid] for c in ranked])) if ranked else 1.0
    )
    n_head = round(pop.head_kol_share * len(ranked))
    world.head_kols = {c.uid for c in ranked[:n_head]}
    world._creators_by_followers = ranked


def _follower_graph(world: RedloopModel, sc: Scenario, n: int) -> nx.Graph | None:
    pop = sc.population
    seed = int(world.rng.integers(2**32))
    m = min(pop.graph_m, max(1, n - 1))
    if pop.graph == "none":
        return None
    if pop.graph == "random":
        return nx.gnm_random_graph(n, n * m, seed=seed)
    return nx.powerlaw_cluster_graph(n, m, pop.graph_triangle_p, seed=seed)


def _follow_edges(world: RedloopModel, platform: Any, graph: nx.Graph, degree: np.ndarray) -> None:
    """Orient each friendship: the less connected follows the more connected; some mutual."""
    rand, uid = world.rand.random, [a.uid for a in world.people]
    for a, b in sorted(graph.edges()):
        lo, hi = (a, b) if (degree[a], a) < (degree[b], b) else (b, a)
        platform.follow(uid[lo], uid[hi], now=0.0)
        if rand() < 0.3:
            platform.follow(uid[hi], uid[lo], now=0.0)


def build_staff(world: RedloopModel, sc: Scenario, platform: Any) -> None:
    """The editors and the platform's own shop (in-process only: staff cannot sign up over
    HTTP)."""
    world.editors = [
        Editor(
            world,
            platform.create_user(f"editor{i}", "staff", now=0.0),
            sc.sized(sc.editor_picks_per_day),
        )
        for i in range(sc.editors)
    ]
    shop = platform.create_user("redloop-shop", "staff", now=0.0)
    world.shop = ShopOperator(world, shop, sc.sized(sc.shop_restock_threshold))


def build_brands(world: RedloopModel, sc: Scenario, platform: Any) -> None:
    """Brand accounts, their products (also in ``world.catalogue``) and, for established
    brands, fans who already know them."""
    world.brands = []
    for spec in sc.brands:
        uid = platform.create_user(spec.name, "brand", now=0.0)
        products = []
        for prod in spec.products:
            pid = platform.create_product(
                uid, prod.name, prod.topic, prod.price, prod.stock, now=0.0, origin=spec.origin
            )
            world.catalogue.add(
                pid,
                prod.name,
                uid,
                prod.topic,
                prod.price,
                prod.quality,
                spec.origin,
                prod.stock,
                spec.established,
            )
            products.append(pid)
        world.brands.append(Brand(world, uid, spec, products))
        if spec.established:  # some of the topic's fans already know and like it
            _seed_awareness(world, products)


def _seed_awareness(world: RedloopModel, products: list[int]) -> None:
    for pid in products:
        topic = world.catalogue.topic[pid]
        for person in world.people:
            if person.interests >> topic & 1 and world.rand.random() < 0.15:
                person.intent[pid] = (0.1, 0.0)


def seed_content(world: RedloopModel) -> None:
    """A community does not start empty: each creator has a couple of notes (published
    through ``world.platform``)."""
    for creator in world.creators:
        for _ in range(2):
            creator.post(0.0)
