"""Figures of runs over time: one scenario with its replicate spread, or scenarios overlaid.

The last stop of the flow: reads the tidy timeseries of :func:`simulation.experiments.runner.run_scenario`
and draws the panels named in :data:`simulation.model.outputs.SERIES_PANELS`. Matplotlib is
imported here only, and only its object API with the Agg canvas is used, so neither pyplot's
global state nor the user's backend is touched.

Interventions (a scenario's ``[[interventions]]``) are marked on every panel: a thin dashed
line at the week the change starts, a light span over its ramp, and the label once, in the
first panel. :func:`run_figure` and :func:`compare_figure` build the figure without saving it,
so tests and notebooks can inspect or extend it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulation.viz.style import DPI, LINESTYLES, OKABE_ITO

BAND = (0.025, 0.975)
"""Percentiles across replicates drawn as the band around the mean."""

SMOOTHING: dict[str, int] = {"breaches": 4}
"""Weekly counts too spiky to read raw: column -> rolling-mean window in weeks."""

MARK_COLOR = "#555555"
"""Intervention marks on a one-scenario figure: grey, apart from the data's colour."""

MARK_GID = "intervention"
"""Matplotlib ``gid`` of every intervention line, span and label, so they can be found."""

InterventionMarks = Sequence[Mapping[str, Any]]
"""Intervention tables as in :attr:`simulation.experiments.scenarios.Scenario.interventions`."""


def plot_run(
    timeseries: pd.DataFrame,
    path: str | Path,
    title: str | None = None,
    interventions: InterventionMarks = (),
    drawn: pd.DataFrame | None = None,
) -> Path:
    """One scenario: replicate mean per week with a band of the 2.5-97.5 percentiles; with
    ``drawn`` (the replicates with their posterior draws) a wider, lighter band behind it."""
    return _save(run_figure(timeseries, title, interventions, drawn), path)


def plot_compare(
    timeseries: pd.DataFrame,
    path: str | Path,
    title: str | None = None,
    interventions: Mapping[str, InterventionMarks] | None = None,
    drawn: pd.DataFrame | None = None,
) -> Path:
    """Scenarios overlaid: each one's replicate mean with its 2.5-97.5 percentile band (and,
    with ``drawn``, the lighter band of the replicates with their posterior draws)."""
    return _save(compare_figure(timeseries, title, interventions, drawn), path)


def run_figure(
    timeseries: pd.DataFrame,
    title: str | None = None,
    interventions: InterventionMarks = (),
    drawn: pd.DataFrame | None = None,
) -> Figure:
    """The figure of :func:`plot_run`, not saved yet."""
    replicates = timeseries["replicate"].nunique()
    name = str(timeseries["scenario"].iloc[0])
    fig, axes = _panels()
    for ax, panel in zip(axes, _series_panels(), strict=False):
        if drawn is not None:
            _band(ax, drawn, panel[0], OKABE_ITO[0], DRAWN_ALPHA)
        _draw(ax, timeseries, panel, OKABE_ITO[0], "-", band=replicates > 1)
    if replicates > 1:
        handles = [
            Line2D([], [], color=OKABE_ITO[0], label=f"mean of {replicates} replicates"),
            Patch(color=OKABE_ITO[0], alpha=0.2, label="2.5–97.5 percentile of replicates"),
        ]
        if drawn is not None:
            handles.append(Patch(color=OKABE_ITO[0], alpha=DRAWN_ALPHA, label=DRAWN_LABEL))
    else:
        seed = int(timeseries["seed"].iloc[0])
        handles = [Line2D([], [], color=OKABE_ITO[0], label=f"one run (seed {seed})")]
    mark_interventions(axes, interventions)
    if interventions:
        handles.append(_mark_handle(MARK_COLOR))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    fig.suptitle(title or name, fontsize="large", parse_math=False)
    return fig


def compare_figure(
    timeseries: pd.DataFrame,
    title: str | None = None,
    interventions: Mapping[str, InterventionMarks] | None = None,
    drawn: pd.DataFrame | None = None,
) -> Figure:
    """The figure of :func:`plot_compare`, not saved yet; marks take their scenario's colour."""
    names = list(dict.fromkeys(timeseries["scenario"]))
    marks = dict(interventions or {})
    unknown = sorted(set(marks) - set(names))
    if unknown:
        raise ValueError(f"interventions given for scenarios not in the timeseries: {unknown}")
    fig, axes = _panels()
    for ax, panel in zip(axes, _series_panels(), strict=False):
        for index, name in enumerate(names):
            runs = timeseries[timeseries["scenario"] == name]
            color, style = _style(index)
            if drawn is not None:
                _band(ax, drawn[drawn["scenario"] == name], panel[0], color, DRAWN_ALPHA / 2)
            _draw(ax, runs, panel, color, style, band=runs["replicate"].nunique() > 1, alpha=0.12)
    handles: list[Any] = [
        Line2D([], [], color=_style(i)[0], ls=_style(i)[1], label=n) for i, n in enumerate(names)
    ]
    if drawn is not None:
        handles.append(Patch(color="0.5", alpha=DRAWN_ALPHA, label=DRAWN_LABEL))
    labelled: set[tuple[int, str]] = set()
    for index, name in enumerate(names):
        for item in marks.get(name, ()):
            _mark(axes, item, _style(index)[0], labelled)
    if any(marks.values()):
        handles.append(_mark_handle(MARK_COLOR))
    ncols = min(len(handles), 5)
    legend = fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)
    for text in legend.get_texts():  # scenario names, as the user spelled them
        text.set_parse_math(False)
    replicates = timeseries.groupby("scenario")["replicate"].nunique().max()
    note = (
        f"mean of {replicates} replicates, band 2.5–97.5 percentile"
        if replicates > 1
        else "one run each"
    )
    fig.suptitle(
        title or f"{len(names)} scenarios compared ({note})", fontsize="large", parse_math=False
    )
    return fig


