"""How much common random numbers narrow the interval of a small lever effect.

    python benchmarks/bench_pairing.py [--seeds 12] [--weeks 156] [--base 0] [--workers 2]

The effect of collaboration 0.35 -> 0.40 (every other parameter at its default), over
``--seeds`` replicate seeds (`replicate_seed(base, r)`). Paired: the t-interval of the
differences run by run at the same seed. Independent: Welch's interval between the 0.35 runs
at those seeds and the 0.40 runs at the seeds of base + 1000 (which share nothing with them).
Prints each outcome's half-widths and their ratio, independent over paired (above 1:
pairing helps; `tests/model/test_crn.py` asserts the same at base 0).

The last row, ``lead_mean``, is a diagnostic and no output of the model: the mean weeks from
raising to launch of the requests raised while recording that launched. ``ttm_all`` is a
median of whole weeks (3 or 4 at these levers), so its paired difference is 0 or -1 run by
run and its interval cannot be much narrower than the unpaired one whatever the pairing;
the mean lead time shows how well time to market pairs on a scale that is not whole weeks.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from simulation.experiments.runner import replicate_seed
from simulation.model.model import DigitalTransformationModel
from simulation.model.reporters import summarize
from simulation.model.requests import Status
from simulation.report.tables import paired_interval, welch_interval

OUTCOMES = ("shadow_share", "ttm_all", "breaches_per_year", "satisfaction", "lead_mean")
LOW, HIGH = 0.35, 0.40


def summary(job: tuple[float, int, int]) -> dict[str, float]:
    """One run's summary, with the diagnostic ``lead_mean``."""
    collaboration, seed, weeks = job
    model = DigitalTransformationModel(rng=seed, collaboration=collaboration, weeks=weeks)
    model.run()
    out = dict(summarize(model))
    recorded = model.requests[model.ledger.first_recorded_request :]
    leads = [r.launched - r.raised for r in recorded if r.status == Status.LAUNCHED]
    out["lead_mean"] = float(np.mean(leads))
    return out


def widths(
    seeds: int, weeks: int, workers: int = 1, base: int = 0
) -> dict[str, tuple[float, float]]:
    """Each outcome's (paired, independent) half-width of the effect of 0.35 -> 0.40."""
    same = [replicate_seed(base, r) for r in range(seeds)]
    other = [replicate_seed(base + 1000, r) for r in range(seeds)]
    jobs = [(LOW, s, weeks) for s in same] + [(HIGH, s, weeks) for s in same]
    jobs += [(HIGH, s, weeks) for s in other]
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            runs = list(pool.map(summary, jobs))
    else:
        runs = [summary(job) for job in jobs]
    base, paired, independent = runs[:seeds], runs[seeds : 2 * seeds], runs[2 * seeds :]
    out = {}
    for key in OUTCOMES:
        a = [r[key] for r in base]
        _, low, high, _ = paired_interval(a, [r[key] for r in paired])
        _, wlow, whigh = welch_interval(a, [r[key] for r in independent])
        out[key] = ((high - low) / 2, (whigh - wlow) / 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--base", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(
        f"collaboration {LOW} -> {HIGH}, {args.seeds} seeds of base {args.base}"
        f" (independent: base {args.base + 1000}), {args.weeks} weeks"
    )
    print(f"{'outcome':<20}{'paired':>12}{'independent':>14}{'ratio':>8}")
    result = widths(args.seeds, args.weeks, args.workers, args.base)
    for key, (paired, independent) in result.items():
        ratio = independent / paired if paired > 0 else float("inf")
        print(f"{key:<20}{paired:>12.4g}{independent:>14.4g}{ratio:>8.2f}")


if __name__ == "__main__":
    main()
