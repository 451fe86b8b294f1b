"""Figures of a sweep, chosen by the shape of its design, drawn from the results store.

The last stop after :mod:`simulation.experiments.store`: it reads the tidy frame of
:func:`simulation.experiments.store.load_results`, averages the replicates of each design
point and draws. Which figures depend on the design (:func:`design_shape`):

- two varied parameters on a full grid: one heatmap per headline outcome
  (``heatmap_<outcome>``), the best cell outlined;
- one varied parameter, or two on a grid where one has at most :data:`MAX_SERIES` levels
  (budget_control: collaboration as the series): ``lines``, the replicate mean against the
  parameter with its 95% t-band, one panel per headline outcome;
- any sweep: ``tradeoff``, time to market against breaches per design point, coloured by
  satisfaction, the Pareto-efficient points (:func:`simulation.analysis.best.pareto_set`)
  outlined and labelled;
- any other design with two or more varied parameters (LHS, Sobol, grids of three or more):
  ``effects``, each headline outcome against each varied parameter (a small multiple).

Each figure is written as PNG and SVG. As in :mod:`simulation.viz.plots`, only matplotlib's object
API with the Agg canvas is used (no pyplot), colours are Okabe-Ito for categories and
viridis for sequential values (both safe for the common colour-vision deficiencies), and file
metadata carry no clock, so the same store gives the same files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from simulation.analysis.best import OBJECTIVES, design_means, pareto_mask
from simulation.analysis.ranges import RANGES
from simulation.experiments.factors import is_factor
from simulation.experiments.store import (
    FIGURES_DIR,
    ResultsError,
    load_results,
    read_meta,
    store_path,
    varied_columns,
)
from simulation.model.outputs import BY_NAME, DIRECTIONS, HEADLINE, SUMMARY_LABELS
from simulation.model.params import PARAMETERS
from simulation.stats import CONFIDENCE, mean_interval
from simulation.text import format_number, format_value
from simulation.viz.style import DPI, LINESTYLES, OKABE_ITO, SEQUENTIAL, save_figure

MISSING_COLOR = "#d9d9d9"
"""Heatmap cells with no successful run."""

MAX_SERIES = 4
"""A parameter with at most this many levels may be drawn as separate lines."""

MAX_ANNOTATED = 12
"""Heatmaps up to this many cells a side carry their values as text."""

MAX_LABELS = 8
"""Most Pareto points labelled in the trade-off figure: the extremes, then a spread."""

MARKERS: tuple[str, ...] = ("o", "s", "^", "D")


@dataclass(frozen=True)
class DesignShape:
    """What a sweep's design looks like: its varied parameters and how their levels combine.

    ``grid`` is true when the design points are every combination of the parameters' levels
    (a full factorial); a Latin hypercube or Sobol design has as many levels as points, so it
    is never a grid with two or more parameters.
    """

    varied: tuple[str, ...]
    levels: dict[str, int]
    points: int

    @property
    def grid(self) -> bool:
        return self.points == math.prod(self.levels.values())

    @property
    def heatmaps(self) -> bool:
        return len(self.varied) == 2 and self.grid and min(self.levels.values()) >= 2

    @property
    def lines(self) -> tuple[str, str | None] | None:
        """(x, series) of the lines figure, or None when the design has no such reading."""
        if len(self.varied) == 1:
            return self.varied[0], None
        if len(self.varied) == 2 and self.grid:
            first, second = self.varied
            series, x = (
                (first, second) if self.levels[first] < self.levels[second] else (second, first)
            )
            if self.levels[series] <= MAX_SERIES and self.levels[x] >= 2:
                return x, series
        return None

    @property
    def effects(self) -> bool:
        return len(self.varied) >= 2 and not self.heatmaps and self.lines is None


def design_shape(frame: pd.DataFrame) -> DesignShape:
    """The shape of the design behind a results frame (from its distinct design points)."""
    varied = tuple(varied_columns(frame))
    means = design_means(frame, [])
    levels = {name: int(means[name].nunique()) for name in varied}
    return DesignShape(varied, levels, len(means))


# --- entry point -----------------------------------------------------------------------


def plot_results(directory: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write the figures of a sweep to ``DIR/figures`` (or ``out``); return the paths written.

    The figures depend on the design (see the module docstring); each is written as
    ``<name>.png`` and ``<name>.svg``. Raises ResultsError when the folder is not a sweep's,
    or no run has succeeded yet.
    """
    meta = read_meta(directory)
    frame = load_results(directory)
    if frame.empty:
        raise ResultsError(f"{meta.folder}: no successful runs to plot")
    folder = store_path(directory).parent / FIGURES_DIR if out is None else Path(out)
    if folder.exists() and not folder.is_dir():
        raise ResultsError(f"{folder}: exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, fig in sweep_figures(frame, meta.title).items():
        paths.extend(save_figure(fig, folder, name))
    return paths


def sweep_figures(frame: pd.DataFrame, title: str | None = None) -> dict[str, Figure]:
    """The figures :func:`plot_results` writes, by file stem, not saved yet."""
    shape = design_shape(frame)
    figures: dict[str, Figure] = {}
    outcomes = [k for k in HEADLINE if k in frame.columns]
    if shape.heatmaps:
        for key in outcomes:
            figures[f"heatmap_{key}"] = heatmap_figure(frame, key, title)
    if shape.lines is not None:
        x, series = shape.lines
        figures["lines"] = lines_figure(frame, x, series, title)
    figures["tradeoff"] = tradeoff_figure(frame, title)
    if shape.effects:
        figures["effects"] = effects_figure(frame, title)
    return figures


# --- heatmaps --------------------------------------------------------------------------


def heatmap_figure(frame: pd.DataFrame, key: str, title: str | None = None) -> Figure:
    """One headline outcome over a two-parameter grid: replicate mean per cell.

    The first varied parameter is across, the second up. The best cell (lowest, or highest
    for satisfaction) is outlined; ``>`` marks a cell where some replicate's value was a
    censored lower bound.
    """
    x, y = varied_columns(frame)[:2]
    means = design_means(frame, [key])
    grid = means.pivot_table(index=y, columns=x, values=key, aggfunc="mean", dropna=False)
    xs, ys = list(grid.columns), list(grid.index)
    values = grid.to_numpy(dtype=float)
    flag = f"{key}_censored"
    censored = (
        means.pivot_table(index=y, columns=x, values=flag, aggfunc="max", dropna=False)
        .reindex(index=ys, columns=xs)
        .to_numpy(dtype=float)
        if flag in means.columns
        else np.zeros_like(values)
    )
    label, unit = _label(key)
    fig = Figure(
        figsize=(
            min(max(5.0, 0.55 * len(xs) + 2.8), 14.0),
            min(max(4.0, 0.4 * len(ys) + 2.2), 11.0),
        ),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    cmap = matplotlib.colormaps[SEQUENTIAL].with_extremes(bad=MISSING_COLOR)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        interpolation="nearest",
    )
    _ticks(ax, "x", xs)
    _ticks(ax, "y", ys)
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"{_short(key)} ({unit})" if unit else _short(key))
    if len(xs) <= MAX_ANNOTATED and len(ys) <= MAX_ANNOTATED:
        _annotate(ax, image, values, censored)
    if np.isfinite(values).any():
        best = np.nanargmin(values) if DIRECTIONS.get(key, "min") == "min" else np.nanargmax(values)
        row, col = np.unravel_index(best, values.shape)
        for colour, width in (("black", 3.0), ("white", 1.2)):
            ax.add_patch(
                Rectangle(
                    (col - 0.5, row - 0.5),
                    1,
                    1,
                    fill=False,
                    edgecolor=colour,
                    lw=width,
                    zorder=3,
                )
            )
    better = "lower" if DIRECTIONS.get(key, "min") == "min" else "higher"
    replicates = int(means["n"].max())
    ax.set_title(
        f"{label}\nmean of {_replicates(replicates)} per cell, {better} is better (best outlined)",
        fontsize="medium",
    )
    if title:
        fig.suptitle(title, fontsize="large", parse_math=False)
    return fig


