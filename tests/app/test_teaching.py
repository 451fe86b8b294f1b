"""The classroom lessons of docs/teaching.md, each checked headless.

Every lesson compares paired runs (the same replicate seeds, common random numbers) and
asserts the direction of its claim and, where it held at every base seed tried (0, 1, 2, 3),
a rough size. Lever lessons use 12 replicates, scenario lessons 10.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from simulation.experiments.runner import replicate_seed, run_scenario
from simulation.experiments.validation import run_many

SEED = 0
LEVER_REPLICATES = 12
SCENARIO_REPLICATES = 10

SILOED = {"collaboration": 0.15, "governance": 0.5, "marketing_budget": 0.25}
MOVES = {
    "siloed": SILOED,
    "strict": {**SILOED, "governance": 0.95},
    "budget": {**SILOED, "marketing_budget": 0.75},
    "collab": {**SILOED, "collaboration": 0.8},
}


@cache
def lever_runs(seed: int = SEED, replicates: int = LEVER_REPLICATES) -> dict[str, pd.DataFrame]:
    """Summaries of every lever move, one row per replicate, in one pool of two workers."""
    jobs = [(p, replicate_seed(seed, r)) for p in MOVES.values() for r in range(replicates)]
    out = run_many(jobs, workers=2)
    return {
        name: pd.DataFrame(out[i * replicates : (i + 1) * replicates])
        for i, name in enumerate(MOVES)
    }


def paired(runs: dict[str, pd.DataFrame], after: str, key: str) -> float:
    """Mean over replicates of (after - siloed) for one summary key."""
    return float((runs[after][key] - runs["siloed"][key]).mean())


@cache
def weekly(scenario: str, seed: int = SEED, stop: int | None = None) -> pd.DataFrame:
    overrides = {"delivery_stop_week": stop} if stop is not None else None
    ts, _ = run_scenario(scenario, seed=seed, replicates=SCENARIO_REPLICATES, overrides=overrides)
    return ts.set_index(["replicate", "week"]).select_dtypes("number")


def block(diff: pd.DataFrame, key: str, first: int, last: int) -> float:
    """Mean over replicates of the weeks first..last block mean of a paired difference."""
    part = diff.loc[(slice(None), slice(first, last)), key]
    return float(part.groupby(level=0).mean().mean())


def check_locking_down(seed: int = SEED) -> None:
    runs = lever_runs(seed)
    official = paired(runs, "strict", "breaches_official_per_year")
    shadow = paired(runs, "strict", "breaches_shadow_per_year")
    total = paired(runs, "strict", "breaches_per_year")
    assert paired(runs, "strict", "shadow_share") > 0.04
    assert official < -2.5
    assert shadow > 1.5
    # the shadow breaches give back most of what the official systems gain
    assert abs(total) < 0.5 * abs(official)
    assert paired(runs, "strict", "ttm_all") > 4.0
    assert paired(runs, "strict", "marketing_trust") < -0.15


def check_marketing_budget(seed: int = SEED) -> None:
    runs = lever_runs(seed)
    assert paired(runs, "budget", "ttm_marketing") < -0.4
    assert paired(runs, "budget", "shadow_spend_share") > 0.07
    assert paired(runs, "budget", "shadow_share") > 0.04
    assert paired(runs, "budget", "breaches_shadow_per_year") > 0
    assert paired(runs, "budget", "satisfaction") < -0.02


def check_collaboration(seed: int = SEED) -> None:
    runs = lever_runs(seed)
    assert paired(runs, "collab", "rework_rate") < -0.15
    assert paired(runs, "collab", "shadow_share") < -0.07
    assert paired(runs, "collab", "shadow_purchases_per_year") < -25
    assert paired(runs, "collab", "satisfaction") > 0.02
    assert paired(runs, "collab", "marketing_trust") > 0.15
    assert paired(runs, "collab", "it_utilisation") < -0.15
    assert paired(runs, "collab", "ttm_all") < -0.5


def check_cdo_arrives(seed: int = SEED) -> None:
    diff = weekly("cdo_turnaround", seed) - weekly("siloed", seed)
    before = diff.loc[(slice(None), slice(1, 51)), :]
    assert float(np.abs(before.to_numpy()).max()) == 0.0  # identical until the CDO arrives
    # first quarter: nothing measurably worse (no dip)
    assert block(diff, "satisfaction", 52, 64) > -0.005
    assert block(diff, "time_to_market", 52, 64) < 0.15
    assert block(diff, "shadow_share", 52, 64) <= 0.001
    # the gains build quarter by quarter
    assert block(diff, "satisfaction", 143, 155) > block(diff, "satisfaction", 65, 77) + 0.02
    assert block(diff, "satisfaction", 143, 155) > 0.035
    assert block(diff, "shadow_share", 143, 155) < -0.05
    assert block(diff, "marketing_trust", 143, 155) > 0.12
    assert block(diff, "time_to_market", 143, 155) < 0


def check_satisfaction_programme(seed: int = SEED) -> None:
    stopped = weekly("siloed", seed, stop=52)["satisfaction"].unstack("replicate")
    going = weekly("siloed", seed)["satisfaction"].unstack("replicate")
    assert float((stopped.loc[51] - going.loc[51]).abs().max()) == 0.0
    drop = stopped.loc[104] - stopped.loc[51]
    assert float(drop.max()) < -0.2  # every replicate loses over 0.2 in a year
    assert float((stopped.loc[104] - going.loc[104]).mean()) < -0.25
    assert float((stopped.mean(axis=1).diff().loc[53:104] < 0).mean()) > 0.9


def test_locking_down_raises_shadow_it_and_moves_breaches() -> None:
    check_locking_down()


def test_marketing_budget_is_fast_but_risky() -> None:
    check_marketing_budget()


def test_collaboration_costs_meetings_but_pays_off() -> None:
    check_collaboration()


def test_cdo_arrives_no_dip_then_gains_build() -> None:
    check_cdo_arrives()


def test_satisfaction_is_a_programme_not_a_project() -> None:
    check_satisfaction_programme()
