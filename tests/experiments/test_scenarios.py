"""Scenario files: the shipped ones load as documented, and every mistake is one clear line."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from simulation.experiments.scenarios import (
    Scenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
    scenario_dir,
)
from simulation.model.params import LEVERS

SHIPPED = ("cdo_led", "cdo_turnaround", "locked_down", "partnership", "shadow_it_boom", "siloed")
EXPECTED_LEVERS = {  # the levers the run starts with
    "siloed": (0.15, 0.5, 0.25),
    "shadow_it_boom": (0.1, 0.15, 0.7),
    "locked_down": (0.15, 0.95, 0.1),
    "partnership": (0.8, 0.5, 0.3),
    "cdo_led": (0.65, 0.6, 0.5),
    "cdo_turnaround": (0.15, 0.5, 0.25),  # siloed's, until its intervention in week 52
}


SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def test_scenario_dir_is_the_repository_folder() -> None:
    assert scenario_dir() == SCENARIO_DIR


def test_list_scenarios_finds_the_six_shipped() -> None:
    assert [s.name for s in list_scenarios()] == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_sets_only_its_levers(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.path == SCENARIO_DIR / f"{name}.toml"
    assert set(scenario.params) == set(LEVERS)
    assert tuple(scenario.params[k] for k in LEVERS) == EXPECTED_LEVERS[name]


def test_only_the_turnaround_changes_course() -> None:
    changing = {s.name for s in list_scenarios() if s.interventions}
    assert changing == {"cdo_turnaround"}
    (cdo,) = load_scenario("cdo_turnaround").interventions
    assert set(cdo) - {"week", "label", "ramp_weeks"} <= set(LEVERS)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_story_is_read_aloud_length(name: str) -> None:
    scenario = load_scenario(name)
    sentences = re.findall(r"[.!?](?:\s|$)", scenario.story)
    assert 3 <= len(sentences) <= 6
    assert "\n" not in scenario.story
    assert scenario.title and "\n" not in scenario.title


def test_load_by_path_and_by_name_agree() -> None:
    assert load_scenario(SCENARIO_DIR / "siloed.toml") == load_scenario("siloed")
    assert load_scenario(str(SCENARIO_DIR / "siloed.toml")) == load_scenario("siloed")


def test_scenario_is_frozen() -> None:
    scenario = load_scenario("siloed")
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.title = "x"  # type: ignore[misc]
    assert isinstance(scenario, Scenario)


def test_values_come_back_in_the_declared_type(write_scenario, valid_toml) -> None:
    path = write_scenario(valid_toml + "n_marketing = 4.0\nreview_work = 2\n")
    params = load_scenario(path).params
    assert params["n_marketing"] == 4 and isinstance(params["n_marketing"], int)
    assert params["review_work"] == 2.0 and isinstance(params["review_work"], float)


def test_parameters_table_may_be_left_out(write_scenario) -> None:
    path = write_scenario('title = "Defaults"\nstory = "Nothing set. All defaults."\n')
    assert load_scenario(path).params == {}


def test_environment_variable_points_to_another_folder(
    write_scenario, valid_toml, monkeypatch
) -> None:
    path = write_scenario(valid_toml, name="elsewhere")
    monkeypatch.setenv("DTSIM_SCENARIOS", str(path.parent))
    assert [s.name for s in list_scenarios()] == ["elsewhere"]
    assert load_scenario("elsewhere").path == path


def test_message_has_the_documented_shape(
    write_scenario, valid_toml, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_scenario(valid_toml.replace("collaboration = 0.15", "collaboration = 1.5"), "foo")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        "scenarios/foo.toml: parameters.collaboration = 1.5 is out of range; "
        "allowed [0.0, 1.0] (0..1)"
    )


BAD_FILES = {
    "unknown top-level key": (
        lambda v: v + "\n[[intervention]]\nweek = 10\n",
        [
            "'intervention'",
            "unknown top-level key",
            "did you mean 'interventions'",
            "allowed: title, story, parameters, interventions",
        ],
    ),
    "misspelt top-level key": (
        lambda v: v.replace("title =", "titel ="),
        ["'titel'", "did you mean 'title'"],
    ),
    "unknown parameter": (
        lambda v: v.replace("collaboration =", "colaboration ="),
        ["parameters.colaboration", "did you mean 'collaboration'"],
    ),
    "string for a number": (
        lambda v: v.replace("governance = 0.5", 'governance = "high"'),
        ["parameters.governance", '"high"', "not a number", "[0.0, 1.0]"],
    ),
    "float for an integer": (
        lambda v: v + "n_marketing = 2.5\n",
        ["parameters.n_marketing = 2.5", "not an integer", "[1, 500]"],
    ),
    "boolean": (
        lambda v: v.replace("governance = 0.5", "governance = true"),
        ["parameters.governance = true", "not a number"],
    ),
    "table for a number": (
        lambda v: v + "[parameters.n_it]\nvalue = 3\n",
        ["parameters.n_it", "not an integer"],
    ),
    "out of range": (
        lambda v: v.replace("marketing_budget = 0.25", "marketing_budget = -0.1"),
        ["parameters.marketing_budget = -0.1", "out of range", "[0.0, 1.0]"],
    ),
    "not a number": (
        lambda v: v.replace("collaboration = 0.15", "collaboration = nan"),
        ["parameters.collaboration = nan", "not a finite number", "[0.0, 1.0]"],
    ),
    "broken TOML": (
        lambda v: v.replace("governance = 0.5", "governance = "),
        ["not valid TOML", "line 6"],
    ),
    "missing title": (
        lambda v: v.replace('title = "A test firm"\n', ""),
        ["missing required key 'title'"],
    ),
    "missing story": (
        lambda v: v.replace(
            'story = "A firm small enough for a test. Nothing else happens."\n', ""
        ),
        ["missing required key 'story'"],
    ),
    "empty title": (
        lambda v: v.replace('title = "A test firm"', 'title = "  "'),
        ["title", "not empty"],
    ),
    "title not a string": (
        lambda v: v.replace('title = "A test firm"', "title = 3"),
        ["title = 3", "string"],
    ),
    "parameters not a table": (
        lambda v: 'title = "t"\nstory = "s."\nparameters = 0.5\n',
        ["parameters = 0.5", "not a table"],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_one_line_naming_file_and_key(case: str, write_scenario, valid_toml) -> None:
    edit, fragments = BAD_FILES[case]
    path = write_scenario(edit(valid_toml), name="bad")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "bad.toml: " in message
    for fragment in fragments:
        assert fragment in message


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(ScenarioError, match=r"latin\.toml: not UTF-8"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.toml: no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("siloedd")
    message = str(caught.value)
    assert "unknown scenario 'siloedd'" in message
    assert "did you mean 'siloed'" in message
    assert "available: " + ", ".join(sorted(SHIPPED)) in message


def test_list_scenarios_fails_on_a_bad_file(write_scenario, valid_toml, monkeypatch) -> None:
    path = write_scenario("bogus = 1\n" + valid_toml)
    monkeypatch.setenv("DTSIM_SCENARIOS", str(path.parent))
    with pytest.raises(ScenarioError, match="unknown top-level key 'bogus'"):
        list_scenarios()
