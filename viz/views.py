"""Read-only views of a running model: what each panel of the visualiser shows, as plain data.

Nothing here draws widgets or mutates the platform. :class:`Sim` owns one model and the
things computed once per model (the network sample and its layout, the feed-inspector
users); :func:`snapshot` reads the model after a step and returns everything the panels
display, so the Solara components stay thin and the panels can be tested on their own.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from html import escape
from typing import Any

import networkx as nx
import numpy as np

from redloop.platform.api import Channel
from redloop.scenarios.schema import Scenario, load, named
from redloop.sim import RedloopModel, build_model
from redloop.sim.metrics import CHANNELS, NOTE_KINDS, R_LOOP_MATURITY_DAYS

from . import svg
from .feed import PageFinder, ServedPage, latest_page

#: Largest network the browser draws; larger populations show creators plus a sample.
NETWORK_LIMIT = 300
#: Nodes of people who have not bought anything yet.
NOT_ADOPTED = "#d4d4d4"


# ===================================================================== parameters


@dataclass(frozen=True, slots=True)
class Params:
    """The visualiser's controls. Each maps to one scenario key (see :meth:`overrides`)."""

    scenario: str = "baseline"
    users: int = 2000
    sessions_per_day: float = 1.2
    open_rate: float = 0.06
    review_post_rate: float = 0.35
    recommender: str = "ces_pools"
    sharing: bool = True
    seed: int = 1

    @classmethod
    def of(cls, scenario: str) -> Params:
        """The scenario's own values of every control."""
        sc = load(scenario)
        return cls(
            scenario=scenario,
            users=sc.population.users,
            sessions_per_day=sc.population.sessions_per_day,
            open_rate=sc.behaviour.open_rate,
            review_post_rate=sc.behaviour.review_post_rate,
            recommender=sc.platform_config().recommender,
            sharing=sc.behaviour.post_purchase_sharing,
            seed=sc.seed,
        )

    def overrides(self) -> dict[str, Any]:
        """Dotted scenario keys, as ``build_model`` and ``redloop run --set`` take them."""
        return {
            "population.users": self.users,
            "population.sessions_per_day": self.sessions_per_day,
            "behaviour.open_rate": self.open_rate,
            "behaviour.review_post_rate": self.review_post_rate,
            "behaviour.post_purchase_sharing": self.sharing,
            "platform.recommender": self.recommender,
            "seed": self.seed,
        }

    def load(self) -> Scenario:
        return load(self.scenario, **self.overrides())


def describe(scenario: str) -> str:
    """A scenario's description on one line."""
    return " ".join(load(scenario).description.split())


def scenario_catalogue(*extra: str) -> dict[str, str]:
    """Named scenarios (plus any ``extra`` names or paths) and their descriptions."""
    names = [*named(), *(e for e in extra if e not in named())]
    return {name: describe(name) for name in names}


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
        return [next(iter(model.people[i].bought), -1) for i in self.people]


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


# ===================================================================== charts


@dataclass(frozen=True, slots=True)
class ChartView:
    name: str
    title: str
    caption: str
    svg: str


def _col(m: dict[str, list[Any]], name: str) -> list[float]:
    return [float(v) for v in m.get(name, [])]


def _r_loop_band(
    m: dict[str, list[Any]], days: list[int]
) -> tuple[list[float], list[float]] | None:
    """R_loop's daily 95% interval, when the metrics have it."""
    low, high = _col(m, "r_loop_lo"), _col(m, "r_loop_hi")
    return (low, high) if len(low) == len(high) == len(days) else None


