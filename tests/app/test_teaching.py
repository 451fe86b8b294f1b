"""The classroom lessons of docs/teaching.md, each checked headless.

Every lesson compares paired runs (the same replicate seeds, common random numbers) and
asserts the direction of its claim and, where it held at every base seed tried (0, 1, 2, 3),
a rough size. Lever lessons use 12 replicates, scenario lessons 10. The claims are one table
(`LESSONS`); ``python tests/app/test_teaching.py [SEED ...]`` prints every quantity at each
base seed, a ``!`` after a value that breaks its bound: how the bounds are re-checked when the
model's numbers change.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
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


def measure_locking_down(seed: int = SEED) -> dict[str, float]:
    runs = lever_runs(seed)
    official = paired(runs, "strict", "breaches_official_per_year")
    return {
        "shadow share": paired(runs, "strict", "shadow_share"),
        "official breaches a year": official,
        "shadow breaches a year": paired(runs, "strict", "breaches_shadow_per_year"),
        # the shadow breaches outgrow what the official systems gain
        "all breaches a year": paired(runs, "strict", "breaches_per_year"),
        "time to market (weeks)": paired(runs, "strict", "ttm_all"),
        "marketing's trust": paired(runs, "strict", "marketing_trust"),
    }


def measure_marketing_budget(seed: int = SEED) -> dict[str, float]:
    runs = lever_runs(seed)
    return {
        "marketing's time to market (weeks)": paired(runs, "budget", "ttm_marketing"),
        "shadow spend share": paired(runs, "budget", "shadow_spend_share"),
        "shadow share": paired(runs, "budget", "shadow_share"),
        "shadow breaches a year": paired(runs, "budget", "breaches_shadow_per_year"),
        "satisfaction": paired(runs, "budget", "satisfaction"),
    }


def measure_collaboration(seed: int = SEED) -> dict[str, float]:
    runs = lever_runs(seed)
    return {
        "rework rate": paired(runs, "collab", "rework_rate"),
        "shadow share": paired(runs, "collab", "shadow_share"),
        "shadow purchases a year": paired(runs, "collab", "shadow_purchases_per_year"),
        "satisfaction": paired(runs, "collab", "satisfaction"),
        "marketing's trust": paired(runs, "collab", "marketing_trust"),
        "IT utilisation": paired(runs, "collab", "it_utilisation"),
        "time to market (weeks)": paired(runs, "collab", "ttm_all"),
    }


def measure_cdo_arrives(seed: int = SEED) -> dict[str, float]:
    cdo, siloed = weekly("cdo_turnaround", seed), weekly("siloed", seed)
    diff = cdo - siloed
    early = (slice(None), slice(1, 51))
    # a week without a launch has no time to market (NaN): the same weeks in both, or unequal
    same_gaps = bool((cdo.loc[early, :].isna() == siloed.loc[early, :].isna()).all().all())
    largest = float(np.nanmax(np.abs(diff.loc[early, :].to_numpy()))) if same_gaps else np.inf
    late = block(diff, "satisfaction", 143, 155)
    return {
        # identical until the CDO arrives
        "largest difference before week 52": largest,
        # first quarter: nothing measurably worse (no dip)
        "satisfaction, weeks 52-64": block(diff, "satisfaction", 52, 64),
        "time to market, weeks 52-64": block(diff, "time_to_market", 52, 64),
        "shadow share, weeks 52-64": block(diff, "shadow_share", 52, 64),
        # the gains build quarter by quarter
        "satisfaction, weeks 143-155 less weeks 65-77": late - block(diff, "satisfaction", 65, 77),
        "satisfaction, weeks 143-155": late,
        "shadow share, weeks 143-155": block(diff, "shadow_share", 143, 155),
        "marketing's trust, weeks 143-155": block(diff, "marketing_trust", 143, 155),
    }


def measure_satisfaction_programme(seed: int = SEED) -> dict[str, float]:
    stopped = weekly("siloed", seed, stop=52)["satisfaction"].unstack("replicate")
    going = weekly("siloed", seed)["satisfaction"].unstack("replicate")
    return {
        "largest difference at week 51": float((stopped.loc[51] - going.loc[51]).abs().max()),
        # every replicate loses over the year
        "smallest replicate's fall, weeks 51-104": float(
            (stopped.loc[104] - stopped.loc[51]).max()
        ),
        "against delivery going on, week 104": float((stopped.loc[104] - going.loc[104]).mean()),
        "share of weeks 53-104 falling": float(
            (stopped.mean(axis=1).diff().loc[53:104] < 0).mean()
        ),
    }


LESSONS: dict[str, tuple[Callable[[int], dict[str, float]], dict[str, tuple[str, float]]]] = {
    "1 locking down": (
        measure_locking_down,
        {
            "shadow share": (">", 0.04),
            "official breaches a year": ("<", -0.3),
            "shadow breaches a year": (">", 1.5),
            "all breaches a year": (">", 2.0),
            "time to market (weeks)": (">", 4.0),
            "marketing's trust": ("<", -0.05),
        },
    ),
    "2 marketing's budget": (
        measure_marketing_budget,
        {
            "marketing's time to market (weeks)": ("<", -0.4),
            "shadow spend share": (">", 0.07),
            "shadow share": (">", 0.04),
            "shadow breaches a year": (">", 0.0),
            "satisfaction": ("<", -0.02),
        },
    ),
    "3 collaboration": (
        measure_collaboration,
        {
            "rework rate": ("<", -0.15),
            "shadow share": ("<", -0.07),
            "shadow purchases a year": ("<", -15.0),
            "satisfaction": (">", 0.02),
            "marketing's trust": (">", 0.15),
            "IT utilisation": ("<", -0.04),
            "time to market (weeks)": ("<", -0.5),
        },
    ),
    "4 the CDO arrives": (
        measure_cdo_arrives,
        {
            "largest difference before week 52": ("==", 0.0),
            "satisfaction, weeks 52-64": (">", -0.005),
            "time to market, weeks 52-64": ("<", 0.15),
            "shadow share, weeks 52-64": ("<=", 0.001),
            "satisfaction, weeks 143-155 less weeks 65-77": (">", 0.02),
            "satisfaction, weeks 143-155": (">", 0.035),
            "shadow share, weeks 143-155": ("<", -0.05),
            "marketing's trust, weeks 143-155": (">", 0.06),
        },
    ),
    "5 satisfaction is a programme": (
        measure_satisfaction_programme,
        {
            "largest difference at week 51": ("==", 0.0),
            "smallest replicate's fall, weeks 51-104": ("<", -0.2),
            "against delivery going on, week 104": ("<", -0.2),
            "share of weeks 53-104 falling": (">", 0.9),
        },
    ),
}
"""Each lesson: what it measures, and the bound each quantity must meet (it held at every
base seed tried: ``python tests/app/test_teaching.py 0 1 2 3`` prints them all)."""

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}


def check(lesson: str, seed: int = SEED) -> None:
    measure, bounds = LESSONS[lesson]
    measured = measure(seed)
    assert set(measured) == set(bounds), lesson
    broken = [
        f"{name} {measured[name]:+.4g} (bound {op} {bound:g})"
        for name, (op, bound) in bounds.items()
        if not OPS[op](measured[name], bound)
    ]
    assert not broken, f"lesson {lesson} at seed {seed}: " + "; ".join(broken)


def test_locking_down_raises_shadow_it_and_total_breaches() -> None:
    check("1 locking down")


def test_marketing_budget_is_fast_but_risky() -> None:
    check("2 marketing's budget")


def test_collaboration_costs_meetings_but_pays_off() -> None:
    check("3 collaboration")


def test_cdo_arrives_no_dip_then_gains_build() -> None:
    check("4 the CDO arrives")


def test_satisfaction_is_a_programme_not_a_project() -> None:
    check("5 satisfaction is a programme")


def main(seeds: list[int]) -> None:
    """Every quantity a lesson asserts, at each base seed, and whether its bound holds."""
    for lesson, (measure, bounds) in LESSONS.items():
        values = {seed: measure(seed) for seed in seeds}
        print(f"lesson {lesson}")
        for name, (op, bound) in bounds.items():
            cells = "  ".join(
                f"{values[s][name]:+9.4f}{'' if OPS[op](values[s][name], bound) else '!'}"
                for s in seeds
            )
            print(f"  {name:<46} {op:>2} {bound:<7g} {cells}")


if __name__ == "__main__":  # python tests/app/test_teaching.py [SEED ...]: the table
    main([int(a) for a in sys.argv[1:]] or [0, 1, 2, 3])
