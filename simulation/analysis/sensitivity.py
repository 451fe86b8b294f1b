"""Global sensitivity analysis of a sweep: Sobol' indices or Morris elementary effects.

In the flow: an experiment file with ``sampler = "saltelli"`` or ``"morris"``
(:mod:`simulation.experiments.experiment` draws SALib's design) ->
:func:`simulation.experiments.sweep.run_sweep` (the same parallel, Dask and resumable
machinery as ``dtsim sweep``, the same store) ->
:func:`analyze_store` (replicate means per design point, in run order, which is SALib's
sample order) -> :func:`analyze` (SALib, per headline outcome) -> ``DIR/sensitivity.csv``
and ``DIR/figures/sensitivity.png`` / ``.svg``.

:func:`analyze` knows nothing of the store or the model: it takes the design in the unit
cube and one column of outputs per outcome, so it can be checked on known functions.

- ``saltelli``: first-order ``S1`` and total-order ``ST`` Sobol' indices with their 95%
  bootstrap half-widths (``SALib.analyze.sobol.analyze``, no second order): Sobol' (2001),
  Saltelli et al. (2010).
- ``morris``: ``mu_star`` (mean absolute elementary effect), its 95% bootstrap half-width,
  ``sigma`` (spread of the effects: interactions or non-linearity) and ``mu``
  (``SALib.analyze.morris.analyze``): Morris (1991), Campolongo et al. (2007). The design
  is in the unit cube, so an effect is the change of the outcome when a parameter moves by
  ``p / (2 (p - 1))`` of its range (2/3 with the default 4 levels): effects of parameters
  with different units compare directly.

Replicates are averaged per design point before the analysis. Every point's replicate ``r``
has the same seed (common random numbers), so a parameter the model never reads has an
effect of exactly 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.experiment import (
    MORRIS_LEVELS,
    SENSITIVITY_SAMPLERS,
    Experiment,
)
from simulation.model.outputs import HEADLINE

METHODS: dict[str, str] = {"saltelli": "sobol", "morris": "morris"}
"""Sampler of the experiment file -> analysis method."""
COLUMNS: dict[str, tuple[str, ...]] = {
    "sobol": ("outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"),
}
"""Columns of ``sensitivity.csv`` per method."""
CONF_LEVEL = 0.95
NUM_RESAMPLES = 1000


class SensitivityError(ValueError):
    """An experiment cannot be analysed (not a sensitivity design, runs missing); one line."""


def method_of(experiment: Experiment) -> str:
    """``"sobol"`` or ``"morris"``; SensitivityError for another sampler."""
    if experiment.sampler not in METHODS:
        raise SensitivityError(
            f'{experiment.where}: sampler = "{experiment.sampler}" is not a sensitivity '
            f"design; allowed: {', '.join(repr(s) for s in SENSITIVITY_SAMPLERS)} "
            "(see docs/sensitivity.md)"
        )
    return METHODS[experiment.sampler]


# --- the analysis, independent of the store ------------------------------------------------


def analyze(
    method: str,
    names: Sequence[str],
    design: Any,
    outputs: pd.DataFrame,
    *,
    levels: int = MORRIS_LEVELS,
    seed: int = 0,
    num_resamples: int = NUM_RESAMPLES,
) -> pd.DataFrame:
    """Sensitivity indices of each output column to each input, one row per pair.

    ``design``: the unit-cube design, one row per point, in SALib's sample order
    (``Experiment.unit_design()``); ``outputs``: one row per point in the same order, one
    column per outcome. Returns the columns of :data:`COLUMNS` ``[method]``, outcomes in
    ``outputs``' order, parameters in ``names``' order. An outcome that does not vary at
    all has every index 0 (Morris) or NaN (Sobol': undefined).
    """
    if method not in COLUMNS:
        raise SensitivityError(f"unknown method {method!r}; allowed: sobol, morris")
    x = np.asarray(design, dtype=float)
    names = list(names)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise SensitivityError(f"design has shape {x.shape}; expected (points, {len(names)})")
    if len(outputs) != len(x):
        raise SensitivityError(f"{len(outputs)} output rows for {len(x)} design points")
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rows: list[dict[str, Any]] = []
    for outcome in outputs.columns:
        y = np.asarray(outputs[outcome], dtype=float)
        if not np.all(np.isfinite(y)):
            bad = int(np.sum(~np.isfinite(y)))
            raise SensitivityError(
                f"outcome {outcome!r} is missing (NaN) at {bad} of {len(y)} design points; "
                "SALib needs every point"
            )
        result = _indices(method, problem, x, y, levels, seed, num_resamples)
        for i, name in enumerate(names):
            row: dict[str, Any] = {"outcome": outcome, "parameter": name}
            row.update({key: float(result[key][i]) for key in COLUMNS[method][2:]})
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS[method]))


def _indices(
    method: str,
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    levels: int,
    seed: int,
    num_resamples: int,
) -> dict[str, np.ndarray]:
    d = problem["num_vars"]
    constant = bool(np.ptp(y) == 0)
    if method == "morris":
        if constant:
            zero = np.zeros(d)
            return {"mu_star": zero, "mu_star_conf": zero, "sigma": zero, "mu": zero}
        from SALib.analyze import morris

        with np.errstate(all="ignore"):
            res = morris.analyze(
                problem,
                x,
                y,
                num_resamples=num_resamples,
                conf_level=CONF_LEVEL,
                num_levels=levels,
                seed=seed,
            )
        return {
            k: np.asarray(res[k], dtype=float) for k in ("mu_star", "mu_star_conf", "sigma", "mu")
        }
    if constant:
        nan = np.full(d, math.nan)
        return {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    from SALib.analyze import sobol

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=num_resamples,
            conf_level=CONF_LEVEL,
            seed=bootstrap_seed(seed),
        )
    return {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def bootstrap_seed(seed: int) -> int:
    """A never-zero seed for SALib's Sobol' bootstrap, derived from the experiment's.

    ``sobol.analyze`` seeds its resampling only ``if seed:``, so seed 0 (the shipped
    experiments') drew from numpy's global, unseeded generator and the intervals changed
    from run to run."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


# --- from the store ------------------------------------------------------------------------


def point_means(folder: str | Path, experiment: Experiment) -> pd.DataFrame:
    """Replicate means of the headline outcomes, one row per design point, in run order.

    Checks that the store holds at least one successful run of every point and that its
    points are the experiment's (the sweep refuses a changed experiment already; this
    guards a store analysed with another file).
    """
    from simulation.analysis.best import design_means
    from simulation.experiments.store import load_results

    frame = load_results(folder)
    means = design_means(frame, HEADLINE).sort_values("point").reset_index(drop=True)
    n = experiment.n_points
    present = set(means["point"].tolist())
    missing = [p for p in range(n) if p not in present]
    if missing:
        shown = ", ".join(str(p) for p in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise SensitivityError(
            f"{folder}: {len(missing)} of {n} design points have no successful run "
            f"(points {shown}); run the sweep again (with --retry-failed for failed runs)"
        )
    expected = pd.DataFrame(experiment.points())
    for name in experiment.varied:
        if not np.allclose(means[name].to_numpy(float), expected[name].to_numpy(float)):
            raise SensitivityError(
                f"{folder}: the stored points of {name} are not {experiment.where}'s design"
            )
    return means


def analyze_store(folder: str | Path, experiment: Experiment) -> pd.DataFrame:
    """:func:`analyze` of a finished sensitivity sweep's store, per headline outcome."""
    method = method_of(experiment)
    means = point_means(folder, experiment)
    return analyze(
        method,
        experiment.varied,
        experiment.unit_design(),
        means[list(HEADLINE)],
        levels=experiment.levels or MORRIS_LEVELS,
        seed=experiment.seed,
    )


# --- text ----------------------------------------------------------------------------------


def ranking(table: pd.DataFrame, method: str) -> dict[str, list[str]]:
    """Parameters per outcome, most influential first (by ST for Sobol', mu* for Morris)."""
    key = "ST" if method == "sobol" else "mu_star"
    return {
        outcome: part.sort_values(key, ascending=False, kind="stable")["parameter"].tolist()
        for outcome, part in table.groupby("outcome", sort=False)
    }


def format_table(table: pd.DataFrame, method: str) -> str:
    """The indices as an aligned text table, parameters ranked per outcome."""
    from simulation.text import render_table

    key = "ST" if method == "sobol" else "mu_star"
    value_columns = list(COLUMNS[method][2:])
    body = []
    for _, part in table.groupby("outcome", sort=False):
        for _, row in part.sort_values(key, ascending=False, kind="stable").iterrows():
            body.append(
                [row["outcome"], row["parameter"], *(f"{row[c]:.4g}" for c in value_columns)]
            )
    return render_table(["outcome", "parameter", *value_columns], body, left=2)


__all__ = [
    "COLUMNS",
    "METHODS",
    "SensitivityError",
    "analyze",
    "analyze_store",
    "format_table",
    "method_of",
    "point_means",
    "ranking",
]
