"""The stylized facts F1-F7 (DESIGN.md section 4): the runs behind each and its check.

Each fact is measured from replicate runs of the model at default parameters, with only
the levers (or, for F7, the declared stop of delivery) changed; nothing here tunes the
model. Used by the validity tests (short form), ``docs/CALIBRATION.md`` (long form) and,
later, ``dtsim validate``.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

COLLABORATION_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
GOVERNANCE_LEVELS = tuple(round(0.1 * i, 1) for i in range(11))
BUDGET_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
LOW_COLLABORATION = 0.1
F7_STOP_WEEK = 52


def _one_run(job: tuple[dict, int]) -> dict:
    from simulation.model import DigitalTransformationModel
    from simulation.reporters import summarize

    params, seed = job
    model = DigitalTransformationModel(rng=seed, **params)
    model.run()
    out = summarize(model)
    if params.get("delivery_stop_week", -1) >= 0:
        out["satisfaction_series"] = model.datacollector.get_model_vars_dataframe()[
            "satisfaction"
        ].to_numpy()
    return out


def run_many(jobs: list[tuple[dict, int]], workers: int = 1) -> list[dict]:
    """Run (params, seed) jobs, in processes when ``workers`` > 1; order is kept."""
    if workers <= 1:
        return [_one_run(j) for j in jobs]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_one_run, jobs, chunksize=max(1, len(jobs) // (8 * workers))))


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
    workers: int = 1,
    seed: int = 12345,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[dict]]:
    """Run every setting of the plan over the same replicate seeds."""
    seeds = np.random.SeedSequence(seed).generate_state(plan.replicates).tolist()
    jobs = [(params, int(s)) for params in plan.settings.values() for s in seeds]
    results = run_many(jobs, workers)
    out: dict[str, list[dict]] = {}
    for i, key in enumerate(plan.settings):
        out[key] = results[i * plan.replicates : (i + 1) * plan.replicates]
    return out


def _mean(runs: list[dict], key: str) -> float:
    return float(np.nanmean([r[key] for r in runs]))


def check_facts(runs: dict[str, list[dict]]) -> list[FactResult]:
    """Evaluate F1-F7 on measured runs."""
    results: list[FactResult] = []
    base = runs["baseline"]

    spend = _mean(base, "shadow_spend_share")
    results.append(
        FactResult(
            "F1",
            "seed 001 (PwC)",
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
            "seed 000",
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
            "seeds 001-004",
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
            "seeds 000, 001",
            f"collaboration {LOW_COLLABORATION}: shadow at strictness 0.5/0.9/1.0 = "
            f"{g_shadow[0.5]:.3f}/{g_shadow[0.9]:.3f}/{g_shadow[1.0]:.3f}; official breaches/yr over strictness {_fmt(g_off, 1)}",
            "shadow(0.9), shadow(1) > shadow(0.5); official breaches fall over strictness 0, 0.2, ..., 1 "
            "(<= 1 pair out of order)",
            ok_push and ok_off,
            {"shadow_share": list(g_shadow.values()), "breaches_official_per_year": g_off},
        )
    )

    total = [_mean(runs[k], "breaches_per_year") for k in g_keys]
    best = int(np.argmin(total))
    results.append(
        FactResult(
            "F5",
            "seeds 000, 004",
            f"breaches/yr over strictness {_fmt(total, 1)}; lowest at {GOVERNANCE_LEVELS[best]}",
            "lowest strictly inside (0, 1)",
            0 < best < len(total) - 1,
            {"breaches_per_year": total, "argmin": GOVERNANCE_LEVELS[best]},
        )
    )

    m_keys = [f"m={b}" for b in BUDGET_LEVELS]
    m_ttm = [_mean(runs[k], "ttm_marketing") for k in m_keys]
    m_spend = [_mean(runs[k], "shadow_spend_share") for k in m_keys]
    m_share = [_mean(runs[k], "shadow_share") for k in m_keys]
    ok_mt, _ = rank_trend_ok(m_ttm, decreasing=True)
    ok_ms, _ = rank_trend_ok(m_spend, decreasing=False)
    results.append(
        FactResult(
            "F6",
            "seed 001",
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
            "seed 003",
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


if __name__ == "__main__":
    import sys
    import time

    # python -m simulation.validation [REPLICATES [SEED]]
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 12345
    t0 = time.perf_counter()
    res = check_facts(measure(build_plan(reps), workers=2, seed=seed))
    print(report(res))
    print(f"({reps} replicates, seed {seed}, {time.perf_counter() - t0:.0f} s)")
