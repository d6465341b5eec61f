"""Whom to seed: pure seed-selection rules over an influence graph.

The graph is a sparse ``n × n`` matrix ``A`` with ``A[u, v] = 1`` when ``u``'s experience can
reach ``v`` (``v`` follows ``u``). Rules:

- ``top_degree``: the accounts with the most followers (out-degree), ties by index;
- ``random``: a uniform sample, reproducible from the generator;
- ``greedy``: influence maximisation under the independent cascade model (Kempe, Kleinberg &
  Tardos 2003) with CELF lazy evaluation (Leskovec et al. 2007). The expected spread is
  estimated on ``samples`` live-edge graphs drawn once (each edge live with probability ``p``)
  and stacked block-diagonally, so every estimate is one sparse product per cascade round and
  the estimated spread is a fixed monotone submodular function: CELF's lazy bounds are exact
  on it and greedy keeps its (1 − 1/e) guarantee on the sampled objective.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

RULES = ("top_degree", "random", "greedy")


def influence_graph(n: int, sources: Sequence[int], targets: Sequence[int]) -> sp.csr_array:
    """The ``n × n`` influence matrix from edge lists (``source`` reaches ``target``)."""
    data = np.ones(len(sources), dtype=np.int8)
    graph = sp.csr_array((data, (np.asarray(sources), np.asarray(targets))), shape=(n, n))
    graph.sum_duplicates()
    graph.data[:] = 1
    return graph


def _pool(n: int, candidates: Sequence[int] | None) -> np.ndarray:
    return np.arange(n) if candidates is None else np.unique(np.asarray(candidates, dtype=int))


def top_degree(graph: sp.csr_array, k: int, candidates: Sequence[int] | None = None) -> list[int]:
    """The ``k`` candidates with the most out-edges (followers), ties broken by index."""
    pool = _pool(graph.shape[0], candidates)
    degree = np.diff(graph.indptr)[pool]
    order = np.lexsort((pool, -degree))
    return pool[order[:k]].tolist()


def random_seeds(
    graph: sp.csr_array, k: int, rng: np.random.Generator, candidates: Sequence[int] | None = None
) -> list[int]:
    """``k`` distinct candidates uniformly at random."""
    pool = _pool(graph.shape[0], candidates)
    return rng.choice(pool, size=min(k, pool.size), replace=False).tolist()


class LiveEdges:
    """``samples`` independent live-edge draws of ``graph`` (edge kept with probability
    ``p``), stacked block-diagonally: node ``v`` of draw ``r`` is row ``r * n + v``."""

    def __init__(
        self, graph: sp.csr_array, p: float, samples: int, rng: np.random.Generator
    ) -> None:
        n = graph.shape[0]
        coo = graph.tocoo()
        keep = rng.random((samples, coo.nnz)) < p
        draw, edge = np.nonzero(keep)
        rows = draw * n + coo.row[edge]
        cols = draw * n + coo.col[edge]
        size = n * samples
        # transposed, so that ``step @ frontier`` lists who the frontier reaches
        self.step = sp.csr_array(
            (np.ones(rows.size, dtype=np.float32), (cols, rows)), shape=(size, size)
        )
        self.n, self.samples = n, samples

    def cascade(self, start: np.ndarray, blocked: np.ndarray | None = None) -> np.ndarray:
        """Everything reached from ``start`` (bool, length n·samples), not entering
        ``blocked`` (already active)."""
        reached = start.copy()
        if blocked is not None:
            reached &= ~blocked
        frontier = reached.copy()
        while frontier.any():
            hit = self.step @ frontier.astype(np.float32) > 0
            frontier = hit & ~reached
            if blocked is not None:
                frontier &= ~blocked
            reached |= frontier
        return reached

    def spread(self, seeds: Sequence[int]) -> float:
        """Estimated expected number of accounts activated by ``seeds`` (seeds included)."""
        return float(self.cascade(self.start(seeds)).sum()) / self.samples

    def start(self, seeds: Sequence[int]) -> np.ndarray:
        vec = np.zeros(self.n * self.samples, dtype=bool)
        s = np.asarray(seeds, dtype=np.int64)
        if s.size:
            vec[(np.arange(self.samples)[:, None] * self.n + s[None, :]).ravel()] = True
        return vec

    def singleton_spreads(self, pool: np.ndarray) -> np.ndarray:
        """Expected spread of each node of ``pool`` alone, all cascades run at once (one
        sparse column per node and draw)."""
        n, r = self.n, self.samples
        cols = np.repeat(np.arange(pool.size), r)
        rows = (np.tile(np.arange(r), pool.size) * n) + np.repeat(pool, r)
        reached = sp.csc_array(
            (np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n * r, pool.size)
        )
        frontier = reached
        while frontier.nnz:
            hit = self.step @ frontier
            hit.data[:] = 1.0
            frontier = hit - hit.multiply(reached)
            frontier.eliminate_zeros()
            reached = reached + frontier
        return np.asarray(reached.sum(axis=0)).ravel() / r


def greedy(
    graph: sp.csr_array,
    k: int,
    rng: np.random.Generator,
    *,
    p: float = 0.05,
    samples: int = 64,
    candidates: Sequence[int] | None = None,
) -> list[int]:
    """CELF greedy influence maximisation under the independent cascade with edge
    probability ``p``, spread estimated on ``samples`` live-edge draws from ``rng``."""
    pool = _pool(graph.shape[0], candidates)
    k = min(k, pool.size)
    if k <= 0:
        return []
    live = LiveEdges(graph, p, samples, rng)
    gains = live.singleton_spreads(pool)
    # max-heap of (−gain, node, round the gain was computed in); ties by node index
    heap = [(-g, int(v), 0) for g, v in zip(gains.tolist(), pool.tolist(), strict=True)]
    heapq.heapify(heap)
    chosen: list[int] = []
    active = np.zeros(live.n * samples, dtype=bool)
    while len(chosen) < k:
        _, node, fresh = heapq.heappop(heap)
        if fresh == len(chosen):
            chosen.append(node)
            active |= live.cascade(live.start([node]), blocked=active)
            continue
        gain = float(live.cascade(live.start([node]), blocked=active).sum()) / samples
        heapq.heappush(heap, (-gain, node, len(chosen)))
    return chosen


def expected_spread(
    graph: sp.csr_array, seeds: Sequence[int], rng: np.random.Generator, *, p: float, samples: int
) -> float:
    """Monte-Carlo expected spread of ``seeds`` under the independent cascade."""
    return LiveEdges(graph, p, samples, rng).spread(seeds)


def choose(
    rule: str,
    graph: sp.csr_array,
    k: int,
    rng: np.random.Generator,
    *,
    p: float = 0.05,
    samples: int = 64,
    candidates: Sequence[int] | None = None,
) -> list[int]:
    """The ``k`` seeds by ``rule`` (one of :data:`RULES`)."""
    if rule == "top_degree":
        return top_degree(graph, k, candidates)
    if rule == "random":
        return random_seeds(graph, k, rng, candidates)
    if rule == "greedy":
        return greedy(graph, k, rng, p=p, samples=samples, candidates=candidates)
    raise ValueError(f"unknown seeding rule {rule!r}; allowed: {', '.join(RULES)}")
