"""Consumers and creators: they browse, open cards, engage, build purchase intent and buy.

Agents act only through the platform facade (``model.platform``), exactly as an HTTP client
would. What they *know* beyond the platform is what a person knows: their own tastes, budget
and purchases, and what they perceive of a note when they open it (its appeal, its verdict on
the products it tags), which the world model keeps in ``model.notes``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import mesa

from redloop.platform.api import TOPICS, Channel, OutOfStock

from . import decisions
from .steps import Steps, run_inline
from .wants import KEPT

if TYPE_CHECKING:
    from .world import World

DISCOVERY, FOLLOWING, SEARCH, AD, DIRECT, SHARED = (int(c) for c in Channel)
#: How much more a creator asks for a product outside their topics.
OFF_TOPIC_PREMIUM = 1.5
#: Results a search asks for.
SEARCH_CARDS = 10
COMMENTS = ("love this", "where did you buy it?", "saved!", "so helpful", "trying this")


def _column(name: str, doc: str) -> property:
    """A trait read from and written to the person's row of the crowd's column ``name``."""
    column = attrgetter(name)

    def get(self: Consumer) -> Any:
        return column(self.columns).item(self.row)

    def put(self: Consumer, value: Any) -> None:
        column(self.columns)[self.row] = value

    return property(get, put, doc=doc)


class Consumer(mesa.Agent):
    """A community member. Most lurk; a few post (the 90-9-1 pattern).

    A view onto row ``row`` of the crowd's columns (``model.columns``, a
    :class:`~.people.People`): its traits and state are read from and written to them."""

    model: World

    def __init__(
        self,
        model: World,
        uid: int,
        interests: int,
        budget: float,
        price_sensitivity: float,
        susceptibility: float,
        trust: float,
        posts_per_day: float,
    ) -> None:
        """A new person: a row appended to ``model.columns`` with these traits."""
        rows = model.columns.extend(
            uid=uid,
            creator=isinstance(self, Creator),
            interests=interests,
            budget=budget,
            price_sensitivity=price_sensitivity,
            susceptibility=susceptibility,
            trust=trust,
            posts_per_day=posts_per_day,
        )
        self._view(model, rows.start)

    @classmethod
    def of_row(cls, model: World, row: int) -> Consumer:
        """The view onto an existing row (the population is built as columns first)."""
        person = cls.__new__(cls)
        person._view(model, row)
        return person

    def _view(self, model: World, row: int) -> None:
        super().__init__(model)
        self.columns = model.columns
        self.row = row
        self.uid = int(self.columns.uid[row])  # the platform account id; never changes

    interests = _column("interests", "topic bitmask")
    budget = _column("budget", "monthly")
    spent = _column("spent", "spent this month")
    price_sensitivity = _column("price_sensitivity", "")
    susceptibility = _column("susceptibility", "to word of mouth")
    trust = _column("trust", "weight of sponsored notes")
    posts_per_day = _column("posts_per_day", "")
    skill = _column("skill", "how appealing their notes are")
    adopted = _column("adopted", "bought at least once")

    @property
    def inbox_seen(self) -> int | None:
        """The last share id read from "shared with you" (None: none yet)."""
        seen = self.columns.inbox_seen.item(self.row)
        return None if seen < 0 else seen

    @inbox_seen.setter
    def inbox_seen(self, share: int | None) -> None:
        self.columns.inbox_seen[self.row] = -1 if share is None else share

    def wanted(self) -> list[int]:
        """The products this person wants, in the order they came to want them (intent
        fades with a half-life: :meth:`intent`)."""
        return self.columns.wants.products(self.row)

    def got(self, product: int) -> None:
        """Has ``product`` (bought, or sent a sample): no longer wanted, and word of mouth
        won't make them want it again."""
        self.columns.wants.got(self.row, product)

    # ------------------------------------------------------------------ sessions
    #
    # Behaviour that talks to the platform is written as generators: every platform call is
    # ``result = yield platform.op(...)``. In-process the call has already happened and
    # :func:`run_inline` sends its result straight back; the load generator instead gets an
    # awaitable from its HTTP client, awaits it and sends the response back. One behaviour
    # model, two transports.

    def session(self, now: float) -> None:
        """One visit, against the in-process platform."""
        run_inline(self.visit(now))

    def visit(self, now: float) -> Steps:
        """One visit: pick a channel, view a page, open cards, engage, maybe buy."""
        m = self.model
        p = m.platform
        yield from self.read_inbox(now)
        r = m.streams.decisions.random()
        w = m.channel_weights
        cards: list[int] | tuple[int, ...] = ()
        likes: tuple[int, ...] = ()
        ad_slot = -1
        channel = DISCOVERY
        if self.searches(r, now):
            cards, channel = (yield from self.search_wants(now)), SEARCH
        elif r < w[1] + w[2]:
            cards, channel = (yield p.following_feed(self.uid, now=now, limit=10)), FOLLOWING
        if not cards:  # the discovery feed, also when following shows nothing yet
            page = yield p.discovery_feed(self.uid, now=now)
            cards, channel, likes = page.notes, DISCOVERY, page.likes
            m.tally.discovery_pages += 1
            m.tally.short_pages += len(cards) < m.page_size
            ad_slot = page.ad_slots[0] if page.ad_slots else -1
        m.tally.sessions += 1
        if cards:
            m.notes.cover(max(cards))
            yield from self.browse(cards, channel, ad_slot, likes, now)
        if self.columns.wants.any(self.row):
            yield from self.consider_buying(now)

    def searches(self, r: float, now: float) -> bool:
        """Whether a visit whose channel draw is ``r`` goes to search: the search channel's
        weight grows with the strongest purchase intent. Intent only fades, so the stored
        values bound it: they are faded only if they could win."""
        held = self.columns.wants.held(self.row)
        w, weight = self.model.channel_weights[2], decisions.search_weight
        return (
            bool(held)
            and r < weight(w, max(value for _, value, _ in held))
            and r < weight(w, max(faded for _, faded in self._intents(held, now)))
        )

    def browse(
        self,
        cards: Sequence[int],
        channel: int,
        ad_slot: int,
        likes: Sequence[int],
        now: float,
    ) -> Steps:
        """Look down the page row by row (two cards a row in the two-column feeds, one in the
        following feed), going on to the next row with ``scroll_on``: a card lower on the
        page is examined less often (the cascade model of Craswell et al. 2008). An examined
        card is opened with its chance (:func:`.decisions.open_chance`: its cover's appeal, less
        outside one's interests, times its social proof where cards show like counts)."""
        m = self.model
        b, rand = m.behaviour, m.streams.decisions.random
        open_rate, off_interest, interests = b.open_rate, b.off_interest, self.interests
        cover_of, topics_of = m.notes.cover_appeal, m.notes.topics
        open_chance = decisions.open_chance
        proof = decisions.social_proof(likes, b.social_proof) if likes and b.social_proof else ()
        goes_on = decisions.row_starts(len(cards), 1 if channel == FOLLOWING else 2)
        scroll_on = b.scroll_on
        for slot, n in enumerate(cards):
            if goes_on[slot] and rand() >= scroll_on:
                break  # stopped scrolling: the cards below were served but never looked at
            shown = proof[slot] if proof else 1.0
            chance = open_chance(
                cover_of[n], topics_of[n] & interests, shown, open_rate, off_interest
            )
            if rand() < chance:
                yield from self.open_note(n, AD if slot == ad_slot else channel, now)

    def read_inbox(self, now: float) -> Steps:
        """Notes friends shared since the last visit: each opened with ``share_open_rate``
        times its cover's appeal (a message from a friend, not a card among many), read through the
        ``shared`` channel, and maybe reshared onwards."""
        m = self.model
        items = yield m.platform.shared_with(self.uid, after=self.inbox_seen)
        if not items:
            return
        self.inbox_seen = items[-1].share
        notes, rand, b, interests = m.notes, m.streams.decisions.random, m.behaviour, self.interests
        for item in items:
            note = item.note
            on_topic = notes.topics[note] & interests
            chance = decisions.open_chance(
                notes.cover_appeal[note], on_topic, 1.0, b.share_open_rate, b.off_interest
            )
            if rand() < chance:
                yield from self.open_note(note, SHARED, now, via_share=item.share)

    def search_wants(self, now: float) -> Generator[Any, Any, list[int]]:
        """Search for the product one wants most; view its page if it is found in stock.
        Returns the notes the search found."""
        m = self.model
        product = self.most_wanted(now)
        result = yield m.platform.search(
            self.uid, m.catalogue.name[product], now=now, limit=SEARCH_CARDS
        )
        if self.views_found(product, result.products):
            yield m.platform.view_product(self.uid, product, now=now, channel=SEARCH)
        return list(result.notes)

    def most_wanted(self, now: float) -> int:
        """The product a search is for: the one wanted most now (the lowest id on a tie)."""
        held = self.columns.wants.held(self.row)
        return max(self._intents(held, now), key=lambda pi: (pi[1], -pi[0]))[0]

    def views_found(self, product: int, found: Sequence[int]) -> bool:
        """Whether a search for ``product`` that found the products ``found`` goes on to its
        page: when it is among them and believed in stock."""
        return product in found and bool(self.model.catalogue.stock_hint[product])

    def open_note(self, note: int, channel: int, now: float, via_share: int = -1) -> Steps:
        """Read a note, react to it (:func:`.decisions.engage_chances`), and let it move
        purchase intent for what it tags. ``via_share``: the share it came by (a share of it
        is then a reshare)."""
        m = self.model
        p, b, rand = m.platform, m.behaviour, m.streams.decisions.random
        notes, trust = m.notes, self.trust
        yield p.read(self.uid, note, now=now, channel=channel)
        m.tally.reads += 1
        sponsored = notes.kind[note] == notes.SPONSORED
        on_topic = notes.topics[note] & self.interests
        felt = decisions.warmth(notes.appeal[note], on_topic, sponsored, trust, b.off_interest)
        share_rate = b.share_rate if via_share < 0 else b.reshare_rate
        rates = (b.like_rate, b.collect_rate, b.comment_rate, share_rate, b.follow_rate)
        like, collect, comment, share, follow = decisions.engage_chances(
            felt, notes.author_pull[note], rates
        )
        if rand() < like:
            yield p.like(self.uid, note, now=now)
        if rand() < collect:
            yield p.collect(self.uid, note, now=now)
        if rand() < comment:
            yield p.comment(self.uid, note, COMMENTS[int(rand() * len(COMMENTS))], now=now)
        if rand() < share:
            yield from self.share(note, now, via_share)
        author = self.author_to_follow(note)
        if author >= 0 and rand() < follow:
            yield p.follow(self.uid, author, now=now, via_note=note)
        self.hear_from(note, now)

    def author_to_follow(self, note: int) -> int:
        """The author a reader of ``note`` may follow: its author, unless that is nobody
        (-1: a note of the platform's own) or the reader."""
        author = self.model.notes.author[note]
        return author if author != self.uid else -1

    def hear_from(self, note: int, now: float) -> None:
        """What a read note says of the product it tags moves intent for it (a sponsored
        note's verdict weighted by the reader's trust)."""
        notes = self.model.notes
        product = notes.product[note]
        if product >= 0:
            sponsored = notes.kind[note] == notes.SPONSORED
            self.hear(product, notes.valence[note] * (self.trust if sponsored else 1.0), now)

    def share(self, note: int, now: float, parent: int = -1) -> Steps:
        """Share in the app with followers interested in the note, or (by choice, or when
        none is) send its link to a messaging app, which may bring outside visitors."""
        m = self.model
        p, b = m.platform, m.behaviour
        par = parent if parent >= 0 else None
        if m.streams.decisions.random() >= b.share_outside_share:
            followers = yield p.followers(self.uid)
            to = m.growth.recipients(followers, m.notes.topics[note], b.share_recipients)
            if to:
                yield p.deliver_share(self.uid, note, to, now=now, parent=par)
                return
        share = yield p.share_outside(self.uid, note, now=now, parent=par)
        m.growth.outside_visits(share, self.uid, now)

    # ------------------------------------------------------------------ intent & buying

    def intent(self, product: int, now: float) -> float:
        """The purchase intent for ``product`` at ``now`` (0 if not wanted): as last set by
        word of mouth, halved every ``intent_half_life_hours`` since."""
        held = self.columns.wants.get(self.row, product)
        if held is None:
            return 0.0
        return decisions.faded(*held, now, self.model.intent_half_life_hours)

    def _intents(self, held: list[tuple[int, float, float]], now: float) -> list[tuple[int, float]]:
        """(product, intent at ``now``) of each of ``held`` (:meth:`.wants.Wants.held`)."""
        half_life, faded = self.model.intent_half_life_hours, decisions.faded
        return [(p, faded(value, since, now, half_life)) for p, value, since in held]

    def hear(self, product: int, valence: float, now: float) -> None:
        """Word of mouth about a product: positive raises intent, negative lowers it (a want
        left at ``KEPT`` or less ends); nothing for a product one has."""
        wants, row = self.columns.wants, self.row
        if wants.has(row, product):
            return
        value = self.intent(product, now)
        value += self.model.behaviour.intent_gain * self.susceptibility * valence
        if value > KEPT:
            wants.set(row, product, value, now)
        else:
            wants.drop(row, product)

    def consider_buying(self, now: float) -> Steps:
        """Each wanted product in turn (in the order it came to be wanted): forgotten once
        its intent has faded, else bought with :func:`.decisions.buy_chance` if the
        budget and the stock allow (the batched engine walks an hour's visits alike with
        :func:`.decisions.buying`)."""
        m = self.model
        cat = m.catalogue
        beta = m.behaviour.buy_beta
        budget, sensitivity, spent = self.budget, self.price_sensitivity, self.spent
        for product in self.wanted():
            intent = self.intent(product, now)
            if intent < decisions.FORGOTTEN:
                self.columns.wants.drop(self.row, product)
                continue
            price = cat.price[product]
            left = budget - spent
            if not decisions.may_buy(price, left, cat.stock_hint[product]):
                continue
            proof = yield from m.social_proof(product, now)  # reviews read before buying
            chance = decisions.buy_chance(intent, price, left, sensitivity, proof, beta)
            if m.streams.decisions.random() < chance:
                yield from self.buy(product, now)
                spent = self.spent

    def buy(self, product: int, now: float) -> Generator[Any, Any, int | None]:
        """Order one unit, pay, and hand the order to the offline world."""
        m = self.model
        p = m.platform
        try:
            order = yield p.place_order(self.uid, product, 1, now=now)
        except OutOfStock:
            m.catalogue.stock_hint[product] = 0
            return None
        yield p.pay(self.uid, order, now=now)
        m.record_order((yield p.order(order)))
        self.spent += m.catalogue.price[product]
        self.got(product)
        if not self.adopted:
            self.adopted = True
            m.adopters += 1
        if m.offline is not None:
            m.offline.start_order(order, self, product)
        return order

    # ------------------------------------------------------------------ posting

    def post(self, now: float) -> None:
        """Publish a note (scheduled by the offline world, in-process)."""
        run_inline(self.compose(now))

    def compose(self, now: float) -> Generator[Any, Any, int]:
        """Share an everyday experience in one of their topics (no product tag)."""
        m = self.model
        topics = [TOPICS[t] for t in range(len(TOPICS)) if self.interests >> t & 1] or ["food"]
        topic = topics[int(m.streams.decisions.random() * len(topics))]
        return (yield from m.publish(self, [topic], now=now, kind=m.notes.ORGANIC))

    def review(self, order: int, product: int, satisfaction: float, now: float) -> Steps:
        """After using the product: rate it, and maybe post a review note that tags it
        (behaviour steps, driven by the offline world)."""
        m = self.model
        rating = max(1, min(5, round(3 + 4 * satisfaction)))
        if not m.sharing_enabled:  # post-purchase sharing off: the experience stays offline
            return
        note = None
        b = m.behaviour
        if m.streams.decisions.random() < b.review_post_rate * self.review_drive(rating):
            topic = TOPICS[m.catalogue.topic[product]]
            note = yield from m.publish(
                self,
                [topic],
                now=now,
                kind=m.notes.REVIEW,
                product=product,
                valence=(rating - 3) / 2,
                source_order=order,
            )
        yield m.platform.review(self.uid, order, rating, now=now, note=note)

    def review_drive(self, rating: int) -> float:
        """Strong experiences are shared more; posters share more than lurkers."""
        poster = 1.5 if self.posts_per_day > 0 else 0.7
        return poster * (0.5 + 0.25 * abs(rating - 3))


