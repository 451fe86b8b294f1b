"""Benchmark of dtsim sweeps: wall time, parallel efficiency, runs/s and peak memory.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sweep.py           # all figures (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_sweep.py --quick   # a smoke-sized pass (about 10 s)

It prints figures, never fails: each target of issue 3 is printed with PASS or MISS and the
exit status is 0 whatever the timings.

Each sweep runs in a fresh process (``run_sweep`` of :mod:`simulation.experiments.sweep`, into a new
temporary folder, no progress bar), so each wall time includes what a user waits for: Python
start-up and imports, the store's creation, the worker pool's start, every run and its
commit. ``dtsim sweep`` then also prints the best settings (the results side), which is not
timed here. While a sweep runs, the resident set size (RSS) of its process and of each of
its child processes is sampled every 0.1 s with psutil; the peaks are reported.

Sections:

1. ``experiments/collaboration_x_governance.toml`` (1,210 runs of 156 weeks, 2,000
   customers) with 1 worker (in the coordinating process) and with 2 worker processes; the
   parallel efficiency t1 / (2 t2); the same on a Dask LocalCluster of 2 workers;
2. the same grid with 100 replicates (12,100 runs) on 2 workers: the peak memory of the
   coordinator and of the workers, against that of the 1,210-run sweep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- targets of the issue ------------------------------------------------------------------
TARGET_WALL_S = 60.0  # collaboration_x_governance.toml with 2 workers
TARGET_EFFICIENCY = 0.9  # t1 / (2 t2)
MEMORY_GROWTH = 1.10  # peak RSS at 10x the runs may exceed the smaller sweep's by 10% at most

EXPERIMENT = ROOT / "experiments" / "collaboration_x_governance.toml"
QUICK_EXPERIMENT = ROOT / "experiments" / "smoke.toml"

DRIVER = """\
import json, sys
from simulation.experiments.sweep import run_sweep
workers, scheduler = json.loads(sys.argv[3]), json.loads(sys.argv[4])
report = run_sweep(sys.argv[1], sys.argv[2], workers=workers, scheduler=scheduler, progress=False)
print(json.dumps({"ran": report.ran, "failed": report.failed, "wall": report.wall,
                  "executor": report.executor}))
"""


@dataclass(frozen=True)
class Measure:
    """One sweep in its own process."""

    label: str
    runs: int
    failed: int
    wall: float  # the whole process: start-up, imports, store, pool, runs
    sweep_wall: float  # run_sweep's own clock: from the pool's start to the last run written
    coordinator_mb: float
    worker_mb: float  # largest child process (0 when there is none)
    store_mb: float
    run_ms: float  # mean time of one run inside its worker
    busy: float  # sum of the runs' times / (workers x wall): the share of worker time spent running

    @property
    def rate(self) -> float:
        return self.runs / self.wall


def sweep(
    label: str, experiment: Path, out: Path, workers: int | None, scheduler: str | None = None
) -> Measure:
    """Run one sweep in a fresh process, sampling its memory and its children's."""
    import psutil

    command = [
        sys.executable,
        "-c",
        DRIVER,
        str(experiment),
        str(out),
        json.dumps(workers),
        json.dumps(scheduler),
    ]
    log = out.with_suffix(".log")
    started = time.perf_counter()
    with log.open("w") as stdout:
        child = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=subprocess.STDOUT)
        process = psutil.Process(child.pid)
        coordinator = worker = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):  # a process may end between two calls
                coordinator = max(coordinator, process.memory_info().rss)
                for kid in process.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        worker = max(worker, kid.memory_info().rss)
            time.sleep(0.1)
    wall = time.perf_counter() - started
    text = log.read_text()
    if child.returncode != 0:
        print(f"  {label}: the sweep failed (exit {child.returncode}):\n{text}")
        raise SystemExit(0)
    report = json.loads(text.strip().splitlines()[-1])
    store = sum(p.stat().st_size for p in out.glob("results.sqlite*"))
    conn = sqlite3.connect(out / "results.sqlite")
    try:
        n, total = conn.execute("SELECT count(*), sum(elapsed) FROM runs").fetchone()
    finally:
        conn.close()
    return Measure(
        label,
        report["ran"],
        report["failed"],
        wall,
        report["wall"],
        coordinator / 2**20,
        worker / 2**20,
        store / 2**20,
        1000 * total / n,
        total / ((workers or int(scheduler.split(":")[1])) * wall),
    )


