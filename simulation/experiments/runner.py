"""Run scenarios: replicates of the model on the engine, collected as tidy frames.

Sits between the scenario files and everything that reads results (the CLI's tables and
plots, later the sweeps): parameters in, tidy frames out. The model is reached only through
its constructor, ``run()``, its DataCollector and :func:`simulation.model.reporters.summarize`.

Replicate ``r`` of base seed ``s`` runs with :func:`replicate_seed` ``(s, r)``, a child of
numpy's ``SeedSequence``, so a replicate's numbers do not depend on how many replicates are
run, and the same seeds are shared across scenarios (common random numbers for comparisons).

A scenario is run from a :class:`RunSpec`: its name, its fully resolved parameters and its
interventions, nothing read from a file. The manifest of a results folder records the specs
(:mod:`simulation.experiments.provenance`), so a rerun does not need the scenario files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.engine import (
    POOL_MIN_RUNS,
    Executor,
    Job,
    Task,
    execute,
    open_executor,
    progress_bar,
)
from simulation.experiments.files import file_sha256
from simulation.experiments.posterior import Posterior, replicate_values
from simulation.experiments.run import run_model, timeout_message
from simulation.experiments.scenarios import Scenario, load_scenario
from simulation.model.interventions import parse as parse_interventions
from simulation.model.params import ParameterError, resolve

ID_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "seed")


@dataclass(frozen=True)
class RunSpec:
    """One scenario as it is run: everything needed to repeat it, nothing left to a file.

    ``parameters`` is the full parameter set (scenario file, then ``--weeks``, validated);
    ``interventions`` the scenario's intervention tables as plain dicts. ``file`` and
    ``file_sha256`` only trace where they came from.
    """

    name: str
    title: str
    parameters: dict[str, Any] = field(hash=False)
    interventions: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    overrides: dict[str, Any] = field(default_factory=dict, hash=False)
    file: str | None = None
    file_sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The manifest entry of this scenario."""
        return {
            "name": self.name,
            "title": self.title,
            "file": self.file,
            "file_sha256": self.file_sha256,
            "overrides": dict(self.overrides),
            "parameters": dict(self.parameters),
            "interventions": [dict(item) for item in self.interventions],
        }


def replicate_seed(seed: int, replicate: int) -> int:
    """The model seed of one replicate: independent streams, stable under more replicates."""
    return int(np.random.SeedSequence(seed, spawn_key=(replicate,)).generate_state(1)[0])


