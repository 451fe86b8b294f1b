"""Outcome tables for the terminal: mean and 95% interval over replicates, one column per scenario.

Reads the summary frame of :func:`simulation.runner.run_scenario`; the rows and their labels
come from :data:`simulation.reporters.SUMMARY_LABELS`, headline outcomes first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

CONFIDENCE = 0.95


def mean_interval(values: Iterable[float]) -> tuple[float, float, float, int]:
    """Mean and Student-t interval of the mean over replicates, ignoring NaN.

    Returns (mean, low, high, n); with fewer than two values the interval is the value itself
    (or NaN when there is none). Replicates are independent runs, so the t-interval is exact
    under normality and a fair approximation for the run means reported here.
    """
    from scipy import stats

    x = np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def format_number(x: float) -> str:
    """Three or four significant figures without scientific notation."""
    if not math.isfinite(x):
        return "n/a"
    size = abs(x)
    if size >= 1000:
        return f"{x:,.0f}"
    if size >= 100:
        return f"{x:.0f}"
    if size >= 10:
        return f"{x:.1f}"
    if size >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def format_cell(values: Iterable[float]) -> str:
    """``mean [low, high]`` over replicates, or the single value of a single run."""
    mean, low, high, n = mean_interval(values)
    if n <= 1:
        return format_number(mean)
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def outcome_rows(
    labels: dict[str, tuple[str, str]], headline: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(key, label, unit) in the order of ``labels``; headline keys it lacks come first.

    The labels' order is kept (not headline first) because indented labels read as parts of
    the row above them.
    """
    missing = [k for k in headline if k not in labels]
    return [(k, k, "") for k in missing] + [(k, *labels[k]) for k in labels]


def format_outcome(summary: pd.DataFrame, key: str) -> str:
    """One table cell; ``>`` marks a lower bound when a replicate's ``<key>_censored`` is set.

    The model flags a median that was still censored at the end of the run (fewer than half
    of the requests launched): only a lower bound is known, never a measured value.
    """
    if key not in summary:
        return "n/a"
    cell = format_cell(summary[key])
    flag = f"{key}_censored"
    censored = flag in summary and bool((pd.to_numeric(summary[flag], errors="coerce") > 0).any())
    return f">{cell}" if censored and cell != "n/a" else cell


def summary_table(summary: pd.DataFrame, scenarios: Sequence[str] | None = None) -> str:
    """A plain-text table of outcomes (rows) by scenario (columns); ``*`` marks the headline."""
    from simulation.reporters import HEADLINE, SUMMARY_LABELS

    if scenarios is None:
        scenarios = list(dict.fromkeys(summary["scenario"]))
    header = ["", "outcome", "unit", *scenarios]
    body = []
    for key, label, unit in outcome_rows(SUMMARY_LABELS, HEADLINE):
        runs = [summary[summary["scenario"] == name] for name in scenarios]
        mark = "*" if key in HEADLINE else ""
        body.append([mark, label, unit, *(format_outcome(r, key) for r in runs)])
    return _render(header, body)


def interval_note(replicates: int, summary: pd.DataFrame | None = None) -> str:
    """What the numbers in :func:`summary_table` are, as one line under it."""
    from simulation.reporters import SUMMARY_LABELS

    if replicates == 1:
        what = "one run; use --replicates 10 or more for 95% intervals"
    else:
        what = f"mean [{CONFIDENCE:.0%} t-interval of the mean] over {replicates} replicates"
    notes = ["* headline outcome", what]
    flags = [
        f"{k}_censored"
        for k in SUMMARY_LABELS
        if summary is not None and f"{k}_censored" in summary
    ]
    if any(bool((pd.to_numeric(summary[f], errors="coerce") > 0).any()) for f in flags):
        notes.append("> censored: fewer than half launched by the end, a lower bound")
    return "; ".join(notes)


def _render(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        text = [
            c.ljust(w) if i < 3 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(text).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


__all__ = [
    "format_cell",
    "format_number",
    "format_outcome",
    "interval_note",
    "mean_interval",
    "outcome_rows",
    "summary_table",
]
