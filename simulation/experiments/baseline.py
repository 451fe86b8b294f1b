"""The saved baseline: outcome summaries of every shipped scenario at fixed seeds.

`tests/model/test_baseline.py` compares a fresh run with `tests/baseline.json`, so that a change
of the model's numbers is never silent. When a change is meant, refresh it deliberately and
commit the new file with the change that explains it:

    python -m simulation.experiments.baseline --refresh
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from simulation.experiments.runner import run_scenario
from simulation.experiments.scenarios import list_scenarios

BASELINE_FILE = Path(__file__).resolve().parents[2] / "tests" / "baseline.json"
SEED = 0
REPLICATES = 2


def compute() -> dict[str, list[dict[str, float | None]]]:
    """Summaries of each shipped scenario, replicate by replicate (NaN as null)."""
    out: dict[str, list[dict[str, float | None]]] = {}
    for scenario in list_scenarios():
        _, summary = run_scenario(scenario, seed=SEED, replicates=REPLICATES)
        rows = summary.drop(columns=["scenario"]).to_dict(orient="records")
        out[scenario.name] = [
            {
                k: (None if isinstance(v, float) and math.isnan(v) else float(v))
                for k, v in r.items()
            }
            for r in rows
        ]
    return out


def main(argv: list[str]) -> int:
    if argv != ["--refresh"]:
        print("usage: python -m simulation.experiments.baseline --refresh", file=sys.stderr)
        return 2
    BASELINE_FILE.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
