"""Shares that reach people: deliveries to followers, outside links, sign-ups, cascades.

Shared fixture ids: users ann=0, bo=1 (consumers), cy=2 (creator), glowco=3 (brand),
editor=4 (staff); product 0 = Glow Serum (stock 5) by glowco.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redloop.platform.api import (
    Cascade,
    Conflict,
    EventKind,
    Forbidden,
    InvalidInput,
    NotFound,
    Platform,
    SharedItem,
)
from redloop.platform.client import AsyncClient, TokenBook
from redloop.platform.http import create_app
from redloop.platform.shares import cascade_table, tree_figures

from ..people import ANN, BO, CY, EDITOR, GLOWCO, SERUM


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def note(platform: Platform) -> int:
    """A note by cy tagging the serum; ann and bo follow cy, and bo follows ann."""
    platform.follow(ANN, CY, now=0)
    platform.follow(BO, CY, now=0)
    platform.follow(BO, ANN, now=0)
    return platform.publish(CY, ["skincare"], now=1, products=[SERUM])


# ---------------------------------------------------------------- deliveries and the inbox


def test_a_delivered_share_reaches_only_its_recipients(platform: Platform, note: int) -> None:
    sid = platform.deliver_share(CY, note, [ANN, BO], now=2)
    item = SharedItem(share=sid, note=note, sharer=CY, time=2.0)
    assert platform.shared_with(ANN) == platform.shared_with(BO) == (item,)
    assert platform.shared_with(CY) == ()
    assert platform.note(note).shares == 1
    assert platform.log[len(platform.log) - 1].kind is EventKind.SHARE_DELIVERED
    assert platform.following_feed(ANN, now=2) == [note]  # its return type is unchanged


def test_the_inbox_pages_by_the_last_share_seen(platform: Platform, note: int) -> None:
    first = platform.deliver_share(CY, note, [BO], now=2)
    second = platform.deliver_share(ANN, note, [BO], now=3, parent=first)
    assert [i.share for i in platform.shared_with(BO)] == [first, second]
    assert [i.share for i in platform.shared_with(BO, after=first)] == [second]
    assert platform.shared_with(BO, after=second) == ()
    assert [i.share for i in platform.shared_with(BO, limit=1)] == [first]


def test_reading_a_delivered_share_attributes_the_order_to_it(
    platform: Platform, note: int
) -> None:
    platform.deliver_share(CY, note, [ANN], now=2)
    platform.read(ANN, note, now=3, channel="shared")
    order = platform.order(platform.place_order(ANN, SERUM, now=4))
    assert (order.channel, order.note) == ("shared", note)


def test_a_share_to_a_non_follower_is_refused_and_changes_nothing(
    platform: Platform, note: int, reject: Any
) -> None:
    err = reject(platform, Forbidden, "to", platform.deliver_share, CY, note, [ANN, GLOWCO], now=2)
    assert err.value == GLOWCO and str(GLOWCO) in err.message
    assert platform.shared_with(ANN) == ()


def test_share_validation(platform: Platform, note: int, reject: Any) -> None:
    other = platform.publish(CY, ["beauty"], now=1)
    parent = platform.deliver_share(CY, other, [ANN], now=1)
    cap = platform.config.max_share_recipients
    reject(platform, InvalidInput, "to", platform.deliver_share, ANN, note, [ANN], now=2)
    reject(platform, InvalidInput, "to", platform.deliver_share, CY, note, [], now=2)
    reject(platform, InvalidInput, "to", platform.deliver_share, CY, note, "01", now=2)
    reject(platform, NotFound, "to", platform.deliver_share, CY, note, [99], now=2)
    reject(platform, InvalidInput, "to", platform.deliver_share, CY, note, range(cap + 1), now=2)
    reject(platform, InvalidInput, "parent", platform.deliver_share, CY, note, [ANN], now=2,
           parent=parent)  # fmt: skip
    reject(platform, NotFound, "parent", platform.share_outside, CY, note, now=2, parent=7)
    reject(platform, NotFound, "note", platform.share_outside, CY, 99, now=2)
    reject(platform, InvalidInput, "now", platform.deliver_share, CY, note, [ANN], now=0)


# ---------------------------------------------------------------- outside links and sign-ups


def test_outside_visitors_sign_up_and_their_orders_count_for_the_share(
    platform: Platform, note: int, reject: Any
) -> None:
    sid = platform.share_outside(ANN, note, now=2)
    reject(platform, Conflict, "share", platform.sign_up_via_share, sid, "dee", now=2)
    platform.share_visited(sid, 2, now=3)
    dee = platform.sign_up_via_share(sid, "dee", ["skincare"], now=4)
    assert platform.user(dee).kind == "consumer" and platform.joined_via_share(dee) == sid
    assert platform.joined_via_share(ANN) is None
    view = platform.share_info(sid)
    assert (view.outside, view.visitors, view.signups, view.recipients) == (True, 2, 1, ())
    order = platform.order(platform.place_order(dee, SERUM, now=5))
    assert (order.channel, order.note) == ("shared", note)


def test_a_delivered_share_has_no_outside_link(platform: Platform, note: int, reject: Any) -> None:
    sid = platform.deliver_share(CY, note, [ANN], now=2)
    reject(platform, InvalidInput, "share", platform.share_visited, sid, 1, now=3)
    reject(platform, InvalidInput, "share", platform.sign_up_via_share, sid, "dee", now=3)
    outside = platform.share_outside(CY, note, now=3)
    reject(platform, InvalidInput, "visitors", platform.share_visited, outside, 0, now=3)
    platform.share_visited(outside, 1, now=3)
    reject(platform, InvalidInput, "name", platform.sign_up_via_share, outside, "ann", now=3)


# ---------------------------------------------------------------- cascades


def star_and_chain(platform: Platform, note: int, n: int) -> tuple[int, int]:
    """n followers of cy: a star (cy shares with each) and a chain (each reshares to the next)."""
    fans = [platform.create_user(f"fan{i}", now=1) for i in range(n)]
    for i, fan in enumerate(fans):
        platform.follow(fan, CY, now=1)
        if i:
            platform.follow(fan, fans[i - 1], now=1)
    star = note
    for fan in fans:
        platform.deliver_share(CY, star, [fan], now=2)
    chain = platform.publish(CY, ["skincare"], now=2)
    parent = platform.deliver_share(CY, chain, [fans[0]], now=2)
    for i in range(n - 1):
        parent = platform.deliver_share(fans[i], chain, [fans[i + 1]], now=3, parent=parent)
    return star, chain


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_virality_of_a_star_and_a_chain_equals_the_formula(
    platform: Platform, note: int, n: int
) -> None:
    """A note with n shares is a tree of m = n + 1 nodes: mean distance 2(m-1)/m for a star,
    (m+1)/3 for a chain (Goel et al. 2016)."""
    star, chain = star_and_chain(platform, note, n)
    m = n + 1
    s, c = platform.cascade(star), platform.cascade(chain)
    assert (s.size, s.depth) == (m, 1)
    assert s.virality == pytest.approx(2 * (m - 1) / m)
    assert (c.size, c.depth) == (m, n)
    assert c.virality == pytest.approx((m + 1) / 3)


def test_a_note_never_shared_is_a_tree_of_one(platform: Platform, note: int) -> None:
    assert platform.cascade(note) == Cascade(note, (), 1, 0, 0.0)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(st.lists(st.integers(0, 10**6), max_size=40))
def test_tree_figures_match_networkx_on_any_tree(picks: list[int]) -> None:
    """Random trees (node i hangs under one of the earlier nodes): the O(n) Wiener index over
    subtree sizes equals networkx's, and the depth its longest root path."""
    parents = [(pick % (i + 1)) - 1 for i, pick in enumerate(picks)]  # -1 = under the note
    ids = list(range(len(picks)))
    size, depth, virality = tree_figures(parents, ids)
    tree = nx.Graph()
    tree.add_node(-1)
    tree.add_edges_from((i, p) for i, p in enumerate(parents))
    assert size == tree.number_of_nodes()
    assert depth == max(nx.single_source_shortest_path_length(tree, -1).values())
    if size > 1:
        pairs = size * (size - 1) / 2
        assert virality == pytest.approx(nx.wiener_index(tree) / pairs)


