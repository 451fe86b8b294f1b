"""Scenario discovery on a sweep: which ranges of the varied parameters give wanted outcomes.

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9:123-143), written here in a few dozen
lines so that ``dtsim discover`` needs nothing beyond numpy (EMA Workbench, which has a
fuller PRIM, is only a development dependency of dtsim).

The cases are the runs of :func:`simulation.experiments.store.load_results` (one row per run; see
:func:`discover` for the option of design point means). A case is *of interest* when every
condition holds (``breaches_per_year < 14`` and ``satisfaction > 0.55``, say; strict
inequalities, a NaN outcome never meets a condition). PRIM starts from the box holding every
case and *peels*: at each step it tries, on every varied parameter, cutting off the
``alpha`` (5%) of the box's cases with the lowest or with the highest values, and keeps the
cut after which the share of cases of interest in the box is highest (a tie goes to the cut
removing the fewest cases). On a grid the 5% quantile is often the lowest level itself; the
cut then removes that whole level, the smallest cut possible. Peeling stops when the box
would hold less than ``min_mass`` of all cases, or no cut is left. Every box on the way is
one point of the *peeling trajectory*, described by

- **coverage**: the share of all cases of interest that are in the box;
- **density**: the share of the box's cases that are of interest;
- **mass**: the share of all cases that are in the box.

Coverage falls and density (mostly) rises along the trajectory. The *chosen box* is the
box with the highest coverage among those with ``density >= min_density`` (the widest
ranges that still give the wanted outcomes reliably enough); when no box reaches
``min_density`` it is the densest box, and :attr:`Discovery.reached` is false. The box's
limits are the lowest and highest values of its cases on each parameter (closed interval),
so on a grid they are levels of the grid.

No pasting step (the optional second stage of Friedman & Fisher) is done: on the grids and
Latin hypercubes of dtsim it rarely moves a limit by more than one level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.analysis.best import design_means
from simulation.experiments.store import (
    ResultsError,
    load_results,
    read_meta,
    varied_columns,
)
from simulation.text import format_value, render_table

ALPHA = 0.05
"""Share of the box's cases each peel removes (Friedman & Fisher's peeling fraction)."""

MIN_MASS = 0.05
"""Peeling stops before the box holds less than this share of all cases."""

MIN_DENSITY = 0.8
"""Default density the chosen box must reach (``--min-density``)."""

CSV_COLUMNS: tuple[str, ...] = (
    "parameter",
    "low",
    "high",
    "restricted",
    "coverage",
    "density",
    "mass",
    "cases",
    "of_interest",
    "unit",
    "conditions",
)
"""Columns of ``DIR/discovery.csv``: one row per varied parameter, the box's numbers repeated."""

OPERATORS: dict[str, str] = {"below": "<", "above": ">"}


