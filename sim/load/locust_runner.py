"""Run the shipped locustfile headless and read its figures (for the service benchmark)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from redloop.sim.extras import require

__all__ = ["LOCUSTFILE", "LOCUST_CLASSES", "run_locust"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOCUST_CLASSES = ("RedloopShopper", "RedloopShopperFast")


def run_locust(
    url: str,
    user_class: str,
    *,
    users: int,
    seconds: float,
    crowd_users: int,
    think: float = 0.0,
    spawn_rate: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``locust -f sim/locustfile.py USER_CLASS --headless`` against ``url``; returns the
    steady-state throughput (second half of the run) and the final p50/p99 from its CSVs."""
    require("locust", extra="load")
    with tempfile.TemporaryDirectory(prefix="redloop-locust-") as tmp:
        prefix = str(Path(tmp) / "run")
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            user_class,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn_rate or users),
            "-t",
            f"{seconds:g}s",
            "--host",
            url,
            "--csv",
            prefix,
            "--csv-full-history",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = {
            **os.environ,
            "REDLOOP_USERS": str(crowd_users),
            "REDLOOP_THINK": str(think),
            **(extra_env or {}),
        }
        cpu = _children_cpu()
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
        cpu = _children_cpu() - cpu
        stats = _read_csv(Path(f"{prefix}_stats.csv"))
        history = _read_csv(Path(f"{prefix}_stats_history.csv"))
    total = next((r for r in stats if r["Name"] == "Aggregated"), None)
    if total is None:
        raise RuntimeError(f"locust wrote no stats (exit {proc.returncode}): {proc.stderr[-800:]}")
    agg = [r for r in history if r["Name"] == "Aggregated" and r["Total Request Count"] != "0"]
    steady = agg[len(agg) // 2 :] if len(agg) >= 4 else agg
    rps, window = 0.0, None
    if len(steady) >= 2:
        dn = int(steady[-1]["Total Request Count"]) - int(steady[0]["Total Request Count"])
        t0, t1 = int(steady[0]["Timestamp"]), int(steady[-1]["Timestamp"])
        rps = dn / (t1 - t0) if t1 > t0 else 0.0
        window = (t0, t1, dn) if t1 > t0 else None
    return {
        "user_class": user_class,
        "locust_users": users,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput_rps": rps or float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "exit_code": proc.returncode,
        # Locust's whole process, start-up and crowd build included: an upper bound.
        "generator_cpu_us_per_request": cpu / max(1, int(total["Request Count"])) * 1e6,
        # (unix start, unix end, requests) of the steady window the throughput is read over
        "steady_window": window,
        "endpoints": {r["Name"]: int(r["Request Count"]) for r in stats if r["Type"]},
    }


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
