"""Small statistics every layer shares: censored medians and intervals of the mean."""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pandas as pd


def km_median(
    durations: np.ndarray, observed: np.ndarray, interpolate: bool = False
) -> tuple[float, bool]:
    """Kaplan-Meier median of possibly right-censored durations.

    Requests that have not launched yet are censored at the time they have waited so far;
    the median is the first duration at which the survival curve falls to 0.5 or below.
    Returns ``(median, censored)``: when the curve never reaches 0.5, the median is only
    known to exceed the longest follow-up, so that follow-up is returned with ``True``.

    ``interpolate`` joins the curve's steps by straight lines (from survival 1 at time 0) and
    returns where that line crosses 0.5. For durations in whole weeks the step median moves
    only in whole weeks, so two runs a few requests apart differ by 0 or 1 and small effects
    drown in rounding; the interpolated median moves with every request, like the grouped
    median of binned data.
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
    if interpolate:
        return _interpolated_median(times, survival, float(t[-1]))
    # Rounding can leave a curve that falls to exactly one half a hair above it
    # (0.5000000000000001), which would put the median one time too late: near one half,
    # the comparison is made on the exact fractions.
    for index in np.nonzero(survival <= 0.5 + _NEAR_HALF)[0]:
        if (
            survival[index] < 0.5 - _NEAR_HALF
            or _exact_survival(events, at_risk, int(index)) <= _HALF
        ):
            return float(times[index]), False
    return float(t[-1]), True


def _interpolated_median(
    times: np.ndarray, survival: np.ndarray, last: float
) -> tuple[float, bool]:
    # Within rounding of one half counts as reached, as in the step median.
    below = np.nonzero(survival <= 0.5 + _NEAR_HALF)[0]
    if below.size == 0:
        return last, True
    i = int(below[0])
    t0, s0 = (float(times[i - 1]), float(survival[i - 1])) if i else (0.0, 1.0)
    t1, s1 = float(times[i]), float(survival[i])
    return t0 + min((s0 - 0.5) / (s0 - s1), 1.0) * (t1 - t0), False


_HALF = Fraction(1, 2)
_NEAR_HALF = 1e-9


def _exact_survival(events: np.ndarray, at_risk: np.ndarray, index: int) -> Fraction:
    """The Kaplan-Meier survival after the ``index``-th distinct time, as an exact fraction."""
    survival = Fraction(1)
    for d, n in zip(events[: index + 1].tolist(), at_risk[: index + 1].tolist(), strict=True):
        survival *= Fraction(n - d, n)
    return survival


CONFIDENCE = 0.95
"""The level of every interval dtsim prints or draws."""


class Interval(NamedTuple):
    """A mean over replicates with its Student-t interval and the number of values behind it."""

    mean: float
    low: float
    high: float
    n: int


def as_floats(values: Iterable[float]) -> np.ndarray:
    """Values as floats, with NaN for what is not a number (a missing or failed outcome)."""
    return np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), float)


FEW_REPLICATES = 5
"""Below this many replicates an interval is flagged as unreliable (tables, decisions)."""


def mean_interval(
    values: Iterable[float],
    level: float = CONFIDENCE,
    bounds: tuple[float, float] | None = None,
) -> Interval:
    """Mean and Student-t interval of the mean over replicates, ignoring NaN and non-numbers.

    With one value there is no interval: its bounds are NaN (never the value itself, which
    would read as certainty). Replicates are independent runs, so the t-interval is exact
    under normality and a fair approximation for the run means reported here. ``bounds``:
    the range the quantity can take (a share in [0, 1], a count >= 0); the interval is
    clipped to it, so a few replicates never give a negative breach rate. Clipping keeps the
    coverage, since the true mean lies in the range.
    """
    from scipy import stats

    x = as_floats(values)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Interval(mean, low, high, n)


def paired_interval(
    reference: Iterable[float], other: Iterable[float]
) -> tuple[float, float, float, int]:
    """Mean of ``other - reference`` pair by pair, with its Student-t interval.

    The two sequences are replicates in the same order (replicate ``r`` of both ran with the
    same seed); a pair with a NaN on either side is dropped. Returns (mean, low, high, n);
    with fewer than two pairs the interval is NaN. This is the one-sample t-interval of the
    differences, so the variance the two runs share (the common random numbers) cancels.
    """
    a, b = as_floats(reference), as_floats(other)
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} and {len(b)}")
    mean, low, high, n = mean_interval(b - a)  # a NaN on either side drops the pair
    return mean, low, high, n


def welch_interval(
    reference: Iterable[float], other: Iterable[float]
) -> tuple[float, float, float]:
    """Difference of means ``other - reference`` with Welch's unpaired t-interval.

    What the interval would be if the replicates were independent (no common random
    numbers): each side's own variance, Welch-Satterthwaite degrees of freedom. Returns
    (difference, low, high); NaN interval when either side has fewer than two values.
    """
    a, b = as_floats(reference), as_floats(other)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    diff = float(b.mean() - a.mean())
    if len(a) < 2 or len(b) < 2:
        return diff, math.nan, math.nan
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = _student_t(df) * se
    return diff, diff - half, diff + half


def _student_t(df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))


def weighted_quantile(values: Iterable[float], weights: Iterable[float], q: float) -> float:
    """The ``q``-quantile of a weighted sample (ABC particles): the smallest value whose
    cumulative weight reaches ``q`` of the total."""
    x, w = as_floats(values), as_floats(weights)
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(int(np.searchsorted(cumulative, q)), len(x) - 1)])
