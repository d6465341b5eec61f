"""Building a scenario's community on a platform: accounts with interests and traits, the
follower graph, staff, brands with their products, and the creators' first notes.

Used by :class:`~redloop.sim.model.RedloopModel` (on its in-process platform) and by the load
generator's crowd (on the target: an in-process platform or an HTTP client). ``world`` is the
model the agents live in: its population stream is drawn from in a fixed order, so one
scenario and seed build the same community (and event log) everywhere. Accounts and follows
go in bulk where the platform offers bulk commands (the same events as one by one).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from redloop.agents.brand import Brand
from redloop.agents.consumer import Consumer, Creator
from redloop.agents.settings import BrandSettings, CreatorSettings
from redloop.agents.staff import Editor, ShopOperator
from redloop.platform.api import TOPICS, NotFound
from redloop.scenarios.schema import BrandSpec, Scenario, ScenarioError

from .graph import powerlaw_cluster_edges

if TYPE_CHECKING:
    from .model import RedloopModel

__all__ = [
    "brand_settings",
    "build_brands",
    "build_people",
    "build_staff",
    "creator_settings",
    "seed_content",
]


def build_people(world: RedloopModel, sc: Scenario, platform: Any) -> None:
    """Consumers and creators with interests, activity, budgets and traits, and who follows
    whom: rows appended to ``world.columns`` in bulk; sets ``world.people`` (a view onto
    each row), ``creators``, ``head_kols`` and friends."""
    pop, n = sc.population, sc.population.users
    world.creator_settings = creator_settings(sc)
    rng = world.streams.population.rng
    weights = np.array([pop.interest_mix.get(t, 0.0) for t in TOPICS], dtype=np.float64)
    if weights.sum() <= 0:
        weights = np.ones(len(TOPICS))
    k = min(pop.interests_per_user, int((weights > 0).sum()))
    # k distinct topics per user, weighted: Gumbel top-k
    keys = np.log(np.where(weights > 0, weights, 1e-300)) + rng.gumbel(size=(n, len(TOPICS)))
    chosen = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    masks = (1 << chosen).sum(axis=1)

    friendships = _friendships(pop, n, rng)
    degree = np.bincount(friendships.ravel(), minlength=n) if friendships is not None else None
    n_creators = round(pop.creator_share * n)
    is_creator = np.zeros(n, dtype=bool)
    if degree is not None:
        is_creator[np.argsort(-degree, kind="stable")[:n_creators]] = True
    else:
        is_creator[rng.choice(n, size=n_creators, replace=False)] = True
    activity = pop.sessions_per_day * np.exp(
        pop.activity_sigma * rng.standard_normal(n) - pop.activity_sigma**2 / 2
    )
    budget = pop.budget_mean * rng.lognormal(-0.125, 0.5, n)
    price_sens = pop.price_sensitivity * rng.lognormal(-0.125, 0.5, n)
    suscept = pop.susceptibility * rng.lognormal(-0.125, 0.5, n)
    trust = np.clip(rng.normal(pop.sponsored_trust, 0.15, n), 0.05, 1.0)
    poster = rng.random(n) < pop.poster_share
    skill = rng.lognormal(-0.18, 0.6, n) * np.where(is_creator, 1.6, 1.0)
    rate = np.where(
        is_creator, pop.creator_posts_per_day, np.where(poster, pop.organic_posts_per_day, 0.0)
    )
    uids = _open_accounts(platform, masks, is_creator)
    rows = world.columns.extend(
        uid=uids,
        creator=is_creator,
        interests=masks,
        budget=budget,
        price_sensitivity=price_sens,
        susceptibility=suscept,
        trust=trust,
        posts_per_day=rate,
        skill=skill,
        activity=activity * np.where(is_creator, 2.0, 1.0),
    )
    world.people = people = [
        (Creator if creator else Consumer).of_row(world, row)
        for row, creator in zip(rows, is_creator.tolist(), strict=True)
    ]
    world.creators = [a for a in people if isinstance(a, Creator)]
    if friendships is not None:
        _follow_edges(platform, friendships, degree, np.asarray(uids), rng)
    followers = {c.uid: platform.user(c.uid).followers for c in world.creators}
    ranked = sorted(world.creators, key=lambda c: (-followers[c.uid], c.uid))
    world.median_creator_followers = max(
        1.0, float(np.median([followers[c.uid] for c in ranked])) if ranked else 1.0
    )
    n_head = round(pop.head_kol_share * len(ranked))
    world.head_kols = {c.uid for c in ranked[:n_head]}
    world._creators_by_followers = ranked


def _friendships(pop: Any, n: int, rng: np.random.Generator) -> np.ndarray | None:
    """Who is friends with whom, as an ``(edges, 2)`` array of distinct unordered pairs."""
    m = min(pop.graph_m, max(1, n - 1))
    if pop.graph == "none" or n < 2:
        return None
    if pop.graph == "random":
        return _random_pairs(n, min(n * m, n * (n - 1) // 2), rng)
    return powerlaw_cluster_edges(n, m, pop.graph_triangle_p, rng)


def _random_pairs(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct unordered pairs of ``n`` nodes, uniformly (Erdős–Rényi G(n, M))."""
    found = np.empty(0, dtype=np.int64)
    while found.size < count:
        a, b = rng.integers(0, n, size=(2, 2 * (count - found.size) + 16))
        keep = a != b
        keys = np.minimum(a, b)[keep] * n + np.maximum(a, b)[keep]
        merged = np.concatenate([found, keys])
        _, first = np.unique(merged, return_index=True)
        found = merged[np.sort(first)]
    found = found[:count]
    return np.column_stack([found // n, found % n])


def _open_accounts(platform: Any, masks: np.ndarray, is_creator: np.ndarray) -> list[int]:
    """One account per person (in bulk where the platform offers it: same events)."""
    names = [f"creator{i}" if c else f"user{i}" for i, c in enumerate(is_creator.tolist())]
    kinds = ["creator" if c else "consumer" for c in is_creator.tolist()]
    listed = masks.tolist()
    by_mask = {m: [TOPICS[t] for t in range(len(TOPICS)) if m >> t & 1] for m in set(listed)}
    topics = [by_mask[m] for m in listed]
    if hasattr(platform, "create_users"):
        return list(platform.create_users(names, kinds, topics, now=0.0))
    return [
        platform.create_user(name, kind, interests, now=0.0)
        for name, kind, interests in zip(names, kinds, topics, strict=True)
    ]


def _follow_edges(
    platform: Any,
    friendships: np.ndarray,
    degree: np.ndarray,
    uids: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Orient each friendship: the less connected follows the more connected (the smaller
    id on a tie); 30% are mutual. Friendships are taken in sorted order."""
    a, b = friendships.min(axis=1), friendships.max(axis=1)
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    a_first = (degree[a] < degree[b]) | ((degree[a] == degree[b]) & (a < b))
    lo, hi = np.where(a_first, a, b), np.where(a_first, b, a)
    mutual = rng.random(lo.size) < 0.3
    # lo → hi for every friendship, each followed by hi → lo where mutual
    users = np.column_stack([lo, hi]).ravel()
    targets = np.column_stack([hi, lo]).ravel()
    keep = np.column_stack([np.ones_like(mutual), mutual]).ravel()
    users, targets = uids[users[keep]], uids[targets[keep]]
    if hasattr(platform, "follow_many"):
        platform.follow_many(users, targets, now=0.0)
        return
    for user, target in zip(users.tolist(), targets.tolist(), strict=True):
        platform.follow(user, target, now=0.0)


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
    world.shop = ShopOperator(
        world, shop, sc.sized(sc.shop_restock_threshold), sc.sized(sc.shop_restock_units)
    )


def build_brands(world: RedloopModel, sc: Scenario, platform: Any) -> None:
    """Brand accounts, their products (also in ``world.catalogue``) and, for established
    brands, fans who already know them."""
    world.brands = []
    for i, spec in enumerate(sc.brands):
        uid = platform.create_user(spec.name, "brand", now=0.0)
        products = []
        for prod in spec.products:
            stock = sc.sized(prod.stock)  # the same units per person at any size
            pid = platform.create_product(
                uid, prod.name, prod.topic, prod.price, stock, now=0.0, origin=spec.origin
            )
            world.catalogue.add(
                pid,
                prod.name,
                uid,
                prod.topic,
                prod.price,
                prod.quality,
                spec.origin,
                stock,
                spec.established,
            )
            products.append(pid)
        accounts = named_accounts(world, sc, i) if spec.seeding_rule == "accounts" else None
        settings = brand_settings(spec, sc.size_factor)
        world.brands.append(Brand(world, uid, settings, products, accounts))
        if spec.established:  # some of the topic's fans already know and like it
            _seed_awareness(world, products)


def creator_settings(sc: Scenario) -> CreatorSettings:
    """What creators need of the scenario's population spec."""
    pop = sc.population
    return CreatorSettings(
        fee_floor=pop.creator_fee_floor,
        fee_elasticity=pop.creator_fee_elasticity,
        product_posts=pop.creator_product_posts,
    )


def brand_settings(spec: BrandSpec, size: float = 1.0) -> BrandSettings:
    """A brand's settings from its spec: the fields of the same names (the products and
    the seeding accounts are resolved separately). The weekly budget is set for the
    scenario's ``reference_users`` and scales with the community (``size``, its
    ``size_factor``): the same spend per person, so ads and sponsored notes reach the same
    share of a larger crowd rather than a thinner one."""
    values = {f.name: getattr(spec, f.name) for f in fields(BrandSettings)}
    return BrandSettings(**{**values, "budget": spec.budget * size})


def named_accounts(world: RedloopModel, sc: Scenario, index: int) -> list[Consumer]:
    """The people named by brand ``index``'s ``seeding_accounts``, in order; a clear error
    for a name that is not a consumer or creator of the built population."""
    by_uid = {a.uid: a for a in world.people}
    people = []
    for j, name in enumerate(sc.brands[index].seeding_accounts):
        try:
            uid = world.platform.user_id(name)
        except NotFound:
            uid = -1
        if uid not in by_uid:
            raise ScenarioError(
                sc.name,
                f"brands[{index}].seeding_accounts[{j}]",
                f"{name!r} is not a consumer or creator of the built population "
                f"(names are user<i> and creator<i>, i < {len(world.people)})",
            )
        people.append(by_uid[uid])
    return people


def _seed_awareness(world: RedloopModel, products: list[int]) -> None:
    wants, interests = world.columns.wants, world.columns.live("interests").tolist()
    for pid in products:
        topic, rand = world.catalogue.topic[pid], world.streams.population.random
        rows = [row for row, mask in enumerate(interests) if mask >> topic & 1 and rand() < 0.15]
        wants.set_many(np.array(rows, dtype=np.int64), pid, 0.1, 0.0)


def seed_content(world: RedloopModel) -> None:
    """A community does not start empty: each creator has a couple of notes (published
    through ``world.platform``)."""
    for creator in world.creators:
        for _ in range(2):
            creator.post(0.0)
