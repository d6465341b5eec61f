"""Numbers for people: one set of rules for the HTML reports and the terminal.

Counts get thousands separators, money a ¥ sign and whole yuan, rates a percentage with one
decimal, ratios such as R_loop two decimals, and a missing value an em dash — so the same
quantity reads the same wherever it is printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

MISSING = "—"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, Real) and not math.isfinite(float(value)))


def number(value: float | None) -> str:
    """About three significant digits; from 1,000 up, whole numbers with separators."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if abs(v) >= 1000 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:.3g}"


def count(value: float | None) -> str:
    """A whole number with thousands separators: ``12,345``."""
    return MISSING if _missing(value) else f"{float(value):,.0f}"  # type: ignore[arg-type]


def money(value: float | None) -> str:
    """Yuan, whole: ``¥110,863``."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    return f"-¥{-v:,.0f}" if v < 0 else f"¥{v:,.0f}"


def rate(value: float | None) -> str:
    """A share of 1 as a percentage with one decimal: ``10.1%``."""
    return MISSING if _missing(value) else f"{float(value):.1%}"  # type: ignore[arg-type]


def ratio(value: float | None) -> str:
    """A dimensionless ratio (R_loop, ROI) to two decimals."""
    return MISSING if _missing(value) else f"{float(value):.2f}"  # type: ignore[arg-type]


def interval(bounds: Sequence[float | None] | None, fmt=ratio) -> str:
    """``0.15–0.23``, or an empty string when there is no interval."""
    if not bounds or any(_missing(b) for b in bounds):
        return ""
    return f"{fmt(bounds[0])}–{fmt(bounds[1])}"


def r_loop(value: float | None, bounds: Sequence[float | None] | None = None) -> str:
    """R_loop with its 95% interval: ``0.19 (95% CI 0.15–0.23)``; before any purchase is old
    enough to count what it led to: ``not measured yet``."""
    if _missing(value):
        return "not measured yet"
    span = interval(bounds)
    return f"{ratio(value)} (95% CI {span})" if span else ratio(value)


def seconds(value: float | None) -> str:
    """A duration: ``3.5 s``, ``2 min 42 s``."""
    if _missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if v < 60:
        return f"{v:.1f} s"
    minutes, secs = divmod(round(v), 60)
    return f"{minutes} min {secs} s"


#: How to format an outcome, by its name (experiments' outcome columns, summary totals).
_BY_NAME = (
    (("gmv", "revenue", "spend", "budget", "unspent"), money),
    (("rate", "share", "utilisation"), rate),
    (("r_loop", "roi"), ratio),
)


def formatter(name: str):
    """The formatter for a quantity called ``name`` (``gmv``, ``read_rate``, ``roi[Brand]``...):
    the first rule whose word appears in the name, else :func:`number`."""
    base = name.split("[")[0]
    for words, fmt in _BY_NAME:
        if any(word in base for word in words):
            return fmt
    return number


def value(name: str, v: float | None) -> str:
    """``v`` formatted as the quantity ``name``."""
    return formatter(name)(v)


def seeds(value: float | None) -> str:
    """A number of seeds: ``23``, ``> 10,000`` for a difference too small to detect."""
    if value is not None and value == math.inf:
        return "> 10,000"
    return count(value)


def frame_text(frame, *, by_row: str | None = None) -> str:
    """A pandas table as text with each number formatted as its quantity: by its column's
    name, or with ``by_row``, by the quantity named in that column (``outcome``)."""
    shown = frame.astype(object)
    for column in shown.columns:
        if column == by_row:
            continue
        for i, cell in shown[column].items():
            if isinstance(cell, bool) or not isinstance(cell, Real):
                continue
            name = str(shown.at[i, by_row]) if by_row else str(column)
            shown.at[i, column] = seeds(cell) if column == "seeds to detect" else value(name, cell)
    return shown.to_string(index=by_row is None)
