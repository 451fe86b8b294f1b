"""Outcome tables for the terminal, and the intervals behind them.

Reads the summary frame of :func:`simulation.experiments.runner.run_scenario`; the rows and their labels
come from :data:`simulation.model.outputs.SUMMARY_LABELS`, headline outcomes first.

- :func:`summary_table`: mean and 95% interval over replicates, one column per scenario.
- :func:`difference_table` and :func:`differences`: each scenario's difference from the
  first, with the paired t-interval over replicates. Replicate ``r`` of every scenario runs
  with the same seed (common random numbers), so the differences are paired and their
  interval is usually much narrower than the unpaired (Welch) one, which is kept for reference.
- :func:`parse_ci_width` and :func:`precision`: the stopping rule of ``--replicates auto``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from simulation.stats import (
    CONFIDENCE,
    FEW_REPLICATES,
    mean_interval,
    paired_interval,
    welch_interval,
)
from simulation.text import format_number, render_table


def format_cell(values: Iterable[float], key: str | None = None) -> str:
    """``mean [low, high]`` over replicates, or the single value of a single run; with the
    outcome's ``key`` the interval is clipped to its range (:data:`RANGES`)."""
    from simulation.analysis.ranges import RANGES

    mean, low, high, n = mean_interval(values, bounds=RANGES.get(key) if key else None)
    if n <= 1:
        return format_number(mean)
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def outcome_rows(
    labels: dict[str, tuple[str, str]], headline: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(key, label, unit) in the order of ``labels``; headline keys it lacks come first.

    The labels' order is kept (not headline first) because indented labels read as parts of
    the row above them.
    """
    missing = [k for k in headline if k not in labels]
    return [(k, k, "") for k in missing] + [(k, *labels[k]) for k in labels]


def format_outcome(summary: pd.DataFrame, key: str) -> str:
    """One table cell; ``>`` marks a lower bound when a replicate's ``<key>_censored`` is set.

    The model flags a median that was still censored at the end of the run (fewer than half
    of the requests launched): only a lower bound is known, never a measured value.
    """
    if key not in summary:
        return "n/a"
    cell = format_cell(summary[key], key)
    flag = f"{key}_censored"
    censored = flag in summary and bool((pd.to_numeric(summary[flag], errors="coerce") > 0).any())
    return f">{cell}" if censored and cell != "n/a" else cell


def summary_table(summary: pd.DataFrame, scenarios: Sequence[str] | None = None) -> str:
    """A plain-text table of outcomes (rows) by scenario (columns); ``*`` marks the headline."""
    from simulation.model.outputs import HEADLINE, SUMMARY_LABELS

    if scenarios is None:
        scenarios = list(dict.fromkeys(summary["scenario"]))
    header = ["", "outcome", "unit", *scenarios]
    body = []
    for key, label, unit in outcome_rows(SUMMARY_LABELS, HEADLINE):
        runs = [summary[summary["scenario"] == name] for name in scenarios]
        mark = "*" if key in HEADLINE else ""
        body.append([mark, label, unit, *(format_outcome(r, key) for r in runs)])
    return render_table(header, body, left=3)


def interval_note(replicates: int, summary: pd.DataFrame | None = None) -> str:
    """What the numbers in :func:`summary_table` are, as one line under it."""
    from simulation.model.outputs import SUMMARY_LABELS

    if replicates == 1:
        what = "one run; use --replicates 10 or more for 95% intervals"
    else:
        what = (
            f"mean [{CONFIDENCE:.0%} t-interval of the mean, within each outcome's range] over "
            f"{replicates} replicates"
        )
    notes = ["* headline outcome", what]
    if 1 < replicates < FEW_REPLICATES:
        notes.append(f"FEWER THAN {FEW_REPLICATES} REPLICATES: the intervals are unreliable")
    flags = [
        f"{k}_censored"
        for k in SUMMARY_LABELS
        if summary is not None and f"{k}_censored" in summary
    ]
    if summary is not None and any(
        bool((pd.to_numeric(summary[f], errors="coerce") > 0).any()) for f in flags
    ):
        notes.append("> censored: fewer than half launched by the end, a lower bound")
    return "; ".join(notes)


# --- differences from the first scenario ------------------------------------------------


DIFFERENCE_COLUMNS: tuple[str, ...] = (
    "scenario",
    "reference",
    "outcome",
    "n",
    "mean_difference",
    "low",
    "high",
    "welch_low",
    "welch_high",
    "censored",
    "reference_censored",
)
"""Columns of ``differences.csv``: ``low``/``high`` are the paired interval, ``n`` its pairs."""


def differences(summary: pd.DataFrame, scenarios: Sequence[str] | None = None) -> pd.DataFrame:
    """Each scenario's difference from the first, one row per scenario and outcome.

    Rows follow the outcome table; the columns are :data:`DIFFERENCE_COLUMNS`. ``censored``
    (``reference_censored``) is 1 when a replicate of the scenario (of the reference) had a
    censored median for that outcome: the recorded value is a lower bound, so the difference
    is a lower bound (an upper bound) of the true one, and neither when both are set.
    """
    from simulation.model.outputs import HEADLINE, SUMMARY_LABELS

    names = list(scenarios) if scenarios is not None else _names(summary)
    reference, others = names[0], names[1:]
    base = _by_replicate(summary, reference)
    rows = []
    for name in others:
        runs = _by_replicate(summary, name)
        if not runs["seed"].equals(base["seed"]):
            raise ValueError(f"{name} and {reference} did not run with the same replicate seeds")
        for key, _, _ in outcome_rows(SUMMARY_LABELS, HEADLINE):
            a, b = _column(base, key), _column(runs, key)
            mean, low, high, n = paired_interval(a, b)
            _, welch_low, welch_high = welch_interval(a, b)
            rows.append(
                {
                    "scenario": name,
                    "reference": reference,
                    "outcome": key,
                    "n": n,
                    "mean_difference": mean,
                    "low": low,
                    "high": high,
                    "welch_low": welch_low,
                    "welch_high": welch_high,
                    "censored": int(_censored(runs, key)),
                    "reference_censored": int(_censored(base, key)),
                }
            )
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))


def format_difference(row: Mapping[str, float]) -> str:
    """``+mean [low, high]`` of one row of :func:`differences`, with its censoring mark.

    ``>`` the difference is a lower bound (the scenario's median was censored), ``<`` an
    upper bound (the reference's was), ``~`` neither (both were).
    """
    mean, low, high, n = row["mean_difference"], row["low"], row["high"], row["n"]
    if not math.isfinite(mean):
        return "n/a"
    text = ("+" if mean > 0 else "") + format_number(mean)
    if n > 1 and math.isfinite(low):
        text += f" [{format_number(low)}, {format_number(high)}]"
    mark = {(1, 0): ">", (0, 1): "<", (1, 1): "~"}.get(
        (int(row["censored"]), int(row["reference_censored"])), ""
    )
    return mark + text


def difference_table(table: pd.DataFrame) -> str:
    """The rows of :func:`differences` as a text table: outcomes by scenario."""
    from simulation.model.outputs import HEADLINE, SUMMARY_LABELS

    others = list(dict.fromkeys(table["scenario"]))
    cells = {(r["scenario"], r["outcome"]): format_difference(r) for r in _records(table)}
    header = ["", "outcome", "unit", *others]
    body = [
        ["*" if key in HEADLINE else "", label, unit, *(cells[(n, key)] for n in others)]
        for key, label, unit in outcome_rows(SUMMARY_LABELS, HEADLINE)
    ]
    return render_table(header, body, left=3)


def difference_note(table: pd.DataFrame, replicates: int) -> str:
    """What the numbers in :func:`difference_table` are, as one line under it."""
    reference = str(table["reference"].iloc[0]) if len(table) else "the first scenario"
    notes = [
        f"scenario minus {reference}, mean [{CONFIDENCE:.0%} paired t-interval] over "
        f"{replicates} replicates with the same seeds"
    ]
    flags = {
        (int(c), int(r))
        for c, r in zip(table["censored"], table["reference_censored"], strict=True)
    }
    if (1, 0) in flags:
        notes.append("> a lower bound (the scenario's median censored)")
    if (0, 1) in flags:
        notes.append(f"< an upper bound ({reference}'s median censored)")
    if (1, 1) in flags:
        notes.append("~ both medians censored: neither bound")
    return "; ".join(notes)


# --- how many replicates are enough (--replicates auto) -------------------------------


@dataclass(frozen=True)
class Precision:
    """One outcome's interval half-width against its target after some replicates.

    ``scenario`` is the scenario whose interval it is (its difference from ``reference`` in a
    comparison); ``limit`` the largest half-width allowed, in the outcome's unit.
    """

    outcome: str
    scenario: str
    half_width: float
    limit: float
    reference: str | None = None

    @property
    def met(self) -> bool:
        return math.isfinite(self.half_width) and self.half_width <= self.limit

    @property
    def ratio(self) -> float:
        """Half-width over limit: at most 1 when met."""
        if not math.isfinite(self.half_width):
            return math.inf
        if self.limit > 0:
            return self.half_width / self.limit
        return 0.0 if self.half_width == 0 else math.inf


def parse_ci_width(text: str) -> dict[str, tuple[float, bool]]:
    """The targets of ``--ci-width``: outcome -> (value, relative).

    ``0.05`` sets every headline outcome's target half-width to 5% of its mean (relative);
    ``ttm_all=0.5`` sets that outcome's to 0.5 in its own unit (absolute), for any outcome of
    the table; items are separated by commas and ``0.05,ttm_all=0.5`` combines both. Raises
    ValueError with a one-line message.
    """
    from simulation.model.outputs import HEADLINE, SUMMARY_LABELS

    targets: dict[str, tuple[float, bool]] = {}
    relative: float | None = None
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ValueError("is empty; give a fraction of the mean such as 0.05, or KEY=VALUE")
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip() if sep else ""
        number = _positive(value if sep else item, item)
        if not sep:
            if relative is not None:
                raise ValueError(f"gives more than one relative width ({text!r})")
            relative = number
            continue
        if key not in SUMMARY_LABELS:
            raise ValueError(f"unknown outcome {key!r}; allowed: {', '.join(SUMMARY_LABELS)}")
        if key in targets:
            raise ValueError(f"gives {key} more than once")
        targets[key] = (number, False)
    if relative is not None:
        for key in HEADLINE:
            targets.setdefault(key, (relative, True))
    return {key: targets[key] for key in (*HEADLINE, *SUMMARY_LABELS) if key in targets}


def precision(
    summary: pd.DataFrame,
    targets: Mapping[str, tuple[float, bool]],
    scenarios: Sequence[str] | None = None,
    paired: bool = False,
) -> list[Precision]:
    """Half-width of each targeted outcome's 95% interval against its target.

    Without ``paired``, each scenario's own interval of the mean (``dtsim run``). With
    ``paired``, the paired interval of each scenario's difference from the first
    (``dtsim compare``); a relative target is then a fraction of the first scenario's mean,
    so "5%" means differences of 5% of the reference level are resolved.
    """
    names = list(scenarios) if scenarios is not None else _names(summary)
    out = []
    if paired:
        base = _by_replicate(summary, names[0])
        for name in names[1:]:
            runs = _by_replicate(summary, name)
            for key, (value, relative) in targets.items():
                a, b = _column(base, key), _column(runs, key)
                _, low, high, _ = paired_interval(a, b)
                level = abs(mean_interval(a)[0])
                limit = value * level if relative else value
                out.append(Precision(key, name, (high - low) / 2, limit, names[0]))
        return out
    for name in names:
        runs = summary[summary["scenario"] == name]
        for key, (value, relative) in targets.items():
            mean, low, high, n = mean_interval(_column(runs, key))
            half = (high - low) / 2 if n > 1 else math.nan
            limit = value * abs(mean) if relative else value
            out.append(Precision(key, name, half, limit))
    return out


def precision_line(checks: Sequence[Precision]) -> str:
    """Each outcome's widest half-width against its target, e.g. for a progress line."""
    worst: dict[str, Precision] = {}
    for check in checks:
        if check.outcome not in worst or check.ratio > worst[check.outcome].ratio:
            worst[check.outcome] = check
    parts = []
    for key, check in worst.items():
        many = len({c.scenario for c in checks if c.outcome == key}) > 1
        where = f" ({check.scenario})" if many else ""
        verdict = "ok" if check.met else "too wide"
        parts.append(
            f"{key}{where} ±{format_number(check.half_width)} "
            f"(target ±{format_number(check.limit)}, {verdict})"
        )
    return ", ".join(parts)


def uncertainty_rows(
    fixed: pd.DataFrame, drawn: pd.DataFrame, scenarios: Sequence[str], paired: bool
) -> pd.DataFrame:
    """Per headline outcome (and scenario): the interval at the point estimate, the interval
    over the posterior, and the share of the variance that parameter uncertainty adds.

    ``fixed``: replicates at the point estimate (the defaults); ``drawn``: the same replicates,
    each with its posterior draw. Levels for one scenario (``paired=False``); with
    ``paired=True`` each later scenario's paired difference from the first, whose draws and
    seeds it shares. The split is :func:`~simulation.experiments.posterior.variance_split`.
    """
    from simulation.analysis.ranges import RANGES
    from simulation.experiments.posterior import variance_split
    from simulation.model.outputs import HEADLINE

    rows = []
    names = list(scenarios)
    pairs = [(n, names[0]) for n in names[1:]] if paired else [(n, None) for n in names]
    for key in HEADLINE:
        for name, reference in pairs:
            values = []
            for summary in (fixed, drawn):
                runs = _column(_by_replicate(summary, name), key)
                if reference is not None:
                    runs = runs - _column(_by_replicate(summary, reference), key)
                values.append(pd.to_numeric(runs, errors="coerce").dropna().to_numpy(float))
            bounds = RANGES.get(key) if reference is None else None  # a difference can be < 0
            (m0, l0, h0, n0), (m1, l1, h1, n1) = (mean_interval(v, bounds=bounds) for v in values)
            share = variance_split(
                {key: float(values[0].var(ddof=1)) if n0 > 1 else math.nan},
                {key: float(values[1].var(ddof=1)) if n1 > 1 else math.nan},
            )[key]
            rows.append(
                {
                    "outcome": key,
                    "scenario": name,
                    "reference": reference or "",
                    "n": n1,
                    "point_mean": m0,
                    "point_low": l0,
                    "point_high": h0,
                    "posterior_mean": m1,
                    "posterior_low": l1,
                    "posterior_high": h1,
                    "parameter_share": share,
                }
            )
    return pd.DataFrame(rows)


def uncertainty_table(rows: pd.DataFrame) -> str:
    """:func:`uncertainty_rows` as text: which interval is which is in the header."""
    from simulation.model.outputs import SUMMARY_LABELS

    def cell(mean: float, low: float, high: float) -> str:
        return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"

    paired = bool((rows["reference"] != "").any())
    header = [
        "outcome",
        *(["scenario"] if paired or rows["scenario"].nunique() > 1 else []),
        "point estimate: stochastic only",
        "over the posterior: + parameters",
        "parameter share",
    ]
    body = []
    for r in _records(rows):
        share = "n/a" if math.isnan(r["parameter_share"]) else f"{r['parameter_share']:.0%}"
        name = [f"{r['scenario']} - {r['reference']}" if paired else r["scenario"]]
        body.append(
            [
                SUMMARY_LABELS[r["outcome"]][0],
                *(name if len(header) == 5 else []),
                cell(r["point_mean"], r["point_low"], r["point_high"]),
                cell(r["posterior_mean"], r["posterior_low"], r["posterior_high"]),
                share,
            ]
        )
    return render_table(header, body, left=len(header) - 3)


def _names(summary: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(summary["scenario"]))


def _by_replicate(summary: pd.DataFrame, name: str) -> pd.DataFrame:
    runs = summary[summary["scenario"] == name]
    if runs.empty:
        raise ValueError(f"no replicates of scenario {name!r} in the summary")
    return runs.set_index("replicate").sort_index()


def _column(runs: pd.DataFrame, key: str) -> pd.Series:
    return runs[key] if key in runs else pd.Series(math.nan, index=runs.index)


def _censored(runs: pd.DataFrame, key: str) -> bool:
    flag = f"{key}_censored"
    return flag in runs and bool((pd.to_numeric(runs[flag], errors="coerce") > 0).any())


def _records(table: pd.DataFrame) -> list[dict]:
    return table.to_dict("records")


def _positive(text: str, item: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{item!r} is not a number or KEY=VALUE") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be > 0, got {item!r}")
    return value


__all__ = [
    "DIFFERENCE_COLUMNS",
    "Precision",
    "difference_note",
    "difference_table",
    "differences",
    "format_cell",
    "format_difference",
    "format_number",
    "format_outcome",
    "interval_note",
    "mean_interval",
    "outcome_rows",
    "paired_interval",
    "parse_ci_width",
    "precision",
    "precision_line",
    "summary_table",
    "welch_interval",
]
