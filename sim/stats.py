"""How many seeds a comparison needs: the power of a two-sample t-test.

A difference that is not significant over a few seeds may be real but small against the
seed-to-seed spread; the number of seeds per scenario that would detect it tells a
strategist whether to run more seeds or to stop looking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ALPHA = 0.05
POWER = 0.8
#: Beyond this many seeds per scenario the difference is, for practical purposes, nil.
MAX_SEEDS = 10_000

#: Two-sided 95% Student t quantiles t(0.975, dof) for dof = 1..30.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959964


def t975(dof: int) -> float:
    """Student t quantile t(0.975, dof): a table to 30, then the Cornish-Fisher expansion
    (within 1e-4), so no scipy is needed; NaN for dof < 1."""
    if dof < 1:
        return math.nan
    if dof <= len(_T975):
        return _T975[dof - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)


def power(effect: float, sd: float, n: int, *, alpha: float = ALPHA) -> float:
    """Power of a two-sided two-sample t-test with ``n`` seeds per group, a true difference
    ``effect`` and a common standard deviation ``sd`` (exact, by the noncentral t)."""
    from scipy import stats  # imported here: the command line's --help stays light

    if n < 2:
        return math.nan
    dof = 2 * n - 2
    noncentrality = abs(effect) / (sd * math.sqrt(2.0 / n))
    critical = stats.t.ppf(1 - alpha / 2, dof)
    exact = stats.nct.sf(critical, dof, noncentrality) + stats.nct.cdf(
        -critical, dof, noncentrality
    )
    if math.isfinite(exact):
        return float(exact)
    # nct's tails turn to NaN for large dof and noncentrality, where t is normal anyway
    return float(
        stats.norm.sf(critical - noncentrality) + stats.norm.cdf(-critical - noncentrality)
    )


def seeds_to_detect(
    effect: float, sd: float, *, alpha: float = ALPHA, target: float = POWER
) -> float:
    """The fewest seeds per scenario at which a two-sided test at ``alpha`` detects ``effect``
    with probability ``target``; NaN when there is nothing to detect (no effect or no spread
    to measure it against), ``inf`` beyond :data:`MAX_SEEDS`."""
    if not (math.isfinite(effect) and math.isfinite(sd)) or effect == 0 or sd <= 0:
        return math.nan
    if power(effect, sd, MAX_SEEDS, alpha=alpha) < target:
        return math.inf
    lo, hi = 2, MAX_SEEDS  # power grows with n: bisect for the first n that reaches target
    while lo < hi:
        mid = (lo + hi) // 2
        if power(effect, sd, mid, alpha=alpha) >= target:
            hi = mid
        else:
            lo = mid + 1
    return float(lo)


def change_ci(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """mean(b) / mean(a) − 1 and the half-width of its 95% CI: the delta method's standard
    error of a ratio of two independent means, with Welch–Satterthwaite degrees of freedom.
    For outcomes of different communities (one size per sample), whose seeds share nothing
    but a number; NaN where a sample has fewer than two values or a zero mean."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.size < 2 or y.size < 2 or x.mean() == 0:
        return math.nan, math.nan
    mx = float(x.mean())
    ratio = float(y.mean()) / mx
    # var(ratio) ≈ (var(mean b) + ratio² var(mean a)) / mean(a)², one term per sample
    terms = (y.var(ddof=1) / y.size / mx**2, ratio**2 * x.var(ddof=1) / x.size / mx**2)
    if sum(terms) == 0:
        return ratio - 1, 0.0
    df = sum(terms) ** 2 / (terms[0] ** 2 / (y.size - 1) + terms[1] ** 2 / (x.size - 1))
    return ratio - 1, math.sqrt(sum(terms)) * t975(max(1, round(df)))
