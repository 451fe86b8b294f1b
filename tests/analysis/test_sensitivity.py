"""Sensitivity analysis: the SALib step on known functions, an inert model parameter, bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.sensitivity import (
    COLUMNS,
    SensitivityError,
    analyze,
    ranking,
)
from simulation.cli import main
from simulation.experiments.experiment import ExperimentError, load_experiment
from simulation.model.outputs import HEADLINE
from simulation.report.studies import run_sensitivity

HEAD = """\
title = "A test sensitivity analysis"
scenario = "base.toml"
sampler = "{sampler}"
seed = 3
replicates = 2
"""


@pytest.fixture
def write(tmp_path: Path, write_base: Callable[[Path], Path]) -> Callable[[str], Path]:
    """Write an experiment file (and the base scenario next to it); return its path."""
    write_base(tmp_path)

    def write(text: str, name: str = "exp") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _unit_design(write: Callable[[str], Path], sampler: str, samples: int, d: int) -> np.ndarray:
    """SALib's design of an experiment file with d unit-range parameters (no model run)."""
    names = ["collaboration", "governance", "marketing_budget"][:d]
    body = "".join(f"{n} = {{ range = [0.0, 1.0] }}\n" for n in names)
    text = HEAD.format(sampler=sampler) + f"samples = {samples}\n[parameters]\n{body}"
    experiment = load_experiment(write(text))
    design = experiment.unit_design()
    assert design.shape == (experiment.n_points, d)
    return design


# --- (1) known functions, no model ---------------------------------------------------------


def test_morris_recovers_a_linear_ranking(write: Callable[[str], Path]) -> None:
    x = _unit_design(write, "morris", 10, 3)
    outputs = pd.DataFrame({"y": 4 * x[:, 0] + 2 * x[:, 1] + 0 * x[:, 2]})
    table = analyze("morris", ["x1", "x2", "x3"], x, outputs)
    assert list(table.columns) == list(COLUMNS["morris"])
    mu_star = table.set_index("parameter")["mu_star"]
    # A linear function has the same elementary effect everywhere: its coefficient.
    assert mu_star.to_dict() == pytest.approx({"x1": 4.0, "x2": 2.0, "x3": 0.0}, abs=1e-9)
    assert table["sigma"].abs().max() < 1e-9
    assert ranking(table, "morris") == {"y": ["x1", "x2", "x3"]}


