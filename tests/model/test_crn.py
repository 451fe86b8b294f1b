"""Common random numbers (CRN): each source of randomness draws from its own stream.

`simulation.model.model.STREAMS` are children of the run's seed sequence, so two runs with the same
seed and different levers face the same market wherever the structure allows: the same
request arrivals, the same churn draws for every customer cell. Where a stream's number of
draws depends on what the agents did (choices, reviews, reworks, the live estate, breaches),
the two runs part after the first differing draw; the tests below measure how far and assert
only what holds robustly. The numbers must not depend on where a run is executed (serially,
in one worker process or several).
"""

from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from simulation.experiments.runner import run_model, run_scenario
from simulation.experiments.validation import run_many
from simulation.model.model import STREAMS, DigitalTransformationModel

LEVER_PAIRS = (
    pytest.param({"collaboration": 0.1}, {"collaboration": 0.9}, id="collaboration"),
    pytest.param({"governance": 0.1}, {"governance": 0.95}, id="governance"),
    pytest.param({"marketing_budget": 0.0}, {"marketing_budget": 0.9}, id="marketing_budget"),
    pytest.param({}, {"cio_reactivity": 0.1, "cmo_budget_push": 0.1}, id="adaptive_leaders"),
)


def run(seed: int, **params) -> DigitalTransformationModel:
    model = DigitalTransformationModel(rng=seed, **params)
    model.run()
    return model


def stream_state(model: DigitalTransformationModel, name: str) -> dict:
    return model.streams[name].bit_generator.state


def same(a: float, b: float) -> bool:
    """Equal, NaN included (a median over no launches is NaN)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_same_summary(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert same(a[key], b[key]), key


# --- equal levers -------------------------------------------------------------------------
SCENARIO_A = """\
title = "Marketing files tickets"
story = "A firm where marketing files tickets and IT works them in order. Nothing else happens."

[parameters]
collaboration = 0.15
governance = 0.5
marketing_budget = 0.25
"""

SCENARIO_B = """\
# The same levers, written in another order, under another title and story.
title = "Another firm, the same levers"
story = "A different story an educator might read aloud. The levers are what count."

