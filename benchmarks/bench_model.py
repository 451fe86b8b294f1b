"""Benchmark of dtsim: the vectorised customer update, a per-agent loop, whole runs, memory.

Run from the repository root::

    .venv/bin/python benchmarks/bench_model.py            # all figures (about 20 s)
    .venv/bin/python benchmarks/bench_model.py --quick    # fewer repeats (smoke test)
    .venv/bin/python benchmarks/bench_model.py --profile  # figures, then where time goes
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_model.py  # single-threaded BLAS

It prints figures; each speed target is printed with PASS or MISS and never fails the run.
The exit status is 1 when the per-agent loop and the vectorised update disagree (MISMATCH),
0 otherwise, whatever the timings (the same check is a test: tests/model/test_customers.py). Timings are the best (and median) of several
repeats with `time.perf_counter`, after a warm-up, so that one-off costs (imports, first
calls into scipy, caches) are left out.

Sections:

1. the vectorised weekly customer update (`CustomerPopulation.update`) at 1k / 10k / 100k
   customers, in customer-steps per second, and whether its cost is linear in customers;
2. the same update written as a per-agent Python loop, and the speed ratio;
3. a default run (156 weeks after 26 warm-up weeks) after import, its construction alone,
   and runs with 10k and 100k customers;
4. peak memory: tracemalloc for one default run, ru_maxrss of this process, and the peak
   RSS of a fresh process before and after one default run;
5. ratios to Mesa's own ``BoltzmannWealth`` example at 10,000 agents (100 x 100 grid),
   measured side by side in this process because these machines' absolute speed drifts: a
   default run against one Boltzmann step, and a dtsim step at 10,000 customers against a
   Boltzmann step, per agent-step;
6. with ``--profile``, the wall time of each step of the weekly cycle in default runs, then
   the top functions of a cProfile of 5 default runs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import inspect
import io
import math
import os
import platform
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests" / "model"):  # run as a script from anywhere
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import mesa  # noqa: E402
import scipy  # noqa: E402
from customer_loop import LoopPopulation, check_loop_matches, new_population  # noqa: E402

from simulation.model.customers import CustomerPopulation  # noqa: E402
from simulation.model.estate import N_CHANNELS  # noqa: E402
from simulation.model.model import DigitalTransformationModel  # noqa: E402
from simulation.model.params import defaults  # noqa: E402
from simulation.model.reporters import WeeklyCollector  # noqa: E402

# --- targets of the issue ------------------------------------------------------------------
TARGET_STEPS_PER_S = 20e6  # customer-steps per second of the vectorised update at 10k
TARGET_RUN_MS = 50.0  # one default run (construct + run), after import
# "Cost linear in customers": the per-customer cost at 100k may not exceed the one at 1k by
# more than this factor (1.5 is a log-log slope of 1.09 over two decades; fixed per-call
# overheads make small populations dearer per customer, caches make big ones dearer).
LINEAR_TOLERANCE = 1.5
# Against Mesa's BoltzmannWealth at 10,000 agents (issue 12): a default run costs at most one
# of its steps, and a dtsim step at 10,000 customers is this many times cheaper per agent-step.
TARGET_RUN_PER_BOLTZMANN_STEP = 1.0
TARGET_AGENT_STEP_RATIO = 140.0
BOLTZMANN_AGENTS = 10_000
# The per-agent loop and the vectorised update agree to rounding (sums in another order).
MATCH_TOLERANCE = 1e-9

SIZES = (1_000, 10_000, 100_000)
LOOP_SIZES = (1_000, 10_000)


def fmt_n(n: int) -> str:
    return f"{n:,}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def revision() -> str:
    """The commit benchmarked, and whether simulation/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "simulation"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return "unknown (not a git checkout)"
    return head + (" + uncommitted changes in simulation/" if dirty else "")


def blas_info() -> str:
    """numpy's BLAS and the thread settings it was given (threads matter at 100k customers)."""
    try:
        name = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        name = "unknown BLAS"
    env = ", ".join(
        f"{var}={os.environ[var]}"
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        if var in os.environ
    )
    return f"{name} ({env or 'threads not limited'}), {os.cpu_count()} CPUs"


def start_channel_quality() -> np.ndarray:
    """A realistic, fixed channel-quality vector: the default model's after its warm-up."""
    return DigitalTransformationModel(rng=12345).channel_quality().copy()


# === 1. the vectorised customer update ======================================================


