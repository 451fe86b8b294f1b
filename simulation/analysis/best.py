"""The best settings of a sweep: replicate means of design points, the best of each outcome,
and the Pareto set of the trade-off.

Frames in, frames out (:func:`simulation.experiments.store.load_results` gives the frame):
no files, no figures, no models. A *design point* is one setting of the varied parameters;
its replicates differ only in the seed. Everything here ranks settings by the replicate
means of design points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.ranges import RANGES
from simulation.experiments.store import ResultsError, ok_runs, varied_columns
from simulation.model.outputs import DIRECTIONS, HEADLINE
from simulation.stats import mean_interval

OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("ttm_all", "min"),
    ("breaches_per_year", "min"),
    ("satisfaction", "max"),
)
"""The trade-off of :func:`pareto_set`: faster, fewer breaches, happier customers."""


def design_means(frame: pd.DataFrame, outcomes: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Replicate means of each design point: ``point``, the varied parameters, ``n``, outcomes.

    ``n`` counts the point's runs. For an outcome with a ``<key>_censored`` flag in the
    frame, the column ``<key>_censored`` is the share of the point's runs whose value was
    censored (a lower bound). Points are keyed by ``point`` when the frame has it, else by the
    varied values. Failed runs (``status`` other than ``ok``) are left out.
    """
    runs = ok_runs(frame)
    varied = varied_columns(frame)
    keys = ["point"] if "point" in runs.columns else varied
    missing = [k for k in outcomes if k not in runs.columns]
    if missing:
        raise ResultsError(f"outcomes not in the results: {', '.join(missing)}")
    flags = [f"{k}_censored" for k in outcomes if f"{k}_censored" in runs.columns]
    columns = [*dict.fromkeys([*keys, *varied]), *outcomes, *flags]
    if not keys:
        runs = runs.assign(point=0)
        keys, columns = ["point"], ["point", *columns]
    grouped = runs[columns].groupby(keys, sort=True, dropna=False)
    means = grouped[[*outcomes, *flags]].mean()
    first = grouped[[c for c in varied if c not in keys]].first()
    table = pd.concat([first, grouped.size().rename("n"), means], axis=1).reset_index()
    order = [*dict.fromkeys([*keys, *varied]), "n", *outcomes, *flags]
    out = table[order].reset_index(drop=True)
    out.attrs["varied"] = varied
    return out


def pareto_mask(values: np.ndarray, minimise: Sequence[bool]) -> np.ndarray:
    """Which rows of ``values`` (points x objectives) are not dominated by another row.

    Row ``j`` dominates row ``i`` when it is at least as good on every objective and better
    on at least one; ``minimise[k]`` says which way objective ``k`` is better. Rows with a
    NaN are never efficient and never dominate. Equal rows do not dominate each other, so
    ties are all kept.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(minimise):
        raise ValueError(f"values must be points x {len(minimise)} objectives, got {x.shape}")
    sign = np.where(np.asarray(minimise, dtype=bool), 1.0, -1.0)
    cost = x * sign  # lower is better on every column
    finite = np.isfinite(cost).all(axis=1)
    candidates = cost[finite]
    efficient = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(finite):
        no_worse = (candidates <= cost[i]).all(axis=1)
        better = (candidates < cost[i]).any(axis=1)
        efficient[i] = not bool((no_worse & better).any())
    return efficient


def pareto_set(
    frame: pd.DataFrame, objectives: Sequence[tuple[str, str]] = OBJECTIVES
) -> pd.DataFrame:
    """Design points not dominated on (``ttm_all`` ↓, ``breaches_per_year`` ↓, ``satisfaction`` ↑).

    Works on replicate means (:func:`design_means`): a point is Pareto-efficient when no
    other point is at least as good on all three objectives and strictly better on one, so
    each kept point is a different trade-off between speed, security and customers, and
    every point left out is beaten on all three by some kept one. Points with a NaN mean on
    an objective are left out (they cannot be compared). The means carry sampling error, so
    points near the front may swap in and out with more replicates. Rows are sorted by the
    first objective; columns as :func:`design_means`, with ``shadow_share`` kept for context.
    """
    keys = [k for k, _ in objectives]
    shown = list(dict.fromkeys([*keys, *(k for k in HEADLINE if k in ok_runs(frame).columns)]))
    means = design_means(frame, shown)
    mask = pareto_mask(means[keys].to_numpy(), [d == "min" for _, d in objectives])
    front = means[mask].sort_values([*keys, *(["point"] if "point" in means else [])])
    front = front.reset_index(drop=True)
    front.attrs["varied"] = means.attrs["varied"]
    return front


BEST_COLUMNS: tuple[str, ...] = ("outcome", "direction", "point", "mean", "low", "high", "n")
"""Columns of :func:`best_settings`: the varied parameters follow ``point``, and a last column
``censored`` is true when the best mean includes a censored (lower-bound) replicate value."""


def best_settings(frame: pd.DataFrame, directions: dict[str, str] | None = None) -> pd.DataFrame:
    """For each headline outcome, the design point with the best replicate mean.

    Best is the lowest mean of ``ttm_all``, ``shadow_share`` and ``breaches_per_year`` and the
    highest of ``satisfaction`` (:data:`DIRECTIONS`); a tie goes to the lower point. Each row
    gives the point, its varied values, the mean with its 95% Student-t interval over the
    point's replicates (NaN interval with one replicate) and ``n``, the replicates with a
    value. The best of many noisy means is biased towards luck (the winner's curse): rerun
    the chosen setting with fresh seeds before quoting its mean.
    """
    directions = dict(DIRECTIONS if directions is None else directions)
    runs = ok_runs(frame)
    varied = varied_columns(frame)
    means = design_means(frame, [k for k in directions if k in runs.columns])
    keys = ["point"] if "point" in runs.columns else varied
    rows = []
    for key, direction in directions.items():
        if key not in means.columns or means[key].isna().all():
            continue
        values = means[key].to_numpy(dtype=float)
        best = int(np.nanargmin(values) if direction == "min" else np.nanargmax(values))
        chosen = means.iloc[best]
        if keys:
            match = np.logical_and.reduce([runs[k] == chosen[k] for k in keys])
            sample = runs.loc[match, key]
        else:
            sample = runs[key]
        mean, low, high, n = mean_interval(sample, bounds=RANGES.get(key))
        if n < 2:
            low = high = math.nan
        row: dict[str, Any] = {"outcome": key, "direction": direction}
        row["point"] = int(chosen["point"]) if "point" in means.columns else best
        row.update({name: chosen[name] for name in varied})
        row.update({"mean": mean, "low": low, "high": high, "n": n})
        flag = f"{key}_censored"
        row["censored"] = bool(flag in means.columns and chosen[flag] > 0)
        rows.append(row)
    columns = [*BEST_COLUMNS[:3], *varied, *BEST_COLUMNS[3:]]
    table = pd.DataFrame(rows, columns=[*columns, "censored"])
    table["censored"] = table["censored"].astype(bool)
    for name in varied:
        if name in frame.columns:
            table[name] = table[name].astype(frame[name].dtype)
    table.attrs["varied"] = varied
    return table


__all__ = [
    "BEST_COLUMNS",
    "OBJECTIVES",
    "best_settings",
    "design_means",
    "pareto_mask",
    "pareto_set",
]
