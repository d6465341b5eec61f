"""The plain-language panel: what the loop is and what today's numbers mean.

Pure functions of the daily metrics (a dict of columns) and a few facts about the run
(:class:`Setting`), so every sentence can be tested on a constructed series. The text tells
apart R_loop that has *not yet* reached 1 (rising) from R_loop that *no longer* is above it
(it was, then fell), says when the fall is saturation (most people have already bought), and
names ads or paid creators only when the run has them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from redloop.sim.metrics import CHANNELS, R_LOOP_MATURITY_DAYS

#: Share of the community that has bought, from which a falling R_loop is saturation.
SATURATED = 0.5
#: How many days back "rising" and "falling" look.
TREND_DAYS = 3

Metrics = dict[str, list[Any]]


@dataclass(frozen=True, slots=True)
class Setting:
    """What the explanation needs to know about the run besides its metrics."""

    users: int
    sharing: bool = True
    ads: bool = False  # some brand buys feed or search ads
    paid_creators: bool = False  # some brand pays creators (KOC seeding, head KOLs)


LOOP = (
    "**The loop.** People *share* experiences as notes → others see them in the feed, "
    "*read* and *engage* (like, collect, comment, share, follow) → some *buy* the tagged "
    "product → after delivery and a few days of use, some buyers post a *review note* "
    "→ which enters the feeds and starts the loop again."
)


def pct(x: float) -> str:
    return f"{x:.0%}" if x >= 0.1 else f"{x:.1%}"


def _finite(values: list[Any]) -> list[float]:
    return [float(v) for v in values if not math.isnan(float(v))]


def explain(setting: Setting, m: Metrics) -> list[str]:
    """Plain-language paragraphs (Markdown: ``**bold**``, ``*italic*``)."""
    if not m.get("day"):
        return [
            LOOP,
            f"Nothing has happened yet: {setting.users:,} people are waiting. Press **Step** "
            "to simulate one day, or **Play** to keep going.",
        ]
    last = {k: v[-1] for k, v in m.items()}
    return [LOOP, _today(setting, last), _buying(setting, last), r_loop_paragraph(setting, m)]


def _today(setting: Setting, last: dict[str, Any]) -> str:
    users, dau = setting.users, int(last["dau"])
    return (
        f"**Day {int(last['day']) + 1}.** {dau:,} of {users:,} people were active "
        f"({pct(dau / users)}). They were shown {int(last['impressions']):,} cards and opened "
        f"{int(last['reads']):,} ({pct(last['read_rate'])}) — being in the feed is not the same "
        "as being read."
    )


def _buying(setting: Setting, last: dict[str, Any]) -> str:
    orders, adopters = int(last["orders"]), int(last["adopters"])
    so_far = f"{adopters:,} people ({pct(adopters / setting.users)}) have bought something so far."
    if not orders:
        return f"**Buying.** No orders today; {so_far}"
    channel = max(CHANNELS, key=lambda c: last[f"share_{c}"])
    review = last["share_review_note"]
    loop = (
        f"{pct(review)} of today's orders followed a read of another buyer's review note — the "
        "loop at work."
        if review
        else "No order today came from another buyer's review note yet."
    )
    return (
        f"**Buying.** {orders:,} orders worth ¥{last['gmv']:,.0f} today; "
        f"{pct(last[f'share_{channel}'])} of them came through **{channel}**. {so_far} {loop}"
    )


def _other_sources(setting: Setting) -> str:
    """What sales depend on without word of mouth, naming only what this run has."""
    paid = [
        *(["ads"] if setting.ads else []),
        *(["paid creators"] if setting.paid_creators else []),
    ]
    return ", ".join([*paid, "people who find products on their own"])


def r_loop_paragraph(setting: Setting, m: Metrics) -> str:
    """What R_loop is now, and why: not yet 1, above 1, no longer above 1, or saturating."""
    r = float(m["r_loop"][-1])
    if not setting.sharing:
        return (
            "**Word of mouth is switched off.** Buyers keep their experiences to themselves "
            "(post-purchase sharing is off), so no review notes are written and R_loop stays "
            f"at 0: every sale has to come from {_other_sources(setting)}."
        )
    if math.isnan(r):
        return (
            "**R_loop is not known yet.** A purchase counts only once it is "
            f"{R_LOOP_MATURITY_DAYS} days old — time to ship, use, review and be read. "
            "Keep stepping."
        )
    head = (
        f"**R_loop is {r:.2f}**: each purchase's shared experience brings {r:.2f} later "
        "purchases — "
    )
    bought = float(m["adopters"][-1]) / setting.users
    history = _finite(m["r_loop"])
    was_above = any(v >= 1 for v in history[:-1])
    falling = len(history) > TREND_DAYS and r < history[-1 - TREND_DAYS]
    if r >= 1:
        body = (
            "above 1, word of mouth sustains itself: like an epidemic with R > 1, every buyer "
            "brings in more than one new buyer."
        )
        if falling and bought >= SATURATED:
            body += f" It is falling as the market saturates: {pct(bought)} have already bought."
    elif bought >= SATURATED and (falling or was_above):
        body = (
            f"{'no longer above 1' if was_above else 'below 1 and falling'} because the market "
            f"is saturating, not because word of mouth failed: {pct(bought)} of the community "
            "have already bought, so each review reaches fewer people who still might."
        )
    elif was_above:
        body = (
            "no longer above 1: word of mouth sustained growth for a while, but each purchase "
            f"now brings less than one more; sales lean on {_other_sources(setting)}."
        )
    elif len(history) > TREND_DAYS and r > history[-1 - TREND_DAYS]:
        body = (
            "not yet 1, but rising: the loop is gathering strength; until it passes 1, sales "
            f"still depend on {_other_sources(setting)}."
        )
    else:
        body = (
            "below 1: word of mouth alone won't sustain growth; sales still depend on "
            f"{_other_sources(setting)}."
        )
    interval = interval_sentence(
        float(m.get("r_loop_lo", [math.nan])[-1]), float(m.get("r_loop_hi", [math.nan])[-1])
    )
    return head + body + interval


def interval_sentence(lo: float, hi: float) -> str:
    """How sure the run is of R_loop: its 95% interval, and whether that settles R vs 1."""
    if math.isnan(lo) or math.isnan(hi):
        return ""
    verdict = (
        "it spans 1, so this run cannot yet tell whether word of mouth sustains itself."
        if lo < 1 <= hi
        else "it lies wholly " + ("above" if lo >= 1 else "below") + " 1."
    )
    return f" Its 95% interval is {lo:.2f} to {hi:.2f}: {verdict}"