def bench_vectorised(n: int, steps: int, repeats: int, cq: np.ndarray) -> tuple[float, float]:
    """Best and median seconds per `update` call over ``repeats`` fresh populations.

    Each repeat starts from a new population (built and started outside the timing) and
    times ``steps`` consecutive weekly updates, so the state stays that of a run's length.
    """
    hits = np.zeros(n)
    warm = new_population(n, 0, cq)
    for _ in range(3):
        warm.update(cq, hits)
    per_call = []
    for r in range(repeats):
        pop = new_population(n, 1 + r, cq)
        update = pop.update
        t0 = time.perf_counter()
        for _ in range(steps):
            update(cq, hits)
        per_call.append((time.perf_counter() - t0) / steps)
    return min(per_call), statistics.median(per_call)


# === 2. the same update as a per-agent Python loop ==========================================


def bench_loop(n: int, steps: int, repeats: int, cq: np.ndarray) -> float:
    """Best seconds per weekly update of the per-agent loop."""
    hits = np.zeros(n)
    best = math.inf
    for r in range(repeats):
        loop = LoopPopulation(new_population(n, 1 + r, cq))
        draw = random.Random(1 + r)
        uniform = draw.random

        def pick(k: int, draw: random.Random = draw) -> list[int]:
            return [draw.randrange(N_CHANNELS) for _ in range(k)]

        t0 = time.perf_counter()
        for _ in range(steps):
            loop.update(cq, hits, uniform, pick)
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


# === 3. whole runs ==========================================================================


def bench_runs(repeats: int, **params) -> dict[str, float]:
    """Construct + run, construction alone, in seconds: best and median over seeds 0..r-1.

    Construction includes the warm-up weeks (the model simulates them in ``__init__``).
    """
    total, build = [], []
    for seed in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        model = DigitalTransformationModel(rng=seed, **params)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        total.append(t2 - t0)
    return {
        "best": min(total),
        "median": statistics.median(total),
        "build_best": min(build),
        "build_median": statistics.median(build),
        "run_best": min(t - b for t, b in zip(total, build, strict=True)),
    }


BLAS_CHILD = """
import sys, time
from simulation.model.model import DigitalTransformationModel
best = float("inf")
for seed in range(2):
    t0 = time.perf_counter()
    DigitalTransformationModel(rng=seed, n_customers=int(sys.argv[1])).run()
    best = min(best, time.perf_counter() - t0)
print(best * 1e3)
"""


def single_thread_blas_run(n: int) -> float | None:
    """Best ms of a construct + run with n customers in a new process with BLAS on one thread.

    OpenBLAS reads its thread count when numpy loads, hence the new process.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        out = subprocess.run(
            [sys.executable, "-c", BLAS_CHILD, str(n)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=300,
            check=True,
        ).stdout
        return float(out.split()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return None


def default_run() -> None:
    DigitalTransformationModel(rng=0).run()


# === 4. memory ==============================================================================

CHILD = """
import sys, time

def peak_mb():
    # VmHWM is the peak RSS of this process's own memory map. ru_maxrss cannot be used in a
    # child: Linux carries it over fork + exec, so it would report the parent's peak.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM")

