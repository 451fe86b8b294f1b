"""Run a scenario: replicates of the model, collected as tidy frames.

Sits between the scenario files and everything that reads results (the CLI's tables and
plots, later the sweeps): parameters in, tidy frames out. The model is reached only through
its constructor, ``run()``, its DataCollector and :func:`simulation.reporters.summarize`.

Replicate ``r`` of base seed ``s`` runs with :func:`replicate_seed` ``(s, r)``, a child of
numpy's ``SeedSequence``, so a replicate's numbers do not depend on how many replicates are
run, and the same seeds are shared across scenarios (common random numbers for comparisons).
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulation.params import resolve
from simulation.scenarios import Scenario, load_scenario

ID_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "seed")


def replicate_seed(seed: int, replicate: int) -> int:
    """The model seed of one replicate: independent streams, stable under more replicates."""
    return int(np.random.SeedSequence(seed, spawn_key=(replicate,)).generate_state(1)[0])


def run_model(params: dict[str, Any], seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """One run with validated parameters: its per-week frame and its end-of-run summary."""
    from simulation.model import DigitalTransformationModel
    from simulation.reporters import summarize

    model = DigitalTransformationModel(rng=seed, **resolve(params))
    model.run()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return frame, dict(summarize(model))


def scenario_params(
    scenario: Scenario, weeks: int | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full, validated parameter set of a scenario after command-line overrides."""
    changes = {**scenario.params, **(overrides or {})}
    if weeks is not None:
        changes["weeks"] = weeks
    return resolve(changes)


def run_scenario(
    scenario: str | Path | Scenario,
    seed: int = 0,
    replicates: int = 1,
    weeks: int | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``replicates`` replicates of a scenario; return (timeseries, summary).

    ``timeseries`` has one row per replicate and recorded week: scenario, replicate, seed,
    week, then the model's weekly reporters. ``summary`` has one row per replicate: scenario,
    replicate, seed, then the keys of :func:`simulation.reporters.summarize`. ``seed`` is the
    replicate's own model seed, so any row can be rerun alone with :func:`run_model`.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    scenario = load_scenario(scenario)
    params = scenario_params(scenario, weeks, overrides)
    frames, rows = [], []
    bar = tqdm(
        range(replicates),
        desc=scenario.name,
        unit="run",
        disable=not progress or replicates == 1,
        leave=False,
    )
    for replicate in bar:
        run_seed = replicate_seed(seed, replicate)
        frame, summary = run_model(params, run_seed)
        ids = {"scenario": scenario.name, "replicate": replicate, "seed": run_seed}
        frames.append(_with_ids(frame, ids))
        rows.append({**ids, **summary})
    timeseries = pd.concat(frames, ignore_index=True)
    return timeseries, pd.DataFrame(rows)


def _with_ids(frame: pd.DataFrame, ids: dict[str, Any]) -> pd.DataFrame:
    """Id columns first, then week, then the reporters in the model's order."""
    reporters = [c for c in frame.columns if c != "week"]
    out = frame[["week", *reporters]].copy()
    for position, (column, value) in enumerate(ids.items()):
        out.insert(position, column, value)
    return out


def manifest(
    scenarios: list[Scenario],
    seed: int,
    replicates: int,
    weeks: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a results folder needs to be traced to the run that made it (STYLE.md).

    No clock time: two runs with the same inputs write the same manifest.
    """
    return {
        "dtsim": _version("dtsim"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "mesa": _version("mesa"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": [replicate_seed(seed, r) for r in range(replicates)],
        "scenarios": [
            {
                "name": s.name,
                "title": s.title,
                "file": str(s.path) if s.path else None,
                "overrides": dict(s.params),
                "parameters": scenario_params(s, weeks, overrides),
            }
            for s in scenarios
        ],
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The checkout's commit, with ``+dirty`` when files differ from it; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if status else head


__all__ = [
    "ID_COLUMNS",
    "manifest",
    "replicate_seed",
    "run_model",
    "run_scenario",
    "scenario_params",
]