[parameters]
marketing_budget = 0.25
collaboration = 0.15
governance = 0.5
"""


def test_equal_levers_in_two_scenario_files_give_identical_series(write_scenario) -> None:
    first = write_scenario(SCENARIO_A, name="tickets")
    second = write_scenario(SCENARIO_B, name="other_story")
    series_a, summary_a = run_scenario(first, seed=11, replicates=2, weeks=40)
    series_b, summary_b = run_scenario(second, seed=11, replicates=2, weeks=40)
    assert set(series_a["scenario"]) == {"tickets"}
    assert set(series_b["scenario"]) == {"other_story"}
    assert len(series_a) == 2 * 40
    pd.testing.assert_frame_equal(
        series_a.drop(columns="scenario"), series_b.drop(columns="scenario")
    )
    pd.testing.assert_frame_equal(
        summary_a.drop(columns="scenario"), summary_b.drop(columns="scenario")
    )
    # and the two replicates are not copies of each other
    weekly = series_a.set_index(["replicate", "week"])["satisfaction"].unstack(0)
    assert not np.allclose(weekly[0], weekly[1])


# --- streams that do not depend on the levers ------------------------------------------------
def request_stream(model: DigitalTransformationModel) -> list[tuple]:
    """Every raised request as drawn: week, owner and the attributes of step 1."""
    return [
        (r.raised, r.owner, r.effort, r.value, r.deadline, tuple(r.channels), r.needs_it, r.fit)
        for r in model.requests
    ]


@pytest.mark.parametrize(("levers_a", "levers_b"), LEVER_PAIRS)
def test_request_arrivals_do_not_depend_on_the_levers(levers_a: dict, levers_b: dict) -> None:
    a, b = run(5, **levers_a), run(5, **levers_b)
    assert len(a.requests) > 500  # warm-up and 156 recorded weeks of requests
    assert request_stream(a) == request_stream(b)
    assert stream_state(a, "requests") == stream_state(b, "requests")
    # ... while what the agents made of them did depend on the levers
    outcome_a = [(r.status, r.shadow) for r in a.requests]
    assert outcome_a != [(r.status, r.shadow) for r in b.requests]


@pytest.mark.parametrize(("levers_a", "levers_b"), LEVER_PAIRS)
def test_churn_draws_do_not_depend_on_the_levers(levers_a: dict, levers_b: dict) -> None:
    """One uniform per customer cell a week, whatever the levers: after 156 recorded weeks the
    churn stream of both runs is in the same state, though who churned differs."""
    a, b = run(6, **levers_a), run(6, **levers_b)
    assert a.customers.churn_rng is a.streams["churn"]
    assert stream_state(a, "churn") == stream_state(b, "churn")
    assert stream_state(a, "customers") == stream_state(b, "customers")
    assert not np.array_equal(a.customers.satisfaction, b.customers.satisfaction)


def test_arrival_draws_per_cell_do_not_depend_on_the_levers() -> None:
    a, b = run(0, collaboration=0.1), run(0, collaboration=0.9)
    assert stream_state(a, "arrivals") == stream_state(b, "arrivals")


def test_every_source_has_its_own_stream() -> None:
    model = DigitalTransformationModel(rng=1, weeks=1, warmup_weeks=0, n_customers=100)
    assert list(model.streams) == list(STREAMS)
    generators = list(model.streams.values())
    assert len({id(g) for g in generators}) == len(STREAMS)
    firsts = [g.bit_generator.state["state"]["state"] for g in generators]
    assert len(set(firsts)) == len(STREAMS)


# --- a small lever change ----------------------------------------------------------------------
KEYS = ("satisfaction", "shadow_share", "breaches_total")


def test_a_small_lever_change_gives_a_smaller_difference_than_another_seed() -> None:
    """Collaboration 0.15 vs 0.16 at the same seed (CRN) against 0.15 at two seeds.

    Measured over 200 seeds (seed s vs s + 1000 for the independent pair), the mean over the
    156 weeks of |difference| per week, then the mean over seeds:

    ============== ========= ================= =======================================
    reporter       CRN       independent seeds  CRN / independent (20 blocks of 10 seeds)
    ============== ========= ================= =======================================
    satisfaction   0.0194    0.0432            0.45 (0.37 - 0.53)
    shadow_share   0.0127    0.0247            0.51 (0.27 - 0.88)
    breaches_total 1.77      5.26              0.34 (0.17 - 0.56)
    ============== ========= ================= =======================================

    CRN halves the noise of a comparison, it does not remove it: the two runs part within a
    few weeks of the start (choices, review work, the estate and breaches draw as many numbers
    as there are requests, systems or breaches), so the gap is already there at recorded week 1
    (satisfaction 0.016 vs 0.042 over 30 seeds; the 26 warm-up weeks run with the lever) and
    stays at that size to week 156 (0.017 vs 0.039). With breaches switched off
    (vulnerability 0) the satisfaction gap halves in both pairs (0.010 vs 0.025): breaches,
    which hit customers directly, are half of it.

    At the seeds 0-9 used here the ratios are 0.43, 0.66 and 0.30. The asserted bounds sit
    above the worst 10-seed block of the 200 seeds: 0.65 for satisfaction, 0.75 for
    cumulative breaches; for shadow share only that CRN is not worse than an independent seed
    (its worst block was 0.88).
    """
    crn = {key: [] for key in KEYS}
    independent = {key: [] for key in KEYS}
    for seed in range(10):
        base, _ = run_model({"collaboration": 0.15}, seed)
        nudged, _ = run_model({"collaboration": 0.16}, seed)
        other, _ = run_model({"collaboration": 0.15}, seed + 1000)
        for key in KEYS:
            crn[key].append((base[key] - nudged[key]).abs().mean())
            independent[key].append((base[key] - other[key]).abs().mean())
    ratio = {key: np.mean(crn[key]) / np.mean(independent[key]) for key in KEYS}
    assert ratio["satisfaction"] <= 0.65, ratio
    assert ratio["breaches_total"] <= 0.75, ratio
    assert ratio["shadow_share"] < 1.0, ratio
    assert np.mean(crn["satisfaction"]) < 0.03  # against a spread of 0.5 +- 0.05 over seeds
    # the lever did change something: CRN is not a copy
    assert min(np.mean(crn[key]) for key in KEYS) > 0


# --- executors ---------------------------------------------------------------------------------
JOBS = [
    ({"collaboration": 0.15, "weeks": 30}, 21),
    ({"collaboration": 0.8, "governance": 0.7, "weeks": 30}, 21),
    ({"cio_reactivity": 0.05, "cmo_budget_push": 0.05, "weeks": 30}, 22),
]


def _in_pool(workers: int, jobs: list[tuple[dict, int]]) -> list:
    params, seeds = zip(*jobs, strict=True)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(run_model, params, seeds))


def test_numbers_do_not_depend_on_the_executor_or_the_number_of_workers() -> None:
    serial = [run_model(params, seed) for params, seed in JOBS]
    two = _in_pool(2, JOBS)
    one_reversed = _in_pool(1, JOBS[::-1])[::-1]  # one worker runs every job, in another order
    for runs in (two, one_reversed):
        for (frame, summary), (frame_s, summary_s) in zip(runs, serial, strict=True):
            pd.testing.assert_frame_equal(frame, frame_s)
            assert_same_summary(summary, summary_s)
    for summary, (_, summary_s) in zip(run_many(JOBS, workers=2), serial, strict=True):
        assert_same_summary(summary, summary_s)
    for summary, (_, summary_s) in zip(run_many(JOBS, workers=1), serial, strict=True):
        assert_same_summary(summary, summary_s)


def test_the_streams_depend_only_on_the_seed() -> None:
    """A model built after other models in the same process draws the same numbers."""
    first = run(9, weeks=10).datacollector.get_model_vars_dataframe()
    run(123, weeks=10)
    run(9, weeks=5, collaboration=0.9)
    again = run(9, weeks=10).datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(first, again)
