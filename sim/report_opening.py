"""The top of a run's report: the scenario's question, a sentence answering it with numbers,
and the headline figures formatted for reading (the raw summary follows further down)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from . import formatting as fmt

#: A share of users who have bought past which R_loop falls because few non-buyers are left.
SATURATED = 0.6


def question(summary: Mapping[str, Any]) -> str:
    """The first sentence of the description that asks something, else one made of its name."""
    description = " ".join(str(summary.get("description") or "").split())
    for sentence in re.findall(r"[^.?!]*\?", description):
        return sentence.strip()
    return f"What happens to sales and word of mouth in “{summary.get('scenario', 'this run')}”?"


def _loop_verdict(r: float | None, bounds: list[float] | None, bought: float | None) -> str:
    if r is None:
        return "no purchase was old enough yet to count the purchases it led to"
    lo, hi = bounds if bounds else (r, r)
    if lo > 1:
        verdict = "above 1: each purchase brought more than one later purchase, so word of "
        verdict += "mouth sustained growth by itself"
    elif hi < 1:
        verdict = "below 1: each purchase brought fewer than one later purchase, so word of "
        verdict += "mouth alone did not sustain growth"
    else:
        verdict = "its interval includes 1, so this run cannot tell whether word of mouth "
        verdict += "sustains growth by itself"
    if bought is not None and bought >= SATURATED:
        verdict += f"; {fmt.rate(bought)} of users had already bought, so few were left to reach"
    return verdict


def answer(summary: Mapping[str, Any]) -> str:
    """One paragraph answering the question from the run's totals, R_loop with its interval."""
    totals = summary.get("totals", {})
    users = summary.get("users")
    adopters = totals.get("adopters")
    bought = adopters / users if users and adopters is not None else None
    r, bounds = totals.get("r_loop_final"), totals.get("r_loop_interval")
    buyers = f"{fmt.count(adopters)} people bought at least once"
    if bought is not None:
        buyers += f" ({fmt.rate(bought)} of {fmt.count(users)} users)"
    return (
        f"Over {fmt.count(summary.get('days'))} days, {buyers}, placing "
        f"{fmt.count(totals.get('orders'))} orders worth {fmt.money(totals.get('gmv'))}. "
        f"Word of mouth: R_loop ended at {fmt.r_loop(r, bounds)} — "
        f"{_loop_verdict(r, bounds, bought)}."
    )


def headline_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, formatted value) for the figures a reader looks for first."""
    totals = summary.get("totals", {})
    rows = [
        ("Days simulated", fmt.count(summary.get("days"))),
        ("Users", fmt.count(summary.get("users"))),
        ("Sessions", fmt.count(totals.get("sessions"))),
        ("Notes published", fmt.count(totals.get("notes"))),
        ("Orders", fmt.count(totals.get("orders"))),
        ("GMV", fmt.money(totals.get("gmv"))),
        ("Buyers (cumulative)", fmt.count(totals.get("adopters"))),
        ("Mean daily active users", fmt.count(totals.get("mean_dau"))),
        ("Read rate (reads per impression)", fmt.rate(totals.get("read_rate"))),
        (
            "R_loop at the end",
            fmt.r_loop(totals.get("r_loop_final"), totals.get("r_loop_interval")),
        ),
        ("Platform events logged", fmt.count(totals.get("events"))),
        ("Wall time", fmt.seconds(summary.get("wall_seconds"))),
    ]
    return [(label, value) for label, value in rows if value != fmt.MISSING]


def opening_html(summary: Mapping[str, Any]) -> str:
    """The question, the answer, and the headline table."""
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in headline_rows(summary)
    )
    seed = summary.get("seed")
    about = f"Scenario {summary.get('scenario', '')}" + (
        f", seed {seed}" if seed is not None else ""
    )
    return "\n".join(
        [
            f'<p class="question"><strong>Question.</strong> {html.escape(question(summary))}</p>',
            f'<p class="answer"><strong>Answer.</strong> {html.escape(answer(summary))}</p>',
            f'<p class="note">{html.escape(about)}. R_loop: later purchases led to by each '
            "purchase's shared experience, with its 95% bootstrap interval.</p>",
            f'<table class="headline">{rows}</table>',
        ]
    )