def regret_figure(
    table: pd.DataFrame,
    recommended: int,
    robust: int,
    unit: str = "score",
    title: str | None = None,
) -> Figure:
    """A decision over a two-parameter grid (:func:`simulation.analysis.decision.decide`'s
    table): each setting's regret on average and in its worst tenth, the recommended setting
    outlined and the most robust one dashed. Regret is how far a setting falls behind the best
    setting of the same replicate (the same seed and posterior draw): 0 is never behind."""
    x, y = table.attrs["varied"][:2]
    fig = Figure(figsize=(11.0, 4.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    marks = {robust: ("dashed", "most robust"), recommended: ("solid", "recommended")}
    for ax, column, heading in zip(
        axes, ("regret", "regret_p90"), ("on average", "in the worst tenth"), strict=True
    ):
        grid = table.pivot_table(index=y, columns=x, values=column, aggfunc="mean", dropna=False)
        xs, ys = list(grid.columns), list(grid.index)
        values = grid.to_numpy(dtype=float)
        cmap = matplotlib.colormaps[SEQUENTIAL].with_extremes(bad=MISSING_COLOR)
        image = ax.imshow(np.ma.masked_invalid(values), origin="lower", aspect="auto",
                          cmap=cmap, interpolation="nearest")  # fmt: skip
        _ticks(ax, "x", xs)
        _ticks(ax, "y", ys)
        ax.set_xlabel(_axis_label(x))
        ax.set_ylabel(_axis_label(y))
        fig.colorbar(image, ax=ax).set_label(f"regret ({unit})")
        if len(xs) <= MAX_ANNOTATED and len(ys) <= MAX_ANNOTATED:
            _annotate(ax, image, values, np.zeros_like(values))
        for point, (style, _) in marks.items():
            row = table.loc[table["point"] == point].iloc[0]
            col, line = xs.index(row[x]), ys.index(row[y])
            for colour, width in (("black", 3.0), ("white", 1.2)):
                ax.add_patch(Rectangle((col - 0.5, line - 0.5), 1, 1, fill=False,
                                       edgecolor=colour, lw=width, ls=style, zorder=3))  # fmt: skip
        ax.set_title(f"regret {heading} (lower is better)", fontsize="medium")
    if recommended == robust:
        handles = [Line2D([], [], color="black", label="recommended, also the most robust")]
    else:
        handles = [Line2D([], [], color="black", ls=st, label=lb) for st, lb in marks.values()]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    if title:
        fig.suptitle(title, fontsize="large", parse_math=False)
    return fig


def _annotate(ax: Axes, image, values: np.ndarray, censored: np.ndarray) -> None:
    for row in range(values.shape[0]):
        for col in range(values.shape[1]):
            value = values[row, col]
            if not math.isfinite(value):
                ax.text(col, row, "n/a", ha="center", va="center", fontsize="x-small")
                continue
            red, green, blue, _ = image.cmap(image.norm(value))
            light = 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45
            mark = ">" if censored[row, col] > 0 else ""
            ax.text(
                col,
                row,
                mark + format_number(value),
                ha="center",
                va="center",
                fontsize="x-small",
                color="black" if light else "white",
            )


def _ticks(ax: Axes, axis: str, levels: Sequence[object]) -> None:
    step = max(1, math.ceil(len(levels) / 12))
    positions = list(range(0, len(levels), step))
    labels = [format_value(levels[i]) for i in positions]
    if axis == "x":
        ax.set_xticks(positions, labels=labels)
    else:
        ax.set_yticks(positions, labels=labels)


# --- lines -----------------------------------------------------------------------------


def lines_figure(
    frame: pd.DataFrame, x: str, series: str | None = None, title: str | None = None
) -> Figure:
    """Each headline outcome against ``x``: replicate mean and its 95% t-band, per ``series``."""
    outcomes = [k for k in HEADLINE if k in frame.columns]
    runs = frame[frame["status"] == "ok"] if "status" in frame.columns else frame
    levels = [None] if series is None else sorted(runs[series].dropna().unique())
    ncols = 2 if len(outcomes) > 1 else 1
    nrows = math.ceil(len(outcomes) / ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.3 * nrows + 0.9), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    axes = list(grid.ravel())
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    banded = False
    for ax, key in zip(axes, outcomes, strict=False):
        for index, level in enumerate(levels):
            subset = runs if level is None else runs[runs[series] == level]
            table = _intervals(subset, x, key)
            colour, style = _style(index)
            ax.plot(
                table[x],
                table["mean"],
                color=colour,
                ls=style,
                lw=1.6,
                marker=MARKERS[index % len(MARKERS)],
                ms=3.5,
            )
            band = table[table["n"] >= 2]
            if not band.empty:
                banded = True
                ax.fill_between(band[x], band["low"], band["high"], color=colour, alpha=0.18, lw=0)
        label, unit = _label(key)
        ax.set_title(label, fontsize="medium")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in grid[-1]:
        ax.set_xlabel(_axis_label(x))
    replicates = int(runs.groupby("point" if "point" in runs else x)["replicate"].nunique().max())
    if series is None:
        handles: list[Line2D | Patch] = [
            Line2D([], [], color=OKABE_ITO[0], marker=MARKERS[0], label="replicate mean")
        ]
    else:
        handles = [
            Line2D(
                [],
                [],
                color=_style(i)[0],
                ls=_style(i)[1],
                marker=MARKERS[i % len(MARKERS)],
                label=f"{series} = {format_value(level)}",
            )
            for i, level in enumerate(levels)
        ]
    if banded:
        band_colour = OKABE_ITO[0] if series is None else "#555555"
        handles.append(
            Patch(color=band_colour, alpha=0.25, label=f"{CONFIDENCE:.0%} t-interval of the mean")
        )
    fig.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False
    )
    note = f"replicate mean over {_replicates(replicates)} per point"
    fig.suptitle(f"{title}: {note}" if title else note, fontsize="large", parse_math=False)
    return fig


def _intervals(runs: pd.DataFrame, x: str, key: str) -> pd.DataFrame:
    """Mean, t-interval and n of ``key`` at each value of ``x``, sorted by ``x``."""
    rows = []
    for value, group in runs.groupby(x, sort=True):
        mean, low, high, n = mean_interval(group[key], bounds=RANGES.get(key))
        rows.append({x: value, "mean": mean, "low": low, "high": high, "n": n})
    return pd.DataFrame(rows, columns=[x, "mean", "low", "high", "n"])


# --- trade-off -------------------------------------------------------------------------


def tradeoff_figure(frame: pd.DataFrame, title: str | None = None) -> Figure:
    """Time to market (x) against breaches (y) per design point, coloured by satisfaction.

    Replicate means. Outlined: the Pareto-efficient points, those no other point beats on
    all of time to market (lower), breaches (lower) and satisfaction (higher). Up to
    :data:`MAX_LABELS` of them carry their parameter values. A right-pointing triangle marks
    a point whose time to market was censored in some replicate (a lower bound).
    """
    keys = [k for k, _ in OBJECTIVES]
    means = design_means(frame, keys)
    varied = varied_columns(frame)
    efficient = pareto_mask(means[keys].to_numpy(), [d == "min" for _, d in OBJECTIVES])
    shown = means[np.isfinite(means[keys].to_numpy(dtype=float)).all(axis=1)]
    left_out = len(means) - len(shown)
    flag = "ttm_all_censored"
    censored = (shown[flag] > 0).to_numpy() if flag in shown else np.zeros(len(shown), dtype=bool)
    fig = Figure(figsize=(7.2, 5.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    low, high = _range(shown["satisfaction"])
    norm = Normalize(low, high)
    cmap = matplotlib.colormaps[SEQUENTIAL]
    kept = efficient[shown.index.to_numpy()]
    size = 28 if len(shown) <= 200 else 12
    scatter = None
    for marker, mask in (("o", ~censored), (">", censored)):
        for front in (False, True):
            part = shown[mask & (kept == front)]
            if part.empty:
                continue
            scatter = ax.scatter(
                part["ttm_all"],
                part["breaches_per_year"],
                c=part["satisfaction"],
                cmap=cmap,
                norm=norm,
                marker=marker,
                s=size * (2.2 if front else 1.0),
                edgecolors="black" if front else "none",
                linewidths=1.4 if front else 0,
                zorder=3 if front else 2,
                alpha=1.0 if front else 0.85,
            )
    if scatter is not None:
        bar = fig.colorbar(scatter, ax=ax)
        bar.set_label(_axis_label_outcome("satisfaction"))
    front = shown[kept]
    short = short_names(varied)
    _label_points(ax, _pick_labels(front), varied, short, shown)
    ax.set_xlabel(_axis_label_outcome("ttm_all"))
    ax.set_ylabel(_axis_label_outcome("breaches_per_year"))
    ax.grid(alpha=0.3, lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=7,
            mfc="#bbbbbb",
            mec="black",
            mew=1.4,
            label=f"Pareto-efficient ({len(front)} of {len(shown)})",
        ),
        Line2D([], [], ls="", marker="o", ms=5, mfc="#bbbbbb", mec="none", label="dominated"),
    ]
    if censored.any():
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker=">",
                ms=5,
                mfc="#bbbbbb",
                mec="none",
                label="time to market censored (lower bound)",
            )
        )
    ax.legend(handles=handles, loc="best", fontsize="small", frameon=False)
    replicates = int(means["n"].max()) if len(means) else 0
    notes = [f"design points, mean of {_replicates(replicates)} each; lower left is better"]
    if varied:
        notes.append("labels: " + ", ".join(f"{short[n]} {n}" for n in varied))
    if left_out:
        notes.append(f"{left_out} point(s) without a value left out")
    ax.set_title("\n".join(notes), fontsize="small")
    heading = "Trade-off: time to market, breaches and satisfaction"
    fig.suptitle(f"{title}\n{heading}" if title else heading, fontsize="large", parse_math=False)
    return fig


