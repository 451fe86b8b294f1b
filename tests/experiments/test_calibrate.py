"""dtsim calibrate (issue 12, first slice): targets files checked in one line, ABC-SMC through
the engine, and a calibration that resumes to exactly what an uninterrupted one gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import main
from simulation.experiments.calibrate import POPULATIONS, POSTERIOR, calibrate
from simulation.experiments.targets import TargetsError, load_targets

TINY = """\
title = "A tiny calibration"
seed = 3
replicates = 1
population = 5
generations = 2

[base]
n_customers = 100
warmup_weeks = 2
weeks = 8

[[targets]]
name = "marketing's requests"
output = "requests_marketing_share"
band = [0.8, 1.0]
source = "best-friends"

[[targets]]
name = "shadow share"
output = "shadow_share"
value = 0.1
tolerance = 0.05
source = "a test"

[parameters]
effort_mean = { range = [2.0, 6.0] }
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            lambda t: t.replace('output = "shadow_share"', 'output = "shadow_shares"'),
            "is not an output",
        ),
        (lambda t: t.replace("band = [0.8, 1.0]", "band = [1.0, 0.8]"), "lo < hi"),
        (lambda t: t.replace("seed = 3", "seed = 3\nsed = 4"), "unknown top-level key 'sed'"),
        (lambda t: t.replace("effort_mean = {", "governance = {"), "cannot be calibrated"),
        (lambda t: t.replace("tolerance = 0.05", "tolerance = 0"), "tolerance > 0"),
        (lambda t: t.replace("population = 5", "population = 10000000"), "population = 10000000"),
    ],
    ids=["output", "band", "unknown key", "lever", "tolerance", "population"],
)
def test_a_bad_targets_file_is_one_line(tiny: Path, edit, said: str) -> None:
    tiny.write_text(edit(TINY), encoding="utf-8")
    with pytest.raises(TargetsError) as caught:
        load_targets(tiny)
    assert said in str(caught.value) and "tiny.toml" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_resumed_calibration_equals_an_uninterrupted_one(tiny: Path, tmp_path: Path) -> None:
    targets = load_targets(tiny)
    whole = calibrate(targets, tmp_path / "whole", workers=1)
    assert whole.generations == 2
    assert whole.posterior["weight"].sum() == pytest.approx(1.0)
    assert whole.posterior["effort_mean"].between(2.0, 6.0).all()
    # A calibration stopped after its first generation (as a kill would leave it), then
    # resumed by the same file:
    calibrate(dataclasses.replace(targets, generations=1), tmp_path / "parts", workers=1)
    resumed = calibrate(targets, tmp_path / "parts", workers=1)
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior)
    for name in (POSTERIOR, POPULATIONS):
        assert (tmp_path / "parts" / name).is_file()
    table = pd.read_csv(tmp_path / "parts" / POPULATIONS)
    assert list(table["generation"]) == [0, 1]
    assert (table["acceptance"] > 0).all() and (table["tolerance"].diff().dropna() <= 0).all()


def test_the_command_writes_figures_and_refuses_other_targets(
    tiny: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "cal"
    assert main(["calibrate", str(tiny), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "effort_mean:" in printed and "effective sample size" in printed
    names = {p.name for p in (out / "figures").iterdir()}
    assert {"posterior.png", "predictive.png", "abc_diagnostics.png"} <= names
    tiny.write_text(TINY.replace("seed = 3", "seed = 4"), encoding="utf-8")
    assert main(["calibrate", str(tiny), "--out", str(out)]) == 2
    assert "holds a calibration of other targets" in capsys.readouterr().err
