"""``dtsim validate``: the F1-F7 table, its exit status, its markdown file.

The exit-status logic is tested with fake measurements (`measure` and `check_facts`
monkeypatched), so it takes no model runs; one real validation at 3 replicates checks only
the table's format (3 replicates are too few for the facts to be expected to pass; the
verdicts themselves are tested in tests/experiments/test_validity.py at 20).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulation.cli import main
from simulation.experiments import validation
from simulation.experiments.validation import FactResult

FACTS = tuple(f"F{i}" for i in range(1, 8))
HEADER = re.compile(r"^fact\s+source\s+measured\s+band\s+result$")


def fake_results(failing: tuple[str, ...] = ()) -> list[FactResult]:
    return [
        FactResult(f, f"source {i}", f"measured {f} | 0.5", "[0, 1]", f not in failing)
        for i, f in enumerate(FACTS)
    ]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Replace the measurement by a record of its arguments and the verdicts by `state`."""
    state: dict = {"failing": (), "calls": []}

    def measure(plan, workers=1, seed=12345, progress=None, scheduler=None):
        state["calls"].append((plan.replicates, seed, workers))
        if progress is not None:
            progress(1, 1)
        return {}

    monkeypatch.setattr(validation, "measure", measure)
    monkeypatch.setattr(validation, "check_facts", lambda runs: fake_results(state["failing"]))
    return state


def fact_rows(out: str) -> dict[str, str]:
    """The first line of each fact's row in the printed table: fact -> its line."""
    return {line.split()[0]: line for line in out.splitlines() if line[:2] in FACTS}


def test_all_pass_prints_table_and_exits_0(fake: dict, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert HEADER.match(lines[0])
    assert set(lines[1]) <= {"-", " "}
    rows = fact_rows(out)
    assert list(rows) == list(FACTS)
    for fact, line in rows.items():
        assert line.rstrip().endswith("PASS"), line
        assert f"measured {fact}" in line
    assert "all 7 stylized facts PASS" in out
    # defaults: 20 replicates, seed 12345; progress on stderr, not stdout
    assert fake["calls"][0][:2] == (20, 12345)
    assert "validate:" in err and "runs" in err
    assert "runs," not in out


@pytest.mark.parametrize("failing", [("F5",), ("F1", "F7")])
def test_a_failing_fact_exits_1(
    fake: dict, capsys: pytest.CaptureFixture, failing: tuple[str, ...]
) -> None:
    fake["failing"] = failing
    assert main(["validate", "--replicates", "4", "--seed", "9", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    for fact, line in fact_rows(out).items():
        assert line.rstrip().endswith("FAIL" if fact in failing else "PASS"), line
    assert f"{len(failing)} of 7 stylized facts FAIL: {', '.join(failing)}" in out
    assert fake["calls"] == [(4, 9, 1)]


def test_markdown_file(fake: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    fake["failing"] = ("F3",)
    path = tmp_path / "docs" / "validation.md"
    assert main(["validate", "--replicates", "2", "--markdown", str(path)]) == 1
    text = path.read_text(encoding="utf-8")
    assert f"dtsim validate --replicates 2 --markdown {path}" in text
    assert re.search(r"- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "- git commit: " in text
    assert "| fact | source | measured | band | result |" in text
    rows = [line for line in text.splitlines() if line.startswith("| F")]
    assert len(rows) == 7
    assert rows[2].endswith("| **FAIL** |") and rows[0].endswith("| **PASS** |")
    assert "measured F1 \\| 0.5" in rows[0]  # a '|' in a cell is escaped
    assert f"wrote {path}" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [["--replicates", "0"], ["--seed", "-1"], ["--workers", "x"]])
def test_bad_options_are_usage_errors(
    fake: dict, capsys: pytest.CaptureFixture, bad: list[str]
) -> None:
    assert main(["validate", *bad]) == 2
    assert capsys.readouterr().err.startswith("dtsim: error:")
    assert fake["calls"] == []


def test_real_small_validation_table_format(capsys: pytest.CaptureFixture) -> None:
    """A real measurement at 3 replicates: only the table's shape is checked, not verdicts."""
    status = main(["validate", "--replicates", "3", "--workers", "2"])
    out, err = capsys.readouterr()
    assert status in (0, 1)
    lines = out.splitlines()
    assert HEADER.match(lines[0])
    rows = fact_rows(out)
    assert list(rows) == list(FACTS)
    verdicts = [line.split()[-1] for line in rows.values()]
    assert set(verdicts) <= {"PASS", "FAIL"}
    assert status == (1 if "FAIL" in verdicts else 0)
    assert "(3 replicates, base seed 12345," in out
    assert "69/69 runs" in err  # 23 settings x 3 replicates