def short_names(varied: Sequence[str]) -> dict[str, str]:
    """Initials of each parameter name (``marketing_budget`` -> ``mb``) for point labels.

    The full names are used when two parameters would share initials.
    """
    initials = {n: "".join(word[0] for word in n.split("_") if word) or n for n in varied}
    if len(set(initials.values())) < len(initials):
        return {n: n for n in varied}
    return initials


def _label_points(
    ax: Axes, points: pd.DataFrame, varied: Sequence[str], short: dict[str, str], shown
) -> None:
    """Label points with their parameter values; a label near an earlier one goes below."""
    low = [float(shown[k].min()) for k in ("ttm_all", "breaches_per_year")]
    span = [
        (float(shown[k].max() - shown[k].min()) or 1.0) for k in ("ttm_all", "breaches_per_year")
    ]
    placed: list[tuple[float, float]] = []
    for _, row in points.sort_values("ttm_all", kind="stable").iterrows():
        x = (row["ttm_all"] - low[0]) / span[0]
        y = (row["breaches_per_year"] - low[1]) / span[1]
        crowded = any(abs(x - px) < 0.25 and abs(y - py) < 0.06 for px, py in placed)
        placed.append((x, y))
        right = x > 0.75  # near the right edge the label goes to the left of its point
        text = " ".join(f"{short[n]}={_label_value(row[n])}" for n in varied) or "baseline"
        ax.annotate(
            text,
            (row["ttm_all"], row["breaches_per_year"]),
            xytext=(-5 if right else 5, -11 if crowded else 5),
            ha="right" if right else "left",
            textcoords="offset points",
            fontsize="x-small",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def _pick_labels(front: pd.DataFrame, limit: int = MAX_LABELS) -> pd.DataFrame:
    """All Pareto points when few; else the best on each objective, then an even spread."""
    if len(front) <= limit:
        return front
    ordered = front.sort_values(["ttm_all", "breaches_per_year"], kind="stable")
    chosen: list[int] = []
    for key, direction in OBJECTIVES:
        index = ordered[key].idxmin() if direction == "min" else ordered[key].idxmax()
        if index not in chosen:
            chosen.append(index)
    for position in np.linspace(0, len(ordered) - 1, limit).round().astype(int):
        if len(chosen) >= limit:
            break
        index = ordered.index[position]
        if index not in chosen:
            chosen.append(index)
    return front.loc[chosen]


# --- effects (LHS, Sobol, larger grids) -------------------------------------------------


def effects_figure(frame: pd.DataFrame, title: str | None = None) -> Figure:
    """Each headline outcome (rows) against each varied parameter (columns), per design point.

    A scatter of the replicate means with a trend line: the mean at each level of a
    parameter with at most :data:`MAX_TREND_LEVELS` levels (a grid), else the mean over each
    fifth of the points along it (LHS, Sobol). A first look at main effects, not a
    sensitivity index: the other parameters vary at the same time.
    """
    varied = varied_columns(frame)
    outcomes = [k for k in HEADLINE if k in frame.columns]
    means = design_means(frame, outcomes)
    fig = Figure(
        figsize=(min(2.7 * len(varied) + 1.2, 22.0), 2.1 * len(outcomes) + 1.2),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    grid = fig.subplots(len(outcomes), len(varied), squeeze=False, sharex="col", sharey="row")
    kinds: set[str] = set()
    for row, key in enumerate(outcomes):
        for col, name in enumerate(varied):
            ax = grid[row][col]
            ax.scatter(means[name], means[key], s=10, color=OKABE_ITO[0], alpha=0.7, lw=0)
            trend, kind = _trend(means, name, key)
            if kind:
                kinds.add(kind)
                ax.plot(trend[name], trend[key], color=OKABE_ITO[1], lw=1.6)
            ax.grid(alpha=0.3, lw=0.5)
            ax.spines[["top", "right"]].set_visible(False)
            if row == len(outcomes) - 1:
                ax.set_xlabel(_axis_label(name))
        unit = _label(key)[1]
        grid[row][0].set_ylabel(f"{_short(key)}\n({unit})")
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=4,
            color=OKABE_ITO[0],
            label=f"design point (mean of {_replicates(int(means['n'].max()))})",
        )
    ]
    if kinds:
        label = " or ".join(sorted(kinds, reverse=True))
        handles.append(Line2D([], [], color=OKABE_ITO[1], lw=1.6, label=f"mean {label}"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    heading = f"Headline outcomes against each varied parameter ({len(means)} design points)"
    fig.suptitle(f"{title}\n{heading}" if title else heading, fontsize="large", parse_math=False)
    return fig


MAX_TREND_LEVELS = 10
"""Effects figure: a parameter with at most this many levels is averaged level by level."""


def _trend(means: pd.DataFrame, name: str, key: str, bins: int = 5) -> tuple[pd.DataFrame, str]:
    """The trend line of ``key`` along ``name`` and what it is ("" when there is none)."""
    points = means[[name, key]].dropna()
    levels = points[name].nunique()
    if 2 <= levels <= MAX_TREND_LEVELS and levels < len(points):
        return points.groupby(name, sort=True)[key].mean().reset_index(), "at each level"
    if len(points) < 2 * bins:
        return points.iloc[:0], ""
    ordered = points.sort_values(name, kind="stable")
    groups = np.array_split(np.arange(len(ordered)), bins)
    rows = [ordered.iloc[g].mean() for g in groups if len(g)]
    return pd.DataFrame(rows, columns=[name, key]), "over each fifth of the points"


# --- helpers ---------------------------------------------------------------------------


def _label(key: str) -> tuple[str, str]:
    label, unit = SUMMARY_LABELS.get(key, (key, ""))
    return label.strip(), unit


def _axis_label(name: str) -> str:
    spec = PARAMETERS.get(name)
    if spec is None and is_factor(name):  # an intervention's week or ramp
        return f"{name} ({'week' if name.endswith('.week') else 'weeks'})"
    return f"{name} ({spec.unit})" if spec is not None and spec.unit else name


def _axis_label_outcome(key: str) -> str:
    """``label (unit)``; a label already ending in a parenthesis takes the unit inside it."""
    label, unit = _label(key)
    if not unit:
        return label
    return f"{label[:-1]}; {unit})" if label.endswith(")") else f"{label} ({unit})"


def _label_value(value: object) -> str:
    """A parameter value short enough for a point label: two significant figures."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return "n/a"
    return f"{number:.0f}" if abs(number) >= 10 else f"{number:.2g}"


def _replicates(n: int) -> str:
    return "1 replicate" if n == 1 else f"{n} replicates"


def _style(index: int) -> tuple[str, str]:
    return OKABE_ITO[index % len(OKABE_ITO)], LINESTYLES[index % len(LINESTYLES)]


def _range(values: pd.Series) -> tuple[float, float]:
    finite = values[np.isfinite(values.to_numpy(dtype=float))]
    if finite.empty:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        return low - 0.5e-3, high + 0.5e-3
    return low, high


__all__ = [
    "MAX_TREND_LEVELS",
    "DesignShape",
    "design_shape",
    "effects_figure",
    "heatmap_figure",
    "lines_figure",
    "plot_results",
    "short_names",
    "sweep_figures",
    "tradeoff_figure",
]


def _short(key: str) -> str:
    """A figure's short name for an outcome (the key itself for one not declared)."""
    return BY_NAME[key].title if key in BY_NAME else key
