"""How much common random numbers narrow the interval of a small lever effect.

    python benchmarks/bench_pairing.py [--seeds 12] [--blocks 4] [--weeks 156] [--workers 2]

The effect of collaboration 0.35 -> 0.40 (every other parameter at its default), over
blocks of ``--seeds`` replicate seeds (`replicate_seed(0, r)`). Paired: the t-interval of the
differences run by run at the same seed. Independent: Welch's interval between one block's
0.35 runs and the next block's 0.40 runs (which share nothing with them). Prints each
outcome's mean half-widths over the blocks and their ratio, independent over paired (above
1: pairing helps; `tests/model/test_crn.py` asserts the same at these defaults).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulation.analysis.pairing import pairing_widths
from simulation.experiments.runner import RunSpec, run_specs
from simulation.model.params import resolve

OUTCOMES = ("shadow_share", "ttm_all", "breaches_per_year", "satisfaction")
LOW, HIGH = 0.35, 0.40


def specs(weeks: int) -> list[RunSpec]:
    """The two settings, everything else at the defaults."""
    return [
        RunSpec(f"c{c}", f"collaboration {c}", resolve({"collaboration": c, "weeks": weeks}))
        for c in (LOW, HIGH)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    low, high = specs(args.weeks)
    _, summary = run_specs([low, high], 0, args.seeds * args.blocks, workers=args.workers)
    print(
        f"collaboration {LOW} -> {HIGH}, {args.blocks} blocks of {args.seeds} seeds,"
        f" {args.weeks} weeks: mean 95% half-widths"
    )
    table = pairing_widths(summary, low.name, high.name, OUTCOMES, args.seeds)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
