"""Studies end to end: run (or resume) a sweep, analyse it, and write what a reader opens.

The layers below each do one part: :mod:`simulation.experiments` runs and stores,
:mod:`simulation.analysis` turns frames into frames, :mod:`simulation.viz` draws; this
module joins them for ``dtsim sensitivity`` and ``dtsim discover`` and writes their files
into the sweep's folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.analysis.discovery import Discovery
from simulation.analysis.sensitivity import analyze_store, method_of
from simulation.experiments.experiment import Experiment, load_experiment
from simulation.experiments.store import DISCOVERY_CSV, FIGURES_DIR, SENSITIVITY_CSV, store_path
from simulation.experiments.sweep import run_sweep
from simulation.viz.discovery_plots import discovery_figure
from simulation.viz.sensitivity_plots import sensitivity_figure
from simulation.viz.style import save_figure

SENSITIVITY_FIGURE = "sensitivity"
SENSITIVITY_CSV_OPTIONS: dict[str, Any] = {
    "index": False,
    "float_format": "%.6g",
    "lineterminator": "\n",
}
DISCOVERY_FIGURE = "discovery"


@dataclass(frozen=True)
class SensitivityReport:
    """What :func:`run_sensitivity` did: the sweep's report, the table and the files."""

    sweep: Any
    method: str
    table: pd.DataFrame
    csv: Path
    figures: list[Path]


def run_sensitivity(
    experiment: str | Path | Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool = True,
    argv: Sequence[str] | None = None,
    confirmed: bool = False,
) -> SensitivityReport:
    """Run (or resume) the experiment's sweep, then write ``sensitivity.csv`` and the figure.

    The runs are an ordinary sweep into ``out`` (default ``results/<experiment name>/``,
    as ``dtsim sweep``): resumable, on local processes or Dask.
    """
    exp = load_experiment(experiment)
    method = method_of(exp)
    kwargs: dict[str, Any] = {
        "workers": workers,
        "scheduler": scheduler,
        "fresh": fresh,
        "retry_failed": retry_failed,
        "progress": progress,
        "confirmed": confirmed,
    }
    if argv is not None:
        kwargs["argv"] = list(argv)
    report = run_sweep(exp, out, **kwargs)
    table = analyze_store(report.out, exp)
    folder = Path(report.out)
    csv = folder / SENSITIVITY_CSV
    table.to_csv(csv, **SENSITIVITY_CSV_OPTIONS)
    figures = write_sensitivity_figure(table, method, folder / FIGURES_DIR, exp.title)
    return SensitivityReport(report, method, table, csv, figures)


def write_sensitivity_figure(
    table: pd.DataFrame, method: str, folder: Path, title: str | None
) -> list[Path]:
    """``folder/sensitivity.png`` and ``.svg``."""
    folder.mkdir(parents=True, exist_ok=True)
    return save_figure(sensitivity_figure(table, method, title), folder, SENSITIVITY_FIGURE)


def write_discovery(directory: str | Path, found: Discovery) -> list[Path]:
    """``DIR/discovery.csv`` and ``DIR/figures/discovery.png`` + ``.svg``; the paths written."""
    folder = store_path(directory).parent
    csv = folder / DISCOVERY_CSV
    found.box().to_csv(csv, index=False, float_format="%.10g", lineterminator="\n")
    figures = folder / FIGURES_DIR
    figures.mkdir(parents=True, exist_ok=True)
    return [csv, *save_figure(discovery_figure(found), figures, DISCOVERY_FIGURE)]


__all__ = [
    "DISCOVERY_CSV",
    "SENSITIVITY_CSV",
    "SensitivityReport",
    "run_sensitivity",
    "write_discovery",
    "write_sensitivity_figure",
]
