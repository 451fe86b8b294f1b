"""Run manifests and ``dtsim rerun``: a results folder can be traced and repeated byte for byte."""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
from datetime import datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL

from simulation.cli import main
from simulation.experiments.provenance import MANIFEST_VERSION
from simulation.experiments.runner import replicate_seed
from simulation.model.params import PARAMETERS

WEEKS = "20"
CDO = """
[[interventions]]
week = 8
label = "CDO appointed"
ramp_weeks = 4
collaboration = 0.7
"""


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dtsim: error: ")
    return lines[0]


def compare(folder: Path) -> tuple[Path, Path, Path]:
    """``small`` against ``turnaround`` (the small scenario with a CDO arriving in week 8,
    collaboration ramped over 4 weeks): 3 replicates of 20 weeks, base seed 7."""
    (folder / "scenarios").mkdir(parents=True)
    small = folder / "scenarios" / "small.toml"
    turnaround = folder / "scenarios" / "turnaround.toml"
    small.write_text(SMALL, encoding="utf-8")
    turnaround.write_text(SMALL + CDO, encoding="utf-8")
    out = folder / "cmp"
    argv = ["compare", str(small), str(turnaround), "--weeks", WEEKS, "--replicates", "3"]
    assert main([*argv, "--seed", "7", "--out", str(out)]) == 0
    return out, small, turnaround


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """One comparison for the whole module: (results folder, small.toml, turnaround.toml)."""
    return compare(tmp_path_factory.mktemp("original"))


