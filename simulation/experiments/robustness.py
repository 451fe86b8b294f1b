"""Does the calibration hold off its knife edge? F1-F7 under one-at-a-time moves of ±20%.

A calibration that keeps the stylized facts only at the exact defaults tells a strategist
little about a firm that differs from them by a fifth. :func:`robustness` moves every
non-lever parameter down and up by :data:`MOVE` (clipped to its declared range), one at a
time, runs the whole F1-F7 plan of :mod:`simulation.experiments.validation` at each move,
and records which facts hold. Every move is one row of a CSV file written as soon as the
move is done, so a killed check resumes where it stopped (``dtsim validate --robustness``).
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.experiments.validation import FACTS, build_plan, check_facts, measure
from simulation.model.params import LEVERS, PARAMETERS

MOVE = 0.2
"""The relative size of each one-at-a-time move."""
FRAME = ("weeks", "warmup_weeks", "delivery_stop_week")
"""Parameters that set the run's frame, not the firm: never moved."""
COLUMNS = ("parameter", "move", "value", "replicates", "seed", "code", *FACTS, "failed")
"""``code``: the model's code hash (:func:`~simulation.experiments.engine.code_hash`, which
covers the defaults), so a table is never resumed, nor read, across a change of the model."""


class RobustnessError(ValueError):
    """A robustness table that cannot be read or resumed here; one line."""


@dataclass(frozen=True)
class Move:
    parameter: str
    move: str  # "-20%" or "+20%"
    value: float | int


def moves(
    names: Iterable[str] | None = None, around: Mapping[str, Any] | None = None
) -> list[Move]:
    """The moves of the check: each non-lever parameter (or ``names``) down and up, from its
    value in ``around`` where given (a candidate point), else from its default.

    A parameter at 0 has no relative move and is left out; a move that the declared range
    clips to the starting value itself is left out too.
    """
    if names is None:
        names = [n for n in PARAMETERS if n not in LEVERS and n not in FRAME]
    out = []
    for name in names:
        spec = PARAMETERS[name]
        start = (around or {}).get(name, spec.default)
        if start == 0:
            continue
        for sign, label in ((-1, f"-{MOVE:.0%}"), (1, f"+{MOVE:.0%}")):
            value: float | int = min(max(start * (1 + sign * MOVE), spec.low), spec.high)
            if spec.kind is int:
                value = round(value)
            if value != start:
                out.append(Move(name, label, value))
    return out


def robustness(
    out: Path,
    replicates: int = 20,
    seed: int = 12345,
    workers: int | None = None,
    scheduler: str | None = None,
    names: Iterable[str] | None = None,
    base: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    until_failure: bool = False,
    calibrated: bool = True,
) -> list[dict[str, str]]:
    """Run the check into the CSV file ``out`` (rows already there for the same replicates
    and seed are kept, not run again); return every row. ``base`` adds parameters to every
    setting, and the moves start from its values (the tests shorten the runs with it; a
    calibration screens a candidate point with it before adopting, :func:`~simulation.
    experiments.calibrate.screen`). ``until_failure``: stop at the first move that breaks a
    fact (a screen needs no more), also when resuming a table that has one. ``calibrated``:
    whether the rows' code identity covers the calibrated defaults; a screen, whose ``base``
    sets every calibrated parameter, leaves them out, so an adoption does not void it."""
    done = _rows(out, replicates, seed, calibrated)
    todo = [m for m in moves(names, base) if (m.parameter, m.move) not in done]
    if until_failure and any(r["failed"] for r in done.values()):
        todo = []
    if progress is not None:
        progress(f"robustness: {len(done)} moves in {out}, {len(todo)} to run")
    new = not out.exists() or out.stat().st_size == 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        for i, move in enumerate(todo, 1):
            started = time.perf_counter()
            plan = build_plan(replicates, {**(base or {}), move.parameter: move.value})
            results = check_facts(measure(plan, workers, seed, scheduler=scheduler))
            row = {
                "parameter": move.parameter,
                "move": move.move,
                "value": f"{move.value:g}",
                "replicates": str(replicates),
                "seed": str(seed),
                "code": _code(calibrated),
                **{r.fact: "PASS" if r.passed else "FAIL" for r in results},
                "failed": " ".join(r.fact for r in results if not r.passed),
            }
            writer.writerow(row)
            handle.flush()  # each move is kept the moment it is done
            done[(move.parameter, move.move)] = row
            if progress is not None:
                seconds = time.perf_counter() - started
                verdict = row["failed"] or "all facts hold"
                progress(
                    f"  {i}/{len(todo)} {move.parameter} {move.move}: {verdict} ({seconds:.0f} s)"
                )
            if until_failure and row["failed"]:
                break
    order = {(m.parameter, m.move): i for i, m in enumerate(moves(names, base))}
    return sorted(done.values(), key=lambda r: order.get((r["parameter"], r["move"]), len(order)))


