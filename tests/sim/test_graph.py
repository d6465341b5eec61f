"""The compiled Holme–Kim generator: a simple graph, one seed one graph, and the same model
as networkx's ``powerlaw_cluster_graph`` — degree tail and clustering compared over seeds."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from redloop.sim.graph import powerlaw_cluster_edges


def as_graph(n: int, edges: np.ndarray) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges.tolist())
    return g


def test_each_newcomer_links_to_m_distinct_earlier_nodes() -> None:
    n, m = 3_000, 4
    edges = powerlaw_cluster_edges(n, m, 0.5, np.random.default_rng(2))
    assert edges.shape == ((n - m) * m, 2)
    assert (edges[:, 0] > edges[:, 1]).all(), "a newcomer links to nodes older than itself"
    assert len({tuple(e) for e in edges.tolist()}) == len(edges), "no edge twice"
    assert (np.bincount(edges[:, 0], minlength=n)[m:] == m).all()


def test_one_seed_gives_one_graph() -> None:
    a = powerlaw_cluster_edges(2_000, 3, 0.3, np.random.default_rng(7))
    b = powerlaw_cluster_edges(2_000, 3, 0.3, np.random.default_rng(7))
    c = powerlaw_cluster_edges(2_000, 3, 0.3, np.random.default_rng(8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_the_same_model_as_networkx() -> None:
    """Over 3 seeds at 20,000 nodes: average clustering within 10% of networkx's, the share of
    nodes with at least 30 friends (the heavy tail) within 25%, the largest hub within 2×."""
    n, m, p = 20_000, 3, 0.3
    ours, theirs = [], []
    for seed in (1, 2, 3):
        for out, g in (
            (ours, as_graph(n, powerlaw_cluster_edges(n, m, p, np.random.default_rng(seed)))),
            (theirs, nx.powerlaw_cluster_graph(n, m, p, seed=seed)),
        ):
            degree = np.array([d for _, d in g.degree()])
            out.append((nx.average_clustering(g), (degree >= 30).mean(), degree.max()))
    (c_ours, tail_ours, hub_ours), (c_nx, tail_nx, hub_nx) = np.mean(ours, 0), np.mean(theirs, 0)
    assert abs(c_ours / c_nx - 1) <= 0.10, (c_ours, c_nx)
    assert abs(tail_ours / tail_nx - 1) <= 0.25, (tail_ours, tail_nx)
    assert 0.5 <= hub_ours / hub_nx <= 2.0, (hub_ours, hub_nx)


def test_triads_make_the_clustering() -> None:
    n = 5_000
    flat = nx.average_clustering(
        as_graph(n, powerlaw_cluster_edges(n, 3, 0.0, np.random.default_rng(1)))
    )
    clustered = nx.average_clustering(
        as_graph(n, powerlaw_cluster_edges(n, 3, 0.8, np.random.default_rng(1)))
    )
    assert clustered > 5 * flat


@pytest.mark.parametrize(
    ("n", "m", "p"), [(10, 0, 0.3), (10, 10, 0.3), (10, 3, 1.5), (10, 3, -0.1)]
)
def test_bad_parameters_are_refused(n: int, m: int, p: float) -> None:
    with pytest.raises(ValueError, match=r"m < n|within"):
        powerlaw_cluster_edges(n, m, p, np.random.default_rng(1))
