"""The Kaplan-Meier median behind the headline ``ttm_all``, against exact fractions and SciPy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulation.stats import km_median, mean_interval


def exact_km_median(durations: list[int], observed: list[bool]) -> tuple[float, bool]:
    """The textbook estimator in exact arithmetic: the first time the curve reaches 1/2."""
    survival = Fraction(1)
    for time in sorted(set(durations)):
        at_risk = sum(d >= time for d in durations)
        events = sum(d == time and o for d, o in zip(durations, observed, strict=True))
        survival *= Fraction(at_risk - events, at_risk)
        if survival <= Fraction(1, 2):
            return float(time), False
    return float(max(durations)), True


def test_a_curve_that_reaches_one_half_exactly_but_not_in_floats() -> None:
    # Search for a sample whose float survival lands a hair above one half (the review found
    # 32 of 3,000 random samples wrong by one time step): its median must be the exact one.
    found = None
    rng = np.random.default_rng(3)
    for _ in range(20_000):
        n = int(rng.integers(2, 30))
        durations = rng.integers(1, 12, n)
        observed = rng.random(n) < 0.8
        t = np.sort(np.unique(durations))
        at_risk = np.array([(durations >= x).sum() for x in t])
        events = np.array([((durations == x) & observed).sum() for x in t])
        survival = np.cumprod(1.0 - events / at_risk)
        if np.any((survival > 0.5) & (survival < 0.5 + 1e-12)):
            found = (durations, observed)
            break
    assert found is not None, "no float trap case in the search: widen it"
    durations, observed = found
    assert km_median(durations.astype(float), observed) == exact_km_median(
        durations.tolist(), observed.tolist()
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=15), st.booleans()), min_size=1, max_size=60
    )
)
def test_km_median_matches_exact_fractions(data: list[tuple[int, bool]]) -> None:
    durations = [d for d, _ in data]
    observed = [o for _, o in data]
    got = km_median(np.array(durations, dtype=float), np.array(observed))
    assert got == exact_km_median(durations, observed)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=40), st.booleans()), min_size=2, max_size=80
    ).filter(lambda data: any(o for _, o in data))
)
def test_km_median_matches_scipy_ecdf_on_censored_data(data: list[tuple[int, bool]]) -> None:
    durations = np.array([d for d, _ in data], dtype=float)
    observed = np.array([o for _, o in data])
    sample = stats.CensoredData(uncensored=durations[observed], right=durations[~observed])
    sf = stats.ecdf(sample).sf
    median, censored = km_median(durations, observed)
    # SciPy's curve in exact terms: the first time its survival reaches one half, allowing
    # for its own rounding of the same products.
    reached = np.nonzero(sf.probabilities <= 0.5 + 1e-12)[0]
    if censored:
        assert reached.size == 0 or sf.probabilities[reached[0]] > 0.5 - 1e-12
        assert median == durations.max()
    else:
        assert reached.size > 0
        assert median == pytest.approx(sf.quantiles[reached[0]])


def test_empty_and_all_censored() -> None:
    assert np.isnan(km_median(np.array([]), np.array([], dtype=bool))[0])
    assert km_median(np.array([3.0, 5.0]), np.array([False, False])) == (5.0, True)


def test_interpolated_median_joins_the_steps() -> None:
    """Whole weeks 3, 3, 4, 4, 4: survival 0.6 after week 3, 0 after week 4; the line from
    (3, 0.6) to (4, 0) crosses one half at 3 + 0.1 / 0.6 weeks."""
    weeks, seen = np.array([3.0, 3, 4, 4, 4]), np.ones(5, dtype=bool)
    assert km_median(weeks, seen) == (4.0, False)
    median, censored = km_median(weeks, seen, interpolate=True)
    assert median == pytest.approx(3 + 0.1 / 0.6) and not censored
    # From survival 1 at time 0 when the first step already crosses: 2, 2, 9 -> 2 * 0.5 / (2/3)
    assert km_median(np.array([2.0, 2, 9]), np.ones(3, bool), interpolate=True)[0] == 1.5
    assert km_median(np.array([3.0, 5.0]), np.zeros(2, bool), interpolate=True) == (5.0, True)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=40), st.booleans()), min_size=1, max_size=80
    )
)
def test_interpolated_median_lies_within_the_step_it_crosses(
    data: list[tuple[int, bool]],
) -> None:
    durations = np.array([d for d, _ in data], dtype=float)
    observed = np.array([o for _, o in data])
    step, censored = km_median(durations, observed)
    smooth, smooth_censored = km_median(durations, observed, interpolate=True)
    assert smooth_censored == censored
    if censored:
        assert smooth == step
    else:
        earlier = durations[durations < step]
        assert (earlier.max() if earlier.size else 0.0) - 1e-9 <= smooth <= step + 1e-9


# --- the one interval of the mean ------------------------------------------------------------


def test_interval_is_the_student_t_interval_of_the_mean() -> None:
    mean, low, high, n = mean_interval([1.0, 2.0, 3.0, 4.0, float("nan"), "n/a"])
    half = stats.t.ppf(0.975, 3) * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, n) == (2.5, 4)
    assert (low, high) == pytest.approx((2.5 - half, 2.5 + half))


def test_one_value_has_no_interval_and_none_has_no_mean() -> None:
    one = mean_interval([7.0])
    assert (one.mean, one.n) == (7.0, 1) and math.isnan(one.low) and math.isnan(one.high)
    assert mean_interval([]).n == 0 and math.isnan(mean_interval([float("nan")]).mean)
