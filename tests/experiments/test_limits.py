"""Issue 11.3 and 11.11: every count and input file has a limit, and each refusal is one line.

Before the fix: ``replicates = 10**30`` hung, ``count = 10000000`` ended in a MemoryError,
``dtsim run /dev/zero`` read without limit and a FIFO as a scenario hung forever; a file with
a byte-order mark got a generic "Invalid statement".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from simulation.experiments import limits
from simulation.experiments.experiment import ExperimentError, load_experiment
from simulation.experiments.scenarios import ScenarioError, load_scenario
from simulation.experiments.sweep import SweepError, run_sweep

HEAD = 'title = "T"\nscenario = "base.toml"\nsampler = "grid"\nseed = 1\nreplicates = 2\n'


@pytest.fixture
def write(tmp_path: Path, write_base: Callable[[Path], Path]) -> Callable[[str], Path]:
    write_base(tmp_path)

    def write(text: str) -> Path:
        path = tmp_path / "exp.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            HEAD.replace("replicates = 2", "replicates = 1000000000000000000")
            + "[parameters]\ncollaboration = [0.1]\n",
            "replicates = 1000000000000000000 is not allowed; allowed: a whole number from 1 to 10,000",
        ),
        (
            HEAD + "[parameters]\ncollaboration = { range = [0.0, 1.0], count = 10000000 }\n",
            "count = 10000000 is not allowed; allowed: a whole number from 2 to 1,000",
        ),
        (
            HEAD + f"[parameters]\ncollaboration = [{', '.join(['0.5'] * 1001)}]\n",
            "lists 1,001 values; allowed at most 1,000",
        ),
        (
            HEAD.replace('"grid"', '"lhs"')
            + "samples = 100000000\n[parameters]\ncollaboration = { range = [0.0, 1.0] }\n",
            "samples = 100000000 is not allowed; allowed: a whole number from 1 to 1,000,000",
        ),
    ],
    ids=["replicates", "grid count", "grid list", "samples"],
)
def test_counts_beyond_their_limit_are_one_line(write, text: str, said: str) -> None:
    with pytest.raises(ExperimentError) as caught:
        load_experiment(write(text))
    message = str(caught.value)
    assert said in message and "exp.toml" in message and "\n" not in message


def test_a_design_of_too_many_runs_needs_yes(write, tmp_path: Path) -> None:
    """1,000 points x 101 replicates = 101,000 runs: refused before any folder is made."""
    values = ", ".join(f"{i / 1000:.3f}" for i in range(1000))
    text = HEAD.replace("replicates = 2", "replicates = 101")
    experiment = load_experiment(write(text + f"[parameters]\ncollaboration = [{values}]\n"))
    assert experiment.n_runs == 101_000
    out = tmp_path / "sweep"
    with pytest.raises(
        SweepError, match=r"101,000 runs, more than 100,000; if that is meant, add --yes"
    ):
        run_sweep(experiment, out, workers=1, progress=False)
    assert not out.exists()
    limits.check_runs(101_000, "x", confirmed=True)  # --yes lets it through
    with pytest.raises(limits.LimitError, match="allowed at most 100,000,000"):
        limits.check_runs(limits.MAX_RUNS + 1, "x", confirmed=True)


def test_the_cost_estimate_warns_before_hours() -> None:
    default = limits.run_seconds({})
    assert 0.05 < default < 1.0  # a default run takes about 0.2 s here
    biggest = {
        "n_customers": 2_000_000,
        "n_marketing": 500,
        "n_it": 500,
        "weeks": 2600,
        "warmup_weeks": 520,
        "request_rate": 10.0,
    }
    # The issue measured all sizes at their maximum at 0.76 h per replicate.
    assert 0.2 < limits.run_seconds(biggest) / 3600 < 2
    assert limits.run_seconds(biggest) > 100 * default
    assert limits.cost_note(10 * default, 2) is None
    note = limits.cost_note(10 * limits.run_seconds(biggest), 2)
    assert note is not None and " h on 2 cores" in note


def test_not_a_regular_file_is_refused_without_reading(tmp_path: Path) -> None:
    """A FIFO used to hang for ever and /dev/zero to be read until the kernel killed dtsim:
    run in a subprocess with a timeout, so that a regression fails instead of hanging."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero"):
        done = subprocess.run(
            [sys.executable, "-m", "simulation", "run", target],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "not a regular file" in done.stderr


def test_a_file_larger_than_the_limit_is_refused(write_scenario) -> None:
    path = write_scenario("# padding\n" * (limits.MAX_FILE_BYTES // 10 + 1), name="huge")
    with pytest.raises(ScenarioError, match=r"huge.toml: [\d,]+ bytes; allowed at most 1,000,000"):
        load_scenario(path)


def test_a_byte_order_mark_is_accepted(write_scenario, valid_toml: str) -> None:
    path = write_scenario(valid_toml, name="bom")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_scenario(path).title


def test_a_folder_is_an_experiment_file_with_its_article(tmp_path: Path) -> None:
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(ExperimentError, match="is a folder, not an experiment file"):
        load_experiment(tmp_path / "folder.toml")
