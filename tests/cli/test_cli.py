"""The ``dtsim`` command: files written, reproducible CSVs, one-line errors, a light start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import OUTPUT_FILES, main
from simulation.experiments.scenarios import scenario_names
from simulation.model.outputs import HEADLINE, SUMMARY_LABELS
from simulation.report.tables import (
    format_cell,
    format_outcome,
    interval_note,
    outcome_rows,
    summary_table,
)

SHIPPED = tuple(scenario_names())
"""Every file in scenarios/; the five lever scenarios of the README are among them."""
RUN_FILES = {"timeseries.csv", "summary.csv", "run.png", "manifest.json", ".dtsim-results"}
COMPARE_FILES = {
    "timeseries.csv",
    "summary.csv",
    "differences.csv",
    "compare.png",
    "manifest.json",
    ".dtsim-results",
}


def python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a failed command leaves on stderr."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dtsim: error: ")
    return lines[0]


# --- a light start -------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["scenarios"], ["run", "--help"], ["app", "--help"]])
def test_listing_and_help_do_not_import_matplotlib(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from simulation.cli import main\n"
        f"status = main({argv!r})\n"
        "assert status == 0, status\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "assert 'simulation.viz.plots' not in sys.modules, 'plots imported'\n"
        "assert 'solara' not in sys.modules, 'solara imported'\n"
    )
    result = python("-c", code)
    assert result.returncode == 0, result.stderr


def test_python_dash_m_is_the_same_command() -> None:
    result = python("-m", "simulation", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: dtsim")
    for command in ("scenarios", "run", "compare", "rerun"):
        assert command in result.stdout


# --- scenarios -----------------------------------------------------------------------------


def test_scenarios_lists_every_file_with_levers(capsys) -> None:
    readme = {"cdo_led", "locked_down", "partnership", "shadow_it_boom", "siloed"}
    assert readme <= set(SHIPPED)
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    header, _rule, *rows = out.strip().splitlines()
    assert header.split()[:2] == ["name", "title"]
    assert header.split()[-3:] == ["collaboration", "governance", "marketing_budget"]
    assert [row.split()[0] for row in rows] == sorted(SHIPPED)
    siloed = next(row for row in rows if row.startswith("siloed"))
    assert siloed.split()[-3:] == ["0.15", "0.5", "0.25"]


# --- run -----------------------------------------------------------------------------------


def test_run_writes_table_and_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["run", "siloed", "--weeks", "20", "--replicates", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == RUN_FILES
    for key in HEADLINE:
        assert SUMMARY_LABELS[key][0] in printed
    assert "over 2 replicates" in printed
    assert str(out) in printed
    timeseries = pd.read_csv(out / "timeseries.csv")
    summary = pd.read_csv(out / "summary.csv")
    assert len(timeseries) == 40 and len(summary) == 2
    assert list(timeseries.columns[:4]) == ["scenario", "replicate", "seed", "week"]
    assert (out / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_gives_byte_identical_csv(tmp_path: Path, small_scenario: Path) -> None:
    def run(folder: str, seed: str) -> Path:
        out = tmp_path / folder
        argv = ["run", str(small_scenario), "--weeks", "20", "--replicates", "2"]
        assert main([*argv, "--seed", seed, "--out", str(out)]) == 0
        return out

    first, again, other = run("a", "5"), run("b", "5"), run("c", "6")
    for name in ("timeseries.csv", "summary.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes()
        assert (first / name).read_bytes() != (other / name).read_bytes()


def test_single_run_prints_plain_values(small_scenario: Path, tmp_path: Path, capsys) -> None:
    argv = ["run", str(small_scenario), "--weeks", "8", "--replicates", "1"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "one run" in printed
    assert "[" not in printed.split("outcome", 1)[1].split("(*", 1)[0]


def test_default_folder_is_new_each_time(small_scenario: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["run", str(small_scenario), "--weeks", "3"]) == 0
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2
    assert all(f.name.startswith("small-") for f in folders)
    assert all({p.name for p in f.iterdir()} == RUN_FILES for f in folders)


def test_an_earlier_result_is_replaced_only_with_force(
    small_scenario: Path, tmp_path: Path, capsys
) -> None:
    """Issue 11.8: a run into an earlier run's folder was silently replaced (exit 0)."""
    out = tmp_path / "out"
    assert main(["run", str(small_scenario), "--weeks", "3", "--out", str(out)]) == 0
    before = (out / "summary.csv").read_bytes()
    capsys.readouterr()
    argv = ["run", str(small_scenario), "--weeks", "4", "--out", str(out)]
    assert main(argv) == 2
    line = error_line(capsys)
    assert "earlier dtsim result" in line and "--force" in line
    assert (out / "summary.csv").read_bytes() == before
    (out / "compare.png").write_bytes(b"stale")  # a file an earlier compare wrote
    assert main([*argv, "--force"]) == 0
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert (out / "summary.csv").read_bytes() != before