@pytest.fixture
def compared(original: tuple[Path, Path, Path], tmp_path: Path) -> Path:
    """A copy of the module's results folder, free to damage."""
    copy = tmp_path / "cmp"
    shutil.copytree(original[0], copy)
    return copy


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def same_files(first: Path, second: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_records_versions_command_seeds_parameters_and_times(
    original: tuple[Path, Path, Path],
) -> None:
    folder, small_scenario, turnaround = original
    record = manifest_of(folder)
    assert record["manifest_version"] == MANIFEST_VERSION
    assert record["dtsim"] == metadata.version("dtsim")
    assert record["python"] == platform.python_version()
    assert record["mesa"] == metadata.version("mesa") and record["numpy"] == np.__version__
    assert re.fullmatch(r"[0-9a-f]{40}", record["git_commit"])  # the tests run in a checkout
    assert isinstance(record["git_dirty"], bool)
    assert record["command"] == "compare"
    assert record["argv"][:2] == ["dtsim", "compare"] and "--seed" in record["argv"]
    assert record["seed"] == 7 and record["replicates"] == 3
    assert record["replicate_seeds"] == [replicate_seed(7, r) for r in range(3)]
    small, cdo = record["scenarios"]
    assert (small["name"], cdo["name"]) == ("small", "turnaround")
    for entry, path in ((small, small_scenario), (cdo, turnaround)):
        assert entry["file"] == str(path)
        assert entry["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert set(entry["parameters"]) == set(PARAMETERS)
        assert entry["parameters"]["weeks"] == int(WEEKS)  # after --weeks
        assert entry["parameters"]["n_customers"] == 400  # from the file
        assert entry["parameters"]["effort_mean"] == PARAMETERS["effort_mean"].default
    assert small["interventions"] == []
    assert cdo["interventions"] == [
        {"week": 8, "label": "CDO appointed", "ramp_weeks": 4, "collaboration": 0.7}
    ]
    started = datetime.fromisoformat(record["started"])
    finished = datetime.fromisoformat(record["finished"])
    assert record["started"].endswith("Z") and started.utcoffset().total_seconds() == 0
    assert started <= finished


def test_interventions_reach_the_model_and_the_timeseries(
    original: tuple[Path, Path, Path],
) -> None:
    timeseries = pd.read_csv(original[0] / "timeseries.csv")
    runs = timeseries[(timeseries["scenario"] == "turnaround") & (timeseries["replicate"] == 0)]
    assert runs["collaboration_now"].tolist()[6:12] == pytest.approx(
        [0.15, 0.2875, 0.425, 0.5625, 0.7, 0.7]
    )
    for column in ("governance_now", "marketing_budget_now"):
        assert column in timeseries.columns


# --- rerun ----------------------------------------------------------------------------------


def test_rerun_of_a_compare_is_byte_identical_after_the_files_changed(
    tmp_path: Path, capsys
) -> None:
    compared, small, turnaround = compare(tmp_path / "first")
    turnaround.write_text(turnaround.read_text().replace("0.7", "0.9"))  # edited since
    small.unlink()  # and deleted
    capsys.readouterr()
    again = tmp_path / "again"
    assert main(["rerun", str(compared), "--out", str(again)]) == 0
    printed = capsys.readouterr().out
    names = ("timeseries.csv", "summary.csv", "differences.csv")
    same_files(compared, again, names)
    assert f"identical to {compared}: {', '.join(names)}" in printed
    assert "difference from small (paired 95% interval)" in printed
    record, original = manifest_of(again), manifest_of(compared)
    assert record["argv"] == ["dtsim", "rerun", str(compared), "--out", str(again)]
    assert record["rerun_of"]["folder"] == str(compared)
    assert record["rerun_of"]["argv"] == original["argv"]
    for key in ("command", "seed", "replicates", "replicate_seeds", "scenarios"):
        assert record[key] == original[key], key
    # a rerun folder can itself be rerun
    third = tmp_path / "third"
    assert main(["rerun", str(again), "--out", str(third)]) == 0
    same_files(compared, third, names)


def test_rerun_of_an_auto_run_repeats_its_replicates(
    small_scenario: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    first = tmp_path / "auto"
    argv = ["run", str(small_scenario), "--weeks", WEEKS, "--replicates", "auto"]
    assert main([*argv, "--ci-width", "0.5", "--out", str(first)]) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["rerun", str(first)]) == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("rerun-small-")
    same_files(first, folder, ("timeseries.csv", "summary.csv"))
    assert (folder / "run.png").is_file()
    # as many replicates as the automatic run settled on, not as the rule would choose again
    assert manifest_of(folder)["replicates"] == manifest_of(first)["replicates"] >= 10


def broken(folder: Path, edit) -> None:
    record = manifest_of(folder)
    edit(record)
    (folder / "manifest.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda d: d.rename(d.with_name("gone")), "cmp: no such folder"),
        (lambda d: (d / "manifest.json").unlink(), "cmp: no manifest.json"),
        (lambda d: (d / "manifest.json").write_text("{\n  'seed': "), "not valid JSON"),
        (lambda d: (d / "manifest.json").write_text("[1, 2]"), "not a dtsim manifest"),
        (
            lambda d: broken(d, lambda r: r.pop("manifest_version")),
            "manifest version none (written by dtsim",
        ),
        (
            lambda d: broken(d, lambda r: r.update(manifest_version=99)),
            "manifest version 99",
        ),
        (lambda d: broken(d, lambda r: r.update(command="sweep")), "command = 'sweep'"),
        (
            lambda d: broken(d, lambda r: r["replicate_seeds"].reverse()),
            "replicate_seeds do not match seed 7 and 3 replicates",
        ),
        (
            lambda d: broken(d, lambda r: r["scenarios"][0]["parameters"].update(colour=1)),
            "scenarios[0] (small): unknown parameter 'colour'",
        ),
        (
            lambda d: broken(d, lambda r: r["scenarios"][0]["parameters"].pop("effort_mean")),
            "parameters lack effort_mean",
        ),
        (
            lambda d: broken(d, lambda r: r["scenarios"][1]["interventions"][0].update(week=99)),
            "scenarios[1] (turnaround): interventions[0].week = 99 is outside the run",
        ),
    ],
)
def test_bad_folder_exits_2_with_one_line(
    damage, fragment: str, compared: Path, tmp_path: Path, capsys
) -> None:
    damage(compared)
    capsys.readouterr()
    assert main(["rerun", str(compared), "--out", str(tmp_path / "new")]) == 2
    assert fragment in error_line(capsys)
    assert not (tmp_path / "new").exists()


def test_rerun_refuses_to_overwrite_its_source(compared: Path, capsys) -> None:
    before = (compared / "manifest.json").read_bytes()
    capsys.readouterr()
    assert main(["rerun", str(compared), "--out", str(compared)]) == 2
    assert "is the folder being rerun" in error_line(capsys)
    assert (compared / "manifest.json").read_bytes() == before


def test_rerun_exits_1_when_a_result_is_not_reproduced(
    compared: Path, tmp_path: Path, capsys
) -> None:
    """A results file that no longer matches what its manifest produces is reported, exit 1."""
    summary = compared / "summary.csv"
    summary.write_text(summary.read_text().replace(",", ";", 1))
    capsys.readouterr()
    assert main(["rerun", str(compared), "--out", str(tmp_path / "again")]) == 1
    assert f"DIFFERENT from {compared}: summary.csv" in capsys.readouterr().out
