"""Interventions: scenario tables that change parameters during a run (issue 7).

The file format and its one-line errors, the ramp the model follows week by week, an
intervention that leaves the past and the rest of the state alone, and the marks on figures.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.experiments.runner import replicate_seed, scenario_params
from simulation.experiments.scenarios import ScenarioError, load_scenario
from simulation.model.interventions import CHANGEABLE, FIXED_AT_START
from simulation.model.model import DigitalTransformationModel
from simulation.model.outputs import SERIES_PANELS
from simulation.model.params import PARAMETERS, resolve
from simulation.model.reporters import summarize
from simulation.viz.plots import (
    MARK_GID,
    compare_figure,
    plot_compare,
    plot_run,
    run_figure,
)

CDO = {
    "week": 52,
    "label": "CDO appointed",
    "ramp_weeks": 26,
    "collaboration": 0.7,
    "marketing_budget": 0.45,
}
SMALL = {"n_customers": 400, "warmup_weeks": 4}  # a run of a few hundredths of a second


def weekly(interventions=None, seed: int = 5, **params) -> pd.DataFrame:
    """Per-week frame of one run."""
    model = DigitalTransformationModel(rng=seed, interventions=interventions, **params)
    model.run()
    return model.datacollector.get_model_vars_dataframe().set_index("week")


# --- the shipped scenario --------------------------------------------------------------------


def test_cdo_turnaround_loads_with_its_intervention() -> None:
    scenario = load_scenario("cdo_turnaround")
    assert scenario.interventions == (CDO,)
    assert scenario.params == load_scenario("siloed").params
    assert pickle.loads(pickle.dumps(scenario)) == scenario


def test_collaboration_follows_the_ramp_exactly() -> None:
    """Week 52 has 1/26 of the change, week 77 all of it, and the levers stay there."""
    scenario = load_scenario("cdo_turnaround")
    frame = weekly(list(scenario.interventions), **scenario_params(scenario))
    for column, old, new in [
        ("collaboration_now", 0.15, 0.7),
        ("marketing_budget_now", 0.25, 0.45),
    ]:
        series = frame[column]
        assert (series.loc[1:51] == old).all()
        assert series.loc[52] == pytest.approx(old + (new - old) / 26, abs=1e-12)
        ramp = old + (new - old) * (np.arange(52, 78) - 51) / 26
        np.testing.assert_allclose(series.loc[52:77].to_numpy(), ramp, rtol=0, atol=1e-12)
        assert series.loc[77] == new
        assert (series.loc[77:] == new).all()
    assert (frame["governance_now"] == 0.5).all()


def test_the_weeks_before_the_change_are_those_of_the_baseline() -> None:
    """Same seed, same market (common random numbers): the turnaround is the siloed firm
    until week 51, and no longer from week 52."""
    turnaround, siloed = load_scenario("cdo_turnaround"), load_scenario("siloed")
    seed = replicate_seed(0, 0)
    changed = weekly(list(turnaround.interventions), seed, **scenario_params(turnaround))
    baseline = weekly(None, seed, **scenario_params(siloed))
    pd.testing.assert_frame_equal(changed.loc[:51], baseline.loc[:51])
    assert not changed.loc[52:].equals(baseline.loc[52:])


# --- an intervention changes parameters, nothing else -----------------------------------------


@pytest.mark.parametrize(
    "name",
    ["collaboration", "governance", "marketing_budget", "official_life_weeks", "request_rate"],
)
def test_setting_a_parameter_to_its_value_changes_nothing(name: str) -> None:
    """No state is reset: an intervention that keeps a value gives the very same run."""
    params = {**SMALL, "weeks": 30}
    value = resolve(params)[name]
    same = [{"week": 10, "ramp_weeks": 5, name: value}, {"week": 20, name: value}]
    model = DigitalTransformationModel(rng=3, interventions=same, **params)
    model.run()
    plain = DigitalTransformationModel(rng=3, **params)
    plain.run()
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(),
        plain.datacollector.get_model_vars_dataframe(),
    )
    assert summarize(model) == summarize(plain)


def test_a_lever_set_mid_run_acts_from_that_week_on() -> None:
    params = {**SMALL, "weeks": 20}
    frame = weekly([{"week": 8, "governance": 0.9}], **params)
    assert (frame.loc[:7, "governance_now"] == 0.5).all()
    assert (frame.loc[8:, "governance_now"] == 0.9).all()


def test_a_later_intervention_supersedes_a_running_ramp() -> None:
    items = [
        {"week": 5, "ramp_weeks": 10, "collaboration": 0.8},
        {"week": 8, "collaboration": 0.3},
    ]
    frame = weekly(items, **SMALL, weeks=20)
    assert (frame.loc[8:, "collaboration_now"] == 0.3).all()


def test_the_event_feed_shows_the_intervention() -> None:
    model = DigitalTransformationModel(
        rng=1, interventions=[{"week": 3, "label": "CDO", "collaboration": 0.8}], **SMALL, weeks=5
    )
    for _ in range(3):
        model.step()
    assert ("intervention", "CDO") in model.ledger.events


# --- the file format -------------------------------------------------------------------------

HEAD = """\
title = "A test firm"
story = "A firm small enough for a test. Nothing else happens."
"""
PARAMETERS_TABLE = "[parameters]\ncollaboration = 0.15\n"


def scenario_text(interventions: str, parameters: str = "") -> str:
    """A valid file's text with the given interventions (and more parameters)."""
    return HEAD + interventions + PARAMETERS_TABLE + parameters


