"""Measure what the CDO turnaround does against the siloed firm it starts from.

Runs ``cdo_turnaround`` and ``siloed`` with the same replicate seeds (common random numbers:
until week 51 the two runs of a replicate are identical), takes the per-replicate difference
turnaround − siloed, and reports its mean with a paired 95% Student-t interval per 13-week
block after the CDO's arrival in week 52. Prints a Markdown table for docs/interventions.md
and draws docs/figures/cdo_turnaround.png (weekly difference with its paired band).

    .venv/bin/python docs/scripts/cdo_turnaround_report.py          # 200 replicates, ~30 s
    .venv/bin/python docs/scripts/cdo_turnaround_report.py --ramp-weeks 0 --figure /tmp/step.png

The model is built directly (not through ``simulation.experiments.runner.run_scenario``) so the
scenario's interventions reach it whatever the runner does with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.experiments.runner import replicate_seed, scenario_params
from simulation.experiments.scenarios import Scenario, load_scenario
from simulation.model.model import DigitalTransformationModel
from simulation.stats import mean_interval

ROOT = Path(__file__).resolve().parents[2]
FIGURE = ROOT / "docs" / "figures" / "cdo_turnaround.png"
BLOCK = 13  # weeks: a quarter

# column, how a block is summarised per replicate, label, format of the numbers, and the sign
# of a change for the worse (a dip): +1 when more is worse, -1 when less is worse. Busier IT
# counts as worse: it is how coordination costs would first show.
MEASURES: tuple[tuple[str, str, str, str, int], ...] = (
    ("time_to_market", "mean", "time to market, 26-week median (weeks)", "{:+.2f}", 1),
    ("shadow_share", "mean", "shadow share of live systems", "{:+.3f}", 1),
    ("breaches", "sum", "breaches in the block", "{:+.2f}", 1),
    ("breaches_total", "last", "breaches since week 1, at block end", "{:+.2f}", 1),
    ("satisfaction", "mean", "customer satisfaction (0..1)", "{:+.3f}", -1),
    ("it_utilisation", "mean", "IT utilisation (share of capacity)", "{:+.3f}", 1),
    ("marketing_trust", "mean", "marketing's trust in IT (0..1)", "{:+.3f}", -1),
)
# What the figure shows, weekly: column, panel title
FIGURE_PANELS: tuple[tuple[str, str], ...] = (
    ("time_to_market", "Time to market (weeks, 26-week median)"),
    ("shadow_share", "Shadow IT (share of live systems)"),
    ("breaches_total", "Breaches since week 1 (cumulative)"),
    ("satisfaction", "Customer satisfaction"),
    ("it_utilisation", "IT utilisation"),
    ("marketing_trust", "Marketing's trust in IT"),
)


def run(scenario: Scenario, replicates: int, seed: int) -> pd.DataFrame:
    """Weekly frames of ``replicates`` runs of a scenario, interventions included."""
    params = scenario_params(scenario)
    frames = []
    for replicate in range(replicates):
        model = DigitalTransformationModel(
            rng=replicate_seed(seed, replicate),
            interventions=list(scenario.interventions),
            **params,
        )
        model.run()
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frames.append(frame.assign(replicate=replicate))
    return pd.concat(frames, ignore_index=True)


def paired_difference(treated: pd.DataFrame, baseline: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per replicate and week: treated − baseline (same seed, so the same market)."""
    keys = ["replicate", "week"]
    a = treated.set_index(keys)[column].astype(float)
    b = baseline.set_index(keys)[column].astype(float)
    return (a - b).unstack("week")  # rows: replicates, columns: weeks


def blocks(start: int, weeks: int) -> list[tuple[int, int]]:
    """13-week blocks from ``start`` to the last full block of the run, and the one before."""
    out = [(start - BLOCK, start - 1)]
    first = start
    while first + BLOCK - 1 <= weeks:
        out.append((first, first + BLOCK - 1))
        first += BLOCK
    return out


def block_table(
    treated: pd.DataFrame, baseline: pd.DataFrame, start: int, weeks: int
) -> list[list[str]]:
    """Rows of the Markdown table: one per measure, one cell per block."""
    rows = []
    for column, how, label, fmt, _ in MEASURES:
        diff = paired_difference(treated, baseline, column)
        cells = [label]
        for first, last in blocks(start, weeks):
            per_replicate = _per_replicate(diff.loc[:, first:last], how, last)
            mean, low, high, _ = mean_interval(per_replicate.to_numpy())
            cells.append(_cell(mean, low, high, fmt))
        first, last = blocks(start, weeks)[-1]
        level = baseline.set_index(["replicate", "week"])[column].astype(float).unstack("week")
        cells.append(
            fmt.replace("+", "").format(_per_replicate(level.loc[:, first:last], how, last).mean())
        )
        rows.append(cells)
    return rows


