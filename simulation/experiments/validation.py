"""The stylized facts F1-F7 (docs/ODD.md section 1): the runs behind each and its check.

Each fact is measured from replicate runs of the model at default parameters, with only
the levers (or, for F7, the declared stop of delivery) changed; nothing here tunes the
model. Used by the validity tests (short form), ``docs/CALIBRATION.md`` (long form) and
``dtsim validate`` (:func:`main`: a text table, optionally ``docs/validation.md``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from simulation.experiments.engine import Job, Task, cores, execute, open_executor
from simulation.stats import paired_interval
from simulation.text import markdown_table, render_table

COLLABORATION_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
GOVERNANCE_LEVELS = tuple(round(0.1 * i, 1) for i in range(11))
BUDGET_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
LOW_COLLABORATION = 0.1
F7_STOP_WEEK = 52
FACTS: tuple[str, ...] = ("F1", "F2", "F3", "F4", "F5", "F6", "F7")
"""The stylized facts, in the order :func:`check_facts` returns them."""


def run_many(
    jobs: list[tuple[dict, int]],
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> list[dict]:
    """Run (params, seed) jobs on the engine; results in the order of the jobs.

    A run with a delivery stop also returns its weekly ``satisfaction_series`` (F7 reads
    it). ``progress(done, total)`` is called as runs finish. A run that raises raises here.
    """
    total = len(jobs)
    todo: list[tuple[Job, Task]] = []
    for run, (params, seed) in enumerate(jobs):
        keep = ("satisfaction",) if params.get("delivery_stop_week", -1) >= 0 else ()
        todo.append((Job(dict(params), series=keep), (run, {}, int(seed))))
    out: dict[int, dict] = {}
    with open_executor(workers, scheduler, total) as executor:
        for result in execute(executor, todo, total):
            if result["status"] != "ok":
                raise RuntimeError(f"validation run {result['run']} failed: {result['error']}")
            summary = dict(result["summary"])
            if result["series"]:
                summary["satisfaction_series"] = np.array([v for _, _, v in result["series"]])
            out[int(result["run"])] = summary
            if progress is not None:
                progress(len(out), total)
    return [out[run] for run in range(total)]


def rank_trend_ok(values: Iterable[float], decreasing: bool) -> tuple[bool, int]:
    """A rank trend: at most one adjacent pair out of order. Returns (ok, pairs out of order)."""
    v = np.asarray(list(values), dtype=float)
    steps = np.diff(v)
    wrong = int(np.sum(steps > 0) if decreasing else np.sum(steps < 0))
    return wrong <= 1, wrong


@dataclass
class FactResult:
    fact: str
    source: str
    measured: str
    band: str
    passed: bool
    detail: dict = field(default_factory=dict)


@dataclass
class Plan:
    """Which lever settings each fact needs; run once, shared by all facts."""

    replicates: int
    base: dict
    settings: dict[str, dict] = field(default_factory=dict)

    def add(self, key: str, **levers: float) -> str:
        self.settings[key] = {**self.base, **levers}
        return key


def build_plan(replicates: int, base: dict | None = None) -> Plan:
    plan = Plan(replicates, dict(base or {}))
    plan.add("baseline")
    for c in COLLABORATION_LEVELS:
        plan.add(f"c={c}", collaboration=c)
    for g in GOVERNANCE_LEVELS:
        plan.add(f"g={g}", collaboration=LOW_COLLABORATION, governance=g)
    for b in BUDGET_LEVELS:
        plan.add(f"m={b}", marketing_budget=b)
    weeks = max(plan.base.get("weeks", 156), F7_STOP_WEEK + 53)
    plan.add("stop", delivery_stop_week=F7_STOP_WEEK, weeks=weeks)
    return plan


def measure(
    plan: Plan,
    workers: int | None = 1,
    seed: int = 12345,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> dict[str, list[dict]]:
    """Run every setting of the plan over the same replicate seeds.

    ``progress(done, total)`` is called as runs finish (see :func:`run_many`).
    """
    seeds = np.random.SeedSequence(seed).generate_state(plan.replicates).tolist()
    jobs = [(params, int(s)) for params in plan.settings.values() for s in seeds]
    results = run_many(jobs, workers, progress, scheduler)
    out: dict[str, list[dict]] = {}
    for i, key in enumerate(plan.settings):
        out[key] = results[i * plan.replicates : (i + 1) * plan.replicates]
    return out


def _mean(runs: list[dict], key: str) -> float:
    return float(np.nanmean([r[key] for r in runs]))


def check_f5(runs: dict[str, list[dict]]) -> FactResult:
    """F5 with a clear margin: total breaches lowest strictly inside (0, 1), and each end
    above that minimum by a paired 95% interval that excludes zero (every strictness ran the
    same seeds, so each replicate's difference cancels the luck the settings share)."""
    g_keys = [f"g={g}" for g in GOVERNANCE_LEVELS]
    total = [_mean(runs[k], "breaches_per_year") for k in g_keys]
    best = int(np.argmin(total))
    lowest = [r["breaches_per_year"] for r in runs[g_keys[best]]]
    ends = [
        paired_interval(lowest, [r["breaches_per_year"] for r in runs[g_keys[i]]])
        for i in (0, len(g_keys) - 1)
    ]
    inside = 0 < best < len(total) - 1
    clear = inside and all(low > 0 for _, low, _, _ in ends)
    margins = ", ".join(
        f"{name} {mean:+.2f} [{low:+.2f}, {high:+.2f}]"
        for name, (mean, low, high, _) in zip(("strictness 0", "strictness 1"), ends, strict=True)
    )
    return FactResult(
        "F5",
        "best-friends, need-of-the-hour",
        f"breaches/yr over strictness {_fmt(total, 1)}; lowest at {GOVERNANCE_LEVELS[best]}; "
        f"above it (paired 95%): {margins}",
        "lowest strictly inside (0, 1), both ends above it by a paired 95% interval excluding 0",
        clear,
        {
            "breaches_per_year": total,
            "argmin": GOVERNANCE_LEVELS[best],
            "margin_0": list(ends[0][:3]),
            "margin_1": list(ends[1][:3]),
        },
    )


def check_facts(runs: dict[str, list[dict]]) -> list[FactResult]:
    """Evaluate F1-F7 on measured runs."""
    results: list[FactResult] = []
    base = runs["baseline"]

    spend = _mean(base, "shadow_spend_share")
    results.append(
        FactResult(
            "F1",
            "partnering (PwC)",
            f"shadow spend share {spend:.3f}",
            "[0.15, 0.30]",
            0.15 <= spend <= 0.30,
            {"shadow_spend_share": spend},
        )
    )

    share = _mean(base, "requests_marketing_share")
    results.append(
        FactResult(
            "F2",
            "best-friends",
            f"marketing share of requests {share:.3f}",
            ">= 0.80",
            share >= 0.8,
            {"requests_marketing_share": share},
        )
    )

    c_keys = [f"c={c}" for c in COLLABORATION_LEVELS]
    shadow = [_mean(runs[k], "shadow_share") for k in c_keys]
    ttm = [_mean(runs[k], "ttm_all") for k in c_keys]
    sat = [_mean(runs[k], "satisfaction") for k in c_keys]
    ok_s, w_s = rank_trend_ok(shadow, decreasing=True)
    ok_t, w_t = rank_trend_ok(ttm, decreasing=True)
    ok_c, w_c = rank_trend_ok(sat, decreasing=False)
    results.append(
        FactResult(
            "F3",
            "partnering, alignment, evolving-roles, need-of-the-hour",
            f"over collaboration {COLLABORATION_LEVELS}: shadow {_fmt(shadow)}, ttm_all {_fmt(ttm, 1)}, "
            f"satisfaction {_fmt(sat)}",
            "shadow falls, ttm_all falls, satisfaction rises (<= 1 pair out of order each)",
            ok_s and ok_t and ok_c,
            {
                "shadow_share": shadow,
                "ttm_all": ttm,
                "satisfaction": sat,
                "out_of_order": (w_s, w_t, w_c),
            },
        )
    )

    g_keys = [f"g={g}" for g in GOVERNANCE_LEVELS]
    g_shadow = dict(
        zip(GOVERNANCE_LEVELS, [_mean(runs[k], "shadow_share") for k in g_keys], strict=True)
    )
    g_off = [_mean(runs[k], "breaches_official_per_year") for k in g_keys]
    # The fall is judged, like F3's trends, on a coarse grid of levels (0, 0.2, ..., 1).
    ok_off, _ = rank_trend_ok(g_off[::2], decreasing=True)
    ok_push = g_shadow[0.9] > g_shadow[0.5] and g_shadow[1.0] > g_shadow[0.5]
    results.append(
        FactResult(
            "F4",
            "best-friends, partnering",
            f"collaboration {LOW_COLLABORATION}: shadow at strictness 0.5/0.9/1.0 = "
            f"{g_shadow[0.5]:.3f}/{g_shadow[0.9]:.3f}/{g_shadow[1.0]:.3f}; official breaches/yr over strictness {_fmt(g_off, 1)}",
            "shadow(0.9), shadow(1) > shadow(0.5); official breaches fall over strictness 0, 0.2, ..., 1 "
            "(<= 1 pair out of order)",
            ok_push and ok_off,
            {"shadow_share": list(g_shadow.values()), "breaches_official_per_year": g_off},
        )
    )

    results.append(check_f5(runs))

    m_keys = [f"m={b}" for b in BUDGET_LEVELS]
    m_ttm = [_mean(runs[k], "ttm_marketing") for k in m_keys]
    m_spend = [_mean(runs[k], "shadow_spend_share") for k in m_keys]
    m_share = [_mean(runs[k], "shadow_share") for k in m_keys]
    ok_mt, _ = rank_trend_ok(m_ttm, decreasing=True)
    ok_ms, _ = rank_trend_ok(m_spend, decreasing=False)
    results.append(
        FactResult(
            "F6",
            "partnering",
            f"over marketing_budget {BUDGET_LEVELS}: marketing ttm {_fmt(m_ttm, 1)}, shadow spend share {_fmt(m_spend)} "
            f"(share of systems {_fmt(m_share)})",
            "marketing ttm falls, shadow spend share rises (<= 1 pair out of order each)",
            ok_mt and ok_ms,
            {"ttm_marketing": m_ttm, "shadow_spend_share": m_spend, "shadow_share": m_share},
        )
    )

    series = np.mean([r["satisfaction_series"] for r in runs["stop"]], axis=0)
    after = np.diff(series[F7_STOP_WEEK - 2 : F7_STOP_WEEK - 1 + 52])
    falling = float(np.mean(after < 0))
    results.append(
        FactResult(
            "F7",
            "evolving-roles",
            f"delivery stopped at week {F7_STOP_WEEK}: satisfaction fell in {falling:.0%} of the next 52 weeks",
            ">= 90%",
            falling >= 0.9,
            {"share_of_weeks_falling": falling},
        )
    )
    return results


def _fmt(values: list[float], digits: int = 3) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def report(results: list[FactResult]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"{r.fact}  {'PASS' if r.passed else 'FAIL'}  {r.measured}  (band: {r.band}; {r.source})"
        )
    return "\n".join(lines)


COLUMNS: tuple[str, ...] = ("fact", "source", "measured", "band", "result")
WRAP = {"measured": 48, "band": 36}
"""Widths at which the text table wraps its two long columns."""


def _rows(results: list[FactResult]) -> list[tuple[str, str, str, str, str]]:
    return [(r.fact, r.source, r.measured, r.band, "PASS" if r.passed else "FAIL") for r in results]


def table(results: list[FactResult]) -> str:
    """The verdicts as a plain-text table, long cells wrapped: fact, source, measured, band, result."""
    wrap = {COLUMNS.index(name): width for name, width in WRAP.items()}
    return render_table(COLUMNS, _rows(results), left=len(COLUMNS), wrap=wrap)


def summary_line(results: list[FactResult]) -> str:
    failed = [r.fact for r in results if not r.passed]
    if not failed:
        return f"all {len(results)} stylized facts PASS"
    return f"{len(failed)} of {len(results)} stylized facts FAIL: {', '.join(failed)}"


def markdown(
    results: list[FactResult],
    command: str,
    replicates: int,
    seed: int,
    seconds: float | None = None,
    date: datetime | None = None,
    commit: tuple[str | None, bool | None] | None = None,
) -> str:
    """``docs/validation.md``: how it was made (command, date, commit) and the verdict table."""
    if commit is None:
        from simulation.experiments.provenance import git_state

        commit = git_state()
    head, dirty = commit
    when = (date or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    where = f"`{head}`" if head else "unknown (not a git checkout)"
    if dirty:
        where += " with uncommitted changes"
    took = f", {seconds:.0f} s" if seconds is not None else ""

    out = [
        "# Validation: the stylized facts F1-F7",
        "",
        "Generated by `dtsim validate`; do not edit by hand. The facts and the calibration",
        "behind them are in [CALIBRATION.md](CALIBRATION.md), the source articles (cited by",
        "short name) in [SOURCES.md](SOURCES.md); the harness is",
        "`simulation/experiments/validation.py`.",
        "",
        f"- command: `{command}`",
        f"- date: {when}",
        f"- git commit: {where}",
        f"- {replicates} replicates per setting, base seed {seed}{took}",
        f"- verdict: **{summary_line(results)}**",
        "",
        markdown_table(COLUMNS, [(*row[:4], f"**{row[4]}**") for row in _rows(results)]),
        "",
        INTEROP_NOTES,
    ]
    return "\n".join(out) + "\n"


INTEROP_NOTES = """\
## Interoperability

The model is a plain Mesa 3.5 model, so external tools drive it without dtsim's CLI; each
route below is exercised by `tests/experiments/test_interop.py`.

- **Mesa `batch_run`**: `mesa.batch_run(DigitalTransformationModel, parameters={...},
  rng=[...], max_steps=..., number_processes=1)` gives one row per run with every weekly
  reporter (`tests/model/test_model.py::test_mesa_batch_run_works_unchanged`, and a two-seed
  lever sweep in `tests/experiments/test_interop.py`).
- **SALib**: sample the three levers (`collaboration`, `governance`, `marketing_budget`,
  each in [0, 1]) with `SALib.sample.morris`, evaluate each row with
  `simulation.experiments.runner.run_model`, analyse with `SALib.analyze.morris`.
- **EMA Workbench**: `simulation.experiments.ema.ema_model()` returns an
  `ema_workbench.Model` whose function runs dtsim; its levers are the three levers and its
  uncertainties other parameters, with ranges from `simulation.model.params.PARAMETERS`; its
  outcomes are the four headline outcomes. Every experiment runs `replicates` times (default
  10) with dtsim's replicate seeds of base seed `seed` (`replicate_seed(seed, r)`, the same in
  every experiment: common random numbers, as `dtsim compare` and sweeps), as an EMA
  `ReplicatorModel`: each outcome is the replicates' mean and `<outcome>_replicates` the array
  of their values; `replicates=1` is one run of `seed`. Run it with
  `perform_experiments(ema_model(), scenarios=..., policies=...)` or a `SequentialEvaluator`. The EMA Workbench is not needed to run dtsim; it
  comes with the `dev` extra (the tests use it), and its test is skipped when it is missing.

Tested with Mesa 3.5.1, SALib 1.6.0 and ema_workbench 3.0.0.
"""


def main(
    replicates: int = 20,
    seed: int = 12345,
    workers: int | None = None,
    markdown_path: Path | str | None = None,
    command: str | None = None,
    scheduler: str | None = None,
) -> int:
    """``dtsim validate``: measure, check and print F1-F7; 0 if all pass, 1 if any fails.

    Progress goes to stderr; with ``markdown_path``, the table is also written there as
    markdown, with the command, date and git commit.
    """
    if workers is None and scheduler is None:
        workers = cores()
    plan = build_plan(replicates)
    total = len(plan.settings) * replicates
    print(
        f"validate: {len(plan.settings)} settings x {replicates} replicates = {total} runs, "
        f"base seed {seed}, " + (f"{workers} worker(s)" if scheduler is None else scheduler),
        file=sys.stderr,
    )
    t0 = time.perf_counter()
    step = max(1, total // 20)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            elapsed = time.perf_counter() - t0
            print(f"  {done}/{total} runs, {elapsed:.0f} s", file=sys.stderr, flush=True)

    runs = measure(plan, workers=workers, seed=seed, progress=progress, scheduler=scheduler)
    results = check_facts(runs)
    seconds = time.perf_counter() - t0
    print(table(results))
    print()
    print(f"{summary_line(results)} ({replicates} replicates, base seed {seed}, {seconds:.0f} s)")
    if markdown_path is not None:
        path = Path(markdown_path)
        if command is None:
            command = f"dtsim validate --replicates {replicates} --seed {seed}"
        text = markdown(results, command, replicates, seed, seconds)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    # python -m simulation.experiments.validation [REPLICATES [SEED]]
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 12345
    sys.exit(main(reps, seed, workers=2))
