"""Shared fixtures: scenario files written on the fly, small enough to run in a blink."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

VALID = """\
title = "A test firm"
story = "A firm small enough for a test. Nothing else happens."

[parameters]
collaboration = 0.15
governance = 0.5
marketing_budget = 0.25
"""

SMALL = VALID + "n_customers = 400\nwarmup_weeks = 4\n"


@pytest.fixture
def valid_toml() -> str:
    """A valid scenario file's text: the baseline levers, a title and a story."""
    return VALID


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write TOML text to ``tmp_path/scenarios/<name>.toml`` and return the path."""

    def write(text: str, name: str = "custom") -> Path:
        folder = tmp_path / "scenarios"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_scenario(write_scenario: Callable[..., Path]) -> Path:
    """The baseline levers with 400 customers and a short warm-up."""
    return write_scenario(SMALL, name="small")


SMALL_FIRM = """\
title = "A small firm"
story = "A firm small enough for a sweep in a test."

[parameters]
n_customers = 200
warmup_weeks = 4
weeks = 15
"""


@pytest.fixture(scope="session")
def write_base() -> Callable[[Path], Path]:
    """Write the base scenario of the test experiments (``base.toml``: 200 customers, 15
    weeks) into a folder; return its path."""

    def write(folder: Path) -> Path:
        path = folder / "base.toml"
        path.write_text(SMALL_FIRM, encoding="utf-8")
        return path

    return write