def test_share_trees_rebuilt_from_sqlite_equal_the_live_ones(
    platform: Platform, note: int, tmp_path: Path
) -> None:
    path = tmp_path / "events.sqlite"
    platform.stream_log(path)
    star, chain = star_and_chain(platform, note, 4)
    outside = platform.share_outside(CY, chain, now=4, parent=platform.shares_of(chain)[-1])
    platform.share_visited(outside, 3, now=5)
    platform.sign_up_via_share(outside, "dee", now=5)
    platform.share(ANN, star, now=6)  # a plain share is a root node too
    platform.close_log()
    replayed = Platform.from_sqlite(path)
    assert replayed.fingerprint() == platform.fingerprint()
    for n in range(platform.n_notes):
        assert replayed.cascade(n) == platform.cascade(n)
    shares = replayed.tables()["shares"]
    table = cascade_table(shares["note"], shares["parent"], replayed.n_notes)
    for n in range(platform.n_notes):
        live = platform.cascade(n)
        got = (table["size"][n], table["depth"][n], table["virality"][n])
        assert got == (live.size, live.depth, pytest.approx(live.virality))


# ---------------------------------------------------------------- over HTTP


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[AsyncClient]:
    app = create_app(platform)
    book = TokenBook({uid: app.state.tokens.issue(uid) for uid in range(5)})
    book.owners["link_service"] = EDITOR  # visits are recorded by staff
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://redloop.test")
    async with AsyncClient(http=http, tokens=book) as c:
        yield c