def test_tables_keep_the_file_order_and_the_declared_types(write_scenario) -> None:
    path = write_scenario(
        scenario_text(
            "[[interventions]]\nweek = 100\ngovernance = 1\n"
            '[[interventions]]\nweek = 10\nlabel = "first"\nramp_weeks = 4\nteam_rate = 2\n'
        )
    )
    scenario = load_scenario(path)
    assert scenario.interventions == (
        {"week": 100, "label": "", "ramp_weeks": 0, "governance": 1.0},
        {"week": 10, "label": "first", "ramp_weeks": 4, "team_rate": 2.0},
    )
    assert isinstance(scenario.interventions[0]["governance"], float)
    assert pickle.loads(pickle.dumps(scenario)) == scenario


def test_no_interventions_is_an_empty_tuple(write_scenario) -> None:
    assert load_scenario(write_scenario(scenario_text(""))).interventions == ()
    empty = scenario_text("interventions = []\n")
    assert load_scenario(write_scenario(empty)).interventions == ()


def test_the_run_length_is_the_scenarios_own(write_scenario) -> None:
    one = "[[interventions]]\nweek = {}\ngovernance = 0.7\n"
    longer = scenario_text(one.format(200), "weeks = 260\n")
    assert load_scenario(write_scenario(longer)).interventions[0]["week"] == 200
    shorter = scenario_text(one.format(61), "weeks = 60\n")
    with pytest.raises(ScenarioError, match=r"week = 61 is outside the run; allowed \[1, 60\]"):
        load_scenario(write_scenario(shorter))


