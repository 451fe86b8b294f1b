"""How much common random numbers narrow the interval of a small lever effect.

    python benchmarks/bench_pairing.py [--seeds 12] [--blocks 4] [--weeks 156] [--workers 2]
                                       [--hand-set]

The effect of collaboration 0.35 -> 0.40 (every other parameter at its default), over
blocks of ``--seeds`` replicate seeds (`replicate_seed(0, r)`). Paired: the t-interval of the
differences run by run at the same seed. Independent: Welch's interval between one block's
0.35 runs and the next block's 0.40 runs (which share nothing with them). Prints each
outcome's mean half-widths over the blocks and their ratio, independent over paired (above
1: pairing helps; `tests/model/test_crn.py` asserts the same). ``--hand-set`` runs the firm
of before the calibration: the calibrated parameters at their hand-set values.

    python benchmarks/bench_pairing.py --diagnose 3 [--outcome ttm_all]

adds where a wide paired interval comes from, over all the seeds as one sample: the ratio of
standard deviations (independent over paired), the seeds with the largest paired differences
and the ratio without them; for those seeds and two typical ones, the share of requests that
end in the same state at both settings and the mean IT backlog of each. Runs that stay in step
(most requests alike) with a large difference mean the effect itself differs between seeds,
which common random numbers cannot remove; runs that part mean the draws stopped pairing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from simulation.analysis.pairing import in_step, pairing_widths
from simulation.experiments.runner import RunSpec, replicate_seed, run_specs
from simulation.model.params import DECLARED, PARAMETERS, resolve

OUTCOMES = ("shadow_share", "ttm_all", "breaches_per_year", "satisfaction")
LOW, HIGH = 0.35, 0.40
SEED = 0
"""Base seed of the replicates (`replicate_seed(SEED, r)`), for the table and the diagnosis."""


def hand_set() -> dict[str, float | int]:
    """The calibrated parameters at their values before the calibration (`params.DECLARED`)."""
    return {n: DECLARED[n] for n, s in PARAMETERS.items() if s.source == "calibrated"}


def specs(weeks: int, firm: dict[str, float | int]) -> list[RunSpec]:
    """The two settings, everything else at the defaults (or the firm's values)."""
    return [
        RunSpec(
            f"c{c}", f"collaboration {c}", resolve({**firm, "collaboration": c, "weeks": weeks})
        )
        for c in (LOW, HIGH)
    ]


def diagnose(summary: pd.DataFrame, pair: list[RunSpec], outcome: str, k: int) -> None:
    low, high = pair[0].name, pair[1].name
    a = summary[summary["scenario"] == low].set_index("replicate")[outcome]
    b = summary[summary["scenario"] == high].set_index("replicate")[outcome]
    diff = b - a

    def ratio(rows: pd.Index) -> float:
        return float(np.sqrt(a[rows].var() + b[rows].var()) / diff[rows].std())

    order = diff.abs().sort_values().index
    largest, typical = list(order[-k:]), list(order[len(order) // 2 : len(order) // 2 + 2])
    print(f"\n{outcome}: {len(diff)} seeds as one sample; independent / paired standard deviation")
    print(
        f"  all seeds {ratio(diff.index):.3g}; without the {k} largest differences {ratio(order[:-k]):.3g}"
    )
    print(f"  paired differences from {diff.min():+.3g} to {diff.max():+.3g}")
    print(f"  replicate  {low:>8} {high:>8}  difference  same state  backlog {LOW} / {HIGH}")
    for r in [*reversed(largest), *typical]:
        seed = replicate_seed(SEED, int(r))
        same, back_a, back_b = in_step(pair[0].parameters, pair[1].parameters, seed)
        print(
            f"  {r:9d}  {a[r]:8.3g} {b[r]:8.3g}  {diff[r]:+10.3g}  {same:10.1%}"
            f"  {back_a:.1f} / {back_b:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--diagnose", type=int, default=0, metavar="K")
    parser.add_argument("--outcome", choices=OUTCOMES, default="ttm_all")
    parser.add_argument(
        "--hand-set", action="store_true", help="the calibrated parameters at their hand-set values"
    )
    args = parser.parse_args()
    low, high = specs(args.weeks, hand_set() if args.hand_set else {})
    _, summary = run_specs([low, high], SEED, args.seeds * args.blocks, workers=args.workers)
    print(
        f"collaboration {LOW} -> {HIGH}, {args.blocks} blocks of {args.seeds} seeds,"
        f" {args.weeks} weeks: mean 95% half-widths"
    )
    table = pairing_widths(summary, low.name, high.name, OUTCOMES, args.seeds)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.diagnose:
        diagnose(summary, [low, high], args.outcome, args.diagnose)


if __name__ == "__main__":
    main()
