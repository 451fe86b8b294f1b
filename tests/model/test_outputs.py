"""Outputs are declared once: the declaration must hold every key the model reports, in order."""

from __future__ import annotations

import pytest

from simulation.model.model import DigitalTransformationModel
from simulation.model.outputs import BY_NAME, HEADLINE, SERIES, output, summary_names
from simulation.model.reporters import REPORTERS, summarize


@pytest.fixture(scope="module")
def small_run() -> DigitalTransformationModel:
    model = DigitalTransformationModel(rng=3, n_customers=300, weeks=20, warmup_weeks=4)
    model.run()
    return model


def test_summary_declaration_matches_what_summarize_returns(small_run) -> None:
    # A sweep records these names in its store before any model runs: they must be the keys.
    assert summary_names() == list(summarize(small_run))


def test_every_series_is_a_weekly_reporter() -> None:
    assert {o.name for o in SERIES} <= set(REPORTERS)


def test_headline_outcomes_have_a_direction_and_are_shown() -> None:
    assert len(HEADLINE) == 4
    for name in HEADLINE:
        assert BY_NAME[name].better in ("lower", "higher")
        assert BY_NAME[name].table


def test_an_unknown_outcome_names_the_allowed_ones() -> None:
    with pytest.raises(KeyError, match="allowed: ttm_all"):
        output("ttm_everything")
