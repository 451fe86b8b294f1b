"""Time a default run at two git revisions, interleaved so both see the same machine load.

    python benchmarks/compare_commits.py REV_BEFORE [REV_AFTER] [--rounds 5]

REV_AFTER defaults to the working tree. Each round starts one fresh process per revision that
imports the model, warms up with one run and times seven default runs (construction + 156
weeks); the figure per round is the median of seven, and the report the median over rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMER = """
import statistics, sys, time
sys.path.insert(0, {root!r})
try:
    from simulation.model.model import DigitalTransformationModel as Model
except ImportError:  # a revision from before the subpackages (simulation/model.py)
    from simulation.model import DigitalTransformationModel as Model
Model(rng=0).run()
times = []
for seed in range(7):
    start = time.perf_counter()
    Model(rng=seed).run()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def median_run(root: Path) -> float:
    code = TIMER.format(root=str(root))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        for name, rev in (("before", args.before), ("after", args.after)):
            if rev is None:
                roots[name] = ROOT
                continue
            path = Path(tmp) / name
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
                check=True,
                capture_output=True,
            )
            roots[name] = path
        try:
            times: dict[str, list[float]] = {name: [] for name in roots}
            for _ in range(args.rounds):
                for name, root in roots.items():
                    times[name].append(median_run(root))
        finally:
            for name, rev in (("before", args.before), ("after", args.after)):
                if rev is not None:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(roots[name])],
                        capture_output=True,
                    )
    for name, values in times.items():
        label = getattr(args, name) or "working tree"
        print(
            f"{name:6s} {label}: {1000 * statistics.median(values):.1f} ms "
            f"(rounds: {', '.join(f'{1000 * v:.1f}' for v in values)})"
        )
    ratio = statistics.median(times["after"]) / statistics.median(times["before"])
    print(f"after / before = {ratio:.3f}")


if __name__ == "__main__":
    main()
