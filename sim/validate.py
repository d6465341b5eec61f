"""``redloop validate``: the stylized facts a credible model of a social shopping platform
must reproduce, each measured on fresh runs and checked against its published source.

A fact is a function ``(Runs, Settings) -> Finding`` (diffusion facts in
:mod:`~redloop.sim.facts_diffusion`, platform facts in :mod:`~redloop.sim.facts_platform`, the
shared machinery in :mod:`~redloop.sim.battery`). Facts share finished runs, so a battery
simulates each (scenario, overrides, seed) once. ``--quick``
uses smaller crowds and fewer seeds (it runs in the test suite); the full battery uses the
sizes each source's claim needs. Thresholds are the sources' claims, never fitted to today's
output: a failing fact is a finding to report, not a number to move.
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from .battery import FULL, QUICK, Fact, Finding, Runs, Settings
from .facts_diffusion import bass_recovery, cascades, like_concentration, seeding
from .facts_platform import funnel, homogenisation, loop, matthew, size_invariance, switch_2016
from .report import page
from .results import write_json, write_text

__all__ = ["FACTS", "FULL", "QUICK", "Finding", "Settings", "render", "run_battery", "validate"]

FACTS: dict[str, Fact] = {
    "bass_recovery": bass_recovery,
    "like_concentration": like_concentration,
    "cascades": cascades,
    "matthew": matthew,
    "homogenisation": homogenisation,
    "seeding": seeding,
    "funnel": funnel,
    "loop": loop,
    "switch_2016": switch_2016,
    "size_invariance": size_invariance,
}


# ------------------------------------------------------------------ the battery


def run_battery(
    settings: Settings,
    names: Sequence[str] | None = None,
    progress: Callable[[str], None] = print,
    jobs: int | None = None,
) -> list[Finding]:
    """Measure the facts (all, or ``names``) on shared runs, ``jobs`` runs at a time (default:
    one per core)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        runs = Runs(settings)
        return [_measure(name, runs, settings, progress) for name in names or FACTS]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        runs = Runs(settings, pool)
        return [_measure(name, runs, settings, progress) for name in names or FACTS]


def _measure(name: str, runs: Runs, settings: Settings, progress: Callable[[str], None]) -> Finding:
    progress(f"validate: {name} ...")
    start = time.perf_counter()
    finding = FACTS[name](runs, settings)
    took = time.perf_counter() - start
    progress(f"  {'pass' if finding.passed else 'FAIL'}  {finding.summary}  ({took:.0f} s)")
    return finding


def render(findings: Sequence[Finding], settings: Settings) -> str:
    """The self-contained validation report: a table of facts, then one section per fact."""
    passed = sum(f.passed for f in findings)
    size = (
        f"{'quick' if settings.quick else 'full'} battery: communities of {settings.users:,} "
        f"users × {settings.days} days, seeds {', '.join(map(str, settings.seeds))}; Bass "
        f"crowds of {settings.bass_users:,}"
    )
    if settings.overrides:
        changed = ", ".join(f"{key} = {value!r}" for key, value in settings.overrides)
        size += f"; every run with {changed} (a sensitivity check, not the defaults)"
    rows = "".join(
        f"<tr><td><a href='#{f.name}'>{f.name}</a></td><td>{'✔' if f.passed else '✘'}</td>"
        f"<td>{html.escape(f.summary)}</td><td>{html.escape(f.target)}</td>"
        f"<td>{html.escape(f.source)}</td></tr>"
        for f in findings
    )
    parts = [
        f"<p><strong>{passed} of {len(findings)} facts hold.</strong> {html.escape(size)}.</p>",
        "<table class='summary'><tr><th>fact</th><th></th><th>measured</th><th>target</th>"
        f"<th>source</th></tr>{rows}</table>",
    ]
    for f in findings:
        numbers = pd.DataFrame({"measure": list(f.value), "value": list(f.value.values())})
        parts += [
            f"<h2 id='{f.name}'>{f.name} — {'holds' if f.passed else 'does not hold'}</h2>",
            f"<p>{html.escape(f.summary)}.</p>",
            f"<p class='note'>Target: {html.escape(f.target)}. Source: "
            f"{html.escape(f.source)}.</p>",
            *f.figures,
            f"<div class='scroll'>{numbers.to_html(index=False, border=0)}</div>",
        ]
    return page("redloop validation", parts)


def validate(
    settings: Settings,
    out: Path,
    *,
    json_path: Path | None = None,
    names: Sequence[str] | None = None,
    progress: Callable[[str], None] = print,
    jobs: int | None = None,
) -> list[Finding]:
    """Run the battery; write ``validation.html`` (and the JSON facts) atomically."""
    findings = run_battery(settings, names, progress, jobs)
    write_text(out / "validation.html", render(findings, settings))
    if json_path is not None:
        write_json(json_path, {"facts": [f.record() for f in findings]})
    return findings