class Creator(Consumer):
    """A creator: posts often, gains followers, takes paid collaborations (sponsored notes)."""

    def asking_fee(self, topic: int | None = None) -> float:
        """Hundreds of yuan for a typical creator, tens of thousands for a head KOL:
        the floor scaled by reach relative to the median creator (practitioner rate cards,
        e.g. ¥50–150 for amateurs to ¥5,000+ at 50k+ followers). A product outside the
        creator's topics (``topic``) costs ``OFF_TOPIC_PREMIUM`` more: it risks their
        audience's trust (a modelling assumption, not a measured figure)."""
        m = self.model
        settings = m.creator_settings
        reach = max(1.0, m.platform.user(self.uid).followers / m.median_creator_followers)
        fee = settings.fee_floor * reach**settings.fee_elasticity
        off_topic = topic is not None and not self.interests >> topic & 1
        return fee * OFF_TOPIC_PREMIUM if off_topic else fee

    def tier(self) -> str:
        return "head_kol" if self.uid in self.model.head_kols else "koc"

    def compose(self, now: float) -> Generator[Any, Any, int]:
        """Creators sometimes recommend a product in their topic, unpaid, on its merit."""
        m = self.model
        if m.streams.decisions.random() < m.creator_settings.product_posts:
            product = m.catalogue.pick_in_topics(self.interests, m.streams.decisions)
            if product >= 0:
                quality = m.catalogue.quality[product]
                topic = TOPICS[m.catalogue.topic[product]]
                return (
                    yield from m.publish(
                        self,
                        [topic],
                        now=now,
                        kind=m.notes.ORGANIC,
                        product=product,
                        valence=2 * quality - 1,
                    )
                )
        return (yield from super().compose(now))

    def answer(self, collaboration: int, now: float) -> str:
        """Accept a marketplace offer, or decline it and say why (returned; '' if accepted):
        the week is full (the marketplace's capacity), or the fee is below their price for
        this product (topic fit included)."""
        p = self.model.platform
        offer = p.collaboration(collaboration)
        if p.collab_accepted_this_week(self.uid, now=now) >= p.config.collab_weekly_capacity:
            reason = "capacity"
        elif offer.fee < round(self.asking_fee(self.model.catalogue.topic[offer.product]), 2):
            reason = "fee below price"
        else:
            p.accept_collaboration(self.uid, collaboration, now=now)
            return ""
        p.decline_collaboration(self.uid, collaboration, now=now, reason=reason)
        return reason

    def deliver(self, collaboration: int, now: float) -> int:
        """Publish the sponsored note an accepted collaboration pays for."""
        m = self.model
        product = m.platform.collaboration(collaboration).product
        return m.publish_about(
            self,
            product,
            now=now,
            kind=m.notes.SPONSORED,
            valence=0.8,
            collaboration=collaboration,
        )
