"""What a reactive CIO (and a pushing CMO) does to shadow IT and breaches: the numbers and the
figure of ``docs/adaptive_leaders.md``.

A client of the model, like the CLI: parameters in, per-week series and end-of-run summaries
out; nothing in the model is changed. Every arm runs the same replicate seeds (common random
numbers), so differences are paired by seed. All arms start from the siloed levers
(collaboration 0.15, governance 0.5, marketing_budget 0.25):

- ``fixed 0.5``: the fixed policy (``cio_reactivity`` = 0);
- ``reactive r``: ``cio_reactivity`` = r for r in REACTIVITY, ``cio_relax_weeks`` = 26;
- ``at mean r``: a fixed governance equal to the reactive arm's mean effective governance
  (``governance_now`` over replicates and recorded weeks, rounded to 3 decimals), from the
  start: separates "more governance on average" from "governance that jumps after breaches";
- ``switch r``: governance 0.5 through the warm-up, the same mean from recorded week 1 (an
  intervention): the reactive CIO also starts at 0.5, and hazards are fixed when a system is
  created, so this arm has the reactive arm's history of the estate;
- ``cmo push``: ``cmo_budget_push`` = 0.05 (``cmo_relax_weeks`` 52), against ``fixed 0.5``.

Usage, from the repository root (one to two minutes on two cores)::

    .venv/bin/python docs/scripts/reactive_cio.py [--replicates 100] [--seed 1] [--workers 2]

It prints the tables of ``docs/adaptive_leaders.md`` and writes
``docs/figures/reactive_cio.png``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import numpy as np

from simulation.experiments.runner import replicate_seed
from simulation.model.model import DigitalTransformationModel
from simulation.model.reporters import summarize
from simulation.stats import mean_interval

SILOED = {"collaboration": 0.15, "governance": 0.5, "marketing_budget": 0.25}
REACTIVITY = (0.02, 0.05, 0.1)
RELAX_WEEKS = 26.0
CMO_PUSH = 0.05
CMO_RELAX_WEEKS = 52.0
FIGURE_REACTIVITY = 0.05
FIGURE = Path(__file__).resolve().parents[1] / "figures" / "reactive_cio.png"

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("shadow_share", "shadow share of systems (last 52 wk)"),
    ("shadow_spend_share", "shadow share of spend"),
    ("breaches_per_year", "breaches / year"),
    ("breaches_official_per_year", "  official / year"),
    ("breaches_shadow_per_year", "  shadow / year"),
    ("ttm_all", "time to market, all (weeks)"),
    ("satisfaction", "customer satisfaction (end)"),
    ("marketing_trust", "marketing trust in IT (end)"),
)
MECHANISM: tuple[tuple[str, str], ...] = (
    ("little_arrivals_per_week", "submissions to IT a week"),
    ("review_queue", "review queue (requests, mean)"),
    ("expected_wait", "marketing's expected IT wait (weeks, mean)"),
    ("it_backlog", "official requests at IT (mean)"),
    ("ttm_official", "time to market, official launches (weeks)"),
    ("rework_rate", "rework rate"),
    ("it_utilisation", "IT utilisation (mean)"),
    ("shadow_purchases_per_year", "shadow purchases / year"),
    ("workarounds_per_year", "workarounds / year"),
    ("found_per_year", "shadow systems found / year"),
    ("shut_down_per_year", "  shut down / year"),
)
CMO_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("marketing_budget_mean", "marketing_budget_now (mean of 156 weeks)"),
    ("marketing_budget_end", "marketing_budget_now (week 156)"),
    ("expecting_late", "share of marketers expecting IT to miss (mean)"),
    ("expected_wait", "marketing's expected IT wait (weeks, mean)"),
    ("shadow_spend_share", "shadow share of spend"),
    ("shadow_share", "shadow share of systems (last 52 wk)"),
    ("ttm_marketing", "time to market, marketing (weeks)"),
    ("ttm_all", "time to market, all (weeks)"),
    ("breaches_per_year", "breaches / year"),
)
SERIES = ("governance_now", "marketing_budget_now", "shadow_share", "breaches_shadow")

Runs = list[tuple[dict[str, float], dict[str, np.ndarray]]]
Arm = tuple[dict, list]  # parameters, interventions


def run_one(job: tuple[dict, list, int]) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """One run: its summary (plus mechanism means) and the weekly series the figure needs.

    The model is stepped here so that state no reporter shows (the review queue, marketing's
    expected wait) can be read after each recorded week.
    """
    params, interventions, seed = job
    model = DigitalTransformationModel(rng=seed, interventions=interventions, **params)
    queue, wait, late, found, shut = [], [], [], 0, 0
    limit = model.p["deadline_mean"]  # the CMO's test of "IT will miss" (model.adapt_leaders)
    while model.running:
        model.step()
        queue.append(len(model.review_queue))
        expected = [agent.expected_wait for agent in model.marketing]
        wait.append(float(np.mean(expected)))
        late.append(float(np.mean([w > limit for w in expected])))
        found += model.ledger.found
        shut += model.ledger.shut_down
    frame = model.datacollector.get_model_vars_dataframe()
    years = model.week / 52.0
    summary = dict(summarize(model))
    summary |= {
        "review_queue": float(np.mean(queue)),
        "expected_wait": float(np.mean(wait)),
        "expecting_late": float(np.mean(late)),
        "found_per_year": found / years,
        "shut_down_per_year": shut / years,
        "governance_mean": float(frame["governance_now"].mean()),
        "governance_sd": float(frame["governance_now"].std()),
        "marketing_budget_mean": float(frame["marketing_budget_now"].mean()),
        "marketing_budget_end": float(frame["marketing_budget_now"].iloc[-1]),
    }
    series = {name: frame[name].to_numpy(dtype=float) for name in SERIES}
    series["review_queue"] = np.asarray(queue, dtype=float)
    return summary, series


def run_arms(arms: dict[str, Arm], seeds: list[int], pool: Executor | None) -> dict[str, Runs]:
    """Every (arm, seed) job; results in arm and seed order whatever the pool."""
    jobs = [(params, inter, seed) for params, inter in arms.values() for seed in seeds]
    results = (
        [run_one(j) for j in jobs] if pool is None else list(pool.map(run_one, jobs, chunksize=4))
    )
    n = len(seeds)
    return {name: results[i * n : (i + 1) * n] for i, name in enumerate(arms)}


def measure(replicates: int, seed: int, workers: int) -> dict[str, Runs]:
    """Run every arm on the same replicate seeds, in one pool of processes.

    The fixed arms at the reactive arms' mean governance need that mean, so they run second.
    """
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    fixed = {**SILOED, "cio_reactivity": 0.0}
    first: dict[str, Arm] = {"fixed 0.5": (fixed, [])}
    for r in REACTIVITY:
        first[f"reactive {r}"] = (
            {**fixed, "cio_reactivity": r, "cio_relax_weeks": RELAX_WEEKS},
            [],
        )
    cmo = {**fixed, "cmo_budget_push": CMO_PUSH, "cmo_relax_weeks": CMO_RELAX_WEEKS}
    first["cmo push"] = (cmo, [])
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) if workers > 1 else None
    try:
        arms = run_arms(first, seeds, pool)
        second: dict[str, Arm] = {}
        for r in REACTIVITY:
            mean_g = round(float(column(arms[f"reactive {r}"], "governance_mean").mean()), 3)
            second[f"at mean {r}"] = ({**fixed, "governance": mean_g}, [])
            second[f"switch {r}"] = (fixed, [{"week": 1, "governance": mean_g}])
        arms |= run_arms(second, seeds, pool)
    finally:
        if pool is not None:
            pool.shutdown()
    return arms


def column(runs: Runs, key: str) -> np.ndarray:
    return np.array([summary[key] for summary, _ in runs], dtype=float)


def digits_for(key: str) -> int:
    weeks_or_counts = ("per_year", "ttm", "review_queue", "expected_wait", "it_backlog")
    if key == "little_arrivals_per_week":
        return 2
    return 1 if any(part in key for part in weeks_or_counts) else 3


def interval(values: np.ndarray, digits: int) -> str:
    """Mean and Student-t 95% interval of paired differences, e.g. ``+0.052 [+0.046, +0.058]``."""
    mean, low, high, _ = mean_interval(values)
    return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"


def tables(arms: dict[str, Runs]) -> str:
    """Markdown: levels per arm, then paired differences (total, average, jumps), then the CMO."""
    fixed = arms["fixed 0.5"]
    names = ["fixed 0.5"]
    for r in REACTIVITY:
        names += [f"reactive {r}", f"at mean {r}", f"switch {r}"]
    gov = {n: column(arms[n], "governance_mean").mean() for n in names}
    out = [
        "Levels, mean over replicates. `at mean r`: fixed governance at the reactive arm's mean "
        "from the start; `switch r`: 0.5 in the warm-up, that mean from week 1.",
        "",
        "| outcome | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    rows = (
        ("governance_mean", "governance_now (mean)"),
        ("governance_sd", "governance_now (sd within a run)"),
        *OUTCOMES,
        *MECHANISM,
    )
    for key, label in rows:
        d = digits_for(key)
        out.append(
            f"| {label} | "
            + " | ".join(f"{column(arms[n], key).mean():.{d}f}" for n in names)
            + " |"
        )
    censored = sum(int(column(arms[n], "ttm_all_censored").sum()) for n in names)
    out += ["", f"Censored ttm_all medians, all arms: {censored}.", ""]
    for r in REACTIVITY:
        reactive, at_mean, switch = (arms[f"{k} {r}"] for k in ("reactive", "at mean", "switch"))
        out += [
            f"Paired differences at cio_reactivity {r} (mean governance {gov[f'reactive {r}']:.3f}); "
            "mean [95% interval] over seeds:",
            "",
            "| outcome | total: reactive − fixed 0.5 | average: at mean − fixed 0.5 "
            "| jumps: reactive − at mean | jumps: reactive − switch |",
            "|---|---|---|---|---|",
        ]
        for key, label in (*OUTCOMES, *MECHANISM):
            d = digits_for(key)
            a, b, c, s = (column(x, key) for x in (reactive, at_mean, fixed, switch))
            out.append(
                f"| {label} | {interval(a - c, d)} | {interval(b - c, d)} "
                f"| {interval(a - b, d)} | {interval(a - s, d)} |"
            )
        out.append("")
    cmo = arms["cmo push"]
    out += [
        f"CMO check: cmo_budget_push {CMO_PUSH} (relax {CMO_RELAX_WEEKS:g} weeks) vs off, "
        "mean [95% interval] over seeds:",
        "",
        "| outcome | off | push | push − off |",
        "|---|---|---|---|",
    ]
    for key, label in CMO_OUTCOMES:
        d = digits_for(key)
        a, c = column(cmo, key), column(fixed, key)
        out.append(f"| {label} | {c.mean():.{d}f} | {a.mean():.{d}f} | {interval(a - c, d)} |")
    path = np.array([s["marketing_budget_now"] for _, s in cmo])
    weeks = (1, 13, 26, 52, 104, 156)
    out += [
        "",
        "marketing_budget_now with the push, mean [2.5-97.5 percentiles of replicates] at week "
        + "; ".join(
            f"{w}: {path[:, w - 1].mean():.3f} [{np.percentile(path[:, w - 1], 2.5):.3f}, "
            f"{np.percentile(path[:, w - 1], 97.5):.3f}]"
            for w in weeks
            if w <= path.shape[1]
        ),
    ]
    return "\n".join(out)


def feedback(arms: dict[str, Runs]) -> str:
    """The breach -> governance -> breaches loop, in numbers.

    A breach rate b a week holds the CIO's extra strictness at r x relax x b (the steady state
    of extra' = extra (1 - 1/relax) + r b). Governance moves the breach rate by a slope measured
    between the fixed arms (``switch r`` against ``fixed 0.5``, same history). The loop gain is
    the product: above 0, breaches the CIO causes keep the CIO tight.
    """
    fixed = arms["fixed 0.5"]
    lines = []
    for r in REACTIVITY:
        reactive, switch = arms[f"reactive {r}"], arms[f"switch {r}"]
        rate = column(reactive, "breaches_per_year").mean() / 52.0
        predicted = min(1.0, 0.5 + r * RELAX_WEEKS * rate)
        measured = column(reactive, "governance_mean").mean()
        dg = column(switch, "governance_mean").mean() - 0.5
        lines.append(
            f"cio_reactivity {r}: steady state 0.5 + r x 26 x {rate:.3f} breaches/week = "
            f"{predicted:.3f} (measured mean {measured:.3f})"
        )
        for key in ("breaches_per_year", "breaches_official_per_year", "breaches_shadow_per_year"):
            slope = (column(switch, key) - column(fixed, key)).mean() / dg
            gain = r * RELAX_WEEKS * slope / 52.0
            lines.append(
                f"  {key}: {slope:+.1f} a year per unit of governance; loop gain {gain:+.2f}"
            )
    return "\n".join(lines)


def band(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean per week with the Student-t 95% interval of the mean across replicates."""
    from scipy import stats

    mean = series.mean(axis=0)
    half = stats.t.ppf(0.975, series.shape[0] - 1) * series.std(axis=0, ddof=1)
    half /= np.sqrt(series.shape[0])
    return mean, mean - half, mean + half


