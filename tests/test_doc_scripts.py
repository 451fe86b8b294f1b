"""The scripts behind the documents' figures still run (they broke once, silently, when
`mean_interval` gained its replicate count): each at a few replicates, its figure in a
temporary folder, never over the committed one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "extra", "says"),
    [
        ("reactive_cio.py", ["--workers", "1"], "figure:"),
        ("cdo_turnaround_report.py", [], "wrote"),
    ],
)
def test_a_document_script_runs_and_draws(
    script: str, extra: list[str], says: str, tmp_path: Path
) -> None:
    figure = tmp_path / "figure.png"
    argv = [sys.executable, str(ROOT / "docs" / "scripts" / script), "--replicates", "3"]
    done = subprocess.run(
        [*argv, *extra, "--figure", str(figure)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert says in done.stdout
    assert figure.stat().st_size > 10_000


def test_the_teaching_tables_script_prints_every_lesson() -> None:
    argv = [sys.executable, str(ROOT / "docs" / "scripts" / "teaching_tables.py")]
    done = subprocess.run(
        [*argv, "--replicates", "3", "--seeds", "0", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for lesson in range(1, 6):
        assert f"## lesson {lesson}" in done.stdout
    assert "| **all breaches / year** |" in done.stdout


def test_the_classroom_game_of_docs_classroom_md_still_comes_out_as_written() -> None:
    """docs/classroom.md quotes this game's leaderboard (seed 0); the same numbers must come out."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "scripts" / "classroom_play.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leaderboard: [('Partners', 68.9, 71.5, 66.2), ('Silo', 57.2, 59.0, 55.5)]" in (
        done.stdout
    )
    doc = (ROOT / "docs" / "classroom.md").read_text(encoding="utf-8")
    assert "Partners 68.9 (CMO 71.5, CIO 66.2), Silo 57.2 (CMO\n59.0, CIO 55.5)" in doc
