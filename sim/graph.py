"""The follower graph's friendships, generated with arrays: Holme & Kim's (2002) growing
network with preferential attachment and triad formation — the algorithm of networkx's
``powerlaw_cluster_graph``, compiled with numba, so a million users' graph takes about a
second instead of half a minute.

Each newcomer links to ``m`` distinct existing nodes: the first by preferential attachment
(a uniform pick from the list of edge endpoints, so in proportion to degree); each further
one, with probability ``p``, to a random neighbour of the node it just linked to (closing a
triangle, hence clustering), else by preferential attachment again. Degrees are heavy-tailed
(P(k) ~ k^-3) and clustering grows with ``p``. The draws come from one seeded numpy
generator, so one seed gives one graph; it is not networkx's graph for the same seed, but the
same model (``tests/sim/test_graph.py`` compares their degree tails and clustering).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["powerlaw_cluster_edges"]


def powerlaw_cluster_edges(n: int, m: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Edges ``(a, b)`` with ``a > b`` (the newcomer first) of a Holme–Kim graph on ``n``
    nodes, ``m`` edges per newcomer, triad probability ``p``; shape ``(edges, 2)``."""
    if not 1 <= m < n:
        raise ValueError(f"the graph needs 1 <= m < n; got m={m}, n={n}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"the triad probability p must be within [0, 1]; got {p}")
    seeds = rng.integers(0, 2**63, size=1, dtype=np.int64)
    edges = np.empty(((n - m) * m, 2), dtype=np.int64)
    count = _grow(n, m, p, int(seeds[0]), edges)
    return edges[:count]


# C901: one compiled Holme–Kim step per newcomer, its parts already helpers (_append,
# _member, _random_neighbour); splitting further would add calls to the hot loop.
@njit(cache=True)
def _grow(n: int, m: int, p: float, seed: int, edges: np.ndarray) -> int:  # noqa: C901
    np.random.seed(seed)  # numba's own generator, per compiled function: seeded, isolated
    max_edges = edges.shape[0]
    # adjacency as growable blocks in one pool: a node's neighbours are
    # pool[start:start + size]; a full block moves to the pool's end with twice the room.
    # Room: 2m per node at birth, and each doubling at most twice the degree it holds.
    pool = np.empty(2 * m * n + 8 * max_edges + 2 * m, dtype=np.int32)
    start = np.zeros(n, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    room = np.zeros(n, dtype=np.int64)
    pool_end = 0
    for v in range(m):
        start[v], room[v] = pool_end, 2 * m
        pool_end += 2 * m
    # every edge endpoint once per edge: a uniform pick is a degree-weighted pick
    ends = np.empty(2 * max_edges + m, dtype=np.int64)
    n_ends = 0
    for v in range(m):  # the first newcomer picks among the m initial nodes uniformly
        ends[n_ends] = v
        n_ends += 1
    targets = np.empty(m, dtype=np.int64)
    linked = np.empty(m, dtype=np.int64)
    n_edges = 0
    for source in range(m, n):
        start[source], room[source] = pool_end, 2 * m
        pool_end += 2 * m
        # m distinct preferential targets, drawn up front (networkx's _random_subset)
        k = 0
        while k < m:
            t = ends[np.random.randint(0, n_ends)]
            if not _member(targets, k, t):
                targets[k] = t
                k += 1
        k -= 1
        n_linked = 0
        target = targets[k]
        k -= 1
        while True:
            linked[n_linked] = target
            n_linked += 1
            edges[n_edges, 0] = source
            edges[n_edges, 1] = target
            n_edges += 1
            pool_end = _append(pool, start, size, room, pool_end, source, target)
            pool_end = _append(pool, start, size, room, pool_end, target, source)
            ends[n_ends] = target
            n_ends += 1
            if n_linked == m:
                break
            if np.random.random() < p:
                friend = _random_neighbour(
                    pool, start[target], size[target], source, linked, n_linked
                )
                if friend >= 0:
                    target = friend
                    continue
            # preferential again: the next up-front pick not linked yet
            while k >= 0 and _member(linked, n_linked, targets[k]):
                k -= 1
            if k < 0:  # every up-front pick was taken by triangles: draw a fresh one
                target = ends[np.random.randint(0, n_ends)]
                while target == source or _member(linked, n_linked, target):
                    target = ends[np.random.randint(0, n_ends)]
            else:
                target = targets[k]
                k -= 1
        for _ in range(m):
            ends[n_ends] = source
            n_ends += 1
    return n_edges


@njit(cache=True)
def _append(
    pool: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    room: np.ndarray,
    pool_end: int,
    a: int,
    b: int,
) -> int:
    """Add ``b`` to ``a``'s neighbours (moving a full block to the pool's end with twice the
    room); returns the pool's new end."""
    if size[a] == room[a]:
        old = start[a]
        start[a] = pool_end
        pool[pool_end : pool_end + size[a]] = pool[old : old + size[a]]
        room[a] *= 2
        pool_end += room[a]
    pool[start[a] + size[a]] = b
    size[a] += 1
    return pool_end


@njit(cache=True)
def _member(values: np.ndarray, count: int, x: int) -> bool:
    """Is ``x`` among ``values[:count]`` (a loop: numba compiles loops, not generators)."""
    for i in range(count):  # noqa: SIM110
        if values[i] == x:
            return True
    return False


@njit(cache=True)
def _random_neighbour(
    pool: np.ndarray, first: int, degree: int, source: int, linked: np.ndarray, n_linked: int
) -> int:
    """A uniform pick among the neighbours ``pool[first:first + degree]`` that are not
    ``source`` nor linked to it yet, or -1 if there is none: a few random tries (a hub's
    neighbours are rarely taken), then a scan with reservoir sampling."""
    for _ in range(8):
        nbr = pool[first + np.random.randint(0, degree)]
        if nbr != source and not _member(linked, n_linked, nbr):
            return nbr
    chosen, valid = -1, 0
    for i in range(first, first + degree):
        nbr = pool[i]
        if nbr != source and not _member(linked, n_linked, nbr):
            valid += 1
            if np.random.randint(0, valid) == 0:
                chosen = nbr
    return chosen
