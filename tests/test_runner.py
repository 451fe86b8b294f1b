"""The runner: replicate seeds, frame shapes, and that the same inputs give the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.params import LEVERS, PARAMETERS, ParameterError
from simulation.reporters import HEADLINE
from simulation.runner import (
    ID_COLUMNS,
    manifest,
    replicate_seed,
    run_model,
    run_scenario,
    scenario_params,
)
from simulation.scenarios import load_scenario

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
    scenario = load_scenario(small_scenario)
    record = manifest([scenario], seed=3, replicates=2, weeks=WEEKS)
    assert record["seed"] == 3
    assert record["replicate_seeds"] == [replicate_seed(3, 0), replicate_seed(3, 1)]
    (entry,) = record["scenarios"]
    assert entry["name"] == "small"
    assert entry["parameters"]["weeks"] == WEEKS
    assert {k: entry["parameters"][k] for k in LEVERS} == {k: scenario.params[k] for k in LEVERS}
    assert record["mesa"] and record["numpy"] and record["python"]
