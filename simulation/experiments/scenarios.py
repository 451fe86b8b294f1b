"""Named scenarios: TOML files that set the levers (and any declared parameter) with a story.

First stop in the flow: ``scenarios/*.toml`` -> :func:`load_scenario` -> validated overrides
for :mod:`simulation.model.params` -> the model. A scenario file is human-edited, so every mistake
in it is reported as one line naming the file, the key and what is allowed, never as a silent
default (docs/ODD.md section 6: an unknown key is an error).

File format::

    title = "The siloed firm"
    story = "..."            # 3-6 sentences an educator can read aloud
    [parameters]             # any name in simulation.model.params.PARAMETERS
    collaboration = 0.15
    [[interventions]]        # optional, any number: a change during the run
    week = 52                # recorded week the change starts (1..weeks)
    label = "CDO appointed"  # optional, marks the figures
    ramp_weeks = 26          # optional: reached linearly over 26 weeks (0: at once)
    collaboration = 0.7      # any parameter not fixed at the start, with its new value

Interventions are checked by :func:`simulation.model.interventions.parse` against the scenario's own
run length; docs/interventions.md describes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.experiments.files import (
    SHIPPED,
    check_keys,
    locate,
    parameter_value,
    read_toml,
    shipped_dir,
)
from simulation.model.interventions import CHANGEABLE, FIXED_AT_START
from simulation.model.interventions import KEYS as INTERVENTION_KEYS
from simulation.model.interventions import parse as parse_interventions
from simulation.model.params import PARAMETERS, ParameterError
from simulation.text import did_you_mean, display_path, one_line, toml_repr

SCENARIO_DIR_ENV = SHIPPED["scenarios"]
SUFFIX = ".toml"
TOP_LEVEL_KEYS: dict[str, str] = {
    "title": "a short name for the scenario (string)",
    "story": "a few sentences an educator can read aloud (string)",
    "parameters": "a table of parameter overrides",
    "interventions": "[[interventions]] tables: changes at a given week",
}
REQUIRED_KEYS: tuple[str, ...] = ("title", "story")


class ScenarioError(ValueError):
    """A scenario cannot be found or its file is invalid; the message is one line."""


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides with the story that motivates it.

    ``interventions`` holds the validated ``[[interventions]]`` tables in file order as plain
    dicts (week, label, ramp_weeks, then the parameters), so a scenario pickles to worker
    processes and goes into a manifest as it is; the model takes them as they are.
    """

    name: str
    title: str
    story: str
    params: dict[str, float | int] = field(default_factory=dict, hash=False)
    path: Path | None = None
    interventions: tuple[dict[str, Any], ...] = field(default=(), hash=False)


def scenario_dir() -> Path:
    """Where named scenarios live: ``$DTSIM_SCENARIOS`` if set, else the shipped folder."""
    return shipped_dir("scenarios")


def list_scenarios() -> list[Scenario]:
    """Every scenario in :func:`scenario_dir`, loaded and validated, sorted by name."""
    return [load_scenario(path) for path in sorted(scenario_dir().glob(f"*{SUFFIX}"))]


def scenario_names() -> list[str]:
    """Names of the scenarios in :func:`scenario_dir` (file stems), sorted; nothing is parsed."""
    return sorted(path.stem for path in scenario_dir().glob(f"*{SUFFIX}"))


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """Load a scenario by name (``siloed``) or by path (``my/firm.toml``) and validate it.

    A string is a path when it ends in ``.toml`` or contains a path separator; otherwise it is
    a name looked up in :func:`scenario_dir`.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = _locate(name_or_path)
    where = display_path(path)
    data, _ = read_toml(path, where, "scenario", ScenarioError)
    if "firm" in data and "parameters" not in data:
        return _firm(data, path, where)
    return _validate(data, path.stem, path, where)


def _firm(data: dict[str, Any], path: Path, where: str) -> Scenario:
    """A firm profile read as a scenario: the firm as it is run today (its ``[firm]`` table),
    so a decision over the firm's posterior starts from the firm the posterior is of."""
    from simulation.experiments.firm import ProfileError, firm_today

    try:
        title, params = firm_today(data, where)
    except ProfileError as exc:
        raise ScenarioError(str(exc)) from None
    story = f"The firm of the profile {where} as it is run today: its levers and its size."
    return Scenario(name=path.stem, title=title, story=story, params=params, path=path)


