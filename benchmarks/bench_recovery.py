"""Does a calibration's stated 95% interval hold the truth? A coverage check on synthetic data.

    python benchmarks/bench_recovery.py [--truths 20] [--population 40] [--generations 4]
                                        [--seed 0] [--out DIR]

Draws ``--truths`` parameter sets (``request_rate``, ``churn_max``) uniformly from the middle
80% of their priors, generates each one's targets from the model itself
(`tests/experiments/recovery.py`: the mean of 12 runs at the truth, one run's standard
deviation as the tolerance), calibrates against them with ABC-SMC as `dtsim calibrate` does,
and prints, per truth and over all of them: whether the stated 95% interval (the one
`--adopt` writes into the defaults) holds the truth, its width as a share of the prior, and
the point estimate's error. A coverage far below 95% means the stated intervals are
overconfident; far above, and wide, that they are honest but the targets say little. Each
calibration is kept in ``--out`` (default: a temporary folder) and resumes if run again.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests" / "experiments"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from recovery import PRIORS, recover  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--truths", type=int, default=20)
    parser.add_argument("--population", type=int, default=40)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not 1 <= args.truths <= 200:
        parser.error("--truths: 1 to 200")
    rng = np.random.default_rng(args.seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="dtsim-recovery-"))
    names = list(PRIORS)
    held = {name: 0 for name in names}
    widths: dict[str, list[float]] = {name: [] for name in names}
    errors: dict[str, list[float]] = {name: [] for name in names}
    start = time.perf_counter()
    print(
        f"{args.truths} truths, population {args.population}, {args.generations} generations;"
        f" calibrations in {out}"
    )
    for k in range(args.truths):
        truth = {}
        for name in names:
            lo, hi = PRIORS[name]
            truth[name] = float(lo + (hi - lo) * (0.1 + 0.8 * rng.random()))
        _, _, stated = recover(
            truth,
            out / f"truth{k}",
            seed=args.seed * 1_000 + k,
            population=args.population,
            generations=args.generations,
        )
        cells = []
        for name in names:
            point, low, high = stated[name]
            span = PRIORS[name][1] - PRIORS[name][0]
            inside = low <= truth[name] <= high
            held[name] += inside
            widths[name].append((high - low) / span)
            errors[name].append(abs(point - truth[name]) / span)
            cells.append(
                f"{name} {truth[name]:.4g} in [{low:.4g}, {high:.4g}] {'yes' if inside else 'NO '}"
            )
        print(f"  truth {k:2d}: " + "; ".join(cells), flush=True)
    minutes = (time.perf_counter() - start) / 60
    print(f"\nover {args.truths} truths ({minutes:.1f} min):")
    for name in names:
        print(
            f"  {name:13s} stated 95% interval holds the truth in {held[name]}/{args.truths}"
            f" ({held[name] / args.truths:.0%}); width {np.median(widths[name]):.0%} of the"
            f" prior (median); point error {np.median(errors[name]):.1%} of the prior (median)"
        )


if __name__ == "__main__":
    main()
