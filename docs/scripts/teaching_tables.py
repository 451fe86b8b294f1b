"""The tables of ``docs/teaching.md``, measured at the model's current defaults.

A client of the model: levers in, summaries and weekly series out. Every comparison is
paired: both settings run the same replicate seeds (``replicate_seed(seed, r)``), so the
market and the requests are the same and only the lever differs. A difference is the mean of
the run-by-run differences, "± the paired 95% half-width"; the brackets give the same mean at
the other base seeds. Lessons 1-3 move one lever of ``siloed``; lessons 4-5 compare weekly
series of scenarios.

Usage, from the repository root (about a minute on two cores)::

    .venv/bin/python docs/scripts/teaching_tables.py [--replicates 20] [--seeds 0 1 2]

It prints Markdown to paste into the document; nothing is written.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from simulation.experiments.runner import replicate_seed, run_scenario
from simulation.experiments.validation import run_many
from simulation.stats import paired_interval

SILOED = {"collaboration": 0.15, "governance": 0.5, "marketing_budget": 0.25}
MOVES = {
    "strict": {**SILOED, "governance": 0.95},
    "budget": {**SILOED, "marketing_budget": 0.75},
    "collab": {**SILOED, "collaboration": 0.8},
}
SCENARIOS = {  # the shipped scenarios a lesson names, by their levers (base seed only)
    "locked_down": {"collaboration": 0.15, "governance": 0.95, "marketing_budget": 0.1},
    "partnership": {"collaboration": 0.8, "governance": 0.5, "marketing_budget": 0.3},
}
ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "strict": (
        ("ttm_all", "time to market, `ttm_all` (weeks)"),
        ("shadow_share", "shadow IT, share of live systems"),
        ("shadow_spend_share", "shadow IT, share of spend"),
        ("breaches_official_per_year", "breaches on official systems / year"),
        ("breaches_shadow_per_year", "breaches on shadow systems / year"),
        ("breaches_per_year", "**all breaches / year**"),
        ("marketing_trust", "marketing's trust in IT"),
        ("workarounds_per_year", "workarounds / year"),
        ("it_backlog", "IT backlog (requests, mean)"),
        ("satisfaction", "customer satisfaction"),
    ),
    "budget": (
        ("ttm_marketing", "marketing's time to market, `ttm_marketing` (weeks)"),
        ("ttm_all", "time to market, all requests"),
        ("ttm_official", "time to market of IT's official launches"),
        ("shadow_spend_share", "shadow IT, share of spend"),
        ("shadow_share", "shadow IT, share of live systems"),
        ("breaches_shadow_per_year", "breaches on shadow systems / year"),
        ("breaches_per_year", "breaches / year"),
        ("satisfaction", "customer satisfaction"),
        ("rework_rate", "rework rate"),
    ),
    "collab": (
        ("rework_rate", "rework rate"),
        ("shadow_share", "shadow IT, share of live systems"),
        ("shadow_purchases_per_year", "shadow purchases / year"),
        ("submitted", "requests submitted to IT (3 years)"),
        ("it_utilisation", "IT utilisation"),
        ("ttm_all", "time to market, `ttm_all` (weeks)"),
        ("satisfaction", "customer satisfaction"),
        ("marketing_trust", "marketing's trust in IT"),
        ("breaches_official_per_year", "breaches on official systems / year"),
        ("breaches_shadow_per_year", "breaches on shadow systems / year"),
        ("breaches_per_year", "breaches / year"),
    ),
}
BLOCKS = ((1, 51), (52, 64), (65, 77), (91, 103), (143, 155))
CDO_ROWS = (
    ("time_to_market", "time to market, 26-week median (weeks)"),
    ("shadow_share", "shadow share"),
    ("satisfaction", "satisfaction"),
    ("marketing_trust", "marketing's trust"),
    ("it_utilisation", "IT utilisation"),
    ("breaches_total", "breaches since week 1"),
)


def g(x: float) -> str:
    return f"{x:.3g}"


def signed(x: float) -> str:
    return f"{x:+.3g}".replace("-", "−")


def lever_runs(seeds: list[int], replicates: int) -> dict[tuple[str, int], pd.DataFrame]:
    """Summaries per (setting, base seed), one row per replicate, in one pool."""
    arms = [("siloed", s, SILOED) for s in seeds]
    arms += [(name, s, levers) for name, levers in MOVES.items() for s in seeds]
    arms += [(name, seeds[0], levers) for name, levers in SCENARIOS.items()]
    jobs = [(levers, replicate_seed(s, r)) for _, s, levers in arms for r in range(replicates)]
    out = run_many(jobs, workers=2)
    return {
        (name, s): pd.DataFrame(out[i * replicates : (i + 1) * replicates])
        for i, (name, s, _) in enumerate(arms)
    }


def lever_table(runs: dict[tuple[str, int], pd.DataFrame], move: str, seeds: list[int]) -> None:
    first, others = seeds[0], seeds[1:]
    extra = {"collab": "partnership", "strict": "locked_down"}.get(move)
    head = (
        f"| outcome | siloed | {move} | paired difference [seeds {', '.join(map(str, others))}] |"
    )
    print(head + (f" `{extra}` |" if extra else ""))
    print("|---" * (4 + bool(extra)) + "|")
    for key, label in ROWS[move]:
        base, moved = runs[("siloed", first)][key], runs[(move, first)][key]
        mean, low, _, _ = paired_interval(base, moved)
        rest = [paired_interval(runs[("siloed", s)][key], runs[(move, s)][key])[0] for s in others]
        cells = [label, g(base.mean()), g(moved.mean())]
        cells.append(f"{signed(mean)} ± {g(mean - low)} [{', '.join(signed(v) for v in rest)}]")
        if extra:
            cells.append(g(runs[(extra, first)][key].mean()))
        print("| " + " | ".join(cells) + " |")
    print()


def weekly(scenario: str, seed: int, replicates: int, stop: int | None = None) -> pd.DataFrame:
    overrides = {"delivery_stop_week": stop} if stop is not None else None
    ts, _ = run_scenario(scenario, seed=seed, replicates=replicates, overrides=overrides)
    return ts.set_index(["replicate", "week"]).select_dtypes("number")


def cdo_table(seed: int, replicates: int) -> None:
    cdo, siloed = weekly("cdo_turnaround", seed, replicates), weekly("siloed", seed, replicates)
    diff = cdo - siloed
    heads = [f"{a}–{b}" for a, b in BLOCKS]
    print("| | " + " | ".join(heads) + " | siloed, 143–155 |")
    print("|---" * (len(BLOCKS) + 2) + "|")
    for key, label in CDO_ROWS:
        cells = [label]
        for i, (a, b) in enumerate(BLOCKS):
            per_run = diff.loc[(slice(None), slice(a, b)), key].groupby(level=0).mean()
            mean, low, _, _ = paired_interval(np.zeros(len(per_run)), per_run)
            last = i == len(BLOCKS) - 1
            cells.append(signed(mean) + (f" ± {g(mean - low)}" if last else ""))
        cells.append(g(siloed.loc[(slice(None), slice(143, 155)), key].mean()))
        print("| " + " | ".join(cells) + " |")
    print()


def programme_table(seed: int, replicates: int) -> None:
    stop = weekly("siloed", seed, replicates, stop=52)
    going = weekly("siloed", seed, replicates)
    s_stop = stop["satisfaction"].unstack("replicate")
    s_going = going["satisfaction"].unstack("replicate")
    weeks = (51, 78, 104, 156)
    print("| week | " + " | ".join(map(str, weeks)) + " |")
    print("|---" * (len(weeks) + 1) + "|")
    for label, s in (("`siloed`", s_going), ("delivery stops in week 52", s_stop)):
        print(f"| {label} | " + " | ".join(g(s.loc[w].mean()) for w in weeks) + " |")
    mean, low, _, _ = paired_interval(s_going.loc[104], s_stop.loc[104])
    fall = s_stop.loc[104] - s_stop.loc[51]
    drift = s_going.loc[104] - s_going.loc[51]
    falling = int((s_stop.mean(axis=1).diff().loc[53:104] < 0).sum())
    churn = [f.groupby(level=0)["churn"].sum().mean() / 3 for f in (going, stop)]
    print(f"\n- paired difference at week 104: {signed(mean)} ± {g(mean - low)}")
    print(f"- each replicate's fall, weeks 51-104: {g(-fall.max())} to {g(-fall.min())}")
    print(f"  (`siloed` over the same year: {signed(drift.min())} to {signed(drift.max())})")
    print(f"- mean satisfaction fell in {falling} of the 52 weeks 53-104")
    print(f"- churned customers a year, mean over 3 years: {g(churn[0])} -> {g(churn[1])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    start = time.perf_counter()
    runs = lever_runs(args.seeds, args.replicates)
    for lesson, move in (("1", "strict"), ("2", "budget"), ("3", "collab")):
        print(
            f"## lesson {lesson}: {move}, {args.replicates} replicates, base seed {args.seeds[0]}"
        )
        lever_table(runs, move, args.seeds)
    for seed in args.seeds:
        print(f"## lesson 4: cdo_turnaround - siloed, base seed {seed}")
        cdo_table(seed, args.replicates)
    for seed in args.seeds:
        print(f"## lesson 5: delivery stops in week 52, base seed {seed}")
        programme_table(seed, args.replicates)
        print()
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
