"""Small statistics the model and the reports share: censored medians and intervals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def km_median(durations: np.ndarray, observed: np.ndarray) -> tuple[float, bool]:
    """Kaplan-Meier median of possibly right-censored durations.

    Requests that have not launched yet are censored at the time they have waited so far;
    the median is the first duration at which the survival curve falls to 0.5 or below.
    Returns ``(median, censored)``: when the curve never reaches 0.5, the median is only
    known to exceed the longest follow-up, so that follow-up is returned with ``True``.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return math.nan, True
    order = np.argsort(durations, kind="stable")
    t = durations[order]
    e = observed[order]
    times, first = np.unique(t, return_index=True)
    at_risk = t.size - first
    events = np.add.reduceat(e.astype(np.int64), first)
    survival = np.cumprod(1.0 - events / at_risk)
    # Rounding can leave a curve that falls to exactly one half a hair above it
    # (0.5000000000000001), which would put the median one time too late: near one half,
    # the comparison is made on the exact fractions.
    for index in np.nonzero(survival <= 0.5 + _NEAR_HALF)[0]:
        if survival[index] < 0.5 - _NEAR_HALF or _exact_survival(events, at_risk, index) <= _HALF:
            return float(times[index]), False
    return float(t[-1]), True


_HALF = Fraction(1, 2)
_NEAR_HALF = 1e-9


def _exact_survival(events: np.ndarray, at_risk: np.ndarray, index: int) -> Fraction:
    """The Kaplan-Meier survival after the ``index``-th distinct time, as an exact fraction."""
    survival = Fraction(1)
    for d, n in zip(events[: index + 1].tolist(), at_risk[: index + 1].tolist(), strict=True):
        survival *= Fraction(n - d, n)
    return survival


def mean_interval(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval over replicates (NaNs ignored)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size == 1:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half