def _per_replicate(part: pd.DataFrame, how: str, last: int) -> pd.Series:
    """One number per replicate for a block of weeks (rows: replicates, columns: weeks)."""
    if how == "mean":
        return part.mean(axis=1, skipna=True)
    if how == "sum":
        return part.sum(axis=1)
    return part[last]


def worst_weeks(treated: pd.DataFrame, baseline: pd.DataFrame, start: int) -> list[str]:
    """Per measure, the week after ``start`` whose mean difference is most for the worse.

    Looking for a dip in about a hundred weeks at once: an interval that excludes zero in one
    week of them is weak evidence on its own (about five in a hundred do so by chance).
    """
    lines = []
    for column, how, label, fmt, worse in MEASURES:
        if how == "sum":
            continue  # weekly counts: read the cumulative row
        diff = paired_difference(treated, baseline, column).loc[:, start:]
        stats = [(week, *mean_interval(diff[week].to_numpy())[:3]) for week in diff.columns]
        week, mean, low, high = max(stats, key=lambda row: worse * row[1])
        adverse = [w for w, _, lo, hi in stats if (lo > 0 if worse > 0 else hi < 0)]
        name = label.removesuffix(", at block end")
        if worse * mean <= 0:
            lines.append(f"- {name}: no week with a mean difference for the worse")
            continue
        lines.append(
            f"- {name}: most adverse week {week}, {_cell(mean, low, high, fmt)}; "
            f"weeks whose interval lies wholly on the worse side: {adverse or 'none'}"
        )
    return lines


def _cell(mean: float, low: float, high: float, fmt: str) -> str:
    if math.isnan(low):
        return fmt.format(mean)
    text = f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"
    return f"**{text}**" if low > 0 or high < 0 else text


def markdown(rows: list[list[str]], start: int, weeks: int) -> str:
    head = ["measure (turnaround − siloed)"] + [f"weeks {a}–{b}" for a, b in blocks(start, weeks)]
    head.append(f"siloed itself, weeks {blocks(start, weeks)[-1][0]}–{blocks(start, weeks)[-1][1]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def figure(treated: pd.DataFrame, baseline: pd.DataFrame, scenario: Scenario, path: Path) -> None:
    """Weekly mean difference with its paired 95% band, the intervention marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from scipy import stats

    from simulation.viz.plots import mark_interventions
    from simulation.viz.style import DPI, OKABE_ITO

    fig = Figure(figsize=(10.0, 9.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(3, 2, sharex=True, squeeze=False)
    axes = list(grid.ravel())
    for ax, (column, title) in zip(axes, FIGURE_PANELS, strict=True):
        diff = paired_difference(treated, baseline, column)
        n = diff.notna().sum(axis=0)
        mean = diff.mean(axis=0)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * diff.std(axis=0, ddof=1) / np.sqrt(n)
        ax.axhline(0.0, color="black", lw=0.6)
        ax.plot(mean.index, mean.to_numpy(), color=OKABE_ITO[1], lw=1.4)
        ax.fill_between(
            mean.index,
            (mean - half).to_numpy(),
            (mean + half).to_numpy(),
            color=OKABE_ITO[1],
            alpha=0.25,
            lw=0,
        )
        ax.set_title(title, fontsize="medium")
        ax.grid(alpha=0.3, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in grid[-1]:
        ax.set_xlabel("week")
    mark_interventions(axes, scenario.interventions)
    replicates = treated["replicate"].nunique()
    fig.suptitle(
        f"CDO turnaround − siloed, same seeds: mean difference and paired 95% interval "
        f"({replicates} replicates)",
        fontsize="large",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    parser.add_argument(
        "--ramp-weeks",
        type=int,
        default=None,
        help="replace the intervention's ramp (0: the whole change at once in week 52)",
    )
    args = parser.parse_args()

    turnaround = load_scenario("cdo_turnaround")
    if args.ramp_weeks is not None:
        changed = tuple(
            {**item, "ramp_weeks": args.ramp_weeks} for item in turnaround.interventions
        )
        turnaround = dataclasses.replace(turnaround, interventions=changed)
    siloed = load_scenario("siloed")
    start = min(int(item["week"]) for item in turnaround.interventions)
    weeks = int(scenario_params(turnaround)["weeks"])
    treated = run(turnaround, args.replicates, args.seed)
    baseline = run(siloed, args.replicates, args.seed)

    before = treated[treated["week"] < start].drop(columns="replicate")
    same = before.equals(baseline[baseline["week"] < start].drop(columns="replicate"))
    print(
        f"{args.replicates} replicates, base seed {args.seed}; weeks 1–{start - 1} identical "
        f"in both scenarios: {same}"
    )
    print()
    print(markdown(block_table(treated, baseline, start, weeks), start, weeks))
    print()
    print("\n".join(worst_weeks(treated, baseline, start)))
    figure(treated, baseline, turnaround, args.figure)
    print()
    print(
        f"wrote {args.figure.relative_to(ROOT) if args.figure.is_relative_to(ROOT) else args.figure}"
    )


if __name__ == "__main__":
    main()