t0 = time.perf_counter()
from simulation.model.model import DigitalTransformationModel
t1 = time.perf_counter()
after_import = peak_mb()
DigitalTransformationModel(rng=0).run()
print(after_import, peak_mb(), (t1 - t0) * 1e3)
"""


def fresh_process_memory() -> tuple[float, float, float] | None:
    """(peak MB after import, peak MB after one default run, import ms) in a new process.

    Linux only (reads /proc); None elsewhere or if the child fails.
    """
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=True,
        ).stdout.split()
        imported, run, import_ms = (float(v) for v in out)
    except (subprocess.SubprocessError, ValueError, OSError):
        return None
    return imported, run, import_ms


def maxrss_mb() -> float:
    scale = 1024 if sys.platform == "darwin" else 1
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


# === 5. against Mesa's BoltzmannWealth =====================================================


def bench_boltzmann(steps: int, repeats: int) -> float:
    """Median seconds per step of Mesa's BoltzmannWealth example, 10,000 agents on 100 x 100.

    The median of ``repeats`` models, each the best of ``steps`` steps after one warm-up step.
    """
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    per_model = []
    for seed in range(repeats):
        model = BoltzmannWealth(
            BoltzmannScenario(n=BOLTZMANN_AGENTS, width=100, height=100, rng=seed)
        )
        model.step()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            model.step()
            times.append(time.perf_counter() - t0)
        per_model.append(min(times))
    return statistics.median(per_model)


def bench_step(n_customers: int, repeats: int) -> tuple[float, int]:
    """Median seconds per weekly step of a model with ``n_customers``, and its agent count.

    Agents are every registered Mesa agent (marketing, IT and customers).
    """
    per_model = []
    agents = 0
    for seed in range(repeats):
        model = DigitalTransformationModel(rng=seed, n_customers=n_customers)
        agents = len(model.agents)
        weeks = 52
        t0 = time.perf_counter()
        for _ in range(weeks):
            model.step()
        per_model.append((time.perf_counter() - t0) / weeks)
    return statistics.median(per_model), agents


# === 6. profile =============================================================================


# Calls inside a step of the cycle, timed too: (class, method, step it is called from).
INSIDE = (
    (CustomerPopulation, "update", "update_customers"),
    (DigitalTransformationModel, "channel_quality", "update_customers"),
    (CustomerPopulation, "hit_by_breach", "breaches"),
)


def phase_breakdown(runs: int = 5) -> None:
    """Wall time per step of the weekly cycle over default runs, without a profiler.

    Each method `cycle` calls (read from its source, so new steps are picked up), and
    the model's `DataCollector.collect` (`WeeklyCollector`'s), is wrapped in `perf_counter` calls for the duration
    (about 0.3 us per call, under 1 ms a run); the classes are restored afterwards.
    """
    cls = DigitalTransformationModel
    names = list(dict.fromkeys(re.findall(r"self\.(\w+)\(\)", inspect.getsource(cls.cycle))))
    spent: dict[str, float] = dict.fromkeys(["cycle", *names, "collect"], 0.0)
    patched: list[tuple[type, str, object]] = []

    def wrap(owner: type, name: str, key: str) -> None:
        original = owner.__dict__.get(name, getattr(owner, name))
        if not inspect.isfunction(original):
            return

        def timed_call(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t0

        patched.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, timed_call)

    wrap(cls, "cycle", "cycle")
    for name in names:
        wrap(cls, name, name)
    wrap(WeeklyCollector, "collect", "collect")
    for owner, name, _ in INSIDE:
        spent[name] = 0.0
        wrap(owner, name, name)
    construct = total = warm_cycles = 0.0
    try:
        default_run()  # warm
        spent.update(dict.fromkeys(spent, 0.0))
        for seed in range(runs):
            before = spent["cycle"]
            t0 = time.perf_counter()
            model = cls(rng=seed)
            t1 = time.perf_counter()
            warm_cycles += spent["cycle"] - before
            model.run()
            total += time.perf_counter() - t0
            construct += t1 - t0
    finally:
        for owner, name, original in reversed(patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    def row(label: str, seconds: float) -> None:
        print(f"  {label:<52} {seconds / runs * 1e3:7.2f} ms  {seconds / total:6.1%}")

    print(
        f"\n[6] where a default run's time goes: wall time per part, mean of {runs} runs "
        f"(total {total / runs * 1e3:.1f} ms a run = 100%)"
    )
    row("weekly cycle, all weeks (warm-up included)", spent["cycle"])
    for name in sorted(names, key=lambda n: -spent[n]):
        row(f"  {name}", spent[name])
        for _, inner, within in INSIDE:
            if within == name:
                row(f"    of which {inner}", spent[inner])
    row("DataCollector.collect (reporters, each recorded week)", spent["collect"])
    row("construction besides warm-up weeks (agents, estate...)", construct - warm_cycles)
    rest = total - spent["cycle"] - spent["collect"] - (construct - warm_cycles)
    row("the rest (Mesa's step machinery, run loop)", rest)


def profile(runs: int = 5, top: int = 25) -> None:
    phase_breakdown(runs)
    default_run()  # warm
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(runs):
        DigitalTransformationModel(rng=seed).run()
    prof.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats(order).print_stats(top)
        print(f"\n[6] cProfile of {runs} default runs (construct + run), top {top} by {order}")
        print(out.getvalue().split("\n", 1)[1].strip("\n"))  # drop pstats' blank first line


# === main ===================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    args = parser.parse_args(argv)
    quick = args.quick
    rss_at_start = maxrss_mb()

    print("dtsim benchmark" + (" (--quick: fewer repeats, rougher figures)" if quick else ""))
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__},"
        f" mesa {mesa.__version__}, {platform.machine()}, {platform.system()}"
    )
    print(f"revision: {revision()}; BLAS: {blas_info()}")
    cq = start_channel_quality()
    print(f"channel quality (fixed, default model after warm-up): {np.round(cq, 3).tolist()}")

    # --- 1 ----------------------------------------------------------------------------------
    repeats = 2 if quick else 7
    steps = (
        {1_000: 52, 10_000: 52, 100_000: 10} if quick else {1_000: 520, 10_000: 156, 100_000: 52}
    )
    print(
        f"\n[1] vectorised customer update (CustomerPopulation.update), zero breach hits, "
        f"best of {repeats} fresh populations"
    )
    per_cs: dict[int, float] = {}
    vec_rate: dict[int, float] = {}
    for n in SIZES:
        best, median = bench_vectorised(n, steps[n], repeats, cq)
        per_cs[n] = best / n
        vec_rate[n] = n / best
        print(
            f"  vectorised n={fmt_n(n):>7}: {vec_rate[n] / 1e6:7.2f} M customer-steps/s  "
            f"{per_cs[n] * 1e9:6.1f} ns/customer-step  "
            f"{best * 1e6:8.1f} us/update (median {median * 1e6:.1f}, {steps[n]} steps)"
        )
    ratio = per_cs[100_000] / per_cs[1_000]
    slope = 1 + math.log(ratio) / math.log(100)
    print(
        f"  linearity: per-customer cost 100k/1k = {ratio:.2f} "
        f"(10k/1k = {per_cs[10_000] / per_cs[1_000]:.2f}; log-log slope 1k->100k = {slope:.2f})"
    )

    # --- 2 ----------------------------------------------------------------------------------
    check_weeks = 26 if quick else 52
    max_diff, same = check_loop_matches(1_000, check_weeks, cq)
    matches = same and max_diff <= MATCH_TOLERANCE
    print(
        "\n[2] per-agent Python loop (two calls per customer per week, then arrivals), "
        "stdlib random draws"
    )
    print(
        f"  loop vs vectorised, same state and draws (1,000 customers, {check_weeks} weeks, "
        f"random breaches): max |diff| satisfaction/expectation = {max_diff:.1e}, "
        f"churn/arrivals/channels identical = {'yes' if same else 'no'} -> "
        + ("MATCH" if matches else "MISMATCH")
    )
    if not matches:
        print(
            "  WARNING: CustomerPopulation.update no longer does what the per-agent reference"
            " does (the 8-neighbour word of mouth, churn or arrivals changed): check it"
        )
    loop_steps = {1_000: 3, 10_000: 1} if quick else {1_000: 26, 10_000: 5}
    loop_repeats = 1 if quick else 3
    for n in LOOP_SIZES:
        best = bench_loop(n, loop_steps[n], loop_repeats, cq)
        rate = n / best
        print(
            f"  loop       n={fmt_n(n):>7}: {rate / 1e6:7.3f} M customer-steps/s  "
            f"{best / n * 1e9:6.0f} ns/customer-step  {best * 1e3:8.2f} ms/update "
            f"(best of {loop_repeats} x {loop_steps[n]} steps)"
        )
        print(f"  speed ratio vectorised / loop at n={fmt_n(n)}: {vec_rate[n] / rate:.0f}x")

    # --- 3 ----------------------------------------------------------------------------------
    default_run()  # warm-up
    run_repeats = 3 if quick else 7
    d = bench_runs(run_repeats)
    p = defaults()
    print(
        f"\n[3] whole runs after import ({p['weeks']} weeks + {p['warmup_weeks']} warm-up, "
        f"seeds 0..{run_repeats - 1}; construction includes the warm-up weeks)"
    )
    print(
        f"  default run (construct + run, {fmt_n(p['n_customers'])} customers): "
        f"best {d['best'] * 1e3:.1f} ms, median {d['median'] * 1e3:.1f} ms"
    )
    print(
        f"  default construction alone: best {d['build_best'] * 1e3:.1f} ms, "
        f"median {d['build_median'] * 1e3:.1f} ms; run() alone best {d['run_best'] * 1e3:.1f} ms"
    )
    big_repeats = {10_000: 2 if quick else 3, 100_000: 1 if quick else 2}
    for n, r in big_repeats.items():
        b = bench_runs(r, n_customers=n)
        print(
            f"  run with {fmt_n(n):>7} customers: best {b['best'] * 1e3:.0f} ms "
            f"(construction {b['build_best'] * 1e3:.0f} ms, run() {b['run_best'] * 1e3:.0f} ms; "
            f"best of {r})"
        )
    threads_env = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    if not quick and not any(var in os.environ for var in threads_env):
        ms = single_thread_blas_run(100_000)
        shown = "unavailable (subprocess failed)" if ms is None else f"best {ms:.0f} ms"
        print(
            f"  run with 100,000 customers, single-threaded BLAS (fresh process, "
            f"OPENBLAS_NUM_THREADS=1 etc.): {shown} (best of 2)"
        )

    # --- 4 ----------------------------------------------------------------------------------
    print("\n[4] memory")
    gc.collect()
    tracemalloc.start()
    default_run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  tracemalloc peak, one default run: {peak / 2**20:.1f} MB")
    print(f"  ru_maxrss, this process after imports (before any run): {rss_at_start:.1f} MB")
    print(f"  ru_maxrss, this process at the end (incl. the 100k runs): {maxrss_mb():.1f} MB")
    child = fresh_process_memory()
    if child is None:
        print("  peak RSS (VmHWM), fresh process: unavailable (not Linux, or the child failed)")
    else:
        imported, after, import_ms = child
        print(
            f"  peak RSS (VmHWM), fresh process: {imported:.1f} MB after import, "
            f"{after:.1f} MB after one default run (+{after - imported:.1f} MB; "
            f"import of simulation.model.model took {import_ms:.0f} ms)"
        )

    # --- 5 ----------------------------------------------------------------------------------
    b_repeats = 3 if quick else 5
    b_step = bench_boltzmann(3 if quick else 5, b_repeats)
    step_s, step_agents = bench_step(BOLTZMANN_AGENTS, 2 if quick else 3)
    run_ratio = d["median"] / b_step
    agent_step_ratio = (b_step / BOLTZMANN_AGENTS) / (step_s / step_agents)
    print(
        f"\n[5] against Mesa's BoltzmannWealth example ({fmt_n(BOLTZMANN_AGENTS)} agents, "
        f"100 x 100 grid, median of {b_repeats} models)"
    )
    print(
        f"  Boltzmann step: {b_step * 1e3:.1f} ms "
        f"({b_step / BOLTZMANN_AGENTS * 1e9:.0f} ns/agent-step)"
    )
    print(
        f"  default run / Boltzmann step: {run_ratio:.2f} (run median {d['median'] * 1e3:.1f} ms)"
    )
    print(
        f"  dtsim step at {fmt_n(BOLTZMANN_AGENTS)} customers: {step_s * 1e3:.2f} ms for "
        f"{fmt_n(step_agents)} agents ({step_s / step_agents * 1e9:.1f} ns/agent-step): "
        f"{agent_step_ratio:.0f}x faster per agent-step than a Boltzmann step"
    )

    # --- targets ----------------------------------------------------------------------------
    print("\nTARGETS (from the issue)")
    rows = [
        (
            ">= 20 M customer-steps/s at 10,000 customers",
            f"{vec_rate[10_000] / 1e6:.2f} M/s",
            vec_rate[10_000] >= TARGET_STEPS_PER_S,
        ),
        (
            f"default run <= {TARGET_RUN_MS:.0f} ms after import (median)",
            f"{d['median'] * 1e3:.1f} ms (best {d['best'] * 1e3:.1f})",
            d["median"] * 1e3 <= TARGET_RUN_MS,
        ),
        (
            f"cost linear in customers (100k/1k per-customer <= {LINEAR_TOLERANCE})",
            f"{ratio:.2f}",
            ratio <= LINEAR_TOLERANCE,
        ),
        (
            f"default run <= {TARGET_RUN_PER_BOLTZMANN_STEP:g} Boltzmann step (10k agents)",
            f"{run_ratio:.2f} steps",
            run_ratio <= TARGET_RUN_PER_BOLTZMANN_STEP,
        ),
        (
            f"step at 10k customers >= {TARGET_AGENT_STEP_RATIO:.0f}x Boltzmann per agent-step",
            f"{agent_step_ratio:.0f}x",
            agent_step_ratio >= TARGET_AGENT_STEP_RATIO,
        ),
    ]
    for label, measured, ok in rows:
        print(f"  target {label:<58} measured {measured:<22} {verdict(ok)}")

    if args.profile:
        profile()
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
