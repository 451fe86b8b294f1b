"""The text a strategist reads after a sweep: the best setting of each headline outcome and
the Pareto set, as aligned tables (``dtsim results DIR``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simulation.analysis.best import best_settings, pareto_set
from simulation.analysis.decision import Decision
from simulation.experiments.money import Money
from simulation.experiments.store import ResultsError, StoreMeta, finished_runs
from simulation.model.outputs import HEADLINE, SUMMARY_LABELS
from simulation.stats import CONFIDENCE, FEW_REPLICATES
from simulation.text import format_number, format_value, render_table

PARETO_ROWS = 25
"""At most this many Pareto points are printed; the rest are counted."""


def print_best(directory: str | Path) -> None:
    """Print the best setting of each headline outcome and the Pareto set, as text tables."""
    print(best_report(directory))


def best_report(directory: str | Path) -> str:
    """The text :func:`print_best` prints."""
    meta, frame, failed = finished_runs(directory)
    if frame.empty:
        raise ResultsError(f"{meta.folder}: no successful runs yet ({failed} failed)")
    points = frame["point"].nunique()
    lines = [_headline(meta, frame, points, failed), ""]
    best = best_settings(frame)
    interval = f" [{CONFIDENCE:.0%} t-interval]" if (best["n"] > 1).any() else ""
    lines.append(
        f"Best design point for each headline outcome: replicate mean{interval}, n replicates"
    )
    lines.append(_best_table(best, list(meta.varied)))
    lines.append(
        "(intervals within each outcome's range"
        + (
            f"; FEWER THAN {FEW_REPLICATES} REPLICATES a point: the intervals are unreliable)"
            if (best["n"] < FEW_REPLICATES).any()
            else ")"
        )
    )
    if bool(best["censored"].any()):
        lines.append("> censored: fewer than half launched in some replicate; a lower bound")
    lines.append("")
    front = pareto_set(frame)
    lines.append(
        f"Pareto set: {len(front)} of {points} design points that no other beats on all of "
        "time to market (lower), breaches (lower) and satisfaction (higher); replicate means"
    )
    lines.append(_pareto_table(front, list(meta.varied)))
    if len(front) > PARETO_ROWS:
        lines.append(
            f"... and {len(front) - PARETO_ROWS} more (simulation.analysis.best.pareto_set)"
        )
    lines.append("")
    lines.append(
        "The best of many noisy means is flattered by luck: rerun a chosen setting with new "
        "seeds before quoting it."
    )
    return "\n".join(lines)


DECISION_ROWS = 10
"""Settings listed under the recommendation, best mean score first."""


def decision_cells(
    directory: str | Path, weights: str | None = None, requirements: Sequence[str] = ()
) -> tuple[Decision, list[str], list[list[str]]]:
    """The decision on a sweep (:mod:`simulation.analysis.decision`) and its table's cells:
    the settings by mean score (or, when the experiment has ``[money]``, by cost a year) with
    their robustness, for the text and the HTML report."""
    from simulation.analysis.decision import decide, parse_requirement, parse_weights

    parsed = parse_weights(weights)
    required = [parse_requirement(text) for text in requirements]
    meta, frame, _ = finished_runs(directory)
    if frame.empty:
        raise ResultsError(f"{directory}: no successful runs yet")
    money = stored_money(meta)
    decision = decide(
        frame, parsed, required, stated=weights is not None, money=money, base=meta.base
    )
    varied = list(decision.table.attrs["varied"])
    if money is None:
        what, sign, fmt = "score", 1.0, format_number
    else:
        what, sign = f"cost a year ({money.unit})", -1.0

        def fmt(x: float) -> str:
            return f"{x:,.0f}"

    header = [*varied, "n", f"{what} [interval]", "worst tenth", "regret", "regret, worst tenth"]
    if required:
        header.append("meets all")
    body = []
    for row in decision.table.head(DECISION_ROWS).to_dict("records"):
        cells = [format_value(row[v]) for v in varied]
        ends = sorted((sign * row["score_low"], sign * row["score_high"]))
        score = fmt(sign * row["score"])
        if math.isfinite(row["score_low"]):
            score += f" [{fmt(ends[0])}, {fmt(ends[1])}]"
        cells += [str(row["n"]), score, fmt(sign * row["worst_tenth"])]
        cells += [fmt(row["regret"]), fmt(row["regret_p90"])]
        if required:
            cells.append(f"{row['meets']:.0%}")
        body.append(cells)
    return decision, header, body


def stored_money(meta: StoreMeta) -> Money | None:
    """The ``[money]`` table of the experiment a store was made with, if it has one."""
    from simulation.experiments.money import parse_money

    table = meta.table.get("money")
    return None if table is None else parse_money(table, str(meta.folder), ResultsError)


DECISION_NOTE = (
    "Settings best first: by mean score (1: the best setting's mean on every weighted outcome, "
    "0: the worst's; a run can fall outside) or, when the experiment has [money], by cost a "
    "year; worst tenth: the worst 10% of replicates' score or cost; regret: how far a setting "
    "falls behind the best setting of the same replicate (same seed and, with --posterior, "
    "the same draw), on average and in its worst tenth"
)


def brief_lines(
    directory: str | Path,
    weights: str | None = None,
    requirements: Sequence[str] = (),
    decision: Decision | None = None,
) -> list[str] | None:
    """The robustness brief of a sweep run with ``--posterior``, in plain sentences: the
    setting best on average, the most robust one, whether they differ and by how much, and
    which uncertain parameters decide it (:func:`simulation.analysis.decision.what_decides`).
    None for a sweep without a posterior. ``decision``: the one already made on the same
    weights and requirements, so it is not made twice."""
    from simulation.analysis.decision import parse_requirement, parse_weights, what_decides
    from simulation.experiments.posterior import PosteriorError, recorded_draws
    from simulation.experiments.store import read_meta

    meta = read_meta(directory)
    if not meta.posterior:
        return None
    if decision is None:
        decision, _, _ = decision_cells(directory, weights, requirements)
    table = decision.table.set_index("point")
    varied = list(decision.table.attrs["varied"])
    best, robust = table.loc[decision.recommended], table.loc[decision.robust]

    def name(row: pd.Series) -> str:
        return ", ".join(f"{v} {format_value(row[v])}" for v in varied)

    money = stored_money(meta)

    def value(x: float) -> str:
        return f"{x:.3f}" if money is None else f"{x:,.0f} {money.unit}"

    score = "score" if money is None else "cost a year"
    sign = 1.0 if money is None else -1.0
    lines = [
        f"Best on average: {name(best)} ({score} {value(sign * best['score'])}; in its worst "
        f"tenth of replicates it falls {value(best['regret_p90'])} behind the best setting of "
        "the same firm).",
    ]
    if decision.robust == decision.recommended:
        lines.append("It is also the most robust: no other setting loses less in its worst tenth.")
    else:
        lines.append(
            f"Most robust: {name(robust)} ({score} {value(sign * robust['score'])}, "
            f"{value(best['score'] - robust['score'])} worse on average; in its worst tenth it "
            f"falls only {value(robust['regret_p90'])} behind)."
        )
    try:
        draws = recorded_draws(meta.posterior, meta.draws)
    except PosteriorError as exc:
        lines.append(f"Which parameters decide it cannot be said here: {exc}.")
        return lines
    _, frame, _ = finished_runs(directory)
    parsed = parse_weights(weights)
    required = [parse_requirement(text) for text in requirements]
    lines.append(what_decides(frame, decision, draws, parsed, required, money, meta.base).sentence)
    return lines


def decision_report(
    directory: str | Path, weights: str | None = None, requirements: Sequence[str] = ()
) -> str:
    """The recommendation sentence, then the settings by score: what a strategist reads first."""
    decision, header, body = decision_cells(directory, weights, requirements)
    varied = list(decision.table.attrs["varied"])
    lines = [decision.sentence, "", DECISION_NOTE, render_table(header, body, left=len(varied))]
    more = len(decision.table) - DECISION_ROWS
    if more > 0:
        lines.append(f"... and {more} more (simulation.analysis.decision.robust_table)")
    brief = brief_lines(directory, weights, requirements, decision)
    if brief is not None:
        lines += ["", "Robustness brief (over the posterior's draws):", *brief]
    return "\n".join(lines)


def _headline(meta: StoreMeta, frame: pd.DataFrame, points: int, failed: int) -> str:
    replicates = frame.groupby("point")["replicate"].nunique()
    low, high = int(replicates.min()), int(replicates.max())
    each = f"{high} replicate{'s' * (high != 1)}" if low == high else f"{low}-{high} replicates"
    done = len(frame) + failed
    expected = f" of {meta.n_runs}" if meta.n_runs and meta.n_runs != done else ""
    varied = ", ".join(meta.varied) or "nothing"
    return (
        f"{meta.title}: {points} design point{'s' * (points != 1)} x {each}, varying {varied}; "
        f"{len(frame)} runs ok, {failed} failed ({done}{expected} done)"
    )


def _best_table(best: pd.DataFrame, varied: list[str]) -> str:
    header = ["outcome", "unit", "best", *varied, "mean [interval]", "n"]
    body = []
    for row in best.to_dict("records"):
        label, unit = SUMMARY_LABELS.get(row["outcome"], (row["outcome"], ""))
        cell = format_number(row["mean"])
        if math.isfinite(row["low"]):
            cell += f" [{format_number(row['low'])}, {format_number(row['high'])}]"
        if row["censored"]:
            cell = ">" + cell
        body.append(
            [
                label,
                unit,
                "lowest" if row["direction"] == "min" else "highest",
                *(format_value(row[name]) for name in varied),
                cell,
                str(row["n"]),
            ]
        )
    return render_table(header, body, left=3)


def _pareto_table(front: pd.DataFrame, varied: list[str]) -> str:
    outcomes = [k for k in HEADLINE if k in front.columns]
    header = ["point", *varied, *(_short_header(k) for k in outcomes), "n"]
    body = []
    for row in front.head(PARETO_ROWS).to_dict("records"):
        cells = []
        for key in outcomes:
            text = format_number(row[key])
            if row.get(f"{key}_censored", 0) and row[f"{key}_censored"] > 0:
                text = ">" + text
            cells.append(text)
        body.append(
            [
                str(row["point"]),
                *(format_value(row[name]) for name in varied),
                *cells,
                str(row["n"]),
            ]
        )
    return render_table(header, body, left=0)


def _short_header(key: str) -> str:
    unit = SUMMARY_LABELS.get(key, ("", ""))[1]
    return f"{key} ({unit})" if unit else key


__all__ = ["PARETO_ROWS", "best_report", "print_best"]
