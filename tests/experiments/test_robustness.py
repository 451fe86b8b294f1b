"""The robustness check (issue 12, "off the cliff"): F1-F7 under one-at-a-time ±20% moves,
one CSV row per move, resumed after a kill. Short form: two moves, short runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.experiments import robustness
from simulation.model.params import LEVERS, PARAMETERS

SHORT = {"n_customers": 200, "warmup_weeks": 4, "weeks": 20}


def test_every_non_lever_parameter_moves_down_and_up_within_its_range() -> None:
    moves = robustness.moves()
    moved = {m.parameter for m in moves}
    assert not moved & set(LEVERS) and not moved & set(robustness.FRAME)
    for m in moves:
        spec = PARAMETERS[m.parameter]
        assert spec.low <= m.value <= spec.high and m.value != spec.default
    effort = {m.move: m.value for m in moves if m.parameter == "effort_mean"}
    default = PARAMETERS["effort_mean"].default
    assert effort == {"-20%": pytest.approx(0.8 * default), "+20%": pytest.approx(1.2 * default)}


def test_rows_are_written_per_move_and_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "robustness.csv"
    rows = robustness.robustness(
        out, replicates=2, seed=3, workers=1, names=["effort_mean"], base=SHORT
    )
    assert [(r["parameter"], r["move"]) for r in rows] == [
        ("effort_mean", "-20%"),
        ("effort_mean", "+20%"),
    ]
    assert all(r[f] in ("PASS", "FAIL") for r in rows for f in robustness.FACTS)
    assert len(out.read_text().splitlines()) == 3  # header and two moves

    def no_runs(*args, **kwargs):
        raise AssertionError("a finished move was run again")

    monkeypatch.setattr(robustness, "measure", no_runs)
    again = robustness.robustness(
        out, replicates=2, seed=3, workers=1, names=["effort_mean"], base=SHORT
    )
    assert again == rows
    assert "of 2 moves keep all of F1-F7" in robustness.summary(rows)
    # The page's table reads the file back: the verdict line, then each move that breaks.
    assert robustness.read_rows(out) == rows
    text = robustness.markdown(rows, out)
    assert text.startswith("`robustness.csv` (2 replicates, base seed 3): **")
    broken = [r for r in rows if r["failed"]]
    assert text.count("| `effort_mean` |") == len(broken)


def test_a_table_of_other_model_code_is_refused_not_resumed(tmp_path: Path, capsys) -> None:
    """A recalibration changes the defaults: the moves of the old ones must not be mixed
    into the new table, nor shown on the calibration page."""
    from simulation.cli import main

    out = tmp_path / "robustness.csv"
    robustness.robustness(out, replicates=2, seed=3, workers=1, names=["effort_mean"], base=SHORT)
    here = robustness.read_rows(out)[0]["code"]
    out.write_text(out.read_text().replace(here, "0123456789ab"), encoding="utf-8")
    with pytest.raises(ValueError, match="other model code or defaults"):
        robustness.read_rows(out)
    code = main(["validate", "--robustness", "--replicates", "2", "--seed", "3", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "other model code or defaults" in err and "\n" not in err


def test_moves_start_from_a_candidate_point_and_a_screen_stops_at_the_first_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A calibration screens a candidate before adopting it: the moves start from its
    values, not the defaults, and the screen stops at the first move that breaks a fact,
    also when it resumes a table that has one."""
    from simulation.experiments.validation import FactResult

    around = {"effort_mean": 10.0, "n_it": 13}
    got = {
        (m.parameter, m.move): m.value for m in robustness.moves(["effort_mean", "n_it"], around)
    }
    assert got == {
        ("effort_mean", "-20%"): pytest.approx(8.0),
        ("effort_mean", "+20%"): pytest.approx(12.0),
        ("n_it", "-20%"): 10,  # whole people: 10.4 rounds to 10
        ("n_it", "+20%"): 16,
    }
    assert robustness.moves(["underground"], {"underground": 0.0}) == []  # 0 has no relative move
    runs: list[dict] = []

    def measure(plan, *args, **kwargs):
        runs.append(dict(plan.base))
        return plan.base

    def check_facts(point):
        broken = point["effort_mean"] < 10.0  # the first move breaks F6
        return [FactResult(f, "", "", "", not (broken and f == "F6")) for f in robustness.FACTS]

    monkeypatch.setattr(robustness, "measure", measure)
    monkeypatch.setattr(robustness, "check_facts", check_facts)
    out = tmp_path / "screen.csv"
    names = ["effort_mean", "n_it"]
    rows = robustness.robustness(out, 2, 3, 1, names=names, base=around, until_failure=True)
    assert [(r["parameter"], r["move"], r["failed"]) for r in rows] == [
        ("effort_mean", "-20%", "F6")
    ]
    assert len(runs) == 1 and runs[0]["n_it"] == 13  # the candidate's other values kept
    again = robustness.robustness(out, 2, 3, 1, names=names, base=around, until_failure=True)
    assert again == rows and len(runs) == 1
    every = robustness.robustness(out, 2, 3, 1, names=names, base=around)
    assert len(every) == 4 and len(runs) == 4
