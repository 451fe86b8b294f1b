"""Common random numbers (CRN): each source of randomness draws from its own stream.

`simulation.model.model.STREAMS` are children of the run's seed sequence, each drawing a
fixed number of numbers per week, request, system or customer cell, so two runs with the
same seed and different levers face the same market: the same request arrivals, the same
churn draws for every customer cell. What agents decide or meet later (choices, review work,
reworks, retirement, discovery, breaches and their reach) is drawn by identity
(`simulation.model.draws`): the same request or system gets the same draws in both runs
whatever happened to the others, so the runs stay in step instead of parting at the first
different decision. The numbers must not depend on where a run is executed (serially, in
one worker process or several).
"""

from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from functools import cache

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.pairing import in_step, pairing_widths
from simulation.experiments.runner import (
    RunSpec,
    replicate_seed,
    run_model,
    run_scenario,
    run_specs,
)
from simulation.experiments.validation import run_many
from simulation.model import draws
from simulation.model.model import STREAMS, DigitalTransformationModel
from simulation.model.params import DECLARED, PARAMETERS, resolve

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
    p = a.p  # warm-up and 156 recorded weeks of requests: most of what the rates expect
    expected = p["n_marketing"] * p["request_rate"] * (1 + p["it_request_ratio"])
    assert len(a.requests) > 0.8 * expected * (p["warmup_weeks"] + p["weeks"])
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

    The mean over the 156 weeks of |difference| per week, then the mean over seeds 0-9 (seed
    s vs s + 1000 for the independent pair), CRN / independent:

    ============== ====================================== ===========================
    reporter       shared streams (200 seeds, 10-blocks)  by identity (0-9 / 10-19)
    ============== ====================================== ===========================
    satisfaction   0.45 (0.37 - 0.53)                     0.121 / 0.142
    shadow_share   0.51 (0.27 - 0.88)                     0.163 / 0.243
    breaches_total 0.34 (0.17 - 0.56)                     0.146 / 0.098
    ============== ====================================== ===========================

    With shared streams the two runs parted within a few weeks of the start (choices, review
    work, the estate and breaches drew as many numbers as there were requests, systems or
    breaches), so CRN only halved the noise. Drawn by identity, the same requests and systems
    meet the same luck, and the runs differ by the lever's effect and what follows from it.
    The bounds leave room: 0.25, 0.4 and 0.3.
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
    assert ratio["satisfaction"] <= 0.25, ratio
    assert ratio["breaches_total"] <= 0.3, ratio
    assert ratio["shadow_share"] <= 0.4, ratio
    assert np.mean(crn["satisfaction"]) < 0.01  # against a spread of 0.5 +- 0.05 over seeds
    # the lever did change something: CRN is not a copy
    assert min(np.mean(crn[key]) for key in KEYS) > 0


# --- pairing that pairs: the effect of a small lever change ----------------------------------
PAIRED_OUTCOMES = ("shadow_share", "ttm_all", "breaches_per_year", "satisfaction")


HAND_SET = {n: DECLARED[n] for n, spec in PARAMETERS.items() if spec.source == "calibrated"}
"""The firm of before the calibration: the calibrated parameters at their hand-set values."""


@cache
def collaboration_effect(firm: str) -> pd.DataFrame:
    """Collaboration 0.35 and 0.40, other levers at the baseline, 48 seeds, 156 weeks."""
    values = HAND_SET if firm == "hand-set" else {}
    specs = [
        RunSpec(f"c{c}", f"collaboration {c}", resolve({**values, "collaboration": c}))
        for c in (0.35, 0.40)
    ]
    _, summary = run_specs(specs, 0, 48, workers=2)
    return summary


def pairing_ratios(summary: pd.DataFrame) -> dict[str, float]:
    table = pairing_widths(summary, "c0.35", "c0.4", PAIRED_OUTCOMES, seeds=12)
    assert set(table["blocks"]) == {4}
    return dict(zip(table["outcome"], table["ratio"], strict=True))


