"""Brands: products with a hidden quality, a weekly budget and a marketing strategy.

Strategies: seed many small creators (KOCs), pay a few head KOLs, buy feed or
search ads, or cut prices. Each week the brand reviews sales against spend and adapts:
fixed strategies scale their budget with last week's ROI; ``adaptive`` moves budget towards
the tactic whose attributed revenue per yuan was best.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import mesa

from . import seeding
from .settings import BrandSettings

if TYPE_CHECKING:
    from .consumer import Consumer, Creator
    from .world import World

TACTICS = ("koc_seeding", "head_kols", "feed_ads", "search_ads", "discounts")
#: A brand's ad campaign spreads one week's budget over the week (paced, then it ends).
CAMPAIGN_HOURS = 24.0 * 7
#: Boost orders run a day each, within the platform's ¥75–¥7,500 an order.
BOOST_HOURS = 24.0
BOOST_MIN_FEE, BOOST_MAX_FEE = 75.0, 7_500.0


class Brand(mesa.Agent):
    model: World

    def __init__(
        self,
        model: World,
        uid: int,
        spec: BrandSettings,
        products: list[int],
        seeding_accounts: list[Consumer] | None = None,
    ) -> None:
        """``seeding_accounts``: with ``seeding_rule`` "accounts", the people to seed, in
        order (named in the scenario, resolved by the population builder)."""
        super().__init__(model)
        self.uid = uid
        self.spec = spec
        self.name = spec.name
        self.products = products
        self.weekly_budget = spec.budget
        self.spend = 0.0  # cumulative yuan
        self.spend_by_tactic = dict.fromkeys((*TACTICS, "boosts"), 0.0)
        self.boosts: list[int] = []
        self.weights = dict.fromkeys(TACTICS, 1.0 / len(TACTICS))
        self.campaigns: list[int] = []
        self._booked_campaigns = self._booked_boosts = 0  # ended ones already in the ledger
        self.sponsored_notes: list[int] = []
        self.discounted_until = -1.0
        self.last_review: dict[str, float] = {"revenue": 0.0, "spend": 0.0}
        self.history: list[dict[str, float]] = []
        self.seeded: list[int] = []  # accounts given a free sample, in order
        self._seeding_plan = seeding_accounts
        self.budgeted = 0.0  # cumulative: every weekly budget the brand had to spend
        #: One row per week a seeding tactic ran: budget, committed, left over, and why.
        self.ledger: list[dict[str, object]] = []
        self.why_unspent: Counter[str] = Counter()  # reasons so far, with counts
        #: Seeding budget a week could not commit (fees come in lumps): spent the next week.
        self.carried = dict.fromkeys(TACTICS, 0.0)

    # ------------------------------------------------------------------ weekly cycle

    def week(self, now: float) -> None:
        """Review last week's results, then spend this week's budget (``boost_share`` of it
        on boosts of the brand's notes)."""
        self.review(now)
        self._book_paid_delivery(now)
        if self.weekly_budget > 0 and self.spec.strategy != "none" and self.products:
            self.budgeted += self.weekly_budget
        boosts = self.weekly_budget * self.spec.boost_share if self.spec.strategy != "none" else 0
        self.spend_budget(self.weekly_budget - boosts, self.spec.strategy, now)
        self.buy_boosts(boosts, now)

    def spend_budget(self, budget: float, strategy: str, now: float) -> None:
        if budget <= 0 or strategy == "none" or not self.products:
            return
        if strategy == "adaptive":
            for tactic in TACTICS:
                self.spend_budget(budget * self.weights[tactic], tactic, now)
            return
        {
            "koc_seeding": self.seed_creators,
            "head_kols": self.seed_creators,
            "feed_ads": self.buy_ads,
            "search_ads": self.buy_ads,
            "discounts": self.run_discount,
            "free_samples": self.send_samples,
        }[strategy](budget, strategy, now)

    def review(self, now: float) -> None:
        """Compare this week's revenue and spend; adapt budget or tactic weights."""
        m = self.model
        revenue = m.brand_revenue(self)
        spend = self.total_spend()
        week_rev = revenue - self.last_review["revenue"]
        week_spend = spend - self.last_review["spend"]
        roi = week_rev / week_spend if week_spend > 0 else float("nan")
        self.history.append({"time": now, "revenue": week_rev, "spend": week_spend, "roi": roi})
        self.last_review = {"revenue": revenue, "spend": spend}
        if self.spec.strategy == "adaptive":
            by_tactic = m.brand_revenue_by_tactic(self)
            spent = self.tactic_spend()
            scores = {t: (by_tactic.get(t, 0.0) + 1.0) / (spent[t] + 100.0) for t in TACTICS}
            total = sum(scores.values())
            # keep exploring: 20% spread evenly, 80% by observed return per yuan
            self.weights = {t: 0.2 / len(TACTICS) + 0.8 * s / total for t, s in scores.items()}
        elif week_spend > 0 and roi == roi:
            # Raising a budget the brand could not spend would only grow what stays unspent.
            spent_it = week_spend >= 0.9 * self.weekly_budget
            factor = 1.2 if roi > 2 and spent_it else 0.8 if roi < 1 else 1.0
            self.weekly_budget = min(
                self.spec.budget * 2, max(self.spec.budget * 0.25, self.weekly_budget * factor)
            )

    # ------------------------------------------------------------------ tactics

    def seed_creators(self, budget: float, tactic: str, now: float) -> None:
        """Offer creators in the product's topic their price for a sponsored note through the
        platform's marketplace, round after round, until the week's budget is committed or no
        eligible creator is left. What is left over (and why) goes in the ledger and is carried
        into the next week's budget for this tactic."""
        budget += self.carried[tactic]
        m = self.model
        p = m.platform
        cfg = p.config
        product = self.products[int(m.streams.brands.random() * len(self.products))]
        topic = m.catalogue.topic[product]
        head = tactic == "head_kols"
        pool = m.creators_for(topic, head=head)
        candidates = [c for c in pool if p.user(c.uid).followers >= cfg.collab_min_followers]
        why: Counter[str] = Counter()
        if not candidates:
            why[f"no eligible {'head KOL' if head else 'KOC'} in the marketplace"] += 1
        left = budget
        while candidates:
            still = []
            for creator in candidates:
                fee = round(max(creator.asking_fee(topic), cfg.collab_min_fee), 2)
                if fee * (1 + cfg.collab_commission) > left:
                    why["fee above budget"] += 1
                    continue
                cid = p.offer_collaboration(self.uid, creator.uid, product, fee, now=now)
                refusal = creator.answer(cid, now)
                if refusal:
                    why[f"declined: {refusal}"] += 1
                    continue
                booked = p.collaboration(cid)
                cost = booked.fee + booked.commission  # the platform's figures, to the cent
                left -= cost
                self.spend += cost
                self.spend_by_tactic[tactic] += cost
                when = now + 1 + int(m.streams.brands.random() * 48)  # posts within two days
                m.offline.later(when, self._commission, creator, cid, tactic)
                still.append(creator)
            candidates = still
        self.carried[tactic] = left
        self._book(now, tactic, budget, budget - left, why)

    def _commission(self, creator: Creator, collaboration: int, tactic: str, now: float) -> None:
        note = creator.deliver(collaboration, now)
        self.sponsored_notes.append(note)
        self.model.note_tactic[note] = tactic

    def _book(
        self, now: float, tactic: str, budget: float, committed: float, why: Counter[str]
    ) -> None:
        """One ledger row: ``budget`` for ``tactic`` this week, ``committed`` of it, and the
        reasons (with counts) that the rest stayed unspent."""
        unspent = max(0.0, budget - committed)
        if unspent < 0.01:
            why = Counter()
        self.why_unspent.update(why)
        self.ledger.append(
            {
                "week": int(now // (24 * 7)),
                "brand": self.name,
                "tactic": tactic,
                "budget": round(budget, 2),
                "committed": round(committed, 2),
                "unspent": round(unspent, 2),
                "why_unspent": describe(why),
            }
        )

    def _book_paid_delivery(self, now: float) -> None:
        """Ledger rows for the campaigns and boosts that have ended since the last week: they
        are charged per impression delivered, so what the audience could not absorb stays
        unspent, and the ledger says so."""
        p = self.model.platform
        for cid in self.campaigns[self._booked_campaigns :]:
            c = p.campaign(cid)
            if c.end is None or c.end > now:
                break
            why = Counter({"too few ad slots in its audience": 1}) if c.spent < c.budget else None
            self._book(c.end, self.model.campaign_tactic[cid], c.budget, c.spent, why or Counter())
            self._booked_campaigns += 1
        for bid in self.boosts[self._booked_boosts :]:
            b = p.boost(bid)
            if b.end > now:
                break
            short = b.delivered < b.bought
            why = Counter({"boost: too few matching users": 1}) if short else Counter()
            self._book(b.end, "boosts", b.fee, b.spent, why)
            self._booked_boosts += 1

    def buy_ads(self, budget: float, tactic: str, now: float) -> None:
        """Publish a brand note about a product and buy a week of feed or search impressions
        for it: a campaign paced over the week, bidding the brand's CPM in the slot auction."""
        m = self.model
        product = self.products[int(m.streams.brands.random() * len(self.products))]
        note = m.publish_about(
            self, product, now=now, kind=m.notes.SPONSORED, valence=0.6, sponsor=self.uid
        )
        m.note_tactic[note] = tactic
        placement = "feed" if tactic == "feed_ads" else "search"
        cid = m.platform.create_campaign(
            self.uid,
            note,
            budget,
            now=now,
            placement=placement,
            cpm=self.spec.ad_cpm,
            hours=CAMPAIGN_HOURS,
        )
        self.campaigns.append(cid)
        m.campaign_tactic[cid] = tactic

    def buy_boosts(self, budget: float, now: float) -> None:
        """Boost the brand's newest sponsored notes, one day-long order each (a new brand note
        if it has none yet), until the budget is used. Like ads, boosts count as spend what
        their delivered impressions cost (the platform refunds the rest)."""
        m = self.model
        notes = self.sponsored_notes[::-1]
        while budget >= BOOST_MIN_FEE:
            if notes:
                note = notes.pop(0)
            else:
                product = self.products[int(m.streams.brands.random() * len(self.products))]
                note = m.publish_about(
                    self, product, now=now, kind=m.notes.SPONSORED, valence=0.6, sponsor=self.uid
                )
                m.note_tactic[note] = "boosts"
            fee = min(BOOST_MAX_FEE, budget)
            boost = m.platform.create_boost(self.uid, note, fee, now=now, hours=BOOST_HOURS)
            self.boosts.append(boost)
            budget -= fee

    def run_discount(self, budget: float, tactic: str, now: float) -> None:
        """Cut prices for a week; the spend is the margin given away (estimated up front)."""
        if now < self.discounted_until:
            return
        self.discounted_until = now + 24 * 7
        self.discount(self.spec.discount, now)
        self.model.offline.later(self.discounted_until, self.discount, 0.0)
        self.spend += budget
        self.spend_by_tactic[tactic] += budget

    def discount(self, fraction: float, now: float) -> None:
        """Price every product ``fraction`` below its list price (0 restores list prices)."""
        m = self.model
        for product in self.products:
            m.set_price(self, product, m.catalogue.base_price[product] * (1 - fraction), now)

    def send_samples(self, budget: float, tactic: str, now: float) -> None:
        """Give one free unit of the brand's first product to each account of the seeding
        plan (``spec.seeds`` accounts by ``spec.seeding_rule``, consumers or creators), as far
        as the budget goes at list price; a later week continues the plan."""
        m = self.model
        product = self.products[0]
        price = m.catalogue.base_price[product]
        plan = self.seeding_plan()
        todo = plan[len(self.seeded) : len(self.seeded) + int(budget // price)]
        for person in todo:
            if m.send_sample(self, product, person, now) is None:
                return
            self.seeded.append(person.uid)
            self.spend += price
            self.spend_by_tactic[tactic] = self.spend_by_tactic.get(tactic, 0.0) + price

    def seeding_plan(self) -> list[Consumer]:
        """The accounts to seed, in order, chosen once (on the follower graph of that day)."""
        if self._seeding_plan is None:
            self._seeding_plan = choose_seeds(self.model, self.spec)
        return self._seeding_plan

    # ------------------------------------------------------------------ accounting

    def tactic_spend(self) -> dict[str, float]:
        """Spend per tactic: fees and discounts committed, ads and boosts as actually charged."""
        spent = dict(self.spend_by_tactic)
        for cid in self.campaigns:
            spent[self.model.campaign_tactic[cid]] += self.model.platform.campaign(cid).spent
        spent["boosts"] += sum(self.model.platform.boost(b).spent for b in self.boosts)
        return spent

    def total_spend(self) -> float:
        return sum(self.tactic_spend().values())


def follower_graph(model: World) -> Any:
    """Today's follower graph over ``model.people`` indices, for :mod:`redloop.agents.seeding`:
    ``[u, v] = 1`` when ``v`` follows ``u`` (and so sees ``u``'s notes)."""
    index = {a.uid: i for i, a in enumerate(model.people)}
    sources: list[int] = []
    targets: list[int] = []
    for i, person in enumerate(model.people):
        fans = [index[f] for f in model.platform.followers(person.uid) if f in index]
        sources += [i] * len(fans)
        targets += fans
    return seeding.influence_graph(len(model.people), sources, targets)


def choose_seeds(model: World, spec: BrandSettings) -> list[Consumer]:
    """``spec.seeds`` people by ``spec.seeding_rule`` over the follower graph (randomness from
    the model's generator)."""
    picked = seeding.choose(
        spec.seeding_rule,
        follower_graph(model),
        spec.seeds,
        model.streams.brands.rng,
        p=spec.seeding_cascade_p,
        samples=spec.seeding_mc_samples,
    )
    return [model.people[i] for i in picked]


def describe(why: Counter[str]) -> str:
    """Reasons with counts, most frequent first: ``declined: capacity ×6; fee above budget ×2``."""
    return "; ".join(f"{reason} ×{n}" for reason, n in why.most_common())
