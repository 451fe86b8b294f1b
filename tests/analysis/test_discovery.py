"""Scenario discovery: PRIM finds a known box, the chosen box, and `dtsim discover`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.analysis.discovery import Condition, choose_box, discover, prim
from simulation.cli import main
from simulation.experiments.store import load_results
from simulation.experiments.sweep import run_sweep

EXPERIMENT = """\
title = "A discovery test"
scenario = "base.toml"
sampler = "grid"
seed = 5
replicates = 2

[parameters]
collaboration = [0.1, 0.5, 0.9]
governance = [0.2, 0.8]
"""


def known_box(n: int = 3000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Three uniform parameters; of interest exactly when x1 in [0.2, 0.5] and x2 > 0.7."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["x1", "x2", "x3"])
    y = (x["x1"].between(0.2, 0.5) & (x["x2"] > 0.7)).to_numpy()
    return x, y


def test_prim_recovers_a_known_box() -> None:
    x, y = known_box()
    result = prim(x, y)
    step, reached = choose_box(result.trajectory, min_density=0.95)
    assert reached
    low, high = result.boxes[step]
    assert low[0] == pytest.approx(0.2, abs=0.04)
    assert high[0] == pytest.approx(0.5, abs=0.04)
    assert low[1] == pytest.approx(0.7, abs=0.04)
    assert high[1] > 0.95
    # the irrelevant parameter keeps (nearly) its full range
    assert low[2] < 0.05 and high[2] > 0.95
    row = result.trajectory.iloc[step]
    assert row["density"] >= 0.95
    assert row["coverage"] > 0.85


def test_prim_on_a_grid_peels_whole_levels() -> None:
    levels = np.round(np.linspace(0, 1, 11), 10)
    a, b = np.meshgrid(levels, levels)
    x = pd.DataFrame({"a": np.repeat(a.ravel(), 3), "b": np.repeat(b.ravel(), 3)})
    y = ((x["a"] >= 0.6) & (x["b"] <= 0.3)).to_numpy()
    result = prim(x, y)
    step, reached = choose_box(result.trajectory, min_density=1.0)
    assert reached
    low, high = result.boxes[step]
    assert (low[0], high[0], low[1], high[1]) == (0.6, 1.0, 0.0, 0.3)
    assert result.trajectory.iloc[step]["coverage"] == 1.0


def test_trajectory_shape_and_choice() -> None:
    x, y = known_box(n=800, seed=2)
    trajectory = prim(x, y).trajectory
    assert trajectory.iloc[0][["coverage", "mass", "n_restricted"]].tolist() == [1.0, 1.0, 0]
    assert (np.diff(trajectory["mass"]) < 0).all()
    assert (np.diff(trajectory["coverage"]) <= 1e-12).all()
    assert trajectory["mass"].iloc[-1] >= 0.05
    # the chosen box: the highest coverage with enough density; else the densest box
    step, reached = choose_box(trajectory, 0.5)
    eligible = trajectory[trajectory["density"] >= 0.5]
    best = eligible.sort_values(["coverage", "density"], ascending=False, kind="stable")
    assert reached and step == best.index[0]
    step, reached = choose_box(trajectory, 1.01)
    assert not reached and step == trajectory["density"].idxmax()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory, write_base: Callable[[Path], Path]) -> Path:
    folder = tmp_path_factory.mktemp("discover")
    write_base(folder)
    path = folder / "exp.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    out = folder / "sweep"
    run_sweep(path, out, workers=1, progress=False)
    return out


def test_discover_writes_the_box_and_figure(
    sweep: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    threshold = float(load_results(sweep)["satisfaction"].median())
    argv = ["discover", str(sweep), "--outcome", "satisfaction", "--above", f"{threshold:.6f}"]
    argv += ["--outcome", "ttm_all", "--below", "1e9", "--min-density", "0.7"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "coverage" in out and "density" in out and "mass" in out
    box = pd.read_csv(sweep / "discovery.csv")
    assert box.columns.tolist()[:7] == [
        "parameter",
        "low",
        "high",
        "restricted",
        "coverage",
        "density",
        "mass",
    ]
    assert box["parameter"].tolist() == ["collaboration", "governance"]
    given = float(f"{threshold:.6f}")  # the threshold as typed, shown as conditions show numbers
    assert box["conditions"].iloc[0] == f"satisfaction > {given:g} & ttm_all < 1e+09"
    for suffix in ("png", "svg"):
        assert (sweep / "figures" / f"discovery.{suffix}").stat().st_size > 1000
    found = discover(sweep, [Condition("satisfaction", "above", threshold)], means=True)
    assert found.unit == "design points" and len(found.cases) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "nope", "--below", "1"], "unknown outcome 'nope'; the sweep has: "),
        (["--outcome", "satisfaction"], "--outcome satisfaction needs --below X or --above X"),
        (["--below", "3"], "--below needs an --outcome NAME before it"),
        (["--outcome", "satisfaction", "--outcome", "ttm_all", "--below", "3"], "needs --below"),
        ([], "discover needs at least one --outcome"),
        (["--outcome", "satisfaction", "--above", "x"], "not a number: 'x'"),
        (["--outcome", "satisfaction", "--above", "2"], "no run meets satisfaction > 2"),
        (["--outcome", "satisfaction", "--above", "0", "--min-density", "3"], "between 0 and 1"),
    ],
)
def test_discover_errors_are_one_line(
    sweep: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["discover", str(sweep), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dtsim: error: ")
    assert message in err


def test_discover_refuses_a_folder_without_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", str(tmp_path), "--outcome", "satisfaction", "--above", "0"]) == 2
    assert "not the folder of a dtsim sweep" in capsys.readouterr().err