def show(m: Measure) -> None:
    workers = f", largest worker {m.worker_mb:.0f} MB" if m.worker_mb else ""
    print(
        f"{m.label}: {m.runs:,} runs in {m.wall:.1f} s = {m.rate:.1f} runs/s "
        f"(sweep alone {m.sweep_wall:.1f} s; a run {m.run_ms:.0f} ms in its worker, workers busy "
        f"{m.busy:.0%} of the wall time); peak RSS coordinator {m.coordinator_mb:.0f} MB"
        f"{workers}; store {m.store_mb:.1f} MB" + (f"; {m.failed} FAILED" if m.failed else "")
    )


def derived(experiment: Path, replicates: int, folder: Path) -> Path:
    """The experiment with another number of replicates, written next to the results."""
    import tomllib

    text = experiment.read_text(encoding="utf-8")
    old = tomllib.loads(text)["replicates"]
    path = folder / f"{experiment.stem}_x{replicates}.toml"
    path.write_text(
        text.replace(f"replicates = {old}\n", f"replicates = {replicates}\n"), encoding="utf-8"
    )
    return path


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke-sized sweeps (about 10 s)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from simulation.experiments.experiment import load_experiment

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {cores} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    base = QUICK_EXPERIMENT if args.quick else EXPERIMENT
    small_replicates = 4 if args.quick else 10
    large_replicates = 40 if args.quick else 100
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        folder = Path(tmp)
        small = derived(base, small_replicates, folder)
        large = derived(base, large_replicates, folder)
        e_small, e_large = load_experiment(small), load_experiment(large)
        print(
            f"{base.relative_to(ROOT)}: {e_small.n_points} points x {small_replicates} "
            f"replicates = {e_small.n_runs:,} runs of {e_small.weeks} weeks "
            f"(+{e_small.base_parameters['warmup_weeks']} warm-up), "
            f"{e_small.base_parameters['n_customers']:,} customers"
        )
        print()
        one = sweep("workers=1 (in this process)", small, folder / "w1", workers=1)
        show(one)
        two = sweep("workers=2 (local processes)", small, folder / "w2", workers=2)
        show(two)
        dask = sweep("Dask LocalCluster, 2 workers", small, folder / "dask", None, "local:2")
        show(dask)
        efficiency = one.wall / (2 * two.wall)
        print(
            f"parallel efficiency t1 / (2 t2) = {efficiency:.2f} (sweep alone, without start-up: "
            f"{one.sweep_wall / (2 * two.sweep_wall):.2f}; a run took {two.run_ms / one.run_ms:.2f}x "
            "as long with 2 workers as with 1: above 1, the cores were not the sweep's alone)"
        )
        print()
        print(f"{e_large.n_runs:,} runs ({large_replicates} replicates), 2 workers:")
        big = sweep(f"workers=2, {e_large.n_runs:,} runs", large, folder / "big", workers=2)
        show(big)
        print()
        print(
            f"target wall time <= {TARGET_WALL_S:.0f} s with 2 workers ({e_small.n_runs:,} runs): "
            f"{two.wall:.1f} s -> {verdict(two.wall <= TARGET_WALL_S)}"
        )
        print(
            f"target parallel efficiency >= {TARGET_EFFICIENCY}: {efficiency:.2f} -> "
            f"{verdict(efficiency >= TARGET_EFFICIENCY)}"
        )
        flat_coordinator = big.coordinator_mb <= two.coordinator_mb * MEMORY_GROWTH
        flat_workers = big.worker_mb <= two.worker_mb * MEMORY_GROWTH
        print(
            f"target peak memory flat from {e_small.n_runs:,} to {e_large.n_runs:,} runs "
            f"(within {MEMORY_GROWTH - 1:.0%}): coordinator {two.coordinator_mb:.0f} -> "
            f"{big.coordinator_mb:.0f} MB, largest worker {two.worker_mb:.0f} -> "
            f"{big.worker_mb:.0f} MB -> {verdict(flat_coordinator and flat_workers)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
