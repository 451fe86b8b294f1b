"""Factors of a sweep that are not parameters: when an intervention starts, and how fast.

"When should the CDO arrive, and how fast should the budget move?" An experiment varies the
week and the ramp of an intervention of its base scenario like any parameter::

    [parameters]
    "interventions[0].week" = { range = [13, 104], count = 8 }   # the week it takes effect
    "interventions[0].ramp_weeks" = [0, 13, 26]                  # weeks its change takes

The index is the intervention's place in the scenario file, counted from 0, as the
scenario's own error messages name it (``interventions[0].week is outside the run``). Every
other value of the intervention (what it changes, its label) stays as the scenario gives it.
A factor reaches a run through :func:`apply_factors`, in the worker (the engine), so the
runs' parameters and the model never see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from simulation.model.params import ParamSpec

FACTOR = re.compile(r"interventions\[(\d+)\]\.(week|ramp_weeks)")
"""An intervention factor's name: the intervention's index and its field."""


def is_factor(name: str) -> bool:
    """Whether ``name`` is an intervention factor rather than a parameter."""
    return FACTOR.fullmatch(name) is not None


def factor_spec(name: str, interventions: Sequence[Mapping[str, Any]], weeks: int) -> ParamSpec:
    """The declaration of a factor: an integer week in ``[1, weeks]`` or a ramp in
    ``[0, weeks]``; ValueError (one line) when the base scenario has no such intervention."""
    match = FACTOR.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not an intervention factor")
    index, field = int(match[1]), match[2]
    if index >= len(interventions):
        have = (
            f"interventions[0] to interventions[{len(interventions) - 1}]"
            if interventions
            else "none: the base scenario has no [[interventions]]"
        )
        raise ValueError(f"the base scenario has no interventions[{index}]; it has {have}")
    item = interventions[index]
    label = str(item.get("label", "")) or f"interventions[{index}]"
    if field == "week":
        return ParamSpec(
            name, int(item["week"]), 1, weeks, "week",
            f"the recorded week {label!r} takes effect", "experiment", "intervention",
        )  # fmt: skip
    return ParamSpec(
        name, int(item.get("ramp_weeks", 0)), 0, weeks, "weeks",
        f"the weeks {label!r} takes to reach its values (0: at once)", "experiment",
        "intervention",
    )  # fmt: skip


def apply_factors(
    point: Mapping[str, Any], interventions: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """A point's parameters (its factors taken out) and the interventions with its factors
    applied: what one run of the point gets."""
    params: dict[str, Any] = {}
    out = [dict(item) for item in interventions]
    for name, value in point.items():
        match = FACTOR.fullmatch(name)
        if match is None:
            params[name] = value
        else:
            out[int(match[1])][match[2]] = int(value)
    return params, tuple(out)


__all__ = ["FACTOR", "apply_factors", "factor_spec", "is_factor"]
