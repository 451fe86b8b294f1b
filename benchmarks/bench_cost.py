"""The figures behind simulation/experiments/limits.py's cost estimate: seconds per simulated
week at a few sizes (one core), beside what the estimate says.

    python benchmarks/bench_cost.py
"""

from __future__ import annotations

import time

from simulation.experiments.limits import run_seconds
from simulation.model.model import DigitalTransformationModel

SIZES = [
    {},
    {"n_customers": 200_000},
    {"n_marketing": 100, "n_it": 100},
    {"n_marketing": 500, "n_it": 500},
    {"n_customers": 2_000_000},
]


def main() -> int:
    weeks, warmup = 40, 0
    print(f"{'sizes':45} {'measured ms/week':>17} {'estimate ms/week':>17}")
    for sizes in SIZES:
        params = {"weeks": weeks, "warmup_weeks": warmup, **sizes}
        model = DigitalTransformationModel(rng=1, **params)
        started = time.perf_counter()
        model.run()
        measured = (time.perf_counter() - started) / (weeks + warmup) * 1000
        estimate = run_seconds(params) / (weeks + warmup) * 1000
        print(f"{sizes or 'defaults'!s:45} {measured:17.2f} {estimate:17.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
