"""Experiment files: validation (one line naming file and key), designs, seeds, fingerprint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from simulation.cli import main
from simulation.experiments.experiment import ExperimentError, experiment_names, load_experiment
from simulation.experiments.runner import replicate_seed

HEAD = """\
title = "A test sweep"
scenario = "base.toml"
sampler = "{sampler}"
seed = 7
replicates = 2
"""

GRID = HEAD.format(sampler="grid")
LHS = HEAD.format(sampler="lhs") + "samples = 16\n"
SOBOL = HEAD.format(sampler="sobol") + "samples = 16\n"


@pytest.fixture
def write(tmp_path: Path, write_base: Callable[[Path], Path]) -> Callable[[str], Path]:
    """Write an experiment file (and the base scenario next to it); return its path."""
    write_base(tmp_path)

    def write(text: str, name: str = "exp") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- bad files -----------------------------------------------------------------------------

BAD: list[tuple[str, str, str]] = [
    # (id, file text, what the one line must say)
    (
        "unknown key",
        GRID + "sampels = 4\n[parameters]\ncollaboration = [0.1]\n",
        "unknown top-level key 'sampels' (did you mean 'samples'?); allowed: title,",
    ),
    (
        "wrong type",
        GRID.replace("replicates = 2", 'replicates = "ten"')
        + "[parameters]\ncollaboration = [0.1]\n",
        'replicates = "ten" is not allowed; allowed: a whole number from 1 to 10,000',
    ),
    (
        "bool seed",
        GRID.replace("seed = 7", "seed = true") + "[parameters]\ncollaboration = [0.1]\n",
        "seed = true is not allowed; allowed: a whole number >= 0",
    ),
    (
        "missing key",
        GRID.replace("seed = 7\n", "") + "[parameters]\ncollaboration = [0.1]\n",
        "missing required key 'seed'",
    ),
    ("missing parameters", GRID, "missing required key 'parameters'"),
    ("empty parameters", GRID + "[parameters]\n", "[parameters] is empty"),
    (
        "bad sampler",
        HEAD.format(sampler="random") + "[parameters]\ncollaboration = [0.1]\n",
        "sampler = \"random\" is not allowed; allowed: 'grid', 'lhs', 'sobol'",
    ),
    (
        "unknown parameter",
        GRID + "[parameters]\ncolaboration = [0.1, 0.2]\n",
        "unknown parameter parameters.colaboration (did you mean 'collaboration'?)",
    ),
    (
        "value out of range",
        GRID + "[parameters]\ncollaboration = [0.5, 1.5]\n",
        "parameters.collaboration[1] = 1.5 is out of range; allowed [0.0, 1.0] (0..1)",
    ),
    (
        "range out of range",
        GRID + "[parameters]\ngovernance = { range = [-0.5, 1.0], count = 3 }\n",
        "parameters.governance.range[0] = -0.5 is out of range; allowed [0.0, 1.0]",
    ),
    (
        "lhs range out of range",
        LHS + "[parameters]\nn_it = { range = [1, 900] }\n",
        "parameters.n_it.range[1] = 900 is out of range; allowed [1, 500] (agents)",
    ),
    (
        "int not integer",
        GRID + "[parameters]\nn_it = [2, 3.5]\n",
        "parameters.n_it[1] = 3.5 is not an integer; allowed an integer in [1, 500]",
    ),
    (
        "int range not integer",
        LHS + "[parameters]\nn_it = { range = [1.5, 9] }\n",
        "parameters.n_it.range[0] = 1.5 is not an integer",
    ),
    (
        "value not a number",
        GRID + '[parameters]\ncollaboration = [0.1, "high"]\n',
        'parameters.collaboration[1] = "high" is not a number',
    ),
    (
        "samples missing",
        HEAD.format(sampler="lhs") + "[parameters]\ngovernance = { range = [0.0, 1.0] }\n",
        "missing key 'samples' (sampler = \"lhs\" needs the number of points",
    ),
    (
        "samples with grid",
        GRID + "samples = 4\n[parameters]\ncollaboration = [0.1]\n",
        'samples is not allowed with sampler = "grid"',
    ),
    (
        "list with lhs",
        LHS + "[parameters]\ncollaboration = [0.1, 0.2]\n",
        'parameters.collaboration = [...] is a list of values, allowed only with sampler = "grid"',
    ),
    (
        "list with sobol",
        SOBOL + "[parameters]\ncollaboration = [0.1, 0.2]\n",
        'allowed only with sampler = "grid"; with "sobol" give collaboration = { range = [lo, hi] }',
    ),
    (
        "count with lhs",
        LHS + "[parameters]\ncollaboration = { range = [0.0, 1.0], count = 5 }\n",
        'parameters.collaboration.count is not allowed with sampler = "lhs"',
    ),
    (
        "empty list",
        GRID + "[parameters]\ncollaboration = []\n",
        "parameters.collaboration = [] is empty",
    ),
    (
        "repeated value",
        GRID + "[parameters]\ncollaboration = [0.1, 0.1]\n",
        "parameters.collaboration = [...] repeats 0.1; allowed: distinct values",
    ),
    (
        "count < 2",
        GRID + "[parameters]\ncollaboration = { range = [0.0, 1.0], count = 1 }\n",
        "parameters.collaboration.count = 1 is not allowed; allowed: a whole number from 2 to 1,000",
    ),
    (
        "count missing",
        GRID + "[parameters]\ncollaboration = { range = [0.0, 1.0] }\n",
        "missing key parameters.collaboration.count",
    ),
    (
        "int grid repeats",
        GRID + "[parameters]\nn_it = { range = [1, 3], count = 5 }\n",
        "repeats integers; allowed: count <= 3",
    ),
    (
        "empty range",
        GRID + "[parameters]\ngovernance = { range = [0.6, 0.4], count = 3 }\n",
        "parameters.governance.range = [0.6, 0.4] is empty; allowed: [lo, hi] with lo < hi",
    ),
    (
        "unknown range key",
        GRID + "[parameters]\ngovernance = { range = [0.0, 1.0], steps = 3 }\n",
        "unknown key parameters.governance.steps; allowed: range, count",
    ),
    (
        "weeks varied",
        GRID + "[parameters]\nweeks = [10, 20]\n",
        "parameters.weeks cannot be varied; set the top-level key weeks instead",
    ),
    (
        "weeks out of range",
        GRID + "weeks = 0\n[parameters]\ncollaboration = [0.1]\n",
        "weeks = 0 is not allowed; allowed: a whole number >= 1",
    ),
    (
        "unknown series",
        GRID + 'series = ["shadow_shar"]\n[parameters]\ncollaboration = [0.1]\n',
        "series: unknown reporter 'shadow_shar' (did you mean 'shadow_share'?); allowed:",
    ),
    (
        "series not a list",
        GRID + 'series = "shadow_share"\n[parameters]\ncollaboration = [0.1]\n',
        'series = "shadow_share" is not allowed; allowed: a list of per-week reporter names',
    ),
    (
        "unknown scenario",
        GRID.replace('"base.toml"', '"silod"') + "[parameters]\ncollaboration = [0.1]\n",
        "scenario = \"silod\": unknown scenario 'silod' (did you mean 'siloed'?)",
    ),
    (
        "missing scenario file",
        GRID.replace("base.toml", "nowhere.toml") + "[parameters]\ncollaboration = [0.1]\n",
        'scenario = "nowhere.toml": ',
    ),
    (
        "intervention past weeks",
        GRID.replace('"base.toml"', '"cdo_turnaround"')
        + "weeks = 20\n[parameters]\ncollaboration = [0.1]\n",
        'scenario = "cdo_turnaround": ',
    ),
    ("broken TOML", GRID + "[parameters]\ncollaboration = [0.1,\n", "not valid TOML: "),
    *[
        (
            f"run_timeout {value}",
            GRID + f"run_timeout = {value}\n[parameters]\ncollaboration = [0.1]\n",
            f"run_timeout = {value} is not allowed; allowed: a number of seconds > 0 and "
            "<= 604800 (a week)",
        )
        for value in ("0", "-1.5", '"10"', "true", "inf", "nan", "1000000000.0")
    ],
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_file_is_one_line_naming_file_and_key(
    write: Callable[[str], Path], text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(text)
    with pytest.raises(ExperimentError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert "\n" not in message
    assert path.name in message.split(":")[0]
    assert expected in message, message
    # The command says the same, in one line, with exit status 2.
    assert main(["sweep", str(path), "--out", str(path.parent / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dtsim: error: ") and expected in err[0]
    assert not (path.parent / "out").exists()


def test_missing_file_and_unknown_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExperimentError, match=r"nothing\.toml: no such experiment file"):
        load_experiment(tmp_path / "nothing.toml")
    with pytest.raises(
        ExperimentError, match=r"unknown experiment 'smok' \(did you mean 'smoke'\?\)"
    ):
        load_experiment("smok")
    assert main(["sweep", str(tmp_path / "nothing.toml")]) == 2
    assert "no such experiment file" in capsys.readouterr().err


# --- shipped experiments -------------------------------------------------------------------


def test_shipped_experiments_load_with_their_sizes() -> None:
    sizes = {}
    for name in experiment_names():
        experiment = load_experiment(name)
        assert experiment.notes == []
        sizes[name] = (experiment.n_points, experiment.replicates, experiment.n_runs)
        assert len(experiment.points()) == experiment.n_points
    assert sizes["collaboration_x_governance"] == (121, 10, 1210)
    assert sizes["budget_control"] == (42, 20, 840)
    assert sizes["lhs_levers"] == (500, 5, 2500)
    assert sizes["smoke"] == (4, 2, 8)
    assert sizes["cdo_timing"] == (20, 20, 400)
    assert sizes["example_firm_decision"] == (25, 40, 1000)
    assert load_experiment("smoke").weeks == 20
    grid = load_experiment("collaboration_x_governance").points()
    assert grid[0] == {"collaboration": 0.0, "governance": 0.0}
    assert grid[12] == {"collaboration": 0.1, "governance": 0.1}
    assert [p["governance"] for p in grid[:11]] == [i / 10 for i in range(11)]
    budget = load_experiment("budget_control")
    assert budget.varied == ["marketing_budget", "collaboration"]
    assert {p["collaboration"] for p in budget.points()} == {0.15, 0.75}


# --- designs -------------------------------------------------------------------------------


def test_grid_is_full_factorial_in_file_order(write: Callable[[str], Path]) -> None:
    experiment = load_experiment(
        write(
            GRID
            + "[parameters]\nn_it = [4, 8]\ngovernance = { range = [0.0, 1.0], count = 3 }\n"
            + "collaboration = [0.2]\n"
        )
    )
    assert experiment.varied == ["n_it", "governance", "collaboration"]
    assert [tuple(p.values()) for p in experiment.points()] == [
        (4, 0.0, 0.2),
        (4, 0.5, 0.2),
        (4, 1.0, 0.2),
        (8, 0.0, 0.2),
        (8, 0.5, 0.2),
        (8, 1.0, 0.2),
    ]
    assert all(
        type(p["n_it"]) is int and type(p["governance"]) is float for p in experiment.points()
    )
    runs = experiment.runs()
    assert experiment.n_runs == len(runs) == 12
    seeds = [replicate_seed(7, r) for r in range(2)]
    for run in runs:
        assert run.index == run.point * 2 + run.replicate
        assert run.seed == seeds[run.replicate]  # common random numbers across points
        assert run.params == experiment.points()[run.point]
        full = experiment.parameters(run)
        assert full["n_customers"] == 200 and full["weeks"] == 15
        assert all(full[k] == v for k, v in run.params.items())


def test_grid_ranges_are_evenly_spaced_with_exact_ends(write: Callable[[str], Path]) -> None:
    experiment = load_experiment(
        write(
            GRID
            + "[parameters]\ncollaboration = { range = [0.0, 1.0], count = 11 }\n"
            + "n_marketing = { range = [2, 20], count = 4 }\n"
        )
    )
    dims = {d.name: d.values for d in experiment.dimensions}
    assert dims["collaboration"] == tuple(i / 10 for i in range(11))
    assert dims["n_marketing"] == (2, 8, 14, 20)


@pytest.mark.parametrize("head", [LHS, SOBOL], ids=["lhs", "sobol"])
def test_lhs_and_sobol_within_ranges_reproducible_ints_rounded(
    write: Callable[[str], Path], head: str
) -> None:
    table = (
        "[parameters]\ncollaboration = { range = [0.2, 0.6] }\n"
        "n_it = { range = [3, 6] }\ngovernance = { range = [0.0, 1.0] }\n"
    )
    experiment = load_experiment(write(head + table))
    points = experiment.points()
    assert len(points) == 16 and experiment.n_runs == 32
    collaboration = np.array([p["collaboration"] for p in points])
    assert ((collaboration >= 0.2) & (collaboration <= 0.6)).all()
    assert all(type(p["n_it"]) is int and 3 <= p["n_it"] <= 6 for p in points)
    # 16 points, 4 integers: each integer gets a quarter of the unit interval, so 4 each
    # (a Latin hypercube stratifies every margin; the first 16 Sobol' points do too).
    assert sorted(p["n_it"] for p in points) == [3] * 4 + [4] * 4 + [5] * 4 + [6] * 4
    # Stratified margins: one point in each sixteenth of the range.
    strata = np.floor((collaboration - 0.2) / 0.4 * 16).astype(int)
    assert sorted(strata) == list(range(16))
    # The same file gives the same design; another seed another one.
    assert load_experiment(write(head + table, name="again")).points() == points
    other = load_experiment(write(head.replace("seed = 7", "seed = 8") + table, name="other"))
    assert other.points() != points


def test_sobol_not_a_power_of_two_is_a_note_not_a_warning(write: Callable[[str], Path]) -> None:
    experiment = load_experiment(
        write(
            SOBOL.replace("samples = 16", "samples = 20")
            + "[parameters]\ngovernance = { range = [0.0, 1.0] }\n"
        )
    )
    assert len(experiment.points()) == 20  # pytest turns warnings into errors: none escaped
    (note,) = experiment.notes
    assert "samples = 20 is not a power of 2" in note and "16 or 32" in note


def test_fingerprint_follows_the_design_not_the_wording(write: Callable[[str], Path]) -> None:
    table = "[parameters]\ncollaboration = [0.1, 0.5]\n"
    first = load_experiment(write(GRID + table)).fingerprint()
    assert len(first) == 64
    reworded = GRID.replace('"A test sweep"', '"Another title"') + "# a comment\n" + table
    assert load_experiment(write(reworded, "b")).fingerprint() == first
    changed = {
        "replicates": GRID.replace("replicates = 2", "replicates = 3") + table,
        "seed": GRID.replace("seed = 7", "seed = 1") + table,
        "points": GRID + "[parameters]\ncollaboration = [0.1, 0.6]\n",
        "weeks": GRID + "weeks = 14\n" + table,
        "series": GRID + 'series = ["churn"]\n' + table,
        "base": GRID.replace('"base.toml"', '"siloed"') + table,
    }
    for what, text in changed.items():
        assert load_experiment(write(text, what)).fingerprint() != first, what


def test_run_timeout_is_optional_generous_and_not_part_of_the_design(
    write: Callable[[str], Path],
) -> None:
    """A run that hangs must not hang a sweep: every run has a time limit, by default ten
    times what the largest sizes need (0.9 s a week), so no honest run reaches it."""
    plain = load_experiment(write(GRID + "[parameters]\ncollaboration = [0.1]\n"))
    assert plain.run_timeout is None
    assert plain.time_limit == 60 + 9 * (15 + 4)  # the base scenario's weeks and warm-up
    timed = load_experiment(
        write(GRID + "run_timeout = 2.5\n[parameters]\ncollaboration = [0.1]\n", "timed")
    )
    assert timed.time_limit == 2.5
    assert timed.fingerprint() == plain.fingerprint()  # a finished run's numbers do not change