def test_the_users_own_files_are_never_touched(
    small_scenario: Path, tmp_path: Path, capsys
) -> None:
    """Issue 11.8: `--out` a folder holding the user's own summary.csv overwrote it."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.csv").write_text("my own numbers\n")
    argv = ["run", str(small_scenario), "--weeks", "3", "--out", str(out)]
    assert main(argv) == 2
    capsys.readouterr()
    assert main([*argv, "--force"]) == 2
    assert "did not write" in error_line(capsys)
    assert (out / "summary.csv").read_text() == "my own numbers\n"
    assert {p.name for p in out.iterdir()} == {"summary.csv"}
    (out / "summary.csv").rename(out / "notes.csv")  # no clash: written beside, none touched
    assert main([*argv, "--force"]) == 0
    assert (out / "notes.csv").read_text() == "my own numbers\n"


def test_out_folder_with_other_files_is_refused(small_scenario, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(small_scenario), "--weeks", "3", "--out", str(out)]) == 2
    line = error_line(capsys)
    assert "notes.txt" in line and "not empty" in line
    assert {p.name for p in out.iterdir()} == {"notes.txt"}


# --- compare -------------------------------------------------------------------------------


def test_compare_writes_overlay_and_one_column_per_scenario(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", "siloed", "partnership", "--weeks", "20", "--replicates", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == COMPARE_FILES
    header = next(line for line in printed.splitlines() if "outcome" in line)
    assert header.split()[-2:] == ["siloed", "partnership"]
    summary = pd.read_csv(out / "summary.csv")
    assert summary["scenario"].tolist() == ["siloed"] * 2 + ["partnership"] * 2
    # common random numbers: replicate r uses the same seed in every scenario
    seeds = summary.groupby("scenario", sort=False)["seed"].apply(tuple)
    assert seeds["siloed"] == seeds["partnership"]


def test_compare_default_folder(small_scenario: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(small_scenario), "siloed", "--weeks", "3"]) == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("compare-small-siloed-")
    assert {p.name for p in folder.iterdir()} == COMPARE_FILES


# --- errors: exit status 2 and one line ----------------------------------------------------

BAD_FILES = {
    "unknown top-level key": (lambda v: v + "[[intervention]]\nweek = 1\n", "'intervention'"),
    "unknown parameter": (
        lambda v: v.replace("governance", "governnace"),
        "parameters.governnace (did you mean 'governance'?)",
    ),
    "string for a number": (
        lambda v: v.replace("governance = 0.5", 'governance = "strict"'),
        "parameters.governance",
    ),
    "float for an integer": (lambda v: v + "n_marketing = 2.5\n", "parameters.n_marketing"),
    "boolean": (lambda v: v + "n_it = true\n", "parameters.n_it"),
    "out of range": (
        lambda v: v.replace("collaboration = 0.15", "collaboration = 1.5"),
        "parameters.collaboration = 1.5 is out of range",
    ),
    "broken TOML": (lambda v: v + "weeks = = 3\n", "not valid TOML"),
    "missing title": (lambda v: v.replace("title", "# title"), "'title'"),
}


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_scenario_file_exits_2_with_one_line(
    case: str, command: str, write_scenario, valid_toml: str, tmp_path: Path, capsys
) -> None:
    edit, fragment = BAD_FILES[case]
    path = write_scenario(edit(valid_toml), name="bad")
    scenarios = [str(path)] if command == "run" else ["siloed", str(path)]
    assert main([command, *scenarios, "--out", str(tmp_path / "out")]) == 2
    line = error_line(capsys)
    assert "bad.toml: " in line and fragment in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run", "nope"], "unknown scenario 'nope'; available: " + ", ".join(sorted(SHIPPED))),
        (["run", "missing.toml"], "missing.toml: no such scenario file"),
        (["run", "siloed", "--replicates", "0"], "argument --replicates: must be from 1 to 10,000"),
        (["run", "siloed", "--replicates", "two"], "argument --replicates: must be a whole"),
        (["run", "siloed", "--weeks", "0"], "argument --weeks: weeks must be in [1, 2600]"),
        (["run", "siloed", "--weeks", "99999"], "argument --weeks: weeks must be in [1, 2600]"),
        (["run", "siloed", "--weeks", "2.5"], "argument --weeks: must be a whole number"),
        (["run", "siloed", "--seed", "-1"], "argument --seed: must be a whole number >= 0"),
        (["run", "siloed", "--colour", "red"], "unrecognized arguments: --colour red"),
        (["run"], "required: SCENARIO"),
        (["compare", "siloed"], "compare needs at least two scenarios"),
        (["compare", "siloed", "siloed"], "scenario 'siloed' given more than once"),
        (["run", "siloed", "--replicates", "auto"], "--replicates auto needs --ci-width W"),
        (["run", "siloed", "--ci-width", "0.1"], "--ci-width needs --replicates auto"),
        (["compare", "siloed", "partnership", "--max-replicates", "9"], "needs --replicates auto"),
        (["run", "siloed", "--replicates", "auto", "--ci-width", "0"], "--ci-width: must be > 0"),
        (["run", "siloed", "--replicates", "auto", "--ci-width", "nan"], "must be > 0"),
        (["run", "siloed", "--replicates", "auto", "--ci-width", "ttm=1"], "unknown outcome 'ttm'"),
        (["run", "siloed", "--replicates", "auto", "--ci-width", "0.1,0.2"], "more than one"),
        (["run", "siloed", "--replicates", "auto", "--ci-width", "wide"], "'wide' is not a number"),
        (["run", "siloed", "--max-replicates", "1"], "--max-replicates: must be from 2 to 10,000"),
        (["rerun"], "required: DIR"),
        (["launch"], "invalid choice: 'launch'"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_command_line_exits_2_with_one_line(
    argv: list[str], fragment: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert fragment in error_line(capsys)
    assert not (tmp_path / "results").exists()


def test_out_that_is_a_file_is_refused(tmp_path: Path, capsys) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["run", "siloed", "--weeks", "3", "--out", str(target)]) == 2
    assert "not a folder" in error_line(capsys)


def test_real_process_error_has_no_traceback(tmp_path: Path, write_scenario) -> None:
    path = write_scenario('title = "t"\nstory = "s."\n[parameters]\nn_marketing = 2.5\n')
    result = python("-m", "simulation", "run", str(path), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("dtsim: error: ")
    assert "parameters.n_marketing = 2.5 is not an integer" in result.stderr


POSTERIOR_FILES = {
    "timeseries_posterior.csv",
    "summary_posterior.csv",
    "differences_posterior.csv",
    "uncertainty.csv",
}
"""What ``--posterior`` adds (tests/experiments/test_posterior.py checks a folder holds them)."""


def test_output_files_cover_what_commands_write() -> None:
    assert RUN_FILES | COMPARE_FILES | POSTERIOR_FILES == OUTPUT_FILES


def test_csv_identical_across_processes(small_scenario: Path, tmp_path: Path) -> None:
    """Another interpreter with another hash seed writes the same bytes."""
    for hash_seed in ("1", "2"):
        argv = ["-m", "simulation", "run", str(small_scenario), "--weeks", "15"]
        result = subprocess.run(
            [sys.executable, *argv, "--replicates", "2", "--out", str(tmp_path / hash_seed)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert result.returncode == 0, result.stderr
    for name in ("timeseries.csv", "summary.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


# --- the outcome table ---------------------------------------------------------------------


def test_a_cell_shows_the_interval_only_where_there_is_one() -> None:
    assert format_cell([7.0]) == "7.00"
    assert format_cell([float("nan")]) == "n/a"
    assert format_cell([0.25, 0.25]) == "0.250 [0.250, 0.250]"


def test_censored_median_is_shown_as_a_lower_bound() -> None:
    summary = pd.DataFrame(
        {"scenario": ["x", "x"], "ttm_all": [30.0, 40.0], "ttm_all_censored": [0.0, 1.0]}
    )
    assert format_outcome(summary, "ttm_all").startswith(">35.0 [")
    assert "> censored" in interval_note(2, summary)
    assert "> censored" not in interval_note(2, summary.assign(ttm_all_censored=0.0))


def test_table_rows_follow_summary_labels_with_headline_marked() -> None:
    rows = outcome_rows(SUMMARY_LABELS, HEADLINE)
    assert [key for key, _, _ in rows] == list(SUMMARY_LABELS)
    summary = pd.DataFrame([{"scenario": "x", **dict.fromkeys(SUMMARY_LABELS, 1.0)}])
    lines = summary_table(summary).splitlines()
    assert len(lines) == 2 + len(SUMMARY_LABELS)
    marked = [line for line in lines if line.startswith("*")]
    assert len(marked) == len(HEADLINE)


# --- shared option groups ------------------------------------------------------------------


def test_sweep_and_sensitivity_share_their_options() -> None:
    """Both run a resumable sweep, so both take the same options (--retry-failed included)."""
    from simulation.cli import build_parser

    parser = build_parser()
    for command in ("sweep", "sensitivity"):
        args = parser.parse_args([command, "x", "--workers", "2", "--fresh", "--retry-failed"])
        assert (args.workers, args.fresh, args.retry_failed) == (2, True, True)


@pytest.mark.parametrize("value", ["0", "auto", "2.5"])
def test_validate_replicates_is_a_whole_number(value: str, capsys) -> None:
    assert main(["validate", "--replicates", value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--replicates" in err[0]


def test_run_on_two_processes_writes_the_same_files(tmp_path: Path) -> None:
    """`dtsim run` runs on the engine: --workers 2 and --workers 1 give byte-identical CSVs."""
    folders = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        argv = ["run", "siloed", "--replicates", "3", "--weeks", "8", "--workers", workers]
        assert main([*argv, "--out", str(out)]) == 0
        folders.append(out)
    for name in ("timeseries.csv", "summary.csv"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes()