def figure(arms: dict[str, Runs], path: Path) -> Path:
    """Governance, shadow share, the change board's queue and shadow breaches over the weeks."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    r = FIGURE_REACTIVITY
    mean_g = column(arms[f"switch {r}"], "governance_mean").mean()
    shown = (  # Okabe & Ito colours, as simulation/viz/plots.py
        ("fixed 0.5", "fixed governance 0.5", "#0072B2", "-"),
        (f"reactive {r}", f"reactive CIO (+{r} a breach, relax 26 weeks)", "#D55E00", "-"),
        (f"switch {r}", f"fixed at its mean, {mean_g:.2f}, from week 1", "#009E73", "--"),
    )
    panels = (
        ("governance_now", "Effective governance", "governance_now"),
        ("shadow_share", "Shadow IT, share of live systems", "share"),
        ("review_queue", "Change board queue", "requests waiting for review"),
        ("breaches_shadow", "Breaches of shadow systems, cumulative", "breaches since week 1"),
    )
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2).ravel()
    for ax, (key, title, unit) in zip(axes, panels, strict=True):
        for arm, label, colour, style in shown:
            data = np.array([s[key] for _, s in arms[arm]])
            if key == "breaches_shadow":
                data = data.cumsum(axis=1)
            weeks = np.arange(1, data.shape[1] + 1)
            mean, low, high = band(data)
            ax.plot(weeks, mean, color=colour, linestyle=style, label=label)
            ax.fill_between(weeks, low, high, color=colour, alpha=0.2, linewidth=0)
            if key == "governance_now" and arm.startswith("reactive"):
                ax.plot(
                    weeks,
                    data[0],
                    color=colour,
                    linewidth=0.6,
                    alpha=0.7,
                    label="reactive CIO, one replicate",
                )
        ax.set_title(title)
        ax.set_xlabel("recorded week")
        ax.set_ylabel(unit)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(
        f"Siloed firm: reactive CIO vs fixed governance ({len(arms['fixed 0.5'])} replicates, "
        "same seeds; mean and 95% interval of the mean)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args()
    start = time.perf_counter()
    arms = measure(args.replicates, args.seed, args.workers)
    print(f"{args.replicates} replicates, base seed {args.seed}\n")
    print(tables(arms))
    print()
    print(feedback(arms))
    print(f"\nfigure: {figure(arms, args.figure)}")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
