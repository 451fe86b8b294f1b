"""The README's two commands are what users and CI run: .ci/run calls exactly the test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", ROOT.joinpath("README.md").read_text(
        encoding="utf-8"), re.S)  # fmt: skip
    assert block, "README.md has no 'Two commands' block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_gives_two_commands_the_first_runs_the_baseline() -> None:
    run, test = readme_commands()
    assert run.endswith("dtsim run siloed")
    for step in ("ruff check simulation tests", "mypy simulation", "pytest -q"):
        assert step in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in ci