def charts(m: dict[str, list[Any]]) -> list[ChartView]:
    """The live charts, from the daily metrics (a dict of columns)."""
    days = [int(d) for d in m.get("day", [])]
    share = {c: _col(m, f"share_{c}") for c in CHANNELS}
    funnel = [
        (label, float(sum(_col(m, col))))
        for label, col in (
            ("impressions", "impressions"),
            ("reads", "reads"),
            ("engagements", "engagements"),
            ("orders", "orders"),
        )
    ]
    return [
        ChartView(
            "dau",
            "Daily active users",
            "People who opened the app each day.",
            svg.line_chart("dau", days, {"DAU": _col(m, "dau")}, title="Daily active users"),
        ),
        ChartView(
            "adopters",
            "Buyers so far",
            "Cumulative distinct buyers: look for the S-curve — slow start, word-of-mouth "
            "take-off, saturation.",
            svg.line_chart(
                "adopters", days, {"buyers": _col(m, "adopters")}, title="Cumulative buyers"
            ),
        ),
        ChartView(
            "notes",
            "Notes published, by kind",
            "Reviews appear only once purchases have been delivered and used. Day 0 includes "
            "the creators' starting notes.",
            svg.stacked_bars(
                "notes",
                days,
                {k: _col(m, f"notes_{k}") for k in NOTE_KINDS},
                title="Notes published per day by kind",
            ),
        ),
        ChartView(
            "funnel",
            "Funnel so far",
            "Impressions → reads → engagements → orders, totals (log scale); each stage's "
            "share of the one before shows where attention is lost.",
            svg.funnel("funnel", funnel, title="Funnel totals so far"),
        ),
        ChartView(
            "gmv",
            "GMV per day (¥)",
            "Daily sales in yuan.",
            svg.stacked_bars("gmv", days, {"GMV": _col(m, "gmv")}, title="GMV per day"),
        ),
        ChartView(
            "attribution",
            "Orders by channel",
            "Where each day's orders came from; a growing following/search share means "
            "purchases come from the community rather than ads.",
            svg.stacked_bars(
                "attribution", days, share, title="Share of orders by channel", percent=True
            ),
        ),
        ChartView(
            "rates",
            "Reading and engaging",
            "How often a shown card is opened, and how often a read turns into a like, "
            "collect, comment or share.",
            svg.line_chart(
                "rates",
                days,
                {"read rate": _col(m, "read_rate"), "engagement rate": _col(m, "engagement_rate")},
                title="Read rate and engagement rate",
                percent=True,
            ),
        ),
        ChartView(
            "gini",
            "Concentration of attention",
            "Gini of impressions across notes and creators: near 1, a few take almost all the "
            "attention (rich get richer).",
            svg.line_chart(
                "gini",
                days,
                {"notes": _col(m, "gini_notes"), "creators": _col(m, "gini_creators")},
                title="Gini of impressions",
                percent=True,
            ),
        ),
        ChartView(
            "r_loop",
            "R_loop: later purchases per purchase",
            "Above the dashed R = 1 line, word of mouth sustains itself. The shaded band is "
            "its 95% interval (bootstrap over the purchases counted): where it spans 1, "
            "the run cannot tell yet.",
            svg.line_chart(
                "r_loop",
                days,
                {"R_loop": _col(m, "r_loop")},
                title="R_loop",
                reference=1.0,
                reference_label="R = 1",
                empty=f"purchases must be {R_LOOP_MATURITY_DAYS} days old to count",
                band=_r_loop_band(m, days),
            ),
        ),
    ]


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
    frame = model.brand_metrics()
    if frame.empty:
        return svg.line_chart("brand_revenue", [], {}, title="Cumulative revenue per brand")
    wide = frame.pivot(index="day", columns="brand", values="revenue").sort_index()
    order = [b.name for b in model.brands if b.name in wide.columns]
    return svg.line_chart(
        "brand_revenue",
        [int(d) for d in wide.index],
        {name: wide[name].astype(float).tolist() for name in order},
        title="Cumulative revenue per brand",
        ylabel="¥",
    )


# ===================================================================== explanation


def _pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.1 else f"{x:.1%}"


def explain(model: RedloopModel, m: dict[str, list[Any]]) -> list[str]:
    """Plain-language paragraphs (Markdown) on the loop and what today's numbers mean."""
    users = len(model.people)
    sharing = model.sharing_enabled
    intro = (
        "**The loop.** People *share* experiences as notes → others see them in the feed, "
        "*read* and *engage* (like, collect, comment, share, follow) → some *buy* the tagged "
        "product → after delivery and a few days of use, some buyers post a *review note* "
        "→ which enters the feeds and starts the loop again."
    )
    if not m.get("day"):
        return [
            intro,
            f"Nothing has happened yet: {users:,} people are waiting. Press **Step** to "
            "simulate one day, or **Play** to keep going.",
        ]
    last = {k: v[-1] for k, v in m.items()}
    day = int(last["day"])
    out = [intro]
    dau = int(last["dau"])
    impressions, reads = int(last["impressions"]), int(last["reads"])
    out.append(
        f"**Day {day + 1}.** {dau:,} of {users:,} people were active ({_pct(dau / users)}). "
        f"They were shown {impressions:,} cards and opened {reads:,} "
        f"({_pct(last['read_rate'])}) — being in the feed is not the same as being read."
    )
    orders = int(last["orders"])
    adopters = int(last["adopters"])
    if orders:
        channel = max(CHANNELS, key=lambda c: last[f"share_{c}"])
        review = last["share_review_note"]
        out.append(
            f"**Buying.** {orders:,} orders worth ¥{last['gmv']:,.0f} today; "
            f"{_pct(last[f'share_{channel}'])} of them came through **{channel}**. "
            f"{adopters:,} people ({_pct(adopters / users)}) have bought something so far. "
            + (
                f"{_pct(review)} of today's orders followed a read of another buyer's review "
                "note — the loop at work."
                if review
                else "No order today came from another buyer's review note yet."
            )
        )
    else:
        out.append(f"**Buying.** No orders today; {adopters:,} buyers so far.")
    r = float(last["r_loop"])
    if not sharing:
        out.append(
            "**Word of mouth is switched off.** Buyers keep their experiences to themselves "
            "(post-purchase sharing is off), so no review notes are written and R_loop stays "
            "at 0: every sale has to be bought with ads, creators or new users."
        )
    elif math.isnan(r):
        out.append(
            "**R_loop is not known yet.** A purchase counts only once it is "
            f"{R_LOOP_MATURITY_DAYS} days old — time to ship, use, review and be read. "
            "Keep stepping."
        )
    elif r < 1:
        out.append(
            f"**R_loop is {r:.2f}**: each purchase's shared experience brings {r:.2f} later "
            "purchases — word of mouth alone won't sustain growth yet; sales still depend "
            "on ads, paid creators and people who find products on their own."
        )
    else:
        out.append(
            f"**R_loop is {r:.2f}**: each purchase's shared experience brings {r:.2f} later "
            "purchases — above 1, word of mouth sustains itself: like an epidemic with R > 1, "
            "every buyer brings in more than one new buyer."
        )
    if sharing and not math.isnan(r):
        out[-1] += _r_loop_interval_sentence(
            float(last.get("r_loop_lo", math.nan)), float(last.get("r_loop_hi", math.nan))
        )
    return out