def mark_interventions(
    axes: Sequence[Axes], interventions: InterventionMarks, color: str = MARK_COLOR
) -> None:
    """Mark each intervention on every panel of a figure drawn over recorded weeks."""
    labelled: set[tuple[int, str]] = set()
    for item in interventions:
        _mark(axes, item, color, labelled)


def _mark(axes: Sequence[Axes], item: Mapping[str, Any], color: str, labelled: set) -> None:
    """One intervention on every panel: dashed line at its week, light span over its ramp.

    The ramp covers weeks ``week`` to ``week + ramp_weeks - 1``: the first has 1/ramp of the
    change, the last the full value (simulation.model.interventions.Intervention.value). The label
    is written once, in the first panel; an intervention shared by several scenarios of a
    comparison (same week and label) is labelled once.
    """
    week = int(item["week"])
    ramp = int(item.get("ramp_weeks", 0) or 0)
    label = str(item.get("label", "") or "")
    for ax in axes:
        if ramp > 1:
            ax.axvspan(week, week + ramp - 1, color=color, alpha=0.08, lw=0, gid=MARK_GID)
        ax.axvline(week, color=color, ls="--", lw=0.8, alpha=0.9, gid=MARK_GID)
    if label and axes and (week, label) not in labelled:
        labelled.add((week, label))
        axes[0].text(
            week,
            0.97,
            label,
            transform=axes[0].get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top",
            fontsize="x-small",
            color=color,
            gid=MARK_GID,
            parse_math=False,
        )


def _mark_handle(color: str) -> Line2D:
    return Line2D([], [], color=color, ls="--", lw=0.8, label="intervention (shaded: its ramp)")


def _series_panels() -> tuple[tuple[str, str, str], ...]:
    from simulation.model.outputs import SERIES_PANELS

    return SERIES_PANELS


def _panels() -> tuple[Figure, list[Axes]]:
    count = len(_series_panels())
    ncols = 2 if count > 1 else 1
    nrows = math.ceil(count / ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.4 * nrows + 0.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    axes = list(grid.ravel())
    for ax in axes[count:]:
        ax.set_visible(False)
    for ax in grid[-1]:
        ax.set_xlabel("week")
    return fig, axes[:count]


DRAWN_ALPHA = 0.08
DRAWN_LABEL = "with parameter uncertainty (posterior draws)"


def _band(ax: Axes, runs: pd.DataFrame, column: str, color: str, alpha: float) -> None:
    """The 2.5-97.5 percentile band of ``runs`` over replicates, week by week."""
    by_week = _smoothed(runs, column).groupby(runs["week"])
    low, high = by_week.quantile(BAND[0]), by_week.quantile(BAND[1])
    ax.fill_between(low.index, low.to_numpy(), high.to_numpy(), color=color, alpha=alpha, lw=0)


def _draw(
    ax: Axes,
    runs: pd.DataFrame,
    panel: tuple[str, str, str],
    color: str,
    style: str,
    band: bool,
    alpha: float = 0.2,
) -> None:
    column, title, unit = panel
    values = _smoothed(runs, column)
    by_week = values.groupby(runs["week"])
    mean = by_week.mean()
    ax.plot(mean.index, mean.to_numpy(), color=color, ls=style, lw=1.6)
    if band:
        _band(ax, runs, column, color, alpha)
    window = SMOOTHING.get(column)
    ax.set_title(f"{title} ({window}-week rolling mean)" if window else title, fontsize="medium")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3, lw=0.5)
    ax.spines[["top", "right"]].set_visible(False)


def _smoothed(runs: pd.DataFrame, column: str) -> pd.Series:
    """The column as numbers, rolled within each run when :data:`SMOOTHING` asks for it."""
    values = pd.to_numeric(runs[column], errors="coerce").astype(float)
    window = SMOOTHING.get(column)
    if not window:
        return values
    ordered = runs.assign(_value=values).sort_values(["scenario", "replicate", "week"])
    rolled = ordered.groupby(["scenario", "replicate"])["_value"].transform(
        lambda s: s.rolling(window, min_periods=1).mean()
    )
    return rolled.reindex(runs.index)


def _style(index: int) -> tuple[str, str]:
    return OKABE_ITO[index % len(OKABE_ITO)], LINESTYLES[index % len(LINESTYLES)]


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return path


__all__ = [
    "compare_figure",
    "mark_interventions",
    "plot_compare",
    "plot_run",
    "run_figure",
]
