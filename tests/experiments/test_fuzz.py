"""Fuzzing the files a user writes: whatever a scenario or experiment file holds, dtsim either
reads it or says in one line what is wrong, naming the file; never a traceback.

Short form in the suite (a few dozen examples each); ``DTSIM_FUZZ_EXAMPLES=2000 pytest
tests/experiments/test_fuzz.py`` runs the long form.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.experiments.experiment import ExperimentError, load_experiment
from simulation.experiments.scenarios import ScenarioError, load_scenario
from simulation.model.params import PARAMETERS

EXAMPLES = int(os.environ.get("DTSIM_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCENARIO_KEYS = ["title", "story", "parameters", "interventions"]
EXPERIMENT_KEYS = [
    "title",
    "description",
    "scenario",
    "sampler",
    "samples",
    "seed",
    "replicates",
    "weeks",
    "series",
    "levels",
    "parameters",
]
NAMES = [*sorted(PARAMETERS)[:20], "collaboration", "governance", "marketing_budget"]

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(["grid", "lhs", "sobol", "saltelli", "morris", "siloed", "base.toml"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=5),
    st.dictionaries(st.sampled_from(["range", "count", "week", "set"]), scalars, max_size=3),
)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"


def document(top: dict[str, Any], table: dict[str, Any]) -> str:
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in top.items()]
    lines.append("[parameters]")
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def tops(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(max_size=8)), values, max_size=8
    )


tables = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), values, max_size=4)


def one_line_naming(error: Exception, path: Path) -> None:
    message = str(error)
    assert "\n" not in message, message
    assert path.name in message, message


@FUZZ
@given(top=tops(SCENARIO_KEYS), table=tables)
def test_any_scenario_file_is_read_or_refused_in_one_line(
    tmp_path_factory, top: dict[str, Any], table: dict[str, Any]
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.toml"
    text = document({k: v for k, v in top.items() if k != "parameters"}, table)
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as error:
        one_line_naming(error, path)


@FUZZ
@given(top=tops(EXPERIMENT_KEYS), table=tables)
def test_any_experiment_file_is_read_or_refused_in_one_line(
    tmp_path_factory, top: dict[str, Any], table: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "base.toml").write_text(
        'title = "B"\nstory = "S."\n[parameters]\nn_customers = 100\nweeks = 4\n', encoding="utf-8"
    )
    path = folder / "fuzzed.toml"
    path.write_text(document({k: v for k, v in top.items() if k != "parameters"}, table), "utf-8")
    try:
        load_experiment(path)
    except ExperimentError as error:
        one_line_naming(error, path)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_in_one_line(tmp_path_factory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "bytes.toml"
    path.write_bytes(raw)
    for load, error in ((load_scenario, ScenarioError), (load_experiment, ExperimentError)):
        try:
            load(path)
        except error as caught:
            one_line_naming(caught, path)
