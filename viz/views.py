"""Read-only views of a running model: what each panel of the visualiser shows, as plain data.

Nothing here draws widgets or mutates the platform. :class:`Sim` owns one model and the
things computed once per model (the network sample and its layout, the feed-inspector
users); :func:`snapshot` reads the model after a step and returns everything the panels
display, so the Solara components stay thin and the panels can be tested on their own.
The charts (``charts``), the plain-language text (``explain``), the feed cards
(``inspector``) and the controls' data (``params``) live in modules of their own.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from redloop.platform.api import Channel
from redloop.sim import RedloopModel, build_model

from . import svg
from .charts import ChartView, Pinned, charts
from .explain import Setting, explain
from .feed import PageFinder
from .inspector import FeedView, feed_users, feed_view
from .params import Params, scenario_catalogue

__all__ = [
    "NETWORK_LIMIT",
    "BrandRow",
    "ChartView",
    "FeedView",
    "NetworkSample",
    "NetworkView",
    "Params",
    "Pinned",
    "Sim",
    "Snapshot",
    "brand_rows",
    "feed_snapshot",
    "metrics_columns",
    "scenario_catalogue",
    "setting",
    "snapshot",
]

#: Largest network the browser draws; larger populations show creators plus a sample.
NETWORK_LIMIT = 300
#: Nodes of people who have not bought anything yet.
NOT_ADOPTED = "#d4d4d4"
#: Seconds the next day waits before it is simulated ahead (see ``Sim._simulate_next``).
PREFETCH_PAUSE = 0.4
#: Strategies that buy ads, and that pay creators.
AD_STRATEGIES = ("feed_ads", "search_ads", "adaptive")
CREATOR_STRATEGIES = ("koc_seeding", "head_kols", "adaptive")


# ===================================================================== network


@dataclass
class NetworkSample:
    """A fixed set of accounts to draw and their positions, chosen once per model.

    Creators come first (by followers), then a seeded random sample of consumers up to
    ``limit``. The layout is a seeded spring layout of the follower graph among them at the
    start, so nodes stay put while the run adds follows and purchases.
    """

    people: list[int]  # indexes into model.people
    xy: list[tuple[float, float]]
    radii: list[float]
    rings: list[bool]
    total: int

    @classmethod
    def of(cls, model: RedloopModel, *, seed: int, limit: int = NETWORK_LIMIT) -> NetworkSample:
        people, platform = model.people, model.platform
        n = len(people)
        creator_uids = {c.uid for c in model.creators}
        creators = sorted(
            (i for i, a in enumerate(people) if a.uid in creator_uids),
            key=lambda i: (-platform.user(people[i].uid).followers, i),
        )[:limit]
        if n <= limit:
            chosen = list(range(n))
        else:
            # Consumers linked to a drawn creator first (a random sample of a sparse graph is
            # mostly isolated dots), then anyone, until ``limit``.
            rng = np.random.default_rng(seed)  # the viz's own generator: the model's is untouched
            drawn = {people[i].uid for i in creators}
            linked, other = [], []
            for i, a in enumerate(people):
                if a.uid in creator_uids:
                    continue
                near = any(t in drawn for t in platform.following(a.uid)) or any(
                    f in drawn for f in platform.followers(a.uid)
                )
                (linked if near else other).append(i)
            room = limit - len(creators)
            extra = rng.permutation(np.array(linked, dtype=np.int64))[:room].tolist()
            if len(extra) < room:
                more = rng.permutation(np.array(other, dtype=np.int64))[: room - len(extra)]
                extra += more.tolist()
            chosen = creators + sorted(extra)
        sample = cls(chosen, [], [], [], n)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(chosen)))
        graph.add_edges_from(sample.edges(model))
        pos = nx.spring_layout(graph, seed=seed, iterations=60)
        coords = np.array([pos[i] for i in range(len(chosen))]) if chosen else np.zeros((0, 2))
        if len(coords):
            lo, hi = coords.min(axis=0), coords.max(axis=0)
            coords = (coords - lo) / np.where(hi - lo > 0, hi - lo, 1.0)
        sample.xy = [(float(x), float(y)) for x, y in coords]
        scale = 1.0 if len(chosen) <= 120 else 0.8
        for i in chosen:
            uid = people[i].uid
            head = uid in model.head_kols
            creator = uid in creator_uids
            sample.radii.append(scale * (9.0 if head else 6.0 if creator else 3.2))
            sample.rings.append(creator)
        return sample

    def edges(self, model: RedloopModel) -> list[tuple[int, int]]:
        """Follow edges among the sampled accounts now (mutual follows drawn once)."""
        people, platform = model.people, model.platform
        index = {people[i].uid: k for k, i in enumerate(self.people)}
        out = set()
        for k, i in enumerate(self.people):
            for target in platform.following(people[i].uid):
                j = index.get(target)
                if j is not None and j != k:
                    out.add((min(k, j), max(k, j)))
        return sorted(out)

    def first_products(self, model: RedloopModel) -> list[int]:
        """The first product each sampled account bought, or -1."""
        return model.columns.wants.first_had(np.array(self.people, dtype=np.int64)).tolist()


@dataclass(frozen=True, slots=True)
class NetworkView:
    svg: str
    nodes: int
    edges: int
    adopters: int
    total: int
    legend: tuple[tuple[str, str], ...]  # (label, colour)


def network_view(model: RedloopModel, sample: NetworkSample) -> NetworkView:
    products = sample.first_products(model)
    fills = [svg.colour(p) if p >= 0 else NOT_ADOPTED for p in products]
    edges = sample.edges(model)
    platform = model.platform
    legend = [(platform.product(p).name, svg.colour(p)) for p in range(platform.n_products)]
    legend.append(("not bought yet", NOT_ADOPTED))
    shown = "everyone" if sample.total == len(sample.people) else "creators + a sample"
    title = f"Follower network ({len(sample.people)} of {sample.total} accounts: {shown})"
    drawing = svg.network(sample.xy, edges, fills, sample.radii, sample.rings, title=title)
    return NetworkView(
        svg=drawing,
        nodes=len(sample.people),
        edges=len(edges),
        adopters=sum(p >= 0 for p in products),
        total=sample.total,
        legend=tuple(legend),
    )


# ===================================================================== brands


@dataclass(frozen=True, slots=True)
class BrandRow:
    name: str
    origin: str
    established: bool
    strategy: str
    units: int
    revenue: float
    spend: float
    weekly_budget: float
    channels: dict[str, int]  # orders by attribution channel
    tactics: dict[str, float]  # revenue by the tactic behind the note that sold it

    @property
    def roi(self) -> float:
        """Revenue per yuan of marketing spend (NaN with no spend)."""
        return self.revenue / self.spend if self.spend > 0 else math.nan


def brand_rows(model: RedloopModel) -> list[BrandRow]:
    """Each brand's sales, spend, ROI and channel attribution so far."""
    tables = model.platform.tables()
    orders, products = tables["orders"], tables["products"]
    brand_of_order = products["brand"][orders["product"].astype(np.int64)]
    channel_names = [c.label for c in Channel]
    rows = []
    for brand in model.brands:
        mine = (brand_of_order == brand.uid) & (orders["is_sample"] == 0)  # samples: no sale
        counts = np.bincount(orders["channel"][mine], minlength=len(channel_names))
        by_channel = {c: int(counts[i]) for i, c in enumerate(channel_names)}
        units = int(orders["quantity"][mine].sum())
        revenue = float(model.brand_revenue(brand))
        rows.append(
            BrandRow(
                name=brand.name,
                origin=brand.spec.origin,
                established=brand.spec.established,
                strategy=brand.spec.strategy,
                units=units,
                revenue=revenue,
                spend=float(brand.total_spend()),
                weekly_budget=float(brand.weekly_budget),
                channels=by_channel,
                tactics=dict(model.brand_revenue_by_tactic(brand)),
            )
        )
    return rows