def _r_loop_interval_sentence(lo: float, hi: float) -> str:
    """How sure the run is of R_loop: its 95% interval, and whether that settles R vs 1."""
    if math.isnan(lo) or math.isnan(hi):
        return ""
    verdict = (
        "it spans 1, so this run cannot yet tell whether word of mouth sustains itself."
        if lo < 1 <= hi
        else "it lies wholly " + ("above" if lo >= 1 else "below") + " 1."
    )
    return f" Its 95% interval is {lo:.2f} to {hi:.2f}: {verdict}"


# ===================================================================== feed inspector


@dataclass(frozen=True, slots=True)
class CardView:
    note: int
    slot: int
    title: str
    topics: tuple[str, ...]
    author: str
    author_kind: str
    format: str
    likes: int
    collects: int
    comments: int
    reads: int
    labels: tuple[str, ...]  # "Ad", "Sponsored by X", "Review", "Editors' pick"
    product: str
    opened: bool
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FeedView:
    user: int
    user_label: str
    page: ServedPage | None
    cards: tuple[CardView, ...]
    orders: tuple[str, ...]


def user_label(model: RedloopModel, uid: int) -> str:
    user = model.platform.user(uid)
    kind = "head KOL" if uid in model.head_kols else user.kind
    return f"{user.name} — {kind} · {', '.join(user.interests)}"


