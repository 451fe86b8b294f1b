"""Issue 11: what a careless user or an attacker met, one test per case that failed before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.cli import main


def test_rerun_refuses_a_name_that_leaves_the_results_folder(
    small_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """11.7: a scenario name with ../ in an edited manifest.json wrote folders outside results/."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "first"
    assert (
        main(
            ["run", str(small_scenario), "--weeks", "2", "--replicates", "1", "--out", str(source)]
        )
        == 0
    )
    record = json.loads((source / "manifest.json").read_text())
    for name in ("../../escape", "..", ".hidden", "a/b", "tab\there"):
        record["scenarios"][0]["name"] = name
        (source / "manifest.json").write_text(json.dumps(record))
        capsys.readouterr()
        assert main(["rerun", str(source)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not allowed" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "scenarios"]


def test_a_closed_pipe_ends_quietly() -> None:
    """11.11: `dtsim ... | head -1` ended in "dtsim: error: Broken pipe", exit 1."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation", "scenarios"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before dtsim writes a byte
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == ""


def test_terminal_control_characters_in_a_story_are_refused(
    write_scenario, valid_toml: str
) -> None:
    """11.1 for the terminal: `dtsim scenarios` and `run` print titles and stories; an escape
    sequence in them would be acted on by the terminal, so a file holding one is refused."""
    from simulation.experiments.scenarios import ScenarioError, load_scenario

    text = valid_toml.replace('story = "', 'story = "\\u001b]0;owned\\u0007', 1)
    assert text != valid_toml
    with pytest.raises(ScenarioError, match=r"story holds the control character U\+001B"):
        load_scenario(write_scenario(text, name="escape"))