def brand_chart(model: RedloopModel) -> str:
    """Cumulative revenue per brand, read from the collector's table (no DataFrame pivot:
    this runs on every Step)."""
    table = model.datacollector.tables["brands"]
    days: dict[int, None] = {}
    series: dict[str, list[float]] = {b.name: [] for b in model.brands}
    for day, brand, revenue in zip(table["day"], table["brand"], table["revenue"], strict=True):
        days[int(day)] = None
        series.setdefault(brand, []).append(float(revenue))
    return svg.line_chart(
        "brand_revenue",
        list(days),
        {name: values for name, values in series.items() if len(values) == len(days)},
        title="Cumulative revenue per brand",
        ylabel="¥ so far",
    )


# ===================================================================== the running model


def setting(model: RedloopModel) -> Setting:
    """What the explanation needs besides the metrics: size, sharing, paid channels."""
    sc = model.scenario_config
    spending = [(b.strategy, b.budget) for b in sc.brands]
    spending += [(e.strategy, e.budget) for e in sc.timeline if e.kind == "campaign"]
    return Setting(
        users=len(model.people),
        sharing=model.sharing_enabled,
        ads=any(s in AD_STRATEGIES and budget > 0 for s, budget in spending),
        paid_creators=any(s in CREATOR_STRATEGIES and budget > 0 for s, budget in spending),
    )