def _locate(name_or_path: str | Path) -> Path:
    """Path of a scenario file; an unknown name lists the available ones."""
    return locate(name_or_path, "scenario", scenario_dir(), scenario_names(), ScenarioError)


def _validate(data: dict[str, Any], name: str, path: Path, where: str) -> Scenario:
    check_keys(data, TOP_LEVEL_KEYS, where, ScenarioError)
    texts = {}
    for key in REQUIRED_KEYS:
        value = data.get(key)
        if value is None:
            raise ScenarioError(f"{where}: missing required key {key!r} ({TOP_LEVEL_KEYS[key]})")
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(
                f"{where}: {key} = {toml_repr(value)} is not allowed; "
                f"allowed: {TOP_LEVEL_KEYS[key]}, not empty"
            )
        control = next((c for c in value if not c.isprintable() and c not in "\n\t "), None)
        if control is not None:
            raise ScenarioError(
                f"{where}: {key} holds the control character U+{ord(control):04X}; "
                "allowed: plain text (a terminal would act on it)"
            )
        texts[key] = _tidy(value)
    table = data.get("parameters", {})
    if not isinstance(table, dict):
        raise ScenarioError(
            f"{where}: parameters = {toml_repr(table)} is not a table; "
            "allowed: a [parameters] table of name = number"
        )
    params = {name: _check_parameter(name, value, where) for name, value in table.items()}
    weeks = int(params.get("weeks", PARAMETERS["weeks"].default))
    interventions = _check_interventions(data.get("interventions", []), weeks, where)
    return Scenario(
        name=name,
        title=texts["title"],
        story=texts["story"],
        params=params,
        path=path,
        interventions=interventions,
    )


def _check_interventions(items: Any, weeks: int, where: str) -> tuple[dict[str, Any], ...]:
    """The ``[[interventions]]`` tables, validated for a run of ``weeks`` recorded weeks.

    Parameter names and values are checked here so the messages read like those of
    ``[parameters]`` (with a did-you-mean); weeks, ramps, labels and parameters fixed at the
    start are left to :func:`simulation.model.interventions.parse`, the model's own check.
    """
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ScenarioError(
            f"{where}: interventions = {toml_repr(items)} is not an array of tables; "
            "allowed: [[interventions]] tables with week, label, ramp_weeks and parameters"
        )
    for i, item in enumerate(items):
        table = f"interventions[{i}]"
        if "week" not in item:
            raise ScenarioError(
                f"{where}: {table}: missing required key 'week' "
                f"(the recorded week the change starts, 1..{weeks})"
            )
        for key, value in item.items():
            if key in INTERVENTION_KEYS or key in FIXED_AT_START:
                continue
            if key not in PARAMETERS:
                hint = did_you_mean(key, (*INTERVENTION_KEYS, *CHANGEABLE))
                raise ScenarioError(
                    f"{where}: unknown key {table}.{key}{hint}; allowed: week, label, "
                    "ramp_weeks and the parameters in simulation/model/params.py"
                )
            _check_parameter(key, value, where, table)
    try:
        parse_interventions(items, weeks)
    except ParameterError as exc:
        raise ScenarioError(f"{where}: {one_line(str(exc))}") from None
    # One at a time, to keep the file's order (parse sorts by week) with each value in the
    # declared type.
    return tuple(parse_interventions([item], weeks)[0].as_dict() for item in items)


def _check_parameter(name: str, value: Any, where: str, table: str = "parameters") -> float | int:
    return parameter_value(name, value, f"{table}.{name}", where, ScenarioError)


def _tidy(text: str) -> str:
    """Collapse the line breaks of a TOML multi-line string; keep blank-line paragraphs."""
    paragraphs = (" ".join(part.split()) for part in text.strip().split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


__all__ = [
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
    "scenario_dir",
    "scenario_names",
]
