"""Per-run cascade summary: how many notes were never shared, and the size, depth and
structural virality of the share trees that exist (Goel, Anderson, Hofman & Watts 2016: most
content is never reshared; large cascades range from broadcasts to person-to-person chains).

``cascade_summary(platform.tables())`` is a pure function of the platform's columns, so it
works on a live model or on a platform replayed from ``events.sqlite``.
``python -m redloop.sim.cascades [--seeds 1 2 3] [--users N] [--days N]`` runs a scenario
and prints the figures with the run's orders and GMV.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from redloop.platform.api import Channel
from redloop.platform.shares import cascade_table


def cascade_summary(tables: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """Cascade figures of a run. Trees are per note (the note is the root, shares its nodes);
    ``sizes``/``depths``/``viralities`` list the shared notes' trees, for plotting."""
    shares, n_notes = tables["shares"], tables["notes"]["author"].size
    per_note = cascade_table(shares["note"], shares["parent"], n_notes)
    shared = per_note["size"] > 1
    sizes, depths, virality = (per_note[k][shared] for k in ("size", "depth", "virality"))
    none = not sizes.size

    def quantiles(values: np.ndarray) -> dict[str, float]:
        qs = (0.5, 0.9, 0.99)
        return {
            f"p{round(q * 100)}": (float(np.quantile(values, q)) if not none else 0.0) for q in qs
        }

    return {
        "notes": int(n_notes),
        "notes_shared": int(shared.sum()),
        "never_shared": float(1 - shared.mean()) if n_notes else 1.0,
        "shares": int(shares["sharer"].size),
        "reshares": int((shares["parent"] >= 0).sum()),
        "outside_shares": int(shares["outside"].sum()),
        "deliveries": int(shares["n_recipients"].sum()),
        "visitors": int(shares["visitors"].sum()),
        "signups": int(shares["signups"].sum()),
        "largest": int(sizes.max()) if not none else 1,
        "deepest": int(depths.max()) if not none else 0,
        "virality_mean": float(virality.mean()) if not none else 0.0,
        "virality_max": float(virality.max()) if not none else 0.0,
        "size_quantiles": quantiles(sizes),
        "virality_quantiles": quantiles(virality),
        "orders_via_share": int((tables["orders"]["channel"] == int(Channel.SHARED)).sum()),
        "size_counts": dict(
            zip(*(a.tolist() for a in np.unique(sizes, return_counts=True)), strict=True)
        ),
        "sizes": sizes.tolist(),
        "depths": depths.tolist(),
        "viralities": virality.tolist(),
    }


def main(argv: list[str] | None = None) -> None:
    from redloop.sim import build_model

    parser = argparse.ArgumentParser(prog="python -m redloop.sim.cascades")
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    for seed in args.seeds:
        model = build_model(args.scenario, seed=seed, **{"population.users": args.users})
        model.run_days(args.days)
        daily = model.metrics()
        s = cascade_summary(model.platform.tables())
        print(
            f"seed {seed}: orders {int(daily['orders'].sum())} gmv {daily['gmv'].sum():.0f} "
            f"shares {s['shares']} (reshares {s['reshares']}, outside {s['outside_shares']}) "
            f"deliveries {s['deliveries']} visitors {s['visitors']} signups {s['signups']} "
            f"orders_via_share {s['orders_via_share']} "
            f"notes {s['notes']} never_shared {s['never_shared']:.4f} largest {s['largest']} "
            f"deepest {s['deepest']} virality mean {s['virality_mean']:.3f} "
            f"max {s['virality_max']:.3f} sizes {s['size_counts']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
