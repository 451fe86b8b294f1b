"""Sweeping an intervention's week and ramp (issue 13): "when should the CDO arrive, and how
fast?" The factors are checked in one line when the file is read, and each run gets the
intervention as the point gives it, exactly as a run of that scenario would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulation.experiments.experiment import ExperimentError, load_experiment
from simulation.experiments.run import run_model
from simulation.experiments.store import runs_frame
from simulation.experiments.sweep import run_sweep

BASE = """\
title = "A small firm whose CDO arrives"
story = "A firm small enough for a sweep in a test."

[parameters]
n_customers = 200
warmup_weeks = 4
weeks = 20

[[interventions]]
week = 10
label = "CDO appointed"
ramp_weeks = 4
collaboration = 0.9
marketing_budget = 0.5
"""

EXPERIMENT = """\
title = "When the CDO arrives"
scenario = "base.toml"
sampler = "grid"
seed = 3
replicates = 2

[parameters]
"""


def write(tmp_path: Path, parameters: str, base: str = BASE) -> Path:
    (tmp_path / "base.toml").write_text(base, encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT + parameters, encoding="utf-8")
    return path


def test_each_run_gets_the_intervention_of_its_point(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '"interventions[0].week" = [2, 12]\n"interventions[0].ramp_weeks" = [0, 8]\n'
        "governance = [0.3]\n",
    )
    experiment = load_experiment(path)
    assert experiment.factors == ["interventions[0].week", "interventions[0].ramp_weeks"]
    assert experiment.varied == [*experiment.factors, "governance"]
    assert experiment.dimensions[0].spec.kind is int
    run_sweep(experiment, tmp_path / "out", workers=1, progress=False)
    frame = runs_frame(tmp_path / "out")
    assert (frame["status"] == "ok").all() and len(frame) == 8
    summaries = {}
    for run in experiment.runs():
        # The run as a scenario would give it: the intervention at the point's week and ramp.
        params = experiment.parameters(run)
        assert "interventions[0].week" not in params and params["governance"] == 0.3
        intervention = {
            "week": run.params["interventions[0].week"],
            "label": "CDO appointed",
            "ramp_weeks": run.params["interventions[0].ramp_weeks"],
            "collaboration": 0.9,
            "marketing_budget": 0.5,
        }
        assert experiment.run_interventions(run) == (intervention,)
        _, summary = run_model(params, run.seed, [intervention])
        stored = json.loads(frame.loc[frame["run"] == run.index, "summary"].iloc[0])
        assert stored["shadow_share"] == summary["shadow_share"]
        assert stored["ttm_all"] == summary["ttm_all"]
        summaries[(run.point, run.replicate)] = summary
    # The week matters: an arrival in week 2 and one in week 12 give other runs (same seed).
    assert summaries[(0, 0)]["marketing_trust"] != summaries[(2, 0)]["marketing_trust"]


@pytest.mark.parametrize(
    ("parameters", "said"),
    [
        ('"interventions[1].week" = [2, 12]\n', "has no interventions[1]; it has interventions[0]"),
        ('"interventions[0].week" = [0, 12]\n', 'parameters."interventions[0].week"[0] = 0 is out'),
        ('"interventions[0].week" = [2, 21]\n', "is out of range; allowed [1, 20] (week)"),
        ('"interventions[0].ramp_weeks" = [1.5]\n', "is not an integer"),
        (
            '"interventions[0].week" = [2, 18]\n"interventions[0].ramp_weeks" = [0, 4]\n',
            "at interventions[0].week = 18, interventions[0].ramp_weeks = 4: interventions[0]"
            ".ramp_weeks = 4 runs past the end of the run",
        ),
        ('"interventions[0].wek" = [2]\n', "unknown parameter parameters.interventions[0].wek"),
    ],
    ids=["index", "week 0", "after the run", "ramp type", "ramp past the end", "field"],
)
def test_a_bad_factor_is_one_line(tmp_path: Path, parameters: str, said: str) -> None:
    with pytest.raises(ExperimentError) as caught:
        load_experiment(write(tmp_path, parameters))
    message = str(caught.value)
    assert "exp.toml" in message and said in message and "\n" not in message


def test_a_scenario_without_interventions_has_no_factors(tmp_path: Path) -> None:
    base = BASE[: BASE.index("[[interventions]]")]
    with pytest.raises(ExperimentError, match="none: the base scenario has no"):
        load_experiment(write(tmp_path, '"interventions[0].week" = [2]\n', base))


def test_the_shipped_timing_sweep_reads() -> None:
    experiment = load_experiment("cdo_timing")
    assert experiment.factors == ["interventions[0].week", "interventions[0].ramp_weeks"]
    assert experiment.n_runs == 5 * 4 * 20