def test_the_effect_of_collaboration_is_at_least_three_times_narrower_paired() -> None:
    """Collaboration 0.35 -> 0.40 (other levers at the baseline), 12 seeds, 156 weeks.

    Bound: the paired 95% half-width of the effect is at most a third of the independent
    (Welch) one: ratio >= 3. One block of 12 seeds gives a ratio that moves by a factor of two
    from block to block (shadow share 2.2-4.1, time to market 1.9-5.7 at bases 0-3), so the
    half-widths at 12 seeds are averaged over four blocks of 12 (`simulation.analysis.pairing`;
    `benchmarks/bench_pairing.py [--hand-set]` prints the same table). Measured, independent /
    paired, 4 x 12 seeds:

    ================= ======================= =========================== ==================
    outcome           before (shared streams) by identity, hand-set firm  calibrated defaults
    ================= ======================= =========================== ==================
    shadow_share      2.06                    4.12                        3.01
    ttm_all           1.32 (whole weeks)      3.92 (interpolated)         2.54
    breaches_per_year 6.36                    6.75                        4.15
    satisfaction      3.08                    6.17                        4.46
    ================= ======================= =========================== ==================

    At the calibrated defaults time to market pairs 2.54x, short of 3: the test below shows
    why. Here all four are asserted at the hand-set firm, where the effect is about the same
    in every seed, and the three others at the calibrated defaults too. Time to market pairs
    only since its medians are interpolated between whole weeks (`simulation.stats.km_median`):
    a median of whole weeks moves by 0 or 1 week run by run, which caps the ratio near 1.6.
    """
    ratio = pairing_ratios(collaboration_effect("hand-set"))
    for key in PAIRED_OUTCOMES:
        assert ratio[key] >= 3.0, ratio
    ratio = pairing_ratios(collaboration_effect("calibrated"))
    for key in ("shadow_share", "breaches_per_year", "satisfaction"):
        assert ratio[key] >= 3.0, ratio


def test_where_time_to_market_pairs_less_the_runs_stay_in_step() -> None:
    """At the calibrated defaults, a few seeds congest IT's queue, and there collaboration
    0.40 saves about 5 weeks against a fraction of a week elsewhere: those seeds carry most of
    the paired variance (`benchmarks/bench_pairing.py --diagnose 3`). The claim: at the three
    seeds with the largest paired differences the two runs stay in step (most requests end the
    same way at both levels), so the width is the effect's spread between firms, which common
    random numbers cannot remove, and not draws that parted."""
    summary = collaboration_effect("calibrated")
    a = summary[summary["scenario"] == "c0.35"].set_index("replicate")["ttm_all"]
    b = summary[summary["scenario"] == "c0.4"].set_index("replicate")["ttm_all"]
    diff = b - a
    largest = diff.abs().sort_values().index[-3:]
    assert diff.abs()[largest].min() > 3 * diff.abs().median()  # they stand out
    low, high = (resolve({"collaboration": c}) for c in (0.35, 0.40))
    for r in largest:
        same, _, _ = in_step(low, high, replicate_seed(0, int(r)))
        assert same > 0.9, (int(r), same)


def test_a_request_meets_its_own_draws_whatever_the_levers() -> None:
    """The same request gets the same review work, choice and rework uniforms in both runs,
    and the same system the same weekly draws, whatever was decided for the others."""
    a, b = run(4, collaboration=0.35, weeks=40), run(4, collaboration=0.40, weeks=40)
    assert [(r.key, r.review_draw) for r in a.requests] == [
        (r.key, r.review_draw) for r in b.requests
    ]
    assert len({r.key for r in a.requests}) == len(a.requests)
    # the two runs decided differently for some requests, yet most ended the same way
    outcome = [(r.status, r.shadow) for r in a.requests]
    other = [(r.status, r.shadow) for r in b.requests]
    assert outcome != other
    assert np.mean([x == y for x, y in zip(outcome, other, strict=True)]) > 0.9
    # the systems live in both runs share keys, and so their draws
    live_a = set(a.estate.key[a.estate.live_rows()].tolist())
    live_b = set(b.estate.key[b.estate.live_rows()].tolist())
    assert len(live_a & live_b) > 0.8 * min(len(live_a), len(live_b))


def test_draws_by_identity_are_uniform_and_agree_between_scalar_and_array() -> None:
    keys = draws.keys(np.random.default_rng(0), 5)
    u = draws.uniforms(keys, draws.BREACH, 17)
    assert u.tolist() == [draws.uniform(int(k), draws.BREACH, 17) for k in keys]
    cells = draws.cell_keys(12345, 100_000)
    u = draws.uniforms(cells, draws.REACH, 3)
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01  # neighbouring cells
    assert abs(np.corrcoef(u, draws.uniforms(cells, draws.REACH, 4))[0, 1]) < 0.01  # weeks
    assert abs(np.corrcoef(u, draws.uniforms(cells, draws.NEWCOMER, 3))[0, 1]) < 0.01
    assert abs(np.corrcoef(u, draws.uniforms(cells, draws.REACH, 3, salt=1))[0, 1]) < 0.01


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