def scenario_params(
    scenario: Scenario, weeks: int | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The full, validated parameter set of a scenario after command-line overrides."""
    changes = {**scenario.params, **(overrides or {})}
    if weeks is not None:
        changes["weeks"] = weeks
    return resolve(changes)


def scenario_spec(
    scenario: str | Path | Scenario,
    weeks: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunSpec:
    """A scenario resolved for running: parameters after ``weeks``, interventions checked.

    Interventions are checked against the run length after ``weeks``, so a ``--weeks`` that
    ends the run before an intervention starts raises ParameterError naming the scenario.
    """
    scenario = load_scenario(scenario)
    params = scenario_params(scenario, weeks, overrides)
    interventions = tuple(dict(item) for item in scenario.interventions)
    where = str(scenario.path) if scenario.path else scenario.name
    try:
        parse_interventions(interventions, params["weeks"])
    except ParameterError as exc:
        raise ParameterError(f"{where}: {exc}") from None
    return RunSpec(
        name=scenario.name,
        title=scenario.title,
        parameters=params,
        interventions=interventions,
        overrides={**scenario.params, **(overrides or {})},
        file=str(scenario.path) if scenario.path else None,
        file_sha256=file_sha256(scenario.path) if scenario.path else None,
    )


class RunError(RuntimeError):
    """A replicate raised; the message is one line naming the scenario, replicate and seed."""


def run_spec(
    spec: RunSpec,
    seed: int = 0,
    replicates: int = 1,
    first: int = 0,
    progress: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replicates ``first .. first + replicates - 1`` of one spec; return (timeseries, summary).

    ``timeseries`` has one row per replicate and recorded week: scenario, replicate, seed,
    week, then the model's weekly reporters. ``summary`` has one row per replicate: scenario,
    replicate, seed, then the keys of :func:`simulation.model.reporters.summarize`. ``seed`` is the
    replicate's own model seed, so any row can be rerun alone with :func:`run_model`.
    ``workers``/``scheduler`` choose the executor (:mod:`simulation.experiments.engine`);
    the numbers do not depend on it.
    """
    return run_specs([spec], seed, replicates, progress, workers, scheduler, first)


def run_scenario(
    scenario: str | Path | Scenario,
    seed: int = 0,
    replicates: int = 1,
    weeks: int | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``replicates`` replicates of a scenario (with its interventions); see :func:`run_spec`."""
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    return run_spec(scenario_spec(scenario, weeks, overrides), seed, replicates, progress=progress)


def run_specs(
    specs: Sequence[RunSpec],
    seed: int,
    replicates: int,
    progress: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
    first: int = 0,
    posterior: Posterior | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same replicates (same seeds) of every spec, stacked in the order given.

    ``workers=None`` uses every core when there are enough runs to gain from it. With a
    ``posterior`` (:mod:`simulation.experiments.posterior`), replicate ``r`` of every spec
    also takes the parameters of posterior particle ``posterior.draw_index(seed, r)``, except
    those the spec's scenario sets itself; the frames then have a ``draw`` column (the
    particle's row) after ``seed``.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    if first < 0:
        raise ValueError(f"first replicate must be >= 0, got {first}")
    n = len(specs) * replicates
    with open_executor(workers, scheduler, n, min_pool=POOL_MIN_RUNS) as executor:
        return _run_on(executor, specs, seed, range(first, first + replicates), progress, posterior)


def replicate_batches(
    specs: Sequence[RunSpec],
    seed: int,
    maximum: int,
    first_batch: int = 10,
    batch: int = 5,
    progress: bool = False,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Add replicates in batches; yield (timeseries, summary) of all replicates so far.

    The first batch has ``first_batch`` replicates, each later one ``batch``, never past
    ``maximum``. Replicates are numbered 0, 1, ... across batches, so the frames after ``R``
    replicates equal those of :func:`run_specs` with ``replicates=R``: a later fixed run
    repeats them. The caller stops the iteration when it has enough. One executor serves
    every batch.
    """
    if maximum < 1 or first_batch < 1 or batch < 1:
        raise ValueError("maximum, first_batch and batch must be at least 1")
    done = 0
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    n = len(specs) * min(maximum, first_batch)
    with open_executor(workers, scheduler, n, min_pool=POOL_MIN_RUNS) as executor:
        while done < maximum:
            size = min(first_batch if done == 0 else batch, maximum - done)
            parts.append(_run_on(executor, specs, seed, range(done, done + size), progress))
            done += size
            timeseries, summary = _stack(parts)
            order = _spec_order(summary, specs)
            yield (
                timeseries.iloc[_spec_order(timeseries, specs)].reset_index(drop=True),
                (summary.iloc[order].reset_index(drop=True)),
            )


def _spec_order(frame: pd.DataFrame, specs: Sequence[RunSpec]) -> np.ndarray:
    """Row order by spec (in the order given), then replicate, then week: a stable sort."""
    rank = {spec.name: i for i, spec in enumerate(specs)}
    keys = [frame["replicate"].to_numpy(), frame["scenario"].map(rank).to_numpy()]
    if "week" in frame:
        keys.insert(0, frame["week"].to_numpy())
    return np.lexsort(keys)


def _run_on(
    executor: Executor,
    specs: Sequence[RunSpec],
    seed: int,
    replicates: range,
    progress: bool,
    posterior: Posterior | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (spec, replicate) through ``executor``, assembled in spec then replicate order."""
    jobs = [Job(s.parameters, tuple(s.interventions), frame=True) for s in specs]
    keys = [(i, r) for i in range(len(specs)) for r in replicates]
    draws = [
        replicate_values(posterior, seed, replicates, s.overrides) if posterior else {}
        for s in specs
    ]
    tasks: Iterator[tuple[Job, Task]] = (
        (jobs[i], (run, draws[i][r][1] if posterior else {}, replicate_seed(seed, r)))
        for run, (i, r) in enumerate(keys)
    )
    results: dict[int, dict[str, Any]] = {}
    bar = progress_bar(len(keys), enabled=progress and len(keys) > 1, leave=False)
    try:
        for result in execute(executor, tasks, len(keys)):
            if result["status"] != "ok":
                i, r = keys[int(result["run"])]
                raise RunError(
                    f"{specs[i].name}: replicate {r} (seed {replicate_seed(seed, r)}) failed: "
                    f"{result['error']}"
                )
            results[int(result["run"])] = result
            bar.update(1)
    finally:
        bar.close()
    frames, rows = [], []
    for run, (i, r) in enumerate(keys):
        ids: dict[str, Any] = {
            "scenario": specs[i].name,
            "replicate": r,
            "seed": replicate_seed(seed, r),
        }
        if posterior is not None:
            ids["draw"] = draws[i][r][0]
        frames.append(_with_ids(results[run]["frame"], ids))
        rows.append({**ids, **results[run]["summary"]})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def _stack(
    results: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if len(results) == 1:
        return results[0]
    timeseries = pd.concat([t for t, _ in results], ignore_index=True)
    summary = pd.concat([s for _, s in results], ignore_index=True)
    return timeseries, summary


def _with_ids(frame: pd.DataFrame, ids: dict[str, Any]) -> pd.DataFrame:
    """Id columns first, then week, then the reporters in the model's order."""
    reporters = [c for c in frame.columns if c != "week"]
    out = frame[["week", *reporters]].copy()
    for position, (column, value) in enumerate(ids.items()):
        out.insert(position, column, value)
    return out


__all__ = [
    "ID_COLUMNS",
    "RunError",
    "RunSpec",
    "replicate_batches",
    "replicate_seed",
    "run_model",
    "run_scenario",
    "run_spec",
    "run_specs",
    "scenario_params",
    "scenario_spec",
    "timeout_message",
]