def test_message_has_the_documented_shape(write_scenario, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cases = {
        "[[interventions]]\nweek = 200\ncollaboration = 0.7\n": (
            "scenarios/x.toml: interventions[0].week = 200 is outside the run; allowed [1, 156]"
        ),
        "[[interventions]]\nweek = 5\ngovernance = 0.7\n"
        "[[interventions]]\nweek = 9\ncollaboration = 1.5\n": (
            "scenarios/x.toml: interventions[1].collaboration = 1.5 is out of range; "
            "allowed [0.0, 1.0] (0..1)"
        ),
    }
    for text, message in cases.items():
        with pytest.raises(ScenarioError) as caught:
            load_scenario(write_scenario(scenario_text(text), name="x"))
        assert str(caught.value) == message


ONE = "[[interventions]]\nweek = 52\n"
BAD = {
    "week outside the run": (ONE.replace("52", "200") + "collaboration = 0.7\n", "interventions[0].week = 200 is outside the run; allowed [1, 156]"),
    "week zero": (ONE.replace("52", "0") + "collaboration = 0.7\n", "week = 0 is outside the run"),
    "week missing": ("[[interventions]]\ncollaboration = 0.7\n", "interventions[0]: missing required key 'week'"),
    "week a string": (ONE.replace("52", '"52"') + "collaboration = 0.7\n", "interventions[0].week must be an integer"),
    "week a float": (ONE.replace("52", "52.5") + "collaboration = 0.7\n", "interventions[0].week must be an integer"),
    "week a boolean": (ONE.replace("52", "true") + "collaboration = 0.7\n", "interventions[0].week must be an integer"),
    "value out of range": (ONE + "collaboration = 1.5\n", "interventions[0].collaboration = 1.5 is out of range; allowed [0.0, 1.0] (0..1)"),
    "value a string": (ONE + 'governance = "high"\n', 'interventions[0].governance = "high" is not a number'),
    "value a boolean": (ONE + "governance = false\n", "interventions[0].governance = false is not a number"),
    "value a table": (ONE + "[interventions.governance]\nvalue = 1\n", "interventions[0].governance = {...} is not a number"),
    "unknown parameter": (ONE + "colaboration = 0.7\n", "unknown key interventions[0].colaboration (did you mean 'collaboration'?)"),
    "misspelt ramp": (ONE + "ramp_week = 4\ncollaboration = 0.7\n", "interventions[0].ramp_week (did you mean 'ramp_weeks'?)"),
    "fixed parameter": (ONE + "n_customers = 5000\n", "interventions[0].n_customers is fixed when the run starts"),
    "fixed run length": (ONE + "weeks = 200\n", "interventions[0].weeks is fixed when the run starts"),
    "ramp past the end": (ONE.replace("52", "140") + "ramp_weeks = 26\ncollaboration = 0.7\n", "interventions[0].ramp_weeks = 26 runs past the end of the run (week 140 + 26 weeks > 156); allowed at most 17"),
    "ramp negative": (ONE + "ramp_weeks = -1\ncollaboration = 0.7\n", "interventions[0].ramp_weeks must be a whole number of weeks >= 0"),
    "ramp a float": (ONE + "ramp_weeks = 2.5\ncollaboration = 0.7\n", "interventions[0].ramp_weeks must be a whole number"),
    "label not a string": (ONE + "label = 7\ncollaboration = 0.7\n", "interventions[0].label must be a string"),
    "no parameter": (ONE + 'label = "nothing"\n', "interventions[0] changes no parameter"),
    "second entry": (ONE + "collaboration = 0.7\n" + ONE.replace("52", "999") + "governance = 0.7\n", "interventions[1].week = 999"),
    "a number": ("interventions = 3\n", "interventions = 3 is not an array of tables"),
    "an array of numbers": ("interventions = [1, 2]\n", "interventions = [...] is not an array of tables"),
    "one table, not an array": ("[interventions]\nweek = 52\ncollaboration = 0.7\n", "interventions = {...} is not an array of tables"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_bad_intervention_is_one_line_naming_file_and_key(case: str, write_scenario) -> None:
    text, fragment = BAD[case]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(scenario_text(text), name="bad"))
    message = str(caught.value)
    assert "\n" not in message
    assert "bad.toml: " in message
    assert fragment in message


def test_every_parameter_is_either_fixed_or_changeable() -> None:
    assert set(CHANGEABLE) | FIXED_AT_START == set(PARAMETERS)
    assert not set(CHANGEABLE) & FIXED_AT_START


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("case", ["week outside the run", "value out of range", "fixed parameter"])
def test_dtsim_exits_2_with_one_line(
    case: str, command: str, write_scenario, tmp_path: Path, capsys
) -> None:
    text, fragment = BAD[case]
    path = write_scenario(scenario_text(text), name="bad")
    scenarios = [str(path)] if command == "run" else ["siloed", str(path)]
    assert main([command, *scenarios, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dtsim: error: ") and "bad.toml: " in lines[0]
    assert fragment in lines[0]
    assert not (tmp_path / "out").exists()


# --- marks on the figures --------------------------------------------------------------------


def timeseries(names=("siloed", "cdo_turnaround"), replicates: int = 2, weeks: int = 80):
    """A made-up tidy timeseries with the plotted columns: figures need no model run."""
    rng = np.random.default_rng(0)
    rows = []
    for name in names:
        for replicate in range(replicates):
            for week in range(1, weeks + 1):
                row = {"scenario": name, "replicate": replicate, "seed": replicate, "week": week}
                row.update({column: rng.random() for column, _, _ in SERIES_PANELS})
                rows.append(row)
    return pd.DataFrame(rows)


def marks(ax, kind: str) -> list:
    """The intervention artists of one kind on a panel."""
    artists = {"line": ax.lines, "span": ax.patches, "text": ax.texts}[kind]
    return [a for a in artists if a.get_gid() == MARK_GID]


def test_run_figure_marks_every_panel_once_labels_once() -> None:
    frame = timeseries(names=("cdo_turnaround",))
    fig = run_figure(frame, interventions=[CDO, {"week": 70, "governance": 0.8}])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(SERIES_PANELS)
    for ax in axes:
        lines = marks(ax, "line")
        assert sorted(line.get_xdata()[0] for line in lines) == [52, 70]
        assert all(line.get_linestyle() == "--" for line in lines)
        (span,) = marks(ax, "span")  # only the ramped one
        extent = span.get_path().get_extents(span.get_patch_transform())  # data coordinates
        assert (extent.x0, extent.x1) == (52, 52 + 26 - 1)
    assert [t.get_text() for t in marks(axes[0], "text")] == ["CDO appointed"]
    assert not any(marks(ax, "text") for ax in axes[1:])
    assert any("intervention" in t.get_text() for t in fig.legends[0].get_texts())


def test_figures_without_interventions_have_no_marks() -> None:
    frame = timeseries()
    for fig in (run_figure(frame[frame["scenario"] == "siloed"]), compare_figure(frame)):
        for ax in fig.axes:
            assert not marks(ax, "line") and not marks(ax, "span") and not marks(ax, "text")


def test_compare_figure_marks_in_the_scenarios_colour() -> None:
    frame = timeseries()
    fig = compare_figure(frame, interventions={"siloed": (), "cdo_turnaround": (CDO,)})
    ax = fig.axes[0]
    (line,) = marks(ax, "line")
    (data,) = [x for x in ax.lines if x.get_gid() != MARK_GID and x.get_linestyle() == "--"]
    assert line.get_color() == data.get_color()  # cdo_turnaround is the second scenario
    with pytest.raises(ValueError, match="not in the timeseries"):
        compare_figure(frame, interventions={"partnership": (CDO,)})


def test_plot_functions_write_pngs_with_marks(tmp_path: Path) -> None:
    frame = timeseries(weeks=60)
    one = frame[frame["scenario"] == "cdo_turnaround"]
    early = {**CDO, "week": 20, "ramp_weeks": 10}
    run_png = plot_run(one, tmp_path / "run.png", title="t", interventions=[early])
    compare_png = plot_compare(
        frame, tmp_path / "compare.png", interventions={"cdo_turnaround": [early]}
    )
    plain_png = plot_run(one, tmp_path / "plain.png")  # the old signature still works
    for path in (run_png, compare_png, plain_png):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run_png.read_bytes() != plain_png.read_bytes()