def feed_users(model: RedloopModel, *, seed: int, k: int = 24) -> list[tuple[int, str]]:
    """Users worth inspecting: the most active consumers, top creators and a seeded sample."""
    people = model.people
    creators = {c.uid for c in model.creators}
    consumers = [i for i, a in enumerate(people) if a.uid not in creators]
    # Active users, but not the very most active: they have seen every fresh note already
    # and are served short pages.
    ranked = sorted(consumers, key=lambda i: (-model.activity[i], i))
    band = ranked[len(ranked) // 50 : max(len(ranked) // 3, len(ranked) // 50 + k)]
    active = band[:: max(1, len(band) // (k // 2))][: k // 2]
    top_creators = sorted(
        (i for i, a in enumerate(people) if a.uid in creators),
        key=lambda i: (-model.platform.user(people[i].uid).followers, i),
    )[: k // 4]
    taken = set(active)
    rest = [i for i in consumers if i not in taken]
    rng = np.random.default_rng(seed + 1)
    room = min(k - len(active) - len(top_creators), len(rest))
    sample = rng.choice(np.array(rest, dtype=np.int64), size=room, replace=False)
    chosen = list(dict.fromkeys([*active, *top_creators, *sorted(sample.tolist())]))
    return [(people[i].uid, user_label(model, people[i].uid)) for i in chosen]


def feed_view(model: RedloopModel, pages: PageFinder, uid: int | None) -> FeedView:
    """``uid``'s last discovery page, each card with what they did with it.

    ``uid=None`` picks the most recent visitor: whoever was last served a fairly full page.
    """
    platform = model.platform
    if uid is None:
        page = latest_page(pages.log, min_cards=max(1, platform.config.page_size // 2))
        if page is None:
            return FeedView(-1, "nobody yet", None, (), ())
        uid = page.user
    else:
        page = pages.last_page(uid)
    if page is None:
        return FeedView(uid, user_label(model, uid), None, (), ())
    picks = set(platform.editors_picks())
    review = model.notes.REVIEW
    cards = []
    for card in page.cards:
        note = platform.note(card.note)
        author = platform.user(note.author)
        labels = []
        if card.is_ad:
            labels.append("Ad")
        if card.is_promoted:
            labels.append("Promoted")
        if note.sponsor is not None:
            labels.append(f"Sponsored by {platform.user(note.sponsor).name}")
        if card.note < len(model.notes) and model.notes.kind[card.note] == review:
            labels.append("Review")
        if card.note in picks:
            labels.append("Editors' pick")
        kind = "head KOL" if note.author in model.head_kols else author.kind
        cards.append(
            CardView(
                note=card.note,
                slot=card.slot,
                title=note.title,
                topics=note.topics,
                author=author.name,
                author_kind=kind,
                format=note.format,
                likes=note.likes,
                collects=note.collects,
                comments=note.comments,
                reads=note.reads,
                labels=tuple(labels),
                product=", ".join(platform.product(p).name for p in note.products),
                opened=card.opened,
                actions=card.actions,
            )
        )
    orders = tuple(platform.product(p).name for p in page.orders)
    return FeedView(uid, user_label(model, uid), page, tuple(cards), orders)


def feed_html(view: FeedView) -> str:
    """The page as a two-column grid of cards (one HTML block: cheap to redraw)."""
    if view.page is None:
        who = "Nobody has" if view.user < 0 else "This user has not"
        return f'<p class="rl-muted">{who} opened the discovery feed yet.</p>'
    cards = []
    for c in view.cards:
        badges = "".join(
            f'<span class="rl-badge rl-{"ad" if b == "Ad" else "label"}">{escape(b)}</span>'
            for b in c.labels
        )
        did = " · ".join(["opened", *c.actions]) if c.opened or c.actions else "scrolled past"
        title = c.title or f"note #{c.note}"
        video = " ▶" if c.format == "video" else ""
        product = f'<div class="rl-product">tags {escape(c.product)}</div>' if c.product else ""
        cards.append(
            f'<div class="rl-card{" rl-opened" if c.opened else ""}" data-note="{c.note}">'
            f'<div class="rl-topics">{escape(" · ".join(c.topics))}{video}</div>'
            f'<div class="rl-title">{escape(title)}</div>{badges}{product}'
            f'<div class="rl-author">by {escape(c.author)} ({escape(c.author_kind)})</div>'
            f'<div class="rl-counts">♥ {c.likes} · ★ {c.collects} · {c.comments} comments · '
            f"{c.reads} reads</div>"
            f'<div class="rl-did">{escape(did)}</div></div>'
        )
    return f'<div class="rl-feed">{"".join(cards)}</div>'


# ===================================================================== the running model


class Sim:
    """One model and what the panels compute once per model. Replaced on Reset.

    ``lock`` serialises stepping (from the Play thread) and reading (rendering).
    """

    def __init__(self, params: Params) -> None:
        self.params = params
        self.model = build_model(params.scenario, **params.overrides())
        self.lock = threading.RLock()
        self.network = NetworkSample.of(self.model, seed=params.seed)
        self.pages = PageFinder(self.model.platform.log)
        self.feed_users = feed_users(self.model, seed=params.seed)

    @property
    def day(self) -> int:
        """Simulated days completed."""
        return self.model.day

    @property
    def play_until(self) -> int:
        """Where Play stops: the end of the scenario's run, or of the next run-length lap
        once past it (so a forgotten tab does not simulate forever)."""
        days = self.model.scenario_config.days
        return (self.day // days + 1) * days

    def step_day(self) -> None:
        with self.lock:
            self.model.run_days(1)


@dataclass(frozen=True)
class Snapshot:
    """Everything the panels show after a step, read under the model's lock."""

    day: int
    users: int
    params: Params
    latest: dict[str, Any]
    charts: list[ChartView]
    network: NetworkView
    brands: list[BrandRow]
    brand_chart: str
    explanation: list[str]


def metrics_columns(model: RedloopModel) -> dict[str, list[Any]]:
    frame = model.metrics()
    return {c: frame[c].tolist() for c in frame.columns}


def snapshot(sim: Sim) -> Snapshot:
    with sim.lock:
        model = sim.model
        m = metrics_columns(model)
        return Snapshot(
            day=model.day,
            users=len(model.people),
            params=sim.params,
            latest={k: v[-1] for k, v in m.items()} if m.get("day") else {},
            charts=charts(m),
            network=network_view(model, sim.network),
            brands=brand_rows(model),
            brand_chart=brand_chart(model),
            explanation=explain(model, m),
        )


def feed_snapshot(sim: Sim, uid: int | None) -> FeedView:
    with sim.lock:
        return feed_view(sim.model, sim.pages, uid)