@pytest.mark.anyio
async def test_shares_over_http_equal_the_platform(
    client: AsyncClient, platform: Platform, note: int
) -> None:
    assert await client.followers(CY) == platform.followers(CY)  # whom cy may share with
    sid = await client.deliver_share(CY, note, [ANN, BO])
    assert await client.shared_with(BO) == platform.shared_with(BO)
    assert (await client.shared_with(BO))[0].share == sid
    reshare = await client.deliver_share(ANN, note, [BO], parent=sid)
    assert await client.shared_with(BO, after=sid) == platform.shared_with(BO, after=sid)
    link = await client.share_outside(BO, note, parent=reshare)
    await client.share_visited(link, 2)
    dee = await client.sign_up_via_share(link, "dee", ["skincare"])
    assert platform.joined_via_share(dee) == link
    await client.follow(dee, BO)  # the token of the new account works
    assert await client.share_info(link) == platform.share_info(link)
    assert await client.cascade(note) == platform.cascade(note)
    assert platform.cascade(note).depth == 3


@pytest.mark.anyio
async def test_share_errors_over_http(platform: Platform, note: int) -> None:
    """403 for a non-follower recipient, someone else's inbox or a visit not recorded by
    staff; 404 for unknown ids; 409 for more sign-ups than visitors; nothing changes."""
    link = platform.share_outside(CY, note, now=2)
    app = create_app(platform)
    token = {u: {"Authorization": f"Bearer {app.state.tokens.issue(u)}"} for u in (CY, BO, EDITOR)}
    visit = {"visitors": 1}
    before = platform.fingerprint(), len(platform.log)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        stranger = await c.post("/shares", json={"note": note, "to": [GLOWCO]}, headers=token[CY])
        assert stranger.status_code == 403 and stranger.json()["field"] == "to"
        assert (await c.get(f"/users/{ANN}/shared-with", headers=token[BO])).status_code == 403
        assert (await c.get(f"/users/{BO}/shared-with", headers=token[BO])).json() == []
        assert (await c.get("/shares/9")).status_code == 404
        unknown = await c.post("/shares/9/visits", json=visit, headers=token[EDITOR])
        assert unknown.status_code == 404
        not_staff = await c.post(f"/shares/{link}/visits", json=visit, headers=token[CY])
        assert not_staff.status_code == 403
        assert (await c.post(f"/shares/{link}/visits", json=visit)).status_code == 401
        assert (await c.post("/shares/9/signups", json={"name": "dee"})).status_code == 404
        no_visitor = await c.post(f"/shares/{link}/signups", json={"name": "dee"})
        assert no_visitor.status_code == 409
        empty = await c.post("/shares", json={"note": note, "to": []}, headers=token[CY])
        assert empty.status_code == 422
        assert (await c.post("/shares/outside", json={"note": note})).status_code == 401
    assert (platform.fingerprint(), len(platform.log)) == before
