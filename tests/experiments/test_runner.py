"""The runner: replicate seeds, frame shapes, and that the same inputs give the same numbers."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from simulation.experiments.provenance import MANIFEST_VERSION, manifest
from simulation.experiments.runner import (
    ID_COLUMNS,
    RunSpec,
    replicate_batches,
    replicate_seed,
    run_model,
    run_scenario,
    run_spec,
    run_specs,
    scenario_params,
    scenario_spec,
)
from simulation.experiments.scenarios import load_scenario
from simulation.model.outputs import HEADLINE
from simulation.model.params import LEVERS, PARAMETERS, ParameterError, resolve

WEEKS = 12


def test_replicate_seed_is_the_spawned_seed_sequence() -> None:
    expected = np.random.SeedSequence(7, spawn_key=(3,)).generate_state(1)[0]
    assert replicate_seed(7, 3) == int(expected)
    assert isinstance(replicate_seed(7, 3), int)


def test_replicate_seeds_differ_across_replicates_and_base_seeds() -> None:
    seeds = {replicate_seed(s, r) for s in range(5) for r in range(20)}
    assert len(seeds) == 100


def test_run_scenario_frames_have_the_documented_shape(small_scenario) -> None:
    timeseries, summary = run_scenario(small_scenario, seed=1, replicates=3, weeks=WEEKS)
    assert list(timeseries.columns[:4]) == [*ID_COLUMNS, "week"]
    assert len(timeseries) == 3 * WEEKS
    assert (timeseries["scenario"] == "small").all()
    for replicate, runs in timeseries.groupby("replicate"):
        assert runs["week"].tolist() == list(range(1, WEEKS + 1))
        assert (runs["seed"] == replicate_seed(1, int(replicate))).all()
    assert list(summary.columns[:3]) == list(ID_COLUMNS)
    assert summary["replicate"].tolist() == [0, 1, 2]
    assert summary["seed"].tolist() == [replicate_seed(1, r) for r in range(3)]
    assert set(HEADLINE) <= set(summary.columns)


def test_replicate_does_not_depend_on_how_many_are_run(small_scenario) -> None:
    two_ts, two_summary = run_scenario(small_scenario, seed=4, replicates=2, weeks=WEEKS)
    three_ts, three_summary = run_scenario(small_scenario, seed=4, replicates=3, weeks=WEEKS)
    pd.testing.assert_frame_equal(three_ts[three_ts["replicate"] < 2], two_ts)
    pd.testing.assert_frame_equal(three_summary.iloc[:2], two_summary)


def test_same_seed_same_numbers_other_seed_other_numbers(small_scenario) -> None:
    first, _ = run_scenario(small_scenario, seed=0, weeks=WEEKS)
    again, _ = run_scenario(small_scenario, seed=0, weeks=WEEKS)
    other, _ = run_scenario(small_scenario, seed=1, weeks=WEEKS)
    pd.testing.assert_frame_equal(first, again)
    reporters = [c for c in first.columns if c not in ID_COLUMNS]
    assert not first[reporters].equals(other[reporters])


def test_run_model_is_one_run_of_the_model(small_scenario) -> None:
    params = {**load_scenario(small_scenario).params, "weeks": WEEKS}
    frame, summary = run_model(params, seed=replicate_seed(0, 0))
    timeseries, table = run_scenario(small_scenario, seed=0, weeks=WEEKS)
    assert len(frame) == WEEKS
    assert set(HEADLINE) <= set(summary)
    pd.testing.assert_frame_equal(
        timeseries.drop(columns=list(ID_COLUMNS)), frame[timeseries.columns[3:]]
    )
    assert table.iloc[0][list(HEADLINE)].tolist() == pytest.approx(
        [summary[k] for k in HEADLINE], nan_ok=True
    )


def test_scenario_accepted_as_name_path_or_object(small_scenario) -> None:
    by_path, _ = run_scenario(small_scenario, weeks=WEEKS)
    by_object, _ = run_scenario(load_scenario(small_scenario), weeks=WEEKS)
    pd.testing.assert_frame_equal(by_path, by_object)
    by_name, _ = run_scenario("siloed", weeks=3)
    assert set(by_name["scenario"]) == {"siloed"}


def test_overrides_and_weeks_are_applied_and_validated(small_scenario) -> None:
    scenario = load_scenario(small_scenario)
    params = scenario_params(scenario, weeks=5, overrides={"collaboration": 0.9})
    assert params["weeks"] == 5 and params["collaboration"] == 0.9
    assert params["n_customers"] == 400
    assert set(params) == set(PARAMETERS)
    timeseries, _ = run_scenario(small_scenario, weeks=5, overrides={"collaboration": 0.9})
    assert timeseries["week"].max() == 5
    with pytest.raises(ParameterError, match="collaboration"):
        run_scenario(small_scenario, weeks=5, overrides={"collaboration": 2.0})
    with pytest.raises(ParameterError, match="weeks"):
        run_scenario(small_scenario, weeks=0)


def test_at_least_one_replicate(small_scenario) -> None:
    with pytest.raises(ValueError, match="replicates"):
        run_scenario(small_scenario, replicates=0)


def test_manifest_traces_the_run(small_scenario) -> None:
    spec = scenario_spec(small_scenario, weeks=WEEKS)
    record = manifest("run", [spec], seed=3, replicates=2, argv=["dtsim", "run", "small"])
    assert record["manifest_version"] == MANIFEST_VERSION
    assert record["command"] == "run" and record["argv"] == ["dtsim", "run", "small"]
    assert record["seed"] == 3
    assert record["replicate_seeds"] == [replicate_seed(3, 0), replicate_seed(3, 1)]
    (entry,) = record["scenarios"]
    assert entry["name"] == "small"
    assert entry["parameters"]["weeks"] == WEEKS
    assert set(entry["parameters"]) == set(PARAMETERS)
    assert {k: entry["parameters"][k] for k in LEVERS} == {k: spec.overrides[k] for k in LEVERS}
    assert entry["file_sha256"] == hashlib.sha256(small_scenario.read_bytes()).hexdigest()
    assert entry["interventions"] == []
    assert record["mesa"] and record["numpy"] and record["python"]


# --- interventions -------------------------------------------------------------------------

CDO = {"week": 6, "label": "CDO", "ramp_weeks": 0, "collaboration": 0.8}


def test_run_model_applies_interventions_and_reports_the_levers_now(small_scenario) -> None:
    params = {**load_scenario(small_scenario).params, "weeks": WEEKS}
    plain, _ = run_model(params, seed=5)
    changed, _ = run_model(params, seed=5, interventions=[CDO])
    for column in ("collaboration_now", "governance_now", "marketing_budget_now"):
        assert column in plain.columns
    assert (plain["collaboration_now"] == 0.15).all()
    assert changed["collaboration_now"].tolist() == [0.15] * 5 + [0.8] * (WEEKS - 5)
    # the same market until the change: common random numbers across the two runs
    pd.testing.assert_frame_equal(plain.iloc[:5], changed.iloc[:5])


def test_run_spec_runs_the_recorded_interventions(small_scenario) -> None:
    spec = scenario_spec(small_scenario, weeks=WEEKS)
    with_cdo = RunSpec("small", "t", spec.parameters, (CDO,))
    timeseries, _ = run_spec(with_cdo, seed=2, replicates=2)
    assert list(timeseries.columns[:4]) == [*ID_COLUMNS, "week"]
    assert set(timeseries.loc[timeseries["week"] >= 6, "collaboration_now"]) == {0.8}


def test_intervention_after_the_last_week_names_the_scenario(
    small_scenario, write_scenario
) -> None:
    text = small_scenario.read_text() + "\n[[interventions]]\nweek = 30\ncollaboration = 0.8\n"
    path = write_scenario(text, name="late")
    assert scenario_spec(path).interventions[0]["week"] == 30
    with pytest.raises(ParameterError, match=r"late\.toml: interventions\[0\]\.week = 30"):
        scenario_spec(path, weeks=WEEKS)


def test_batches_are_the_replicates_of_a_fixed_run(small_scenario) -> None:
    specs = [
        scenario_spec(small_scenario, weeks=8),
        RunSpec("other", "o", resolve({"weeks": 8, "n_customers": 300, "warmup_weeks": 2})),
    ]
    sizes, last = [], None
    for timeseries, summary in replicate_batches(specs, 4, maximum=5, first_batch=2, batch=2):
        sizes.append(summary["replicate"].nunique())
        last = timeseries, summary
    assert sizes == [2, 4, 5]
    fixed = run_specs(specs, 4, 5)
    pd.testing.assert_frame_equal(last[0], fixed[0])
    pd.testing.assert_frame_equal(last[1], fixed[1])
