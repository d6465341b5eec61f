"""The feed inspector: one user's last discovery page as cards, and what they did with it.

Each card names its note (the note's own title, else what it is: "Skincare video"), who or
what placed it on the page (the recommender, the ad slot's auction or a paid boost), and its
labels. "Editors' pick" appears only when an editor's pick is what placed the note: the
``manual`` recommender serves the picks; any other recommender ranks notes its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from redloop.sim import RedloopModel

from .feed import PageFinder, ServedPage, latest_page

#: The recommender that serves the editors' picks.
EDITORS_RECOMMENDER = "manual"
#: What the markers on a card mean, shown above the cards.
LEGEND = (
    ("▶", "a video note (the rest are image notes)"),
    ("♥ ★", "likes and collects"),
    ("red border", "this user opened the card; faded cards were scrolled past"),
)


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
    labels: tuple[str, ...]  # "Ad", "Promoted", "Sponsored by X", "Review", "Editors' pick"
    product: str
    opened: bool
    actions: tuple[str, ...]
    placed_by: str  # "the ces_pools recommender", "the ad slot (auction)", "a paid boost"


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


def _title(own: str, review: bool, product: str, topics: tuple[str, ...], fmt: str) -> str:
    """The note's title, or what it is when its author gave none."""
    if own:
        return own
    if review and product:
        return f"Review of {product}"
    what = "video" if fmt == "video" else "post"
    return f"{(topics[0] if topics else 'a').capitalize()} {what}"


def _name(platform: object, uid: int | None) -> str:
    return "" if uid is None else platform.user(uid).name  # type: ignore[attr-defined]


def feed_view(
    model: RedloopModel, pages: PageFinder, uid: int | None, end: int | None = None
) -> FeedView:
    """``uid``'s last discovery page before event ``end``, each card with what they did.

    ``uid=None`` picks the most recent visitor: whoever was last served a fairly full page.
    """
    platform = model.platform
    if uid is None:
        page = latest_page(pages.log, min_cards=max(1, platform.config.page_size // 2), end=end)
        if page is None:
            return FeedView(-1, "nobody yet", None, (), ())
        uid = page.user
    else:
        page = pages.last_page(uid, end)
    if page is None:
        return FeedView(uid, user_label(model, uid), None, (), ())
    picks = set(platform.editors_picks()) if page.recommender == EDITORS_RECOMMENDER else set()
    review = model.notes.REVIEW
    cards = []
    for card in page.cards:
        note = platform.note(card.note)
        author = platform.user(note.author)
        is_review = card.note < len(model.notes) and model.notes.kind[card.note] == review
        product = ", ".join(platform.product(p).name for p in note.products)
        placed_by = (
            "the ad slot (auction)"
            if card.is_ad
            else "a paid boost"
            if card.is_promoted
            else f"the {page.recommender} recommender"
        )
        labels = [
            label
            for label, shown in (
                ("Ad", card.is_ad),
                ("Promoted", card.is_promoted),
                (f"Sponsored by {_name(platform, note.sponsor)}", note.sponsor is not None),
                ("Review", is_review),
                ("Editors' pick", card.note in picks and not (card.is_ad or card.is_promoted)),
            )
            if shown
        ]
        cards.append(
            CardView(
                note=card.note,
                slot=card.slot,
                title=_title(note.title, is_review, product, note.topics, note.format),
                topics=note.topics,
                author=author.name,
                author_kind="head KOL" if note.author in model.head_kols else author.kind,
                format=note.format,
                likes=note.likes,
                collects=note.collects,
                comments=note.comments,
                reads=note.reads,
                labels=tuple(labels),
                product=product,
                opened=card.opened,
                actions=card.actions,
                placed_by=placed_by,
            )
        )
    orders = tuple(platform.product(p).name for p in page.orders)
    return FeedView(uid, user_label(model, uid), page, tuple(cards), orders)


def legend_html() -> str:
    items = "".join(f"<span><b>{escape(m)}</b> {escape(t)}</span>" for m, t in LEGEND)
    return f'<div class="rl-markers">{items}</div>'


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
        video = ' <span title="video note">▶</span>' if c.format == "video" else ""
        product = f'<div class="rl-product">tags {escape(c.product)}</div>' if c.product else ""
        cards.append(
            f'<div class="rl-card{" rl-opened" if c.opened else ""}" data-note="{c.note}">'
            f'<div class="rl-topics">{escape(" · ".join(c.topics))}{video}</div>'
            f'<div class="rl-title">{escape(c.title)}</div>{badges}{product}'
            f'<div class="rl-author">by {escape(c.author)} ({escape(c.author_kind)})</div>'
            f'<div class="rl-placed">placed by {escape(c.placed_by)}</div>'
            f'<div class="rl-counts">♥ {c.likes} · ★ {c.collects} · {c.comments} comments · '
            f"{c.reads} reads</div>"
            f'<div class="rl-did">{escape(did)}</div></div>'
        )
    return f'{legend_html()}<div class="rl-feed">{"".join(cards)}</div>'
