"""A decision from a sweep: what the user says matters, a robust choice, and one sentence.

Frames in, frames out (:func:`simulation.experiments.store.load_results`). A *setting* is a
design point; its replicates share their seeds (and, with ``--posterior``, their parameter
draws) with every other setting's, so replicate *r* of two settings is the same firm and the
same market. That pairing is what makes regret meaningful: how far a setting falls behind
the best setting **of the same replicate**.

What matters is stated by the user:

- **weights** over outcomes (``ttm_all=1,breaches_per_year=2,satisfaction=3``). Outcomes have
  different units, so each is put on one scale first: 1 at the best setting's mean, 0 at the
  worst's (over this sweep's settings), the direction from
  :data:`simulation.model.outputs.DIRECTIONS`. A setting's **score** is the weighted mean of
  those, so 1 means best on every weighted outcome. Without weights, every headline outcome
  weighs 1, and the sentence says so.
- **requirements** (``breaches_per_year<14``, ``satisfaction>0.55``: the conditions of scenario
  discovery): the share of replicates in which every one holds.

Per setting: the mean score with its interval, the worst tenth (the score's 10th percentile
over replicates), the regret (best score of the replicate minus this one's) on average and at
its 90th percentile, and the share meeting the requirements. The recommendation is the
setting with the highest mean score (among those that meet the requirements in the largest
share of replicates, when there are requirements); the most robust is the one with the
smallest 90th-percentile regret. A runner-up whose paired difference from the recommendation
has an interval that includes 0 is a tie, and is said to be one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.analysis.discovery import Condition
from simulation.experiments.money import LEVER_COSTS, Money
from simulation.experiments.store import ResultsError, ok_runs, varied_columns
from simulation.model.outputs import DIRECTIONS, HEADLINE, SUMMARY_LABELS
from simulation.stats import FEW_REPLICATES, mean_interval, paired_interval

WORST = 0.1
"""The worst tenth: the 10th percentile of a setting's scores over replicates."""
_REQUIREMENT = re.compile(r"^\s*([a-z_]+)\s*(<|>)\s*(-?[0-9.eE+-]+)\s*$")


class DecisionError(ValueError):
    """Weights or requirements that cannot be used; one line naming what is allowed."""


def parse_weights(text: str | None) -> dict[str, float]:
    """``"ttm_all=1,breaches_per_year=2"`` -> weights; None -> every headline outcome 1."""
    if text is None:
        return {key: 1.0 for key in HEADLINE}
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in DIRECTIONS:
            raise DecisionError(
                f"--weights {text!r}: {part.strip()!r} is not OUTCOME=WEIGHT; allowed outcomes: "
                f"{', '.join(DIRECTIONS)}"
            )
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            raise DecisionError(f"--weights {text!r}: {name} must weigh a number >= 0")
        weights[name] = weight
    if sum(weights.values()) <= 0:
        raise DecisionError(f"--weights {text!r}: at least one weight must be above 0")
    return weights


def parse_requirement(text: str) -> Condition:
    """``"breaches_per_year<14"`` -> a condition on a headline outcome (the one kind that
    scenario discovery uses too, :class:`simulation.analysis.discovery.Condition`)."""
    match = _REQUIREMENT.match(text)
    if match is None or match.group(1) not in DIRECTIONS:
        raise DecisionError(
            f"--require {text!r}: allowed OUTCOME<VALUE or OUTCOME>VALUE, with OUTCOME one of "
            f"{', '.join(DIRECTIONS)} (e.g. breaches_per_year<14)"
        )
    try:
        value = float(match.group(3))
    except ValueError:
        raise DecisionError(f"--require {text!r}: {match.group(3)!r} is not a number") from None
    if not math.isfinite(value):
        raise DecisionError(f"--require {text!r}: the threshold must be a finite number")
    return Condition(match.group(1), "below" if match.group(2) == "<" else "above", value)


