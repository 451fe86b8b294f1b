"""One run of the model: parameters and a seed in, the weekly frame and the summary out.

The only code between the engine and the model that can change a run's numbers, so it is,
with ``simulation/model/``, what :func:`simulation.experiments.engine.code_hash` covers
(:data:`~simulation.experiments.engine.CODE_FILES`). Scheduling, batching, replicate
numbering and tables live elsewhere and can change without making earlier results (a sweep
store, a robustness table) read as another model's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from simulation.model.params import resolve


def run_model(
    params: dict[str, Any],
    seed: int,
    interventions: Sequence[Mapping[str, Any]] = (),
    timeout: float | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """One run with validated parameters and interventions: its weekly frame and its summary.

    ``timeout``: seconds the run may take, checked after every week (the weeks are stepped
    here as ``model.run()`` steps them, so the numbers are the same); TimeoutError past it.
    The engine adds a SIGALRM where it can, for a week that never ends.
    """
    from simulation.model.model import DigitalTransformationModel
    from simulation.model.reporters import summarize

    started = time.monotonic()
    model = DigitalTransformationModel(
        rng=seed, interventions=[dict(item) for item in interventions], **resolve(params)
    )
    if timeout is None:
        model.run()
    else:
        while model.week < model.p["weeks"]:  # DigitalTransformationModel.run, timed
            if time.monotonic() - started > timeout:
                raise TimeoutError(timeout_message(timeout))
            model.step()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return frame, dict(summarize(model))


def timeout_message(timeout: float) -> str:
    """The error of a run stopped at its time limit (stored as the failed run's error)."""
    return f"the run took longer than run_timeout = {timeout:g} s and was stopped"


def series_rows(frame: Any, series: Iterable[str]) -> list[tuple[int, str, float]]:
    """A weekly frame's kept reporters as ``(week, name, value)`` rows."""
    series = list(series)
    if not series:
        return []
    weeks = [int(w) for w in frame["week"].tolist()]
    return [
        (week, name, value)
        for name in series
        for week, value in zip(weeks, frame[name].tolist(), strict=True)
    ]


__all__ = ["run_model", "series_rows", "timeout_message"]