@dataclass(frozen=True)
class Condition:
    """One wanted outcome: ``outcome < threshold`` (below) or ``outcome > threshold`` (above)."""

    outcome: str
    direction: str
    threshold: float

    def __str__(self) -> str:
        return f"{self.outcome} {OPERATORS[self.direction]} {self.threshold:g}"

    def met(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.direction == "below":
                return values < self.threshold
            return values > self.threshold


@dataclass(frozen=True)
class PrimResult:
    """A peeling trajectory: ``boxes[i]`` is (lows, highs), one value per column of x."""

    columns: tuple[str, ...]
    boxes: tuple[tuple[np.ndarray, np.ndarray], ...]
    trajectory: pd.DataFrame
    """One row per box: ``step, coverage, density, mass, n_restricted, cases, of_interest``."""


def prim(
    x: pd.DataFrame,
    y: np.ndarray | Sequence[bool],
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
) -> PrimResult:
    """Peel boxes over the numeric columns of ``x`` towards the cases where ``y`` is true."""
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    data = x.to_numpy(dtype=float)
    target = np.asarray(y, dtype=bool)
    if data.ndim != 2 or len(data) != len(target) or len(data) == 0:
        raise ValueError("x and y must have the same, non-zero number of rows")
    n_total, n_interest = len(data), int(target.sum())
    full_low, full_high = data.min(axis=0), data.max(axis=0)
    inside = np.ones(n_total, dtype=bool)
    boxes: list[tuple[np.ndarray, np.ndarray]] = []
    rows: list[dict[str, float | int]] = []

    def record(mask: np.ndarray) -> None:
        cases = data[mask]
        low, high = cases.min(axis=0), cases.max(axis=0)
        boxes.append((low, high))
        hits = int(target[mask].sum())
        rows.append(
            {
                "step": len(rows),
                "coverage": hits / n_interest if n_interest else math.nan,
                "density": hits / int(mask.sum()),
                "mass": int(mask.sum()) / n_total,
                "n_restricted": int(((low > full_low) | (high < full_high)).sum()),
                "cases": int(mask.sum()),
                "of_interest": hits,
            }
        )

    record(inside)
    while True:
        best: tuple[float, int, np.ndarray] | None = None
        for j in range(data.shape[1]):
            values = data[inside, j]
            levels = np.unique(values)
            if len(levels) < 2:
                continue
            low_cut = np.quantile(values, alpha)
            high_cut = np.quantile(values, 1 - alpha)
            # at least one level goes: on a grid the quantile is often the end level itself
            low_cut = max(low_cut, levels[1]) if low_cut <= levels[0] else low_cut
            high_cut = min(high_cut, levels[-2]) if high_cut >= levels[-1] else high_cut
            for keep in (data[:, j] >= low_cut, data[:, j] <= high_cut):
                candidate = inside & keep
                count = int(candidate.sum())
                if count == 0 or count < min_mass * n_total:
                    continue
                density = float(target[candidate].mean())
                removed = int(inside.sum()) - count
                if best is None or (density, -removed) > (best[0], -best[1]):
                    best = (density, removed, candidate)
        if best is None:
            break
        inside = best[2]
        record(inside)
    return PrimResult(tuple(x.columns), tuple(boxes), pd.DataFrame(rows))


def choose_box(trajectory: pd.DataFrame, min_density: float = MIN_DENSITY) -> tuple[int, bool]:
    """The step of the chosen box and whether it reached ``min_density`` (see module doc)."""
    eligible = trajectory[trajectory["density"] >= min_density - 1e-12]
    if eligible.empty:
        ranked = trajectory.sort_values(["density", "coverage"], ascending=False, kind="stable")
        return int(ranked.iloc[0]["step"]), False
    ranked = eligible.sort_values(["coverage", "density"], ascending=False, kind="stable")
    return int(ranked.iloc[0]["step"]), True


@dataclass(frozen=True)
class Discovery:
    """The outcome of :func:`discover`: the cases, the trajectory, the chosen box."""

    title: str
    conditions: tuple[Condition, ...]
    cases: pd.DataFrame
    """The varied parameters and ``of_interest`` (bool) of each case."""
    unit: str
    """``"runs"`` or ``"design points"``."""
    result: PrimResult
    step: int
    reached: bool
    min_density: float

    @property
    def row(self) -> pd.Series:
        return self.result.trajectory.iloc[self.step]

    def box(self) -> pd.DataFrame:
        """The chosen box: :data:`CSV_COLUMNS`, one row per varied parameter."""
        low, high = self.result.boxes[self.step]
        full_low, full_high = self.result.boxes[0]
        row = self.row
        table = pd.DataFrame(
            {
                "parameter": list(self.result.columns),
                "low": low,
                "high": high,
                "restricted": (low > full_low) | (high < full_high),
                "coverage": row["coverage"],
                "density": row["density"],
                "mass": row["mass"],
                "cases": int(row["cases"]),
                "of_interest": int(row["of_interest"]),
                "unit": self.unit,
                "conditions": " & ".join(str(c) for c in self.conditions),
            }
        )
        return table[list(CSV_COLUMNS)]

    def text(self) -> str:
        """The printed report: conditions, the box table, coverage, density and mass."""
        row = self.row
        total = int(self.cases["of_interest"].sum())
        lines = [
            f"{self.title}: {total} of {len(self.cases)} {self.unit} meet "
            + " and ".join(str(c) for c in self.conditions),
            "",
        ]
        box = self.box()
        body = [
            [
                r["parameter"],
                format_value(_native(r["low"])),
                format_value(_native(r["high"])),
                "yes" if r["restricted"] else "no (full range)",
            ]
            for r in box.to_dict("records")
        ]
        lines.append(render_table(["parameter", "low", "high", "restricted"], body, left=1))
        lines.append("")
        lines.append(
            f"box (PRIM step {self.step} of {len(self.result.trajectory) - 1}): "
            f"coverage {row['coverage']:.2f} (share of the cases of interest inside), "
            f"density {row['density']:.2f} (share of the box's cases of interest), "
            f"mass {row['mass']:.2f} (share of all cases inside)"
        )
        if not self.reached:
            lines.append(
                f"no box reaches density {self.min_density:g}; this is the densest box on "
                "the peeling trajectory"
            )
        return "\n".join(lines)


def discover(
    directory: str | Path,
    conditions: Sequence[Condition],
    min_density: float = MIN_DENSITY,
    means: bool = False,
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
) -> Discovery:
    """PRIM on a sweep's cases; ResultsError (one line) for unknown outcomes or no hits.

    By default the cases are the runs: density is then the chance that a run (a seed) in
    the box meets the conditions, so the seed-to-seed spread of the model counts, and a
    design with one replicate per point (LHS, Sobol') works the same. With ``means`` the cases
    are the design points' replicate means (:func:`simulation.analysis.best.design_means`): a
    point is of interest when its means meet the conditions, which ignores that spread.
    """
    if not conditions:
        raise ResultsError(
            "discover needs at least one condition (--outcome with --below or --above)"
        )
    meta = read_meta(directory)
    frame = load_results(directory)
    if frame.empty:
        raise ResultsError(f"{meta.folder}: no successful runs")
    varied = varied_columns(frame)
    if not varied:
        raise ResultsError(f"{meta.folder}: the sweep varies no parameter")
    known = [c for c in frame.columns if c not in {"run", "point", "replicate", "seed", *varied}]
    for condition in conditions:
        if condition.outcome not in known:
            raise ResultsError(
                f"unknown outcome {condition.outcome!r}; the sweep has: {', '.join(known)}"
            )
    outcomes = list(dict.fromkeys(c.outcome for c in conditions))
    table = design_means(frame, outcomes) if means else frame
    interest = np.logical_and.reduce([c.met(table[c.outcome].to_numpy()) for c in conditions])
    if not interest.any():
        raise ResultsError(
            f"no {'design point' if means else 'run'} meets "
            + " and ".join(str(c) for c in conditions)
            + "; loosen a threshold"
        )
    cases = table[varied].copy()
    cases["of_interest"] = interest
    result = prim(cases[varied], interest, alpha=alpha, min_mass=min_mass)
    step, reached = choose_box(result.trajectory, min_density)
    return Discovery(
        title=meta.title,
        conditions=tuple(conditions),
        cases=cases,
        unit="design points" if means else "runs",
        result=result,
        step=step,
        reached=reached,
        min_density=min_density,
    )


def _native(value: object) -> object:
    """A box limit as int when it is whole (integer parameters print without decimals)."""
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