class Sim:
    """One model and what the panels compute once per model. Replaced on Reset.

    ``lock`` serialises stepping and reading. With ``ahead=True`` (the page's setting) the
    next day is simulated in the background once the page has shown the current one, so a
    Step only has to draw: the model may then be a day past what the page shows, and every
    read goes through :attr:`day` and :attr:`log_end` (the shown day's end of the log),
    never the model's own clock. Either way the run is the same: days are simulated in
    order, each exactly once.
    """

    def __init__(self, params: Params, *, ahead: bool = False) -> None:
        self.params = params
        self.model = build_model(params.scenario, **params.overrides())
        self.lock = threading.RLock()
        self.network = NetworkSample.of(self.model, seed=params.seed)
        self.pages = PageFinder(self.model.platform.log)
        self.feed_users = feed_users(self.model, seed=params.seed)
        self.ahead = ahead
        self._shown = 0
        self._next: threading.Thread | None = None
        self._hurry = threading.Event()  # set: simulate the next day now, without the pause
        self._made: Snapshot | None = None  # the snapshot of the day simulated ahead
        self.log_end = len(self.model.platform.log)

    @property
    def day(self) -> int:
        """Simulated days the page shows."""
        return self._shown

    @property
    def play_until(self) -> int:
        """Where Play stops: the end of the scenario's run, or of the next run-length lap
        once past it (so a forgotten tab does not simulate forever)."""
        days = self.model.scenario_config.days
        return (self.day // days + 1) * days

    def step_day(self) -> None:
        """Show one more day: the one simulated ahead if there is one, else simulate it."""
        if self._next is not None:
            self._hurry.set()
            self._next.join()
            self._next = None
            self._hurry.clear()
        with self.lock:
            if self.model.day == self._shown:
                self.model.run_days(1)
            self._shown += 1
            self.log_end = len(self.model.platform.log)

    def prefetch(self, on_ready: Callable[[int], None] = lambda day: None) -> None:
        """Start simulating the next day in the background (``ahead`` only; idempotent);
        ``on_ready(day)`` is called from that thread once it is simulated."""
        if not self.ahead or self._next is not None or self.model.day > self._shown:
            return
        self._next = threading.Thread(target=self._simulate_next, args=(on_ready,), daemon=True)
        self._next.start()

    def _simulate_next(self, on_ready: Callable[[int], None]) -> None:
        # Let the page finish drawing first: the day's Python holds the GIL, and the server
        # thread that sends the redraw to the browser needs it too.
        self._hurry.wait(PREFETCH_PAUSE)
        with self.lock:
            if self.model.day == self._shown:
                self.model.run_days(1)
                self._made = read(self)  # what Step will show, drawn while nobody waits
            day = self.model.day
        on_ready(day)


@dataclass(frozen=True)
class Snapshot:
    """Everything the panels show after a step, read under the model's lock."""

    day: int
    users: int
    params: Params
    metrics: dict[str, list[Any]]
    charts: list[ChartView]
    network: NetworkView
    brands: list[BrandRow]
    brand_chart: str
    explanation: list[str]

    @property
    def latest(self) -> dict[str, Any]:
        return {k: v[-1] for k, v in self.metrics.items()} if self.metrics.get("day") else {}


def metrics_columns(model: RedloopModel) -> dict[str, list[Any]]:
    """The daily metrics as columns, read from the collector without building a DataFrame."""
    return {name: list(values) for name, values in model.datacollector.model_vars.items()}


def read(sim: Sim, pinned: Pinned | None = None) -> Snapshot:
    """Everything the panels show about the model as it is now (call under ``sim.lock``)."""
    model = sim.model
    m = metrics_columns(model)
    return Snapshot(
        day=model.day,
        users=len(model.people),
        params=sim.params,
        metrics=m,
        charts=charts(m, pinned),
        network=network_view(model, sim.network),
        brands=brand_rows(model),
        brand_chart=brand_chart(model),
        explanation=explain(setting(model), m),
    )


def snapshot(sim: Sim, pinned: Pinned | None = None) -> Snapshot:
    """Everything the panels show for the shown day: the one read ahead, when the model was
    simulated ahead, else read now."""
    made = sim._made
    if made is not None and made.day == sim.day and pinned is None:
        return made
    with sim.lock:
        if sim.model.day != sim.day:
            raise RuntimeError("the model is simulated ahead of the page; read it ahead too")
        return read(sim, pinned)


def feed_snapshot(sim: Sim, uid: int | None) -> FeedView:
    """``uid``'s last page as of the shown day (``None``: the most recent visitor)."""
    with sim.lock:
        return feed_view(sim.model, sim.pages, uid, sim.log_end)