def summary(rows: list[dict[str, str]]) -> str:
    """One line: how many moves keep every fact, and how often each fact breaks."""
    held = sum(1 for r in rows if not r["failed"])
    broken = {f: sum(1 for r in rows if r[f] == "FAIL") for f in FACTS}
    parts = ", ".join(f"{f} in {n}" for f, n in broken.items() if n)
    return f"{held} of {len(rows)} moves keep all of F1-F7" + (
        f"; broken: {parts}" if parts else ""
    )


def read_rows(path: Path, calibrated: bool = True) -> list[dict[str, str]]:
    """Every move of a robustness table, as written (one replicates and seed expected), all
    measured with this model's code (and defaults, unless ``calibrated`` is False)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or tuple(reader.fieldnames) != COLUMNS:
            raise RobustnessError(f"{path}: not a robustness table of this dtsim (columns differ)")
        rows = list(reader)
    other = sorted({r["code"] for r in rows} - {_code(calibrated)})
    if other:
        raise RobustnessError(
            f"{path}: measured with other model code or defaults (code {other[0]}, here "
            f"{_code(calibrated)}); its moves no longer describe this model: use another --out"
        )
    return rows


def markdown(rows: list[dict[str, str]], path: Path) -> str:
    """The table for docs/CALIBRATION.md: the verdict line, then every move that breaks a fact."""
    from simulation.text import markdown_table

    settings = sorted({(r["replicates"], r["seed"]) for r in rows})
    how = ", ".join(f"{rep} replicates, base seed {seed}" for rep, seed in settings)
    out = [
        f"`{path.name}` ({how}): **{summary(rows)}**, out of {len(moves())} moves of "
        f"every non-lever parameter by -{MOVE:.0%} and +{MOVE:.0%} within its range.",
        "",
    ]
    failing = [r for r in rows if r["failed"]]
    if failing:
        out.append(
            markdown_table(
                ["parameter", "move", "value", "facts that fail"],
                [[f"`{r['parameter']}`", r["move"], r["value"], r["failed"]] for r in failing],
            )
        )
    return "\n".join(out)


def _code(calibrated: bool = True) -> str:
    from simulation.experiments.engine import code_hash

    return code_hash(calibrated)[:12]


def _rows(
    path: Path, replicates: int, seed: int, calibrated: bool = True
) -> dict[tuple[str, str], dict[str, str]]:
    """The moves already in the file for this number of replicates and seed."""
    if not path.is_file():
        return {}
    return {
        (r["parameter"], r["move"]): r
        for r in read_rows(path, calibrated)
        if r["replicates"] == str(replicates) and r["seed"] == str(seed)
    }


def main(replicates: int, seed: int, workers: int | None, out: Path, scheduler: str | None) -> int:
    """``dtsim validate --robustness``: the table, then one line; 0 if every move holds."""
    from simulation.text import render_table

    rows = robustness(
        out,
        replicates,
        seed,
        workers,
        scheduler,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    failing = [r for r in rows if r["failed"]]
    if failing:
        header = ["parameter", "move", "value", "facts that fail"]
        print(
            render_table(
                header,
                [[r["parameter"], r["move"], r["value"], r["failed"]] for r in failing],
                left=3,
            )
        )
        print()
    print(f"{summary(rows)} ({replicates} replicates, base seed {seed}); table: {out}")
    return 0 if not failing else 1


__all__ = [
    "COLUMNS",
    "FACTS",
    "MOVE",
    "Move",
    "RobustnessError",
    "main",
    "markdown",
    "moves",
    "read_rows",
    "robustness",
    "summary",
]