def costs(frame: pd.DataFrame, money: Money, base: Mapping[str, Any]) -> pd.DataFrame:
    """Each run's cost a year in ``money.unit`` (:mod:`simulation.experiments.money`):
    ``levers``, ``breaches``, ``churn`` and their sum ``cost``. A lever the sweep does not
    vary, and the number of customers, come from the base scenario (``base``)."""
    runs = ok_runs(frame)
    levers = np.zeros(len(runs))
    for name in LEVER_COSTS:
        values = runs[name].to_numpy(float) if name in runs else float(base.get(name, 0.0))
        levers = levers + 52.0 * money.lever_cost(name) * values
    customers = (
        runs["n_customers"].to_numpy(float)
        if "n_customers" in runs
        else float(base.get("n_customers", 0))
    )
    breaches = money.breach * runs["breaches_per_year"].to_numpy(float)
    churn = money.churned_customer * runs["churn_per_year"].to_numpy(float) * customers
    out = runs[["point", "replicate"]].copy()
    out["levers"], out["breaches"], out["churn"] = levers, breaches, churn
    out["cost"] = levers + breaches + churn
    return out


def scores(
    frame: pd.DataFrame,
    weights: Mapping[str, float],
    money: Money | None = None,
    base: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Each run's score (``point``, ``replicate``, ``score``) on the scale of the setting means;
    with ``money``, the score is minus the run's cost a year (higher is better either way)."""
    if money is not None:
        valued = costs(frame, money, base or {})
        return valued[["point", "replicate"]].assign(score=-valued["cost"])
    runs = ok_runs(frame)
    missing = [k for k in weights if k not in runs.columns]
    if missing:
        raise ResultsError(f"outcomes not in the results: {', '.join(missing)}")
    means = runs.groupby("point")[list(weights)].mean()
    total = np.zeros(len(runs))
    for key, weight in weights.items():
        low, high = float(means[key].min()), float(means[key].max())
        span = high - low
        value = runs[key].to_numpy(float)
        if span <= 0 or not math.isfinite(span):
            scaled = np.ones(len(runs))  # every setting alike on it: no one is worse
        elif DIRECTIONS[key] == "min":
            scaled = (high - value) / span
        else:
            scaled = (value - low) / span
        total += weight * scaled
    out = runs[["point", "replicate"]].copy()
    out["score"] = total / sum(weights.values())
    return out


def robust_table(
    frame: pd.DataFrame,
    weights: Mapping[str, float],
    requirements: Sequence[Condition] = (),
    money: Money | None = None,
    base: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per setting: the varied values, ``n``, the headline means, ``score`` with
    ``score_low``/``score_high``, ``worst_tenth``, ``regret``, ``regret_p90`` and, with
    requirements, ``meets`` (the share of replicates meeting all), best mean score first."""
    runs = ok_runs(frame)
    varied = varied_columns(frame)
    scored = scores(runs, weights, money, base)
    valued = costs(runs, money, base or {}) if money is not None else None
    wide = scored.pivot(index="replicate", columns="point", values="score")
    complete = wide.dropna()  # regret needs every setting in the replicate
    regret = complete.max(axis=1).to_numpy()[:, None] - complete.to_numpy()
    regret_by_point = dict(zip(complete.columns, regret.T, strict=True))
    rows = []
    for point, group in runs.groupby("point", sort=True):
        s = scored.loc[group.index, "score"].to_numpy(float)
        mean, low, high, n = mean_interval(s)
        r = regret_by_point.get(point, np.array([]))
        row = {
            "point": int(point),
            **{v: group[v].iloc[0] for v in varied},
            "n": int(n),
            **{k: float(group[k].mean()) for k in HEADLINE if k in group},
            "score": mean,
            "score_low": low,
            "score_high": high,
            "worst_tenth": float(np.quantile(s, WORST)) if len(s) else math.nan,
            # regret needs replicates where every setting ran (failed runs leave gaps)
            "regret": float(np.mean(r)) if r.size else math.nan,
            "regret_p90": float(np.quantile(r, 1 - WORST)) if r.size else math.nan,
        }
        if valued is not None:
            for part in ("levers", "breaches", "churn"):
                row[f"cost_{part}"] = float(valued.loc[group.index, part].mean())
        if requirements:
            ok = np.ones(len(group), dtype=bool)
            for req in requirements:
                ok &= req.met(group[req.outcome].to_numpy(float))
            row["meets"] = float(ok.mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    order = ["meets", "score"] if requirements else ["score"]
    table = table.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)
    table.attrs["varied"] = varied
    return table


@dataclass(frozen=True)
class Decision:
    """The recommendation, its runner-up, the most robust setting, and what to say."""

    table: pd.DataFrame
    recommended: int
    runner_up: int | None
    robust: int
    tie: bool
    sentence: str


def decide(
    frame: pd.DataFrame,
    weights: Mapping[str, float],
    requirements: Sequence[Condition] = (),
    stated: bool = True,
    money: Money | None = None,
    base: Mapping[str, Any] | None = None,
) -> Decision:
    """The robust table and one sentence: the recommended setting, its interval, what it gives
    up against the runner-up (or that they tie), and the most robust setting if it differs.
    ``stated``: whether the user gave the weights (else the sentence says they are equal).
    With ``money`` the decision is on the cost a year, and the sentence speaks in money."""
    if money is not None:
        return _decide_in_money(frame, requirements, money, base or {})
    table = robust_table(frame, weights, requirements)
    if table.empty:
        raise ResultsError("no successful runs to decide from")
    varied = table.attrs["varied"]
    best = table.iloc[0]
    runner = table.iloc[1] if len(table) > 1 else None
    robust = table.sort_values(["regret_p90", "score"], ascending=[True, False]).iloc[0]
    scored = scores(ok_runs(frame), weights)
    tie = False
    words = [f"Recommended: {_setting(best, varied)}, score {_interval(best)}"]
    if requirements:
        words.append(
            f"meeting {' and '.join(map(str, requirements))} in {best['meets']:.0%} of replicates"
        )
    sentence = ", ".join(words)
    if runner is not None:
        a = scored[scored["point"] == best["point"]].set_index("replicate")["score"]
        b = scored[scored["point"] == runner["point"]].set_index("replicate")["score"]
        shared = a.index.intersection(b.index)
        diff, low, high, _ = paired_interval(b[shared], a[shared])
        tie = bool(len(shared) > 1 and low <= 0 <= high)
        gives = _gives_up(best, runner)
        if tie:
            sentence += (
                f"; tied with {_setting(runner, varied)} (paired difference {diff:+.3f} "
                f"[{low:+.3f}, {high:+.3f}]): the runs do not tell them apart"
            )
        else:
            sentence += f"; against the runner-up, {_setting(runner, varied)}, it " + (
                f"gives up {gives}" if gives else "gives up nothing on any headline outcome"
            )
    sentence += _robust_clause(table, best, robust, lambda x: f"{x:.3f}")
    scale = ", ".join(f"{k} {w:g}" for k, w in weights.items())
    sentence += f". Weights: {scale}" + ("" if stated else " (equal: none were given, --weights)")
    return _decision(table, best, runner, robust, tie, sentence)


MIN_DRAWS = 30
"""Fewer draws than this are too few for scenario discovery over a posterior's parameters."""
MAX_RESTRICTED = 3
"""A box that restricts more parameters than this explains little to a strategist."""


def _decide_in_money(
    frame: pd.DataFrame, requirements: Sequence[Condition], money: Money, base: Mapping[str, Any]
) -> Decision:
    """:func:`decide` on the cost a year: the cheapest setting (among those that meet the
    requirements most often), what it saves against the runner-up, and the most robust."""
    table = robust_table(frame, {}, requirements, money, base)
    if table.empty:
        raise ResultsError("no successful runs to decide from")
    varied = table.attrs["varied"]
    unit = money.unit
    best = table.iloc[0]
    runner = table.iloc[1] if len(table) > 1 else None
    robust = table.sort_values(["regret_p90", "score"], ascending=[True, False]).iloc[0]

    def amount(x: float) -> str:
        return f"{x:,.0f} {unit}"

    sentence = (
        f"Recommended: {_setting(best, varied)}, costing {amount(-best['score'])} a year "
        f"[{amount(-best['score_high'])}, {amount(-best['score_low'])}] (levers "
        f"{amount(best['cost_levers'])}, breaches {amount(best['cost_breaches'])}, churn "
        f"{amount(best['cost_churn'])})"
    )
    if requirements:
        sentence += (
            f", meeting {' and '.join(map(str, requirements))} in {best['meets']:.0%} of replicates"
        )
    tie = False
    if runner is not None:
        scored = scores(ok_runs(frame), {}, money, base)
        a = scored[scored["point"] == best["point"]].set_index("replicate")["score"]
        b = scored[scored["point"] == runner["point"]].set_index("replicate")["score"]
        shared = a.index.intersection(b.index)
        diff, low, high, _ = paired_interval(b[shared], a[shared])
        tie = bool(len(shared) > 1 and low <= 0 <= high)
        if tie:
            sentence += (
                f"; it costs the same as {_setting(runner, varied)} within the runs' noise "
                f"(it saves {amount(diff)} a year [{amount(low)}, {amount(high)}])"
            )
        else:
            sentence += (
                f"; against the runner-up, {_setting(runner, varied)}, it saves {amount(diff)} "
                f"a year [{amount(low)}, {amount(high)}]"
            )
    sentence += _robust_clause(table, best, robust, lambda x: f"{amount(x)} a year")
    return _decision(table, best, runner, robust, tie, sentence)


def _robust_clause(
    table: pd.DataFrame, best: pd.Series, robust: pd.Series, fmt: Callable[[float], str]
) -> str:
    """The sentence's end on robustness: the most robust setting, or that it is the same."""
    if table["regret_p90"].isna().all():
        return (
            ". Regret cannot be measured: no replicate ran at every setting (failed runs; "
            "--retry-failed)"
        )
    if robust["point"] == best["point"]:
        return ". It is also the most robust (the least regret in its worst tenth)"
    varied = table.attrs["varied"]
    return (
        f". The most robust setting is {_setting(robust, varied)}: in its worst tenth of "
        f"replicates it falls {fmt(robust['regret_p90'])} behind the best setting of the same "
        f"replicate, against {fmt(best['regret_p90'])}"
    )


def _decision(
    table: pd.DataFrame,
    best: pd.Series,
    runner: pd.Series | None,
    robust: pd.Series,
    tie: bool,
    sentence: str,
) -> Decision:
    """The decision, its sentence closed (with the small-sample flag where it applies)."""
    if int(best["n"]) < FEW_REPLICATES:
        sentence += f". Only {int(best['n'])} replicates a setting: the intervals are unreliable"
    return Decision(
        table,
        int(best["point"]),
        None if runner is None else int(runner["point"]),
        int(robust["point"]),
        tie,
        sentence + ".",
    )


LOSS = 0.05
"""A setting *loses* a replicate when it falls more than this behind that replicate's best
score (a twentieth of the scale between the worst and the best setting means)."""


@dataclass(frozen=True)
class Brief:
    """What decides the recommendation: where, among the firms drawn, it loses."""

    losing: int
    replicates: int
    box: pd.DataFrame | None
    """Restricted parameters of the PRIM box of the losing draws (parameter, low, high,
    full_low, full_high), or None when there is nothing to find (it never or always loses,
    or too few draws)."""
    coverage: float
    density: float
    sentence: str


def what_decides(
    frame: pd.DataFrame,
    decision: Decision,
    draws: pd.DataFrame,
    weights: Mapping[str, float],
    requirements: Sequence[Condition] = (),
    money: Money | None = None,
    base: Mapping[str, Any] | None = None,
) -> Brief:
    """Scenario discovery on the draws: in which replicates does the recommended setting lose
    (more than :data:`LOSS` behind the replicate's best, or missing a requirement), and which
    ranges of the uncertain parameters hold those replicates (PRIM)?

    ``draws``: one row per replicate (index ``replicate``), the posterior particle's values.
    """
    from simulation.analysis.discovery import prim

    runs = ok_runs(frame)
    scored = scores(runs, weights, money, base).pivot(
        index="replicate", columns="point", values="score"
    )
    mine = scored[decision.recommended]
    # in money, losing is falling behind by more than LOSS of the settings' spread of costs
    scale = 1.0 if money is None else float(np.ptp(scored.mean()))
    lose = (scored.max(axis=1) - mine) > LOSS * scale
    if requirements:
        chosen = runs[runs["point"] == decision.recommended].set_index("replicate")
        for req in requirements:
            lose |= ~pd.Series(req.met(chosen[req.outcome].to_numpy(float)), chosen.index)
    lose = lose.reindex(draws.index).fillna(False).astype(bool)
    losing, total = int(lose.sum()), len(lose)
    rate = losing / total if total else math.nan
    said = f"The recommended setting loses in {losing} of {total} replicates (draws)"

    def nothing(why: str) -> Brief:
        return Brief(losing, total, None, math.nan, math.nan, f"{said}{why}")

    if total < MIN_DRAWS:
        return nothing(
            f"; {total} draws are too few to say which parameters decide it (run the sweep "
            f"with {MIN_DRAWS} replicates or more)."
        )
    if losing == 0 or losing == total:
        return nothing("; no parameter range decides it.")
    result = prim(draws, lose.to_numpy())
    trajectory = result.trajectory.copy()
    data = draws.to_numpy(float)
    peeled = [_peeled(data, *box) for box in result.boxes]
    trajectory["peeled"] = [len(p) for p in peeled]
    wanted = min(1.0, max(0.5, rate + (1 - rate) / 2))  # well above the losses' base rate
    eligible = trajectory[
        (trajectory["peeled"].between(1, MAX_RESTRICTED))
        & (trajectory["density"] >= wanted)
        & (trajectory["mass"] >= 0.2)
    ]
    if eligible.empty:
        return nothing(
            f" ({rate:.0%}); no range of at most {MAX_RESTRICTED} parameters holds them much "
            f"more often than the rest (at least {wanted:.0%} losing): the losses look like "
            "the seeds' chance more than any kind of firm."
        )
    step = int(eligible.sort_values(["coverage", "density"], ascending=False).iloc[0]["step"])
    low, high = result.boxes[step]
    full_low, full_high = result.boxes[0]
    rows = [
        {
            "parameter": result.columns[j],
            "low": low[j],
            "high": high[j],
            "full_low": full_low[j],
            "full_high": full_high[j],
        }
        for j in peeled[step]
    ]
    row = trajectory.iloc[step]
    ranges = "; ".join(
        f"{r['parameter']} {r['low']:.3g}-{r['high']:.3g} (drawn {r['full_low']:.3g}-{r['full_high']:.3g})"
        for r in rows
    )
    sentence = (
        f"{said} ({rate:.0%}). They gather where {ranges}: {row['density']:.0%} of the draws "
        f"there lose, and {row['coverage']:.0%} of the losing draws are there (PRIM over "
        f"{total} draws: a lead to check with more replicates, not a proof). If your firm is "
        "likely there, weigh the runner-up or the most robust setting."
    )
    return Brief(
        losing, total, pd.DataFrame(rows), float(row["coverage"]), float(row["density"]), sentence
    )


def _peeled(data: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[int]:
    """The columns a box really restricts: those whose bounds leave out some case that the
    other bounds keep (a box's hull also narrows columns that were never cut)."""
    inside = (data >= low) & (data <= high)
    out = []
    for j in range(data.shape[1]):
        others = np.delete(inside, j, axis=1).all(axis=1)
        if (others & ~inside[:, j]).any():
            out.append(j)
    return out


def _setting(row: pd.Series, varied: Sequence[str]) -> str:
    return ", ".join(f"{v} {row[v]:g}" for v in varied) or f"point {int(row['point'])}"


def _interval(row: pd.Series) -> str:
    if row["n"] < 2 or not math.isfinite(row["score_low"]):
        return f"{row['score']:.3f}"
    return f"{row['score']:.3f} [{row['score_low']:.3f}, {row['score_high']:.3f}]"


def _gives_up(best: pd.Series, runner: pd.Series) -> str:
    """The headline outcomes on which the recommendation is worse than the runner-up."""
    parts = []
    for key in HEADLINE:
        if key not in best:
            continue
        worse = best[key] - runner[key] if DIRECTIONS[key] == "min" else runner[key] - best[key]
        if worse > 0:
            label, unit = SUMMARY_LABELS[key]
            parts.append(f"{worse:.3g} {unit} of {label}")
    return "; ".join(parts)


__all__ = [
    "Brief",
    "Decision",
    "DecisionError",
    "costs",
    "decide",
    "parse_requirement",
    "parse_weights",
    "robust_table",
    "scores",
    "what_decides",
]