def test_sobol_recovers_linear_and_ishigami_indices(write: Callable[[str], Path]) -> None:
    x = _unit_design(write, "saltelli", 1024, 3)
    linear = 4 * x[:, 0] + 2 * x[:, 1]
    z = -np.pi + 2 * np.pi * x  # Ishigami: inputs uniform on [-pi, pi]
    ishigami = np.sin(z[:, 0]) + 7 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])
    outputs = pd.DataFrame({"linear": linear, "ishigami": ishigami})
    table = analyze("sobol", ["x1", "x2", "x3"], x, outputs, seed=1)
    assert list(table.columns) == list(COLUMNS["sobol"])
    lin = table[table["outcome"] == "linear"].set_index("parameter")
    # Var = 16/12 + 4/12: S1 = ST = 0.8, 0.2, 0.
    assert lin["S1"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    assert lin["ST"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    ish = table[table["outcome"] == "ishigami"].set_index("parameter")
    # Analytic values (a = 7, b = 0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
    assert ish["S1"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.06)
    assert ish["ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.06)
    assert (ish["S1_conf"] > 0).all() and (ish["ST_conf"] > 0).all()
    assert ranking(table, "sobol")["ishigami"] == ["x1", "x2", "x3"]


@pytest.mark.parametrize("seed", [0, 1])
def test_sobol_intervals_repeat_at_every_seed(write: Callable[[str], Path], seed: int) -> None:
    """SALib seeds its Sobol' bootstrap only ``if seed:``; seed 0, the shipped experiments',
    once resampled from numpy's global generator, and the intervals changed run to run."""
    x = _unit_design(write, "saltelli", 64, 3)
    outputs = pd.DataFrame({"y": np.sin(6 * x[:, 0]) + x[:, 1] * x[:, 2]})
    np.random.seed(1)
    first = analyze("sobol", ["x1", "x2", "x3"], x, outputs, seed=seed)
    np.random.seed(2)  # the global state must not matter
    again = analyze("sobol", ["x1", "x2", "x3"], x, outputs, seed=seed)
    pd.testing.assert_frame_equal(first, again)
    other = analyze("sobol", ["x1", "x2", "x3"], x, outputs, seed=seed + 7)
    assert not np.allclose(first["S1_conf"], other["S1_conf"])


def test_analyze_refuses_missing_outputs() -> None:
    x = np.random.default_rng(0).random((8, 2))
    with pytest.raises(SensitivityError, match="missing"):
        analyze("morris", ["a", "b"], x, pd.DataFrame({"y": [np.nan] * 8}))
    with pytest.raises(SensitivityError, match="output rows"):
        analyze("morris", ["a", "b"], x, pd.DataFrame({"y": [1.0] * 7}))


# --- (2) the model: a parameter it never reads ---------------------------------------------


def test_inert_parameter_has_zero_effect(write: Callable[[str], Path], tmp_path: Path) -> None:
    # cmo_relax_weeks is read only when cmo_budget_push > 0 or budget was claimed
    # (Model.adapt_leaders); the push is 0 by default, so the model never reads it.
    text = (
        HEAD.format(sampler="morris")
        + "samples = 4\n[parameters]\n"
        + "collaboration = { range = [0.0, 1.0] }\n"
        + "governance = { range = [0.0, 1.0] }\n"
        + "cmo_relax_weeks = { range = [1.0, 520.0] }\n"
    )
    report = run_sensitivity(write(text), tmp_path / "out", workers=1, progress=False)
    assert report.sweep.ran == 4 * 4 * 2 and report.sweep.failed == 0
    table = report.table
    assert set(table["outcome"]) == set(HEADLINE)
    inert = table[table["parameter"] == "cmo_relax_weeks"]
    assert inert["mu_star"].abs().max() < 1e-9
    assert inert["sigma"].abs().max() < 1e-9
    active = table[table["parameter"] != "cmo_relax_weeks"]
    assert active["mu_star"].max() > 0
    assert (tmp_path / "out" / "sensitivity.csv").is_file()
    for suffix in ("png", "svg"):
        assert (tmp_path / "out" / "figures" / f"sensitivity.{suffix}").stat().st_size > 0
    written = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert list(written.columns) == list(COLUMNS["morris"])


# --- (3) bad files: one line ---------------------------------------------------------------

RANGES = "[parameters]\ncollaboration = { range = [0.0, 1.0] }\n"

BAD: list[tuple[str, str, str]] = [
    (
        "odd levels",
        HEAD.format(sampler="morris") + "samples = 4\nlevels = 3\n" + RANGES,
        "levels = 3 is odd; allowed: an even whole number >= 2",
    ),
    (
        "levels without morris",
        HEAD.format(sampler="saltelli") + "samples = 8\nlevels = 4\n" + RANGES,
        'levels is not allowed with sampler = "saltelli"; allowed only with sampler = "morris"',
    ),
    (
        "one trajectory",
        HEAD.format(sampler="morris") + "samples = 1\n" + RANGES,
        "samples = 1 is not allowed; allowed: a whole number from 2 to 1,000,000",
    ),
    (
        "no samples",
        HEAD.format(sampler="saltelli") + RANGES,
        "missing key 'samples'",
    ),
    (
        "list of values",
        HEAD.format(sampler="morris") + "samples = 4\n[parameters]\ncollaboration = [0.1, 0.2]\n",
        'allowed only with sampler = "grid"; with "morris" give collaboration = { range = [lo, hi] }',
    ),
    (
        "count",
        HEAD.format(sampler="saltelli")
        + "samples = 8\n[parameters]\ncollaboration = { range = [0.0, 1.0], count = 3 }\n",
        'parameters.collaboration.count is not allowed with sampler = "saltelli"',
    ),
    (
        "unknown sampler",
        HEAD.format(sampler="sobel") + "samples = 8\n" + RANGES,
        "sampler = \"sobel\" is not allowed; allowed: 'grid', 'lhs', 'sobol', 'saltelli', 'morris'",
    ),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_file_is_one_line(
    write: Callable[[str], Path], capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write(text)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert main(["sensitivity", str(path), "--out", str(path.parent / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dtsim: error: ") and message in err


def test_not_a_sensitivity_design_is_one_line(
    write: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(HEAD.format(sampler="lhs") + "samples = 4\n" + RANGES)
    assert main(["sensitivity", str(path), "--out", str(path.parent / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "sampler = \"lhs\" is not a sensitivity design; allowed: 'saltelli', 'morris'" in err
    assert not (path.parent / "out").exists()


def test_shipped_sensitivity_experiments_load() -> None:
    morris = load_experiment("sensitivity_morris")
    assert morris.sampler == "morris" and morris.n_points == 20 * 8 and morris.n_runs == 480
    sobol = load_experiment("sensitivity_sobol")
    assert sobol.sampler == "saltelli" and sobol.n_points == 128 * 5 and sobol.n_runs == 1280
    assert morris.notes == [] and sobol.notes == []
