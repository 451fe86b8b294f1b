"""A silent change of the model's numbers is caught; a meant one is recorded.

Every shipped scenario at seed 0, 2 replicates, against `tests/baseline.json`. If a model
change is meant to move the numbers, refresh the file (`python -m simulation.experiments.baseline
--refresh`) and commit it with the change; otherwise this test failing is a regression.
"""

from __future__ import annotations

import json

import pytest

from simulation.experiments.baseline import BASELINE_FILE, compute


def test_outcomes_match_the_saved_baseline() -> None:
    saved = json.loads(BASELINE_FILE.read_text())
    fresh = compute()
    assert sorted(fresh) == sorted(saved), "the set of shipped scenarios changed: refresh"
    for name, runs in saved.items():
        for replicate, (old, new) in enumerate(zip(runs, fresh[name], strict=True)):
            assert sorted(new) == sorted(old), f"{name}: summary keys changed"
            for key, value in old.items():
                got = new[key]
                where = f"{name} replicate {replicate} {key}"
                if value is None:
                    assert got is None, where
                else:
                    assert got == pytest.approx(value, rel=1e-9, abs=1e-12), where
